"""The shapes of a dataset convention's rules: term constraints, conditions, rules, columns.

A :class:`Column` of a convention has a kind (term ids, a categorical, a boolean), its own
constraint, and :class:`Rule` objects that apply to the rows meeting their
:class:`Condition` objects (a value of another column or of ``uns``). A
:class:`TermConstraint` says which ontologies, terms and ancestors are allowed or forbidden.
:mod:`ontolake.schemas.cellxgene` writes the CELLxGENE convention with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Column", "Condition", "Rule", "SlotRule", "TermConstraint"]


@dataclass(frozen=True)
class TermConstraint:
    """What a term id must be: its ontologies, allowed and forbidden terms and ancestors.

    ``ontologies=("NA",)`` means only the exceptions are valid. ``allowed_terms`` maps an
    ontology to the terms it allows (``("all",)`` for every term); ``allowed_ancestors`` to
    the terms whose descendants are allowed.
    """

    ontologies: tuple[str, ...]
    exceptions: tuple[str, ...] = ()
    allowed_terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    allowed_ancestors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    forbidden_terms: tuple[str, ...] = ()
    forbidden_ancestors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    multi_term: bool = False
    """Several terms joined by ``" || "``, in ascending order, without duplicates."""
    multi_term_ontologies: tuple[str, ...] = ()
    """When several terms are given, each must also belong to one of these ontologies."""

    @property
    def is_restricted(self) -> bool:
        """True when an allow-list applies (terms or ancestors)."""
        return bool(self.allowed_terms or self.allowed_ancestors)


@dataclass(frozen=True)
class Condition:
    """Which rows a rule applies to: a column's (or ``uns`` key's) value matches.

    ``match`` / ``exclude`` list exact values; ``match_descendants_of`` /
    ``exclude_descendants_of`` terms whose descendants (and themselves) match.
    """

    column: str | None = None
    uns_key: str | None = None
    match: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    match_descendants_of: tuple[str, ...] = ()
    exclude_descendants_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """A constraint for the rows that meet all ``when`` conditions."""

    when: tuple[Condition, ...]
    terms: TermConstraint | None = None
    enum: tuple[str, ...] | None = None
    message: str = ""


@dataclass(frozen=True)
class Column:
    """One ``obs`` column of the convention."""

    name: str
    kind: str
    """``curie`` (term ids), ``categorical`` (a pandas Categorical of strings) or ``bool``."""
    terms: TermConstraint | None = None
    enum: tuple[str, ...] | None = None
    forbidden: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    message: str = ""
    unmatched: str = ""
    """The id of the warning given when a row meets none of ``rules`` (empty: none)."""


@dataclass(frozen=True)
class SlotRule:
    """One rule of a convention about a part of a dataset: its matrices, keys and frames.

    ``severity`` is ``error`` (the dataset is invalid) or ``warning`` (a recommendation the
    report states without changing the verdict); ``says`` is the rule as a person reads it.
    """

    id: str
    slot: str
    severity: str
    says: str
