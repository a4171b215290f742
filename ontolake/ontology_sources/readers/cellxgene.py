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
entries while it streams: only one buffer of text (about 1 MiB) and the entry being decoded
are in memory at any time; the terms themselves are yielded once the whole file is read
(the missing links are known only then).
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.closure import ClosureRepair
from ontolake.ontology_sources.terms import Relation, Synonym, Term

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["iter_entries", "read_cellxgene"]

_WHITESPACE = re.compile(r"[ \t\r\n]*")
_CHUNK_BYTES = 1 << 20
_MAX_ENTRY_CHARS = 16 << 20
"""Longest text one entry may span (real entries are kilobytes): bounds memory on bad input."""
_PARENT = "parent"
_ANCESTOR = "ancestor"


def read_cellxgene(handle: BinaryIO, label: str) -> Iterator[Term]:
    """Yield the terms of a (decompressed) cellxgene-ontology-guide JSON file, streaming.

    Raises:
        OntologyFormatError: invalid JSON (naming the character offset and the term), or an
            entry of the wrong shape (naming the term).

    Example:
        >>> with open_binary("CL-ontology-v2025-02-13.json.zst") as handle:  # doctest: +SKIP
        ...     next(read_cellxgene(handle, "CL")).name
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
    cross = entry.get("cross_ontology_terms") or {}
    return Term(
        ontology_id=term_id,
        name=name or term_id,
        definition=str(description) if description else None,
        synonyms=tuple(dict.fromkeys(Synonym(str(text), "related") for text in synonyms)),
        parents=tuple(
            Relation(parent, _PARENT) for parent, distance in ancestors.items() if distance == 1
        ),
        is_obsolete=deprecated,
        replaced_by=_ids(entry.get("replaced_by")),
        consider=_ids(entry.get("consider")),
        extra={f"cross_ontology_term:{prefix}": str(curie) for prefix, curie in cross.items()}
        if isinstance(cross, dict)
        else {},
    )


def _ids(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value)


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
    scanner = _Scanner(handle, label)
    scanner.expect("{", None)
    if scanner.peek() == "}":
        scanner.advance()
    else:
        while True:
            key = scanner.string()
            scanner.expect(":", key)
            value = scanner.value(key)
            scanner.last_key = key
            yield key, value
            if scanner.peek() == "}":
                scanner.advance()
                break
            scanner.expect(",", key)
    if scanner.peek() != "":
        scanner.fail("unexpected text after the top-level object", None)


class _Scanner:
    """A window of decoded text over a byte stream, refilled as parsing moves on."""

    def __init__(self, handle: BinaryIO, label: str) -> None:
        self.handle = handle
        self.label = label
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.json = json.JSONDecoder()
        self.text = ""
        self.pos = 0
        self.offset = 0
        self.eof = False
        self.last_key: str | None = None

    def refill(self, size: int = _CHUNK_BYTES) -> bool:
        """Append the next ``size`` bytes (dropping what was consumed); False at the end."""
        if self.eof:
            return False
        data = self.handle.read(size)
        self.eof = not data
        try:
            decoded = self.decoder.decode(data, final=self.eof)
        except UnicodeDecodeError as error:
            raise OntologyFormatError(f"{self.label}: not valid UTF-8 text ({error}).") from error
        self.offset += self.pos
        self.text = self.text[self.pos :] + decoded
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end), without consuming it."""
        while True:
            blank = _WHITESPACE.match(self.text, self.pos)
            self.pos = blank.end() if blank else self.pos
            if self.pos < len(self.text) or not self.refill():
                return self.text[self.pos : self.pos + 1]

    def advance(self) -> None:
        self.pos += 1

    def expect(self, char: str, key: str | None) -> None:
        found = self.peek()
        if found != char:
            self.fail(f"expected {char!r}, found {repr(found) if found else 'the end'}", key)
        self.advance()

    def string(self) -> str:
        if self.peek() != '"':
            self.fail("expected a quoted term id", None)
        key = self._decode(lambda: self.json.raw_decode(self.text, self.pos), None)
        return str(key)

    def value(self, key: str) -> Any:
        self.peek()
        return self._decode(lambda: self.json.raw_decode(self.text, self.pos), key)

    def _decode(self, decode: Any, key: str | None) -> Any:
        while True:
            try:
                value, end = decode()
            except RecursionError:
                self.fail("JSON nested too deeply to be an ontology term", key)
            except json.JSONDecodeError as error:
                pending = len(self.text) - self.pos
                if pending > _MAX_ENTRY_CHARS:
                    self.fail(
                        f"one entry is longer than {_MAX_ENTRY_CHARS >> 20} MiB of text, far "
                        "beyond any real term; the file is corrupt or not an ontology",
                        key,
                    )
                # Read as much again as is buffered: a long entry is decoded O(n) times in
                # total, not once per 1 MiB chunk.
                if self.refill(max(_CHUNK_BYTES, pending)):
                    continue
                self.fail(f"invalid JSON ({error.msg})", key, self.offset + error.pos)
            if end < len(self.text) or not self.refill():
                self.pos = end
                return value

    def fail(self, problem: str, key: str | None, at: int | None = None) -> NoReturn:
        if key:
            where = f" in term {key}"
        else:
            where = f" after term {self.last_key}" if self.last_key else ""
        raise OntologyFormatError(
            f"{self.label}, character {at if at is not None else self.offset + self.pos}"
            f"{where}: {problem}."
        )
