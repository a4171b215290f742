"""``Entity.public()``: browse and validate an ontology source in memory, without importing."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ontolake.ontology_sources.source import OntologySource
    from ontolake.ontology_sources.terms import Term
    from ontolake.registries.bio.vocabulary import InspectResult, Vocabulary
    from ontolake.registries.query.autocomplete import Lookup

__all__ = ["PublicOntology"]


class PublicOntology:
    """A read-only view of one source: search, lookup, validate, inspect, standardize, hierarchy.

    Example:
        >>> cl = ol.bio.CellType.public()
        >>> found = cl.search("T cel")  # ranked: exact > prefix > substring > fuzzy
        >>> list(found.columns)
        ['name', 'synonyms', 'description', 'parents', 'is_obsolete']
        >>> found.index[0], found["name"].iloc[0]
        ('CL:0000084', 'T cell')
        >>> cl.standardize(["T-cell"])
        ['T cell']
        >>> "CL:0000000" in cl.ancestors("CL:0000084")
        True
    """

    def __init__(self, entity: str, source: OntologySource) -> None:
        from ontolake.registries.bio.importer import check_terms

        self.entity = entity
        self.source = source
        self.terms: list[Term] = check_terms(source.terms(), source.spec.location)
        self.by_id = {term.ontology_id: term for term in self.terms}
        self._children: dict[str, list[str]] = {}
        for term in self.terms:
            for relation in term.parents:
                self._children.setdefault(relation.parent_id, []).append(term.ontology_id)
        self._vocabularies: dict[str, Vocabulary] = {}

    @classmethod
    def open(cls, model: type[Any], source: Any = None) -> PublicOntology:
        """The public view of ``source`` (as in ``import_source``) for ``model``."""
        from ontolake.registries.bio.importer import resolve_source

        return cls(model._entity, resolve_source(model, source))

    def __repr__(self) -> str:
        spec = self.source.spec
        return f"PublicOntology({self.entity}: {spec.name} {spec.version}, {len(self.terms)} terms)"

    def __len__(self) -> int:
        return len(self.terms)

    def _field(self, field: Any) -> str:
        """The name of ``field``: a name, or a field of this view's registry."""
        from ontolake.registries import bio
        from ontolake.registries.query.lookups import field_name

        return field_name(getattr(bio, self.entity), field)

    # ---- browsing -------------------------------------------------------------------------
    def to_dataframe(self) -> Any:
        """Every term as a DataFrame indexed by ontology id."""
        return self._frame.copy()

    @cached_property
    def _frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            {
                "name": [term.name for term in self.terms],
                "synonyms": ["|".join(s.text for s in term.synonyms) for term in self.terms],
                "description": [term.definition for term in self.terms],
                "parents": [[r.parent_id for r in term.parents] for term in self.terms],
                "is_obsolete": [term.is_obsolete for term in self.terms],
            },
            index=pd.Index([term.ontology_id for term in self.terms], name="ontology_id"),
        )

    def search(self, text: str, *, limit: int | None = 20) -> Any:
        """Terms ranked by relevance to ``text``, exactly as the registry's ``search`` ranks them.

        Each term's name, ontology id and every synonym are compared with the text (an exact
        synonym is an exact match); see :mod:`ontolake.registries.query.search` for the order.

        Example:
            >>> found = ol.bio.CellType.public().search("T-cell", limit=3)  # a synonym: first
            >>> found["name"].tolist()
            ['T cell', 'T-helper 1 cell', 'T-helper 2 cell']
        """
        from ontolake.registries.query.search import rank_values

        ranked = rank_values(text, *self._search_values, limit=limit)
        return self._frame.iloc[ranked]

    @cached_property
    def _search_values(self) -> tuple[list[int], list[str]]:
        """Flat ``(owners, values)`` as the registry's search reads them.

        Each term's name, ontology id and synonyms, owned by the term's position.
        """
        owners: list[int] = []
        values: list[str] = []
        for index, term in enumerate(self.terms):
            texts = [term.name, term.ontology_id, *(synonym.text for synonym in term.synonyms)]
            texts = [text for text in texts if text]
            owners += [index] * len(texts)
            values += texts
        return owners, values

    def lookup(self, field: Any = "name") -> Lookup:
        """An auto-complete object over the terms' ``name`` (or ``ontology_id``)."""
        from ontolake.registries.query.autocomplete import Lookup

        return Lookup(self.terms, self._field(field), self.entity)

    def ancestors(self, ontology_id: str) -> list[str]:
        """Every ancestor id of a term (all relations), nearest first."""
        return self._walk(ontology_id, lambda term_id: self._parents_of(term_id))

    def descendants(self, ontology_id: str) -> list[str]:
        """Every descendant id of a term (all relations), nearest first."""
        return self._walk(ontology_id, lambda term_id: self._children.get(term_id, []))

    def _parents_of(self, ontology_id: str) -> list[str]:
        term = self.by_id.get(ontology_id)
        return [relation.parent_id for relation in term.parents] if term else []

    def _walk(self, start: str, neighbours: Any) -> list[str]:
        from ontolake.errors import DoesNotExistError

        if start not in self.by_id:
            raise DoesNotExistError(f"{self.source.spec.name} has no term {start!r}.")
        seen: dict[str, None] = {}
        frontier = [start]
        while frontier:
            following: list[str] = []
            for term_id in frontier:
                for neighbour in neighbours(term_id):
                    if neighbour not in seen and neighbour != start:
                        seen[neighbour] = None
                        following.append(neighbour)
            frontier = following
        return list(seen)

    # ---- curation -------------------------------------------------------------------------
    def vocabulary(self, field: Any = "name") -> Vocabulary:
        """The vocabulary of ``field`` over this source.

        ``field`` is ``name`` or ``ontology_id``, or the registry's field itself
        (``ol.bio.CellType.name``).
        """
        from ontolake.registries import bio
        from ontolake.registries.bio.vocabulary import TermEntry, Vocabulary

        field = self._field(field)
        if field not in self._vocabularies:
            if field not in ("name", "ontology_id"):
                raise ValueError(
                    f"public views know the fields name and ontology_id, not {field!r}"
                )
            self._vocabularies[field] = Vocabulary(
                (
                    TermEntry(
                        value=getattr(term, field),
                        name=term.name,
                        ontology_id=term.ontology_id,
                        synonyms=tuple((s.text, s.scope) for s in term.synonyms),
                        is_obsolete=term.is_obsolete,
                        replaced_by=term.replaced_by,
                        consider=term.consider,
                    )
                    for term in self.terms
                ),
                fuzzy=getattr(bio, self.entity).fuzzy_suggestions,
            )
        return self._vocabularies[field]

    def validate(self, values: Any, field: Any = "name") -> Any:
        """Which values are valid ``field`` values of this source (boolean numpy array)."""
        return self.vocabulary(field).validate(values)

    def standardize(self, values: Any, field: Any = "name", **options: Any) -> Any:
        """Canonical ``field`` values for names, synonyms and case variants."""
        return self.vocabulary(field).standardize(values, **options)

    def inspect(self, values: Any, field: Any = "name") -> InspectResult:
        """Validated and non-validated values with suggestions."""
        return self.vocabulary(field).inspect(values)
