"""Telling an ontology file's format, name and version from its location and first bytes.

Formats: ``obo`` (OBO 1.2/1.4), ``owl`` (RDF/XML), ``obographs`` (OBO-Graph JSON),
``cellxgene`` (the JSON files of ``cellxgene-ontology-guide``, usually zstd-compressed) and
``gene_table`` (headerless ``gene_id,gene_name,gene_version,gene_length,gene_type`` CSV).
"""

from __future__ import annotations

import re

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.locations import display_name, open_binary

__all__ = ["FORMATS", "default_name", "detect_format", "detect_version"]

FORMATS = ("obo", "owl", "obographs", "cellxgene", "gene_table")

_SUFFIXES = (
    (".json.zst", "cellxgene"),
    (".json.zstd", "cellxgene"),
    (".obo", "obo"),
    (".obo.gz", "obo"),
    (".owl", "owl"),
    (".owl.gz", "owl"),
    (".rdf", "owl"),
    (".xml", "owl"),
    (".csv", "gene_table"),
    (".csv.gz", "gene_table"),
)
_STRIP = (".zst", ".zstd", ".gz", ".json", ".obo", ".owl", ".rdf", ".xml", ".csv")
_OBOGRAPH_KEYS = {"graphs", "meta", "@context", "nodes", "edges", "id"}
_HEAD_BYTES = 64 * 1024
_CELLXGENE_FILE = re.compile(r"^(?P<name>.+?)-ontology-(?P<version>.+?)\.json", re.IGNORECASE)
_GENE_ROW = re.compile(rb"^[^,\s]+,[^,\n]*,[^,\n]*,\d*,[^,\n]+\r?$", re.MULTILINE)
_VERSIONS = {
    "obo": (
        re.compile(r"^data-version:\s*(\S+)", re.MULTILINE),
        re.compile(r'^property_value:\s*owl:versionInfo\s+"([^"]+)"', re.MULTILINE),
    ),
    "owl": (
        re.compile(r"<owl:versionIRI\s+rdf:resource=\"([^\"]+)\""),
        re.compile(r"<owl:versionInfo[^>]*>([^<]+)<"),
    ),
    "obographs": (re.compile(r'"version"\s*:\s*"([^"]+)"'),),
}
_RELEASE = re.compile(r"releases/([^/]+)/")


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
    for suffix, found in _SUFFIXES:
        if name.endswith(suffix):
            return found
    head = _head(location)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if re.search(rb"^(format-version:|\[Term\]|\[Typedef\])", stripped, re.MULTILINE):
        return "obo"
    if stripped.startswith(b"<"):
        return "owl"
    if stripped.startswith(b"{"):
        first_key = re.match(rb'\{\s*"([^"]*)"', stripped)
        if first_key is None or first_key.group(1).decode(errors="replace") in _OBOGRAPH_KEYS:
            return "obographs"
        return "cellxgene"
    if _GENE_ROW.match(stripped):
        return "gene_table"
    raise OntologyFormatError(
        f"{display_name(location)}: cannot tell its format from the name or the content; "
        f"pass format= one of {', '.join(FORMATS)}."
    )


def default_name(location: str) -> str:
    """A source name for a file: its lower-cased stem (``cl`` for ``cl.obo``).

    Example:
        >>> default_name("s3://b/CL-ontology-v2025-02-13.json.zst"), default_name("hp.obo")
        ('cl', 'hp')
    """
    name = _basename(location)
    matched = _CELLXGENE_FILE.match(name)
    if matched:
        return matched["name"].lower()
    lowered = name.lower()
    while lowered.endswith(_STRIP):
        lowered = lowered.rsplit(".", 1)[0]
    return lowered or "ontology"


def detect_version(location: str, format: str) -> str | None:
    """The version a file declares (OBO ``data-version``, OWL ``versionIRI`` …), if any.

    A release path such as ``hp/releases/2025-01-16/hp.owl`` gives ``2025-01-16``.

    Example:
        >>> detect_version("CL-ontology-v2025-02-13.json.zst", "cellxgene")
        'v2025-02-13'
    """
    matched = _CELLXGENE_FILE.match(_basename(location))
    if matched:
        return matched["version"]
    patterns = _VERSIONS.get(format)
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


def _head(location: str) -> bytes:
    with open_binary(location) as handle:
        return handle.read(_HEAD_BYTES)
