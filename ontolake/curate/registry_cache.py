"""Valid labels, names and vocabularies of the registries, loaded once per curator.

A curator checks many columns against the same registries; :class:`RegistryCache` asks
each registry once (through :func:`~ontolake.registries.feature_labels.allowed_labels` and
:func:`~ontolake.registries.feature_labels.itype_labels`, the functions ``to_pandera()``
calls too, so both engines give one verdict) and keeps the result until records are added
(:meth:`RegistryCache.forget`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ontolake.registries.label_scope import LabelScope, ValidLabels

if TYPE_CHECKING:
    from ontolake.registries.bio.vocabulary import Vocabulary
    from ontolake.registries.features import Feature
    from ontolake.schemas.dtypes import CatTarget, DType

__all__ = ["RegistryCache"]


class RegistryCache:
    """Valid labels and vocabularies of registries, loaded once per curator."""

    def __init__(self) -> None:
        self._labels: dict[tuple[str, str], ValidLabels] = {}
        self._vocabularies: dict[tuple[str, LabelScope], Vocabulary] = {}
        self._names: dict[tuple[str, LabelScope], ValidLabels] = {}
        self._lists: dict[tuple[str, str], list[str]] = {}

    def labels(self, feature: Feature, dtype: DType) -> ValidLabels:
        """The valid labels of a categorical feature and its ambiguous values.

        Its filters and scope apply (obsolete terms only when allowed; a feature pinned to
        a source version takes that version's terms and verdict on obsolescence).

        Raises:
            FeatureValueError: a filter names something missing (a record type, a term, a
                source version, an organism); the message says what to import or create.
        """
        from ontolake.instance.session import current_instance
        from ontolake.registries.feature_labels import allowed_labels

        key = _key(feature, dtype)
        if key not in self._labels:
            with current_instance().read() as session:
                self._labels[key] = allowed_labels(session, feature, dtype)
        return self._labels[key]

    def allowed(self, feature: Feature, dtype: DType) -> frozenset[str]:
        """The valid values of a categorical feature (see :meth:`labels`)."""
        return self.labels(feature, dtype).valid

    def allowed_list(self, feature: Feature, dtype: DType) -> list[str]:
        """``allowed`` as a list (what ``Series.isin`` takes without copying)."""
        key = _key(feature, dtype)
        if key not in self._lists:
            self._lists[key] = list(self.allowed(feature, dtype))
        return self._lists[key]

    def vocabulary(self, dtype: DType, scope: LabelScope | None = None) -> Vocabulary:
        """Every spelling of the labels of ``dtype``'s registries in ``scope`` (suggestions)."""
        scope = scope or LabelScope()
        key = (str(dtype), scope)
        if key not in self._vocabularies:
            from ontolake.registries.bio.vocabulary import Vocabulary

            parts = [_vocabulary_of(target, scope) for target in dtype.targets]
            versioned = next((part.versioned_id for part in parts if part.versioned_id), None)
            entries = [entry for part in parts for entry in part.entries]
            fuzzy = all(part.fuzzy for part in parts)
            self._vocabularies[key] = Vocabulary(
                entries, versioned_id=versioned, fuzzy=fuzzy, allow_obsolete=scope.allow_obsolete
            )
        return self._vocabularies[key]

    def name_labels(self, itype: str, scope: LabelScope | None = None) -> ValidLabels:
        """The valid names of an itype (``Feature`` or a registry field) in ``scope``."""
        scope = scope or LabelScope()
        if (itype, scope) not in self._names:
            from ontolake.schemas.compose import itype_names

            self._names[itype, scope] = itype_names(itype, scope)
        return self._names[itype, scope]

    def names(self, itype: str, scope: LabelScope | None = None) -> frozenset[str]:
        """The valid names of an itype (see :meth:`name_labels`)."""
        return self.name_labels(itype, scope).valid

    def forget(self) -> None:
        """Drop everything loaded (after records were added)."""
        self._labels.clear()
        self._lists.clear()
        self._vocabularies.clear()
        self._names.clear()


def _key(feature: Feature, dtype: DType) -> tuple[str, str]:
    return str(dtype), json.dumps(feature.cat_filters or {}, sort_keys=True, default=str)


def _vocabulary_of(target: CatTarget, scope: LabelScope) -> Vocabulary:
    from sqlalchemy import select

    from ontolake.instance.session import current_instance
    from ontolake.registries.bio.vocabulary import TermEntry, Vocabulary

    model = target.model
    if hasattr(model, "synonym_table"):
        vocabulary: Vocabulary = Vocabulary.from_registry(model, target.field, scope)
        return vocabulary
    column = getattr(model, target.field)
    conditions = [model.is_trashed.is_(False)] if hasattr(model, "is_trashed") else []
    with current_instance().read() as session:
        rows = session.execute(select(column, model.name).where(*conditions)).all()
    return Vocabulary(
        TermEntry(value=str(value), name=str(name)) for value, name in rows if value is not None
    )
