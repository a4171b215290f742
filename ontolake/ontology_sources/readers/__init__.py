"""Readers: one per file format, each turning a binary stream into normalised terms.

Every reader is a function ``read(handle, label) -> Iterator[Term]``: ``handle`` is the
decompressed content, ``label`` names the file in error messages. Readers are imported
on first use, so their heavy dependencies load only when a file of that format is read.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, BinaryIO, cast

from ontolake.errors import OntologyFormatError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ontolake.ontology_sources.terms import Term

__all__ = ["get_reader"]

_READERS = {
    "obo": ("ontolake.ontology_sources.readers.obo", "read_obo"),
    "owl": ("ontolake.ontology_sources.readers.owl", "read_owl"),
    "obographs": ("ontolake.ontology_sources.readers.obograph", "read_obograph"),
    "cellxgene": ("ontolake.ontology_sources.readers.cellxgene", "read_cellxgene"),
    "gene_table": ("ontolake.ontology_sources.readers.gene_table", "read_gene_table"),
}


def get_reader(format: str) -> Callable[[BinaryIO, str], Iterator[Term]]:
    """The reader function of ``format``.

    Raises:
        OntologyFormatError: no reader exists for ``format``.

    Example:
        >>> get_reader("obo").__name__
        'read_obo'
    """
    try:
        module, function = _READERS[format]
    except KeyError:
        raise OntologyFormatError(
            f"No reader for format {format!r}: use one of {', '.join(_READERS)}."
        ) from None
    return cast(
        "Callable[[BinaryIO, str], Iterator[Term]]", getattr(import_module(module), function)
    )
