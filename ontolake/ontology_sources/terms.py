"""The normalised shape every ontology reader yields, whatever the file format.

A :class:`Term` carries what registries store: its id and name, synonyms with their scope,
a definition, its direct parents with the relation to each, and obsolescence (with the
terms that replace it). Readers never return format-specific objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RELATION_TYPES", "SYNONYM_SCOPES", "Relation", "Synonym", "Term"]

SYNONYM_SCOPES = ("exact", "broad", "narrow", "related", "approved", "previous", "alias")
"""OBO synonym scopes (formats without scopes, CELLxGENE JSON, report ``related``), then the
scopes of a gene's past names (:mod:`~ontolake.ontology_sources.gene_history`)."""

RELATION_TYPES = ("is_a", "part_of", "parent", "ancestor")
"""``parent`` is a direct parent whose relation the source does not name; ``ancestor`` the
nearest ancestor kept by a release that left out the terms in between."""


@dataclass(frozen=True, slots=True)
class Synonym:
    """An alternative name of a term and how close it is (``exact``, ``broad`` …).

    Example:
        >>> Synonym("T-cell", "exact")
        Synonym(text='T-cell', scope='exact')
    """

    text: str
    scope: str = "related"


@dataclass(frozen=True, slots=True)
class Relation:
    """A direct parent of a term: its id and the relation (``is_a``, ``part_of``, ``parent``).

    Example:
        >>> Relation("CL:0000542", "is_a")
        Relation(parent_id='CL:0000542', type='is_a')
    """

    parent_id: str
    type: str = "is_a"


@dataclass(frozen=True, slots=True)
class Term:
    """One ontology term, normalised.

    Example:
        >>> Term("CL:0000084", "T cell", synonyms=(Synonym("T-cell", "exact"),),
        ...      parents=(Relation("CL:0000542", "is_a"),))  # doctest: +ELLIPSIS
        Term(ontology_id='CL:0000084', name='T cell', ...)
    """

    ontology_id: str
    name: str
    definition: str | None = None
    synonyms: tuple[Synonym, ...] = ()
    parents: tuple[Relation, ...] = ()
    is_obsolete: bool = False
    replaced_by: tuple[str, ...] = ()
    consider: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
    """Format-specific fields a registry may keep (e.g. a gene's biotype or version)."""
