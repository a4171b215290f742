"""A toy ontology format, written the way a format module of ontolake is written.

A ``.tsvterms`` file starts with ``# tsvterms <version>``; then each line is one term:
``id<TAB>name<TAB>parent ids (comma-separated)<TAB>exact synonyms (|-separated)``.

This is all a module in ``ontolake/ontology_sources/formats/`` holds: a reader and a
``FORMAT`` record. The tests add it to the table with one call, ``register_format(FORMAT)``
(in ontolake itself: one line in ``FORMATS``), and import its files like any other.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, BinaryIO

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.formats.base import OntologyFormat
from ontolake.ontology_sources.terms import Relation, Synonym, Term

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["FORMAT", "read_tsvterms"]

_FIELDS = 4


def read_tsvterms(handle: BinaryIO, label: str) -> Iterator[Term]:
    """Yield the term of each line.

    Raises:
        OntologyFormatError: a line without four tab-separated fields (naming the line).
    """
    text = io.TextIOWrapper(handle, encoding="utf-8")
    try:
        for line_number, line in enumerate(text, start=1):
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != _FIELDS:
                raise OntologyFormatError(
                    f"{label}, line {line_number}: expected {_FIELDS} tab-separated fields, "
                    f"found {len(fields)}."
                )
            term_id, name, parents, synonyms = fields
            yield Term(
                term_id,
                name,
                synonyms=tuple(Synonym(text, "exact") for text in synonyms.split("|") if text),
                parents=tuple(Relation(parent, "is_a") for parent in parents.split(",") if parent),
            )
    finally:
        text.detach()


def _is_tsvterms(head: bytes) -> bool:
    return head.startswith(b"# tsvterms")


FORMAT = OntologyFormat(
    "tsvterms",
    read_tsvterms,
    suffixes=(".tsvterms",),
    sniff=_is_tsvterms,
    version_patterns=(re.compile(r"^# tsvterms (\S+)"),),
)
