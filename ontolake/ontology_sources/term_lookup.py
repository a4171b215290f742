"""Facts about chosen terms of a cellxgene-ontology-guide file, without reading every term.

A check of a dataset needs a few dozen terms of each ontology: whether each id exists,
whether it is obsolete, and its ancestors. The files of ``cellxgene-ontology-guide`` hold,
per term, its whole ancestor closure, so one entry answers all three. :func:`find_terms`
streams the decompressed file and searches the raw bytes for the top-level keys it wants
(``"NCBITaxon:9606":{``), decoding only those entries; it stops as soon as every id is found.
NCBITaxon (844 MB of JSON, 1.26 million terms) is searched in two to three seconds on a
quiet machine, where decoding every entry takes more than a minute.

A top-level key is told apart from the same id as an ancestor by what follows it: an entry
is an object (``{``), an ancestor's distance a number. The separator between a key and its
value is read from the first entry; a file laid out otherwise is read entry by entry.

:class:`TermFactsCache` keeps the answers on disk, one JSON file per source name and version
(``ncbitaxon@v2026-05-13.json``), found and absent ids alike, so each id is searched once
per machine.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from ontolake._atomic import write_text_atomic
from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.formats.cellxgene_json import iter_entries
from ontolake.ontology_sources.json_stream import CHUNK_BYTES, MAX_VALUE_CHARS
from ontolake.ontology_sources.locations import display_name, open_binary, stored_size

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

__all__ = ["TermFacts", "TermFactsCache", "find_terms", "table_ids"]

_FIRST_KEY = re.compile(rb'\A\s*\{\s*"(?:[^"\\]|\\.)*"(\s*:\s*)\{')
_ANY_KEY = r'[{,]\s*"([^"\\]+)"'
_FEW_IDS = 8
"""Up to this many ids, each is searched on its own (fast for a few ids in a huge file);
beyond it one pass over every top-level key (fast for many ids in a small file)."""
_FIRST_WINDOW = 1 << 14


@dataclass(frozen=True)
class TermFacts:
    """What a check needs of one term: obsolete or not, and every ancestor.

    Example:
        >>> TermFacts(False, frozenset({"CL:0000000"})).is_obsolete
        False
    """

    is_obsolete: bool
    ancestors: frozenset[str]

    @classmethod
    def of(cls, entry: Any) -> TermFacts:
        """The facts of one decoded file entry."""
        ancestors = entry.get("ancestors") or {}
        return cls(bool(entry.get("deprecated", False)), frozenset(map(str, ancestors)))


def find_terms(
    location: str, term_ids: Iterable[str], *, chunk_bytes: int = CHUNK_BYTES
) -> dict[str, TermFacts]:
    """The facts of those ``term_ids`` the cellxgene-ontology-guide file at ``location`` holds.

    Ids the file does not hold are left out of the result; ``chunk_bytes`` are read at a
    time.

    Raises:
        OntologyFormatError: the file is not one JSON object of term entries (naming it).

    Example:
        >>> facts = find_terms("cl.json.zst", ["CL:0000084", "CL:9999999"])
        >>> list(facts), "CL:0000000" in facts["CL:0000084"].ancestors
        (['CL:0000084'], True)
    """
    wanted = set(term_ids)
    if not wanted:
        return {}
    label = display_name(location)
    with open_binary(location) as handle:
        head = handle.read(max(chunk_bytes, _FIRST_WINDOW))
        layout = _FIRST_KEY.match(head)
        if layout is not None:
            return _Search(handle, head, layout.group(1), wanted, label, chunk_bytes).run()
    return _decode_all(location, wanted, label)


def table_ids(location: str) -> frozenset[str]:
    """The ids in the first column of a headerless CSV table (a gene table), read at once.

    Splitting the lines costs a fraction of building a term per row (78,894 human genes).

    Example:
        >>> from ontolake.ontology_sources import catalog
        >>> location = catalog.find("Gene", organism="human").spec.location
        >>> "ENSG00000223972" in table_ids(location), len(table_ids(location)) > 70_000
        (True, True)
    """
    with open_binary(location) as handle:
        lines = handle.read().splitlines()
    ids = (line.split(b",", 1)[0].strip() for line in lines)
    return frozenset(i.decode("utf-8", "replace") for i in ids if i)


def _decode_all(location: str, wanted: set[str], label: str) -> dict[str, TermFacts]:
    """Every entry decoded in turn: for files laid out unlike cellxgene-ontology-guide's."""
    found = {}
    with open_binary(location) as handle:
        for key, entry in iter_entries(handle, label):
            if key in wanted and isinstance(entry, dict):
                found[key] = TermFacts.of(entry)
    return found


