"""Ontology file formats: one record each in :data:`FORMATS`, and what the table tells.

Each format is a module of this package ending with an
:class:`~ontolake.ontology_sources.formats.base.OntologyFormat` record named ``FORMAT``:
``obo`` (OBO 1.2/1.4), ``owl`` (RDF/XML), ``obographs`` (OBO-Graph JSON), ``cellxgene``
(the JSON files of ``cellxgene-ontology-guide``, usually zstd-compressed) and ``gene_table``
(headerless ``gene_id,gene_name,gene_version,gene_length,gene_type`` CSV). The table gives a
file's format, default source name, declared version and reader.

A file's format is told, in this order:

1. from its name: the longest suffix of any record that the lower-cased file name ends with;
2. else from its content: the first 64 KiB, decompressed, go to each record's ``sniff`` in
   table order, and the first that accepts decides. Where two sniffs accept the same bytes
   the earlier one wins: OBO (its tags at the start of any line) before OWL (any XML), and
   OBO-Graph JSON (an object whose first key is ``graphs``, ``meta`` …) before CELLxGENE
   JSON (any other object); gene tables come last.

A new format is a new module here plus one line in :data:`FORMATS`; a format defined
outside ontolake is added with :func:`register_format`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, BinaryIO

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.formats import cellxgene_json, gene_table, obo, obograph, owl
from ontolake.ontology_sources.formats.base import OntologyFormat
from ontolake.ontology_sources.locations import display_name, open_binary

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ontolake.ontology_sources.terms import Term

__all__ = [
    "FORMATS",
    "OntologyFormat",
    "default_name",
    "detect_format",
    "detect_version",
    "format_names",
    "get_format",
    "get_reader",
    "register_format",
]

FORMATS: tuple[OntologyFormat, ...] = (
    obo.FORMAT,
    owl.FORMAT,
    obograph.FORMAT,
    cellxgene_json.FORMAT,
    gene_table.FORMAT,
)
"""Every format ontolake reads, in the order their ``sniff`` functions are tried."""

_HEAD_BYTES = 64 * 1024
_LEADING = b"\xef\xbb\xbf \t\r\n"
"""A UTF-8 byte-order mark and white space, removed before sniffing."""
_RELEASE = re.compile(r"releases/([^/]+)/")


def format_names() -> tuple[str, ...]:
    """The names of the known formats, in table order.

    Example:
        >>> format_names()
        ('obo', 'owl', 'obographs', 'cellxgene', 'gene_table')
    """
    return tuple(record.name for record in FORMATS)


def get_format(name: str) -> OntologyFormat:
    """The record of the format called ``name``.

    Raises:
        OntologyFormatError: no format has that name (the message lists the known ones).

    Example:
        >>> get_format("obo").suffixes
        ('.obo', '.obo.gz')
    """
    for record in FORMATS:
        if record.name == name:
            return record
    raise OntologyFormatError(
        f"No reader for format {name!r}: use one of {', '.join(format_names())}."
    )


def get_reader(format: str) -> Callable[[BinaryIO, str], Iterator[Term]]:
    """The reader function of ``format``.

    Raises:
        OntologyFormatError: no reader exists for ``format``.

    Example:
        >>> get_reader("obo").__name__
        'read_obo'
    """
    return get_format(format).read


def register_format(record: OntologyFormat, *, before: str | None = None) -> None:
    """Add a format to :data:`FORMATS`: at the end, or just before the format ``before``.

    From then on, in this process, every file given by location (``import_source``,
    ``open_source``) whose name ends with one of its suffixes is read with it, and its
    ``sniff`` is tried right after those of the formats before it in the table.

    Raises:
        OntologyFormatError: the name or a suffix is already taken, or ``before`` is unknown.

    Example:
        >>> from ontolake.ontology_sources import formats
        >>> from ontolake.ontology_sources.formats.gene_table import read_gene_table
        >>> table = formats.FORMATS
        >>> register_format(OntologyFormat("genes", read_gene_table, suffixes=(".genes",)))
        >>> detect_format("mouse.genes"), format_names()[-1]
        ('genes', 'genes')
        >>> formats.FORMATS = table  # the table as it was
    """
    global FORMATS
    names = format_names()
    if record.name in names:
        raise OntologyFormatError(f"An ontology format named {record.name!r} already exists.")
    for other in FORMATS:
        taken = set(record.suffixes) & set(other.suffixes)
        if taken:
            raise OntologyFormatError(
                f"Ontology format {record.name!r}: the suffix {min(taken)!r} already belongs "
                f"to {other.name!r}."
            )
    if before is not None and before not in names:
        raise OntologyFormatError(
            f"Cannot register {record.name!r} before {before!r}: no such format; use one of "
            f"{', '.join(names)}."
        )
    position = names.index(before) if before is not None else len(FORMATS)
    FORMATS = (*FORMATS[:position], record, *FORMATS[position:])


def _basename(location: str) -> str:
    return location.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def detect_format(location: str) -> str:
    """The format of the file at ``location``: from its suffix, else from its first bytes.

    Raises:
        OntologyFormatError: the format cannot be told.

    Example:
        >>> detect_format("cl.obo"), detect_format("CL-ontology-v2025-02-13.json.zst")
        ('obo', 'cellxgene')
    """
    name = _basename(location).lower()
    matches = [
        (len(suffix), record.name)
        for record in FORMATS
        for suffix in record.suffixes
        if name.endswith(suffix)
    ]
    if matches:
        return max(matches, key=lambda match: match[0])[1]
    head = _head(location).lstrip(_LEADING)
    for record in FORMATS:
        if record.sniff is not None and record.sniff(head):
            return record.name
    raise OntologyFormatError(
        f"{display_name(location)}: cannot tell its format from the name or the content; "
        f"pass format= one of {', '.join(format_names())}."
    )


def default_name(location: str) -> str:
    """A source name for a file: its lower-cased stem (``cl`` for ``cl.obo``).

    A name some format's ``file_name`` pattern matches gives its ``name`` group instead.

    Example:
        >>> default_name("s3://b/CL-ontology-v2025-02-13.json.zst"), default_name("hp.obo")
        ('cl', 'hp')
    """
    name = _basename(location)
    matched = _file_name_match(name)
    if matched:
        return matched["name"].lower()
    endings = tuple(
        {f".{part}" for record in FORMATS for s in record.suffixes for part in s.split(".")[1:]}
    )
    lowered = name.lower()
    while lowered.endswith(endings):
        lowered = lowered.rsplit(".", 1)[0]
    return lowered or "ontology"


def detect_version(location: str, format: str) -> str | None:
    """The version a file declares (OBO ``data-version``, OWL ``versionIRI`` …), if any.

    A name some format's ``file_name`` pattern matches gives its ``version`` group; else the
    ``version_patterns`` of ``format`` are searched in the first 64 KiB. A release path such
    as ``hp/releases/2025-01-16/hp.owl`` gives ``2025-01-16``.

    Example:
        >>> detect_version("CL-ontology-v2025-02-13.json.zst", "cellxgene")
        'v2025-02-13'
    """
    matched = _file_name_match(_basename(location))
    if matched:
        return matched["version"]
    patterns = next((r.version_patterns for r in FORMATS if r.name == format), ())
    if not patterns:
        return None
    text = _head(location).decode("utf-8", errors="replace")
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            value = found.group(1).strip()
            release = _RELEASE.search(value + "/")
            return release.group(1) if release else value
    return None


def _file_name_match(name: str) -> re.Match[str] | None:
    """The first match of a format's ``file_name`` pattern, in table order."""
    for record in FORMATS:
        if record.file_name is not None:
            matched = record.file_name.match(name)
            if matched:
                return matched
    return None


def _head(location: str) -> bytes:
    with open_binary(location) as handle:
        return handle.read(_HEAD_BYTES)
