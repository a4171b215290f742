"""Which records of a registry are valid labels: one rule for every engine.

The curators, the pandera export (``schema.to_pandera()``) and the registry verbs
(``validate``, ``inspect``, ``standardize``) decide with these rules, from this module:

1. **Obsolete terms are not valid** unless the feature or schema allows them
   (``allow_obsolete=True``). A feature pinned to a source version takes that version's
   verdict on which of its terms are obsolete.
2. **An organism scope** (``organism="mouse"``) keeps only the terms of that organism's
   sources (its gene table, MmusDv for developmental stages).
3. **A value naming several terms in scope is ambiguous**, not valid: two live records
   with the same name (the human and the mouse "adult stage", gene symbols shared by
   several loci) are reported with every candidate, never resolved to one of them.

:class:`LabelScope` holds the options of rules 1 and 2, :func:`scope_conditions` turns them
into SQL conditions, and :func:`valid_labels` applies rule 3 to the rows a query found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ontolake.errors import FeatureDefinitionError, FeatureValueError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from sqlalchemy.sql.elements import ColumnElement

__all__ = [
    "LabelScope",
    "ValidLabels",
    "normalised_organism",
    "scope_conditions",
    "valid_labels",
]


@dataclass(frozen=True)
class LabelScope:
    """The options that decide which terms of an ontology registry are valid labels.

    Example:
        >>> LabelScope.of({"organism": "mouse", "descendants_of": "CL:0000084"})
        LabelScope(allow_obsolete=False, organism='mouse')
    """

    allow_obsolete: bool = False
    """Obsolete terms are valid too (default: they are not)."""
    organism: str | None = None
    """Only the terms of this organism's sources (``"human"``, ``"mouse"``) are valid."""

    @classmethod
    def of(cls, options: Mapping[str, Any] | None) -> LabelScope:
        """The scope held by a feature's ``cat_filters`` (or any mapping with its keys)."""
        options = options or {}
        organism = options.get("organism")
        return cls(bool(options.get("allow_obsolete", False)), organism or None)

    def options(self) -> dict[str, Any]:
        """The non-default options, as stored in a feature's ``cat_filters``.

        Example:
            >>> LabelScope(organism="mouse").options()
            {'organism': 'mouse'}
        """
        found: dict[str, Any] = {}
        if self.allow_obsolete:
            found["allow_obsolete"] = True
        if self.organism is not None:
            found["organism"] = self.organism
        return found


def normalised_organism(organism: Any, where: str) -> str | None:
    """The organism as sources name it (lower case, ``"mouse"``), or None.

    Raises:
        FeatureDefinitionError: ``organism`` is no non-empty string.
    """
    if organism is None:
        return None
    if not isinstance(organism, str) or not organism.strip():
        raise FeatureDefinitionError(
            f"{where}: organism takes the name of an organism as sources name it, such as "
            f"'human' or 'mouse'; got {organism!r}."
        )
    return organism.strip().lower()


def scope_conditions(
    session: Session, model: Any, scope: LabelScope, *, pinned: bool, where: str
) -> list[ColumnElement[bool]]:
    """The SQL conditions of rules 1 and 2 on the records of ``model``.

    ``pinned``: the feature is pinned to a source version, which says itself which of its
    terms are obsolete (the caller joins its membership).

    Raises:
        FeatureValueError: the scope names an organism of which no source of the registry
            is imported (the message lists those that are, and the import command).
    """
    conditions: list[Any] = []
    if hasattr(model, "is_obsolete") and not scope.allow_obsolete and not pinned:
        conditions.append(model.is_obsolete.is_(False))
    if scope.organism is not None:
        conditions.append(_of_organism(session, model, scope.organism, where))
    return conditions


def _of_organism(session: Session, model: Any, organism: str, where: str) -> Any:
    from ontolake.registries.bio.source import Source

    entity = getattr(model, "_entity", "")
    if not entity:
        raise FeatureValueError(
            f"{where}: organism={organism!r} scopes ontology registries (such as "
            f"bio.Gene); {model.__name__} has no organisms.",
            feature=where,
        )
    rows = session.execute(
        select(Source.id, Source.organism).where(Source.entity == entity).order_by(Source.id)
    ).all()
    source_ids = [source_id for source_id, name in rows if (name or "").lower() == organism]
    if not source_ids:
        known = sorted({name for _, name in rows if name})
        have = (
            f"imported organisms: {', '.join(known)}"
            if known
            else f"no imported {entity} source is specific to an organism"
        )
        raise FeatureValueError(
            f"{where}: no {entity} source of organism {organism!r} is imported ({have}): "
            f"ol.bio.{entity}.import_source(organism={organism!r}).",
            feature=where,
        )
    members = model.membership_table
    return model.id.in_(select(members.c.record_id).where(members.c.source_id.in_(source_ids)))


@dataclass(frozen=True)
class ValidLabels:
    """The values that name exactly one term in scope, and the ambiguous ones (rule 3).

    Example:
        >>> labels = valid_labels([("T cell", "CL:0000084"), ("adult stage", "HsapDv:0000258"),
        ...                        ("adult stage", "MmusDv:0000040")])
        >>> sorted(labels.valid), labels.ambiguous
        (['T cell'], {'adult stage': ('HsapDv:0000258', 'MmusDv:0000040')})
    """

    valid: frozenset[str]
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Value → the ids of every term it names (sorted)."""

    def merged(self, other: ValidLabels) -> ValidLabels:
        """The labels of a union of registries: a value valid in either one is valid."""
        valid = self.valid | other.valid
        ambiguous = {
            value: ids
            for value, ids in sorted({**other.ambiguous, **self.ambiguous}.items())
            if value not in valid
        }
        return ValidLabels(valid, ambiguous)


def valid_labels(rows: Iterable[tuple[str, str | None]]) -> ValidLabels:
    """Rule 3 over ``(value, term id)`` rows of the terms in scope (rules 1 and 2 applied).

    A value found on rows of one id (or of no id: a registry without ids) is valid; on
    rows of several distinct ids, ambiguous.
    """
    pairs = [(str(value), term_id) for value, term_id in rows if value is not None]
    values = frozenset(value for value, _ in pairs)
    if len(values) == len(pairs):
        return ValidLabels(values)  # no value repeats (the common case)
    counts = Counter(value for value, _ in pairs)
    shared: dict[str, set[str | None]] = {}
    for value, term_id in pairs:
        if counts[value] > 1:
            shared.setdefault(value, set()).add(term_id)
    ambiguous = {
        value: tuple(sorted(str(term_id) for term_id in ids))
        for value, ids in sorted(shared.items())
        if len(ids) > 1
    }
    return ValidLabels(values - ambiguous.keys(), ambiguous)