class _Search:
    """One pass over the decompressed bytes, looking for the wanted top-level keys."""

    def __init__(
        self,
        handle: BinaryIO,
        head: bytes,
        separator: bytes,
        wanted: set[str],
        label: str,
        chunk_bytes: int,
    ) -> None:
        self.handle = handle
        self.chunk_bytes = chunk_bytes
        self.buffer = head
        self.eof = False
        self.label = label
        self.separator = separator
        self.pending = {
            term_id: b'"' + term_id.encode() + b'"' + separator + b"{" for term_id in wanted
        }
        self.keys = re.compile(_ANY_KEY.encode() + re.escape(separator) + rb"\{")
        self.found: dict[str, TermFacts] = {}
        self.longest = max(len(pattern) for pattern in self.pending.values())

    def run(self) -> dict[str, TermFacts]:
        while self.pending:
            searched = len(self.buffer)
            if len(self.pending) > _FEW_IDS:
                self._scan_keys()
            else:
                self._find_each()
            if len(self.buffer) != searched:
                continue  # read on while decoding an entry: search the new bytes too
            if self.eof:
                break
            self._advance()
        return self.found

    def _find_each(self) -> None:
        for term_id, pattern in list(self.pending.items()):
            at = self.buffer.find(pattern)
            while at >= 0 and not _after_separator(self.buffer, at):
                at = self.buffer.find(pattern, at + 1)
            if at >= 0:
                self._take(term_id, at + len(pattern) - 1)

    def _scan_keys(self) -> None:
        for match in self.keys.finditer(self.buffer):
            term_id = match.group(1).decode("utf-8", "replace")
            if term_id in self.pending:
                self._take(term_id, match.end() - 1)

    def _take(self, term_id: str, start: int) -> None:
        """Decode the entry whose ``{`` is at ``start`` (reading on when it is cut)."""
        window = _FIRST_WINDOW
        decoder = json.JSONDecoder()
        while True:
            end = min(start + window, len(self.buffer))
            final = end == len(self.buffer) and self.eof
            text, _ = codecs.utf_8_decode(self.buffer[start:end], "strict", final)
            try:
                entry, _ = decoder.raw_decode(text)
                break
            except json.JSONDecodeError as error:
                if end < len(self.buffer):
                    window *= 4
                elif not self.eof and end - start < MAX_VALUE_CHARS:
                    self._read_more()
                else:
                    raise OntologyFormatError(
                        f"{self.label}: term {term_id} is not a complete JSON object ({error.msg})."
                    ) from None
        if not isinstance(entry, dict):
            raise OntologyFormatError(f"{self.label}: term {term_id} is not an object.")
        self.found[term_id] = TermFacts.of(entry)
        del self.pending[term_id]

    def _read_more(self) -> None:
        data = self.handle.read(self.chunk_bytes)
        if data:
            self.buffer += data
        else:
            self.eof = True

    def _advance(self) -> None:
        """Drop what was searched but the tail a key may straddle; read the next chunk."""
        keep = self.buffer[-(self.longest + 64) :]
        data = self.handle.read(self.chunk_bytes)
        self.buffer = keep + data
        self.eof = not data


def _after_separator(buffer: bytes, at: int) -> bool:
    """True when the key at ``at`` follows ``{`` or ``,`` (a member, not text in a string)."""
    before = buffer[max(0, at - 64) : at].rstrip()
    return before.endswith((b"{", b","))


class TermFactsCache:
    """The facts of the terms looked up so far, per source name and version, kept on disk.

    Args:
        folder: where the files go (one per source version).

    Example:
        >>> from pathlib import Path
        >>> cache = TermFactsCache(Path("facts"))
        >>> facts = cache.lookup("cl", "v2026-03-26", "cl.json.zst", ["CL:0000084", "CL:x"])
        >>> sorted(facts), sorted(p.name for p in Path("facts").iterdir())
        (['CL:0000084'], ['cl@v2026-03-26.json'])
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def lookup(
        self, name: str, version: str, location: str, term_ids: Iterable[str]
    ) -> dict[str, TermFacts]:
        """The facts of those ``term_ids`` the source holds, searching only unseen ids."""
        path = self.folder / f"{name}@{version}.json"
        size = stored_size(location)
        known = self._read(path, size)
        wanted = set(term_ids)
        unseen = wanted - set(known["terms"]) - set(known["absent"])
        if unseen:
            found = find_terms(location, unseen)
            for term_id, facts in found.items():
                known["terms"][term_id] = [facts.is_obsolete, sorted(facts.ancestors)]
            known["absent"] = sorted({*known["absent"], *(unseen - set(found))})
            with contextlib.suppress(OSError):  # read-only: the search runs again next time
                write_text_atomic(path, json.dumps(known, sort_keys=True))
        return {
            term_id: TermFacts(bool(obsolete), frozenset(ancestors))
            for term_id, (obsolete, ancestors) in known["terms"].items()
            if term_id in wanted
        }

    @staticmethod
    def _read(path: Path, size: int | None) -> dict[str, Any]:
        empty: dict[str, Any] = {"size": size, "terms": {}, "absent": []}
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return empty
        valid = (
            isinstance(known, dict)
            and known.get("size") == size
            and isinstance(known.get("terms"), dict)
            and isinstance(known.get("absent"), list)
        )
        return known if valid else empty
