"""Valid labels, names and vocabularies of the registries, loaded once per curator.

A curator checks many columns against the same registries; :class:`RegistryCache` queries
each registry (with a feature's filters applied, obsolete terms left out) once and keeps the
result until records are added (:meth:`RegistryCache.forget`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ontolake.registries.bio.vocabulary import Vocabulary
    from ontolake.registries.features import Feature
    from ontolake.schemas.dtypes import CatTarget, DType

__all__ = ["RegistryCache"]


class RegistryCache:
    """Valid labels and vocabularies of registries, loaded once per curator."""

    def __init__(self) -> None:
        self._allowed: dict[tuple[str, str], set[str]] = {}
        self._vocabularies: dict[str, Vocabulary] = {}
        self._names: dict[str, set[str]] = {}
        self._lists: dict[tuple[str, str], list[str]] = {}

    def allowed(self, feature: Feature, dtype: DType) -> set[str]:
        """The valid values of a categorical feature: its filters applied, obsolete excluded.

        A feature pinned to a source version takes the terms that version holds and does
        not mark obsolete, whatever the current version says.

        Raises:
            FeatureValueError: a filter names something missing (a record type, a term, a
                source version); the message says what to import or create.
        """
        from sqlalchemy import select

        from ontolake.instance.session import current_instance
        from ontolake.registries.feature_labels import target_conditions

        key = (str(dtype), json.dumps(feature.cat_filters or {}, sort_keys=True, default=str))
        if key not in self._allowed:
            pinned = "source" in (feature.cat_filters or {})
            allowed: set[str] = set()
            with current_instance().read() as session:
                for target in dtype.targets:
                    model = target.model
                    column = getattr(model, target.field)
                    conditions = list(target_conditions(session, feature, target))
                    if hasattr(model, "is_obsolete") and not pinned:
                        # a pinned version says itself which of its terms are obsolete
                        conditions.append(model.is_obsolete.is_(False))
                    rows = session.execute(select(column).where(*conditions)).scalars()
                    allowed.update(str(value) for value in rows if value is not None)
            self._allowed[key] = allowed
        return self._allowed[key]

    def allowed_list(self, feature: Feature, dtype: DType) -> list[str]:
        """``allowed`` as a list (what ``Series.isin`` takes without copying)."""
        key = (str(dtype), json.dumps(feature.cat_filters or {}, sort_keys=True, default=str))
        if key not in self._lists:
            self._lists[key] = list(self.allowed(feature, dtype))
        return self._lists[key]

    def vocabulary(self, dtype: DType) -> Vocabulary:
        """Every spelling of the labels of ``dtype``'s registries (for suggestions)."""
        key = str(dtype)
        if key not in self._vocabularies:
            from ontolake.registries.bio.vocabulary import Vocabulary

            parts = [_vocabulary_of(target) for target in dtype.targets]
            versioned = next((part.versioned_id for part in parts if part.versioned_id), None)
            entries = [entry for part in parts for entry in part.entries]
            fuzzy = all(part.fuzzy for part in parts)
            self._vocabularies[key] = Vocabulary(entries, versioned_id=versioned, fuzzy=fuzzy)
        return self._vocabularies[key]

    def names(self, itype: str) -> set[str]:
        """The valid names of an itype (``Feature`` or a registry field), obsolete excluded."""
        if itype not in self._names:
            from sqlalchemy import select

            from ontolake.instance.session import current_instance
            from ontolake.registries.features import Feature
            from ontolake.schemas.dtypes import parse_dtype

            with current_instance().read() as session:
                if itype == "Feature":
                    found = set(session.execute(select(Feature.name)).scalars())
                else:
                    target = parse_dtype(f"cat[{itype}]").targets[0]
                    model = target.model
                    conditions = []
                    for flag in ("is_trashed", "is_obsolete"):
                        if hasattr(model, flag):
                            conditions.append(getattr(model, flag).is_(False))
                    column = getattr(model, target.field)
                    found = {
                        str(value)
                        for value in session.execute(select(column).where(*conditions)).scalars()
                        if value is not None
                    }
            self._names[itype] = found
        return self._names[itype]

    def forget(self) -> None:
        """Drop everything loaded (after records were added)."""
        self._allowed.clear()
        self._lists.clear()
        self._vocabularies.clear()
        self._names.clear()


def _vocabulary_of(target: CatTarget) -> Vocabulary:
    from sqlalchemy import select

    from ontolake.instance.session import current_instance
    from ontolake.registries.bio.vocabulary import TermEntry, Vocabulary

    model = target.model
    if hasattr(model, "synonym_table"):
        vocabulary: Vocabulary = Vocabulary.from_registry(model, target.field)
        return vocabulary
    column = getattr(model, target.field)
    conditions = [model.is_trashed.is_(False)] if hasattr(model, "is_trashed") else []
    with current_instance().read() as session:
        rows = session.execute(select(column, model.name).where(*conditions)).all()
    return Vocabulary(
        TermEntry(value=str(value), name=str(name)) for value, name in rows if value is not None
    )
