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
    "detect_name",
    "detect_version",
    "file_name_conflict",
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
    value = _declared(location, patterns)
    if value is None:
        return None
    release = _RELEASE.search(value + "/")
    return release.group(1) if release else value


def detect_name(location: str, format: str) -> str | None:
    """The ontology name a file declares (OBO ``ontology:``, the ontology's IRI), if any.

    A name some format's ``file_name`` pattern matches gives its ``name`` group. An IRI
    under ``http://purl.obolibrary.org/obo/`` gives its first path segment (``…/obo/hp.owl``
    and ``…/obo/uberon/core.owl`` → ``hp``, ``uberon``), another its last; file suffixes
    are dropped and the name is lower-cased.

    Example:
        >>> detect_name("hp.owl", "owl")  # its ontology is http://purl.obolibrary.org/obo/hp.obo.owl
        'hp'
    """
    matched = _file_name_match(_basename(location))
    if matched:
        return matched["name"].lower()
    patterns = next((r.name_patterns for r in FORMATS if r.name == format), ())
    value = _declared(location, patterns)
    if not value:
        return None
    obo = re.search(r"/obo/([^/#?]+)", value)
    value = obo.group(1) if obo else re.split(r"[/#]", value.rstrip("/#"))[-1]
    value = value.split("/", 1)[0].lower()
    while value.endswith((".obo", ".owl", ".json", ".gz")):
        value = value.rsplit(".", 1)[0]
    return value or None


def file_name_conflict(location: str, name: str | None, version: str | None) -> str | None:
    """What a file's name says against the ``name`` and ``version`` its header declares.

    The file name contradicts the header when its leading word is not the start of ``name``
    or when it holds a year-led release (``hp-2024.obo``) that is not the start of
    ``version``'s numbers. The header wins; this tells the user. None: no contradiction
    (or nothing declared to contradict).

    Example:
        >>> file_name_conflict("hp-2024.obo", "hp", "2025-01-16")
        'its name says version 2024, its header declares hp 2025-01-16'
        >>> file_name_conflict("hp-2025.obo", "hp", "2025-01-16") is None
        True
    """
    if _file_name_match(_basename(location)):
        return None
    stem = default_name(location)
    said: list[str] = []
    word = re.match(r"[a-z0-9]+", stem)
    if name and word and not (word[0].startswith(name) or name.startswith(word[0])):
        said.append(f"ontology {word[0]!r}")
    release = re.search(r"(?<!\d)(?:19|20)\d\d(?:[-_.]?\d\d){0,2}(?!\d)", stem)
    if version and release:
        numbers = tuple(int(n) for n in re.findall(r"\d+", _compact(release[0])))
        declared = tuple(int(n) for n in re.findall(r"\d+", version))
        if declared[: len(numbers)] != numbers:
            said.append(f"version {release[0]}")
    if not said:
        return None
    declared_as = " ".join(part for part in (name or "version", version) if part)
    return f"its name says {' and '.join(said)}, its header declares {declared_as}"


def _compact(release: str) -> str:
    """``20250116`` as ``2025-01-16`` (a date written without separators)."""
    digits = re.sub(r"\D", "", release)
    return "-".join(digits[i : i + n] for i, n in ((0, 4), (4, 2), (6, 2)) if digits[i : i + n])


def _declared(location: str, patterns: tuple[re.Pattern[str], ...]) -> str | None:
    """The first group of the first pattern found in the first 64 KiB of text."""
    if not patterns:
        return None
    text = _head(location).decode("utf-8", errors="replace")
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return found.group(1).strip()
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
