"""The ontology files of ``cellxgene-ontology-guide``: one JSON object keyed by CURIE.

Each entry holds ``label``, ``description``, ``synonyms`` (plain strings, so their scope is
``related``), ``deprecated``, optional ``replaced_by`` / ``consider``, optional
``cross_ontology_terms`` ({prefix: CURIE}, kept in ``Term.extra`` as
``cross_ontology_term:<prefix>``) and ``ancestors``: the transitive closure as
{CURIE: distance}. Distance 1 are the direct parents, is_a and part_of mixed and unlabelled,
so they become relations of type ``parent``. Where a release left out the terms between a
term and some of its ancestors, :class:`~ontolake.ontology_sources.closure.ClosureRepair`
adds the nearest uncovered ones as relations of type ``ancestor``, so that walking the links
gives back the file's closure exactly. Deprecated entries with an empty label (CL has 73) are
named by their id.

The files reach 844 MB uncompressed (NCBITaxon), so the top-level object is split into
entries while it streams (:mod:`~ontolake.ontology_sources.json_stream`): only one buffer
of text (about 1 MiB) and the entry being decoded are in memory at any time; the terms
themselves are yielded once the whole file is read (the missing links are known only then).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any, BinaryIO

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.closure import ClosureRepair
from ontolake.ontology_sources.formats._common import OBO_PURL, iri_to_curie
from ontolake.ontology_sources.formats.base import OntologyFormat
from ontolake.ontology_sources.json_stream import (
    CHUNK_BYTES,
    MAX_VALUE_CHARS,
    JsonStream,
    JsonStreamError,
)
from ontolake.ontology_sources.terms import Relation, Synonym, Term

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["FORMAT", "iter_entries", "read_cellxgene"]

_CHUNK_BYTES = CHUNK_BYTES
"""Bytes read at a time (looked up on each call, so a test can shrink it)."""
_PROBLEMS = {
    "too_deep": "JSON nested too deeply to be an ontology term",
    "too_long": f"one entry is longer than {MAX_VALUE_CHARS >> 20} MiB of text, far beyond "
    "any real term; the file is corrupt or not an ontology",
}
_PARENT = "parent"
_ANCESTOR = "ancestor"


def read_cellxgene(handle: BinaryIO, label: str) -> Iterator[Term]:
    """Yield the terms of a (decompressed) cellxgene-ontology-guide JSON file, streaming.

    Raises:
        OntologyFormatError: invalid JSON (naming the character offset and the term), or an
            entry of the wrong shape (naming the term).

    Example:
        >>> from ontolake.ontology_sources.locations import open_binary
        >>> with open_binary("cl.json.zst") as handle:
        ...     next(read_cellxgene(handle, "cl.json.zst")).name
        'cell'
    """
    repair = ClosureRepair()
    terms = []
    for term_id, entry in iter_entries(handle, label):
        term = _term(term_id, entry, label)
        repair.add(term_id, entry["ancestors"], [r.parent_id for r in term.parents])
        terms.append(term)
    missing = repair.missing_parents()
    for term in terms:
        extra = missing.get(term.ontology_id)
        if extra:
            links = tuple(Relation(parent, _ANCESTOR) for parent in extra)
            term = replace(term, parents=term.parents + links)
        yield term


def _term(term_id: str, entry: Any, label: str) -> Term:
    if not isinstance(entry, dict):
        raise OntologyFormatError(f"{label}: term {term_id} is not an object.")
    name = entry.get("label")
    deprecated = bool(entry.get("deprecated", False))
    if not isinstance(name, str) or not (name or deprecated):
        raise OntologyFormatError(f"{label}: term {term_id} has no 'label' string.")
    ancestors = entry.setdefault("ancestors", {})
    synonyms = entry.get("synonyms", [])
    if not isinstance(ancestors, dict) or not isinstance(synonyms, list):
        raise OntologyFormatError(
            f"{label}: term {term_id}: 'ancestors' must be an object and 'synonyms' a list."
        )
    description = entry.get("description")
    cross = entry.get("cross_ontology_terms")
    return Term(
        ontology_id=term_id,
        name=name or term_id,
        definition=str(description) if description else None,
        # most terms of the large files have no synonyms and no cross-references: skip the
        # generator machinery for them (NCBITaxon: 1.26 million terms)
        synonyms=tuple(Synonym(text, "related") for text in dict.fromkeys(map(str, synonyms)))
        if synonyms
        else (),
        parents=tuple(
            Relation(parent, _PARENT) for parent, distance in ancestors.items() if distance == 1
        ),
        is_obsolete=deprecated,
        replaced_by=_ids(entry.get("replaced_by")),
        consider=_ids(entry.get("consider")),
        extra={f"cross_ontology_term:{prefix}": str(curie) for prefix, curie in cross.items()}
        if cross and isinstance(cross, dict)
        else {},
    )


def _ids(value: Any) -> tuple[str, ...]:
    """Term ids as CURIEs: the exports write a few as ``obo.CL_0011026`` (``CL:0011026``).

    Example:
        >>> _ids(["obo.HsapDv_0000226", "CL:0000000"])
        ('HsapDv:0000226', 'CL:0000000')
    """
    if not value:
        return ()
    items = [value] if isinstance(value, str) else value
    return tuple(
        iri_to_curie(OBO_PURL + text.removeprefix("obo.")) if text.startswith("obo.") else text
        for text in map(str, items)
    )


def iter_entries(handle: BinaryIO, label: str) -> Iterator[tuple[str, Any]]:
    """Yield ``(key, decoded value)`` for each member of the top-level JSON object, streaming.

    Raises:
        OntologyFormatError: the text is not one JSON object (naming the character offset
            and the key being read), or not UTF-8.

    Example:
        >>> import io
        >>> list(iter_entries(io.BytesIO(b'{"A:1": {"label": "a"}}'), "x.json"))
        [('A:1', {'label': 'a'})]
    """
    stream = JsonStream(handle, chunk_bytes=_CHUNK_BYTES)
    try:
        for key in stream.members("term id"):
            yield key, stream.value()
        stream.end()
    except JsonStreamError as error:
        raise _format_error(error, label) from error


def _format_error(error: JsonStreamError, label: str) -> OntologyFormatError:
    if error.reason == "encoding":
        return OntologyFormatError(f"{label}: {error.problem}.")
    if error.key:
        where = f" in term {error.key}"
    else:
        where = f" after term {error.after}" if error.after else ""
    problem = _PROBLEMS.get(error.reason, error.problem)
    return OntologyFormatError(f"{label}, character {error.offset}{where}: {problem}.")


def _is_json_object(head: bytes) -> bool:
    """Any JSON object: tried after OBO-Graph JSON, so only objects keyed by term id are left."""
    return head.startswith(b"{")


FORMAT = OntologyFormat(
    "cellxgene",
    read_cellxgene,
    suffixes=(".json.zst", ".json.zstd"),
    sniff=_is_json_object,
    file_name=re.compile(r"^(?P<name>.+?)-ontology-(?P<version>.+?)\.json", re.IGNORECASE),
)
"""The JSON files of ``cellxgene-ontology-guide`` (``CL-ontology-v2025-02-13.json.zst``)."""
