"""What the OBO, OWL and OBO-Graph readers share: identifiers, synonym scopes, relations."""

from __future__ import annotations

import re
from typing import BinaryIO

from ontolake.ontology_sources.guarded import GuardedStream

__all__ = [
    "CONSIDER_IDS",
    "IS_A",
    "OBO_IN_OWL",
    "OBO_PURL",
    "PART_OF",
    "PART_OF_IDS",
    "REPLACED_BY_IDS",
    "SCOPE_OF_PREDICATE",
    "RunLimited",
    "iri_to_curie",
    "local_name",
]

IS_A = "is_a"
PART_OF = "part_of"

PART_OF_IDS = frozenset({"part_of", "BFO:0000050", "http://purl.obolibrary.org/obo/BFO_0000050"})
"""How files name the ``part of`` relation (OBO shorthand, CURIE, IRI)."""

OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"

SCOPE_OF_PREDICATE = {
    "hasExactSynonym": "exact",
    "hasBroadSynonym": "broad",
    "hasNarrowSynonym": "narrow",
    "hasRelatedSynonym": "related",
}
"""oboInOwl synonym properties (local names) and the OBO scope each stands for."""

REPLACED_BY_IDS = frozenset(
    {
        "http://purl.obolibrary.org/obo/IAO_0100001",
        "IAO:0100001",
        f"{OBO_IN_OWL}replacedBy",
        "replaced_by",
    }
)
CONSIDER_IDS = frozenset({f"{OBO_IN_OWL}consider", "oboInOwl:consider", "consider"})

OBO_PURL = "http://purl.obolibrary.org/obo/"
_OBO_LOCAL = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9.\-]*)_(?P<local>[A-Za-z0-9][\w.\-]*)$")
_NUMBERED = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9.\-]*)_(?P<local>[0-9][\w.\-]*)$")


def iri_to_curie(iri: str) -> str:
    """The CURIE of an OBO-style IRI (``…/obo/CL_0000084`` → ``CL:0000084``); others unchanged.

    Outside ``http://purl.obolibrary.org/obo/``, a last path segment ``PREFIX_<digits…>`` is
    read the same way, which covers EFO (``http://www.ebi.ac.uk/efo/EFO_0000001``) and
    Orphanet IRIs.

    Example:
        >>> iri_to_curie("http://purl.obolibrary.org/obo/CL_0000084")
        'CL:0000084'
        >>> iri_to_curie("CL:0000084"), iri_to_curie("http://example.org/thing")
        ('CL:0000084', 'http://example.org/thing')
    """
    if "://" not in iri:
        return iri
    if iri.startswith(OBO_PURL):
        matched = _OBO_LOCAL.match(iri[len(OBO_PURL) :])
    else:
        matched = _NUMBERED.match(re.split(r"[/#]", iri.rstrip("/"))[-1])
    if matched is None:
        return iri
    return f"{matched['prefix']}:{matched['local']}"


def local_name(iri: str) -> str:
    """The part of an IRI or CURIE after its last ``#``, ``/`` or ``:``.

    Example:
        >>> local_name("http://www.geneontology.org/formats/oboInOwl#hasExactSynonym")
        'hasExactSynonym'
    """
    return re.split(r"[/#:]", iri)[-1]


MAX_RUN_BYTES = 8 << 20
"""Longest stretch of an OBO line or of OWL text between two tags the readers accept.

Real lines and literals are kilobytes. The parsers underneath buffer a whole line (fastobo,
several times over) or build a literal by repeated string concatenation (owlready2, in
quadratic time: a 100 MB label takes minutes), so longer runs are refused to keep memory
and time bounded on corrupt or hostile files.
"""


class RunLimited(GuardedStream):
    r"""``handle``'s bytes, refusing more than ``limit`` bytes without a ``separator``.

    Parsers that swallow errors raised while reading (fastobo) are handled by checking
    ``failure`` after they fail.

    Example:
        >>> import io
        >>> handle = RunLimited(io.BytesIO(b"a\nb"), b"\n", "x.obo", "line", limit=4)
        >>> handle.stream().read()
        b'a\nb'
    """

    def __init__(
        self, handle: BinaryIO, separator: bytes, label: str, what: str, limit: int = MAX_RUN_BYTES
    ) -> None:
        super().__init__()
        self._handle = handle
        self._separator = separator
        self._label = label
        self._what = what
        self._limit = limit
        self._run = 0
        self._offset = 0

    def _next(self, size: int) -> bytes:
        data = self._handle.read(min(size, self._limit))
        last = data.rfind(self._separator)
        self._run = self._run + len(data) if last < 0 else len(data) - last - 1
        self._offset += len(data)
        if self._run > self._limit:
            self._refuse(
                f"{self._label}, byte {self._offset - self._run}: a {self._what} longer than "
                f"{self._limit >> 20} MiB, far beyond any real ontology; the file is corrupt "
                "or not an ontology."
            )
        return bytes(data)
