"""OBO-Graph JSON (the ``{"graphs": [{"nodes": […], "edges": […]}]}`` files ROBOT writes).

A node of type ``CLASS`` with a label is a term (properties, individuals and untyped nodes
are not); its ``meta`` holds the definition, the
synonyms (``pred``: ``hasExactSynonym`` …), ``deprecated`` and, in
``basicPropertyValues``, ``IAO:0100001`` (replaced by) and ``oboInOwl:consider``. Edges
with ``pred`` ``is_a`` or ``BFO:0000050`` give the parents. Nodes of several graphs are
merged (the first node of an id with ``meta`` wins); the same id with two labels is an
error.

The file is streamed (:mod:`~ontolake.ontology_sources.json_stream`): the walk goes down
``graphs`` to each graph's ``nodes`` and ``edges`` and decodes one node or edge at a time,
in whatever order they come. Only the text buffer (about 1 MiB), the item being decoded and
the result (a term per class, the parent links) are held, never the parsed document; the
terms are yielded once the whole file is read, since an edge may come after its node.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.formats._common import (
    CONSIDER_IDS,
    IS_A,
    PART_OF,
    PART_OF_IDS,
    REPLACED_BY_IDS,
    SCOPE_OF_PREDICATE,
    iri_to_curie,
    local_name,
)
from ontolake.ontology_sources.formats.base import OntologyFormat
from ontolake.ontology_sources.json_stream import CHUNK_BYTES, JsonStream, JsonStreamError
from ontolake.ontology_sources.terms import Relation, Synonym, Term

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["FORMAT", "read_obograph"]

_TOP_KEYS = frozenset({"graphs", "meta", "@context", "nodes", "edges", "id"})
"""Keys an OBO-Graph document may start with."""
_FIRST_KEY = re.compile(rb'\{\s*"([^"]*)"')

_IS_A_IDS = frozenset(
    {"is_a", "rdfs:subClassOf", "http://www.w3.org/2000/01/rdf-schema#subClassOf"}
)


def read_obograph(
    handle: BinaryIO, label: str, *, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[Term]:
    """Yield the labelled classes of an OBO-Graph JSON document as terms, streaming.

    Args:
        handle: the (decompressed) file.
        label: names the file in error messages.
        chunk_bytes: bytes read at a time.

    Raises:
        OntologyFormatError: invalid JSON (naming line and column), a document without
            ``graphs``, a node or edge of the wrong shape (naming it), or one id with two
            names.

    Example:
        >>> with open("hp.json", "rb") as handle:
        ...     next(read_obograph(handle, "hp.json")).ontology_id
        'HP:0000001'
    """
    graphs = _Graphs(label)
    try:
        graphs.read(JsonStream(handle, chunk_bytes=chunk_bytes))
    except JsonStreamError as error:
        raise _format_error(error, label) from error
    yield from graphs.terms()


def _format_error(error: JsonStreamError, label: str) -> OntologyFormatError:
    if error.reason == "encoding":
        return OntologyFormatError(f"{label}: {error.problem}.")
    if error.reason == "too_deep":
        return OntologyFormatError(f"{label}: JSON nested too deeply to be an OBO-Graph document.")
    problem = f"invalid JSON ({error.problem})" if error.reason == "structure" else error.problem
    return OntologyFormatError(f"{label}, line {error.line}, column {error.column}: {problem}.")


class _Graphs:
    """What the graphs of a document add up to: terms in node order, and parent links.

    The links are attached to the terms once every edge is read.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.nodes: dict[str, Term] = {}
        self.bare: set[str] = set()
        """Ids whose term came from a node without ``meta``: a later node may replace it."""
        self.parents: defaultdict[str, list[Relation]] = defaultdict(list)
        self.relations: dict[Relation, Relation] = {}
        """Each distinct relation once, shared by all the terms it is a parent of."""

    def read(self, stream: JsonStream) -> None:
        """Walk the document: top-level object, ``graphs`` array, each graph's members."""
        if stream.peek() != "{":
            stream.value()  # invalid JSON is reported as such
            raise self._no_graphs()
        found = False
        for key in stream.members():
            if key != "graphs":
                stream.skip()
                continue
            if stream.peek() != "[":
                stream.value()  # invalid JSON is reported as such
                raise self._no_graphs()
            found = True
            for number in stream.items():
                self._read_graph(stream, number)
        stream.end()
        if not found:
            raise self._no_graphs()

    def terms(self) -> Iterator[Term]:
        """The terms, each with its parents (repeated edges once)."""
        for term_id, term in self.nodes.items():
            parents = self.parents.get(term_id)
            yield replace(term, parents=tuple(dict.fromkeys(parents))) if parents else term

    def _no_graphs(self) -> OntologyFormatError:
        return OntologyFormatError(
            f"{self.label}: an OBO-Graph document is an object with a 'graphs' list; this has none."
        )

    def _read_graph(self, stream: JsonStream, number: int) -> None:
        if stream.peek() != "{":
            stream.value()
            raise OntologyFormatError(f"{self.label}: graph {number} is not an object.")
        graph_id: object = None
        for key in stream.members():
            if key == "id":
                graph_id = stream.value()
            elif key in ("nodes", "edges"):
                add = self._add_node if key == "nodes" else self._add_edge
                graph = f"graph {graph_id!r}" if graph_id is not None else f"graph {number}"
                if stream.peek() != "[":
                    if stream.value():  # null or another empty value is an empty list
                        self._not_a_list(key, graph)
                    continue
                for _ in stream.items():
                    item = stream.value()
                    if not isinstance(item, dict):
                        self._not_a_list(key, graph)
                    add(item)
            else:  # meta, logicalDefinitionAxioms, equivalentNodesSets …
                stream.skip()

    def _not_a_list(self, key: str, graph: str) -> NoReturn:
        raise OntologyFormatError(f"{self.label}: '{key}' of {graph} is not a list.")

    def _add_node(self, node: dict[str, Any]) -> None:
        label = self.label
        node_id = node.get("id")
        if not isinstance(node_id, str):
            raise OntologyFormatError(f"{label}: a node has no string 'id': {_short(node)}.")
        if node.get("type") != "CLASS" or not node.get("lbl"):
            return
        curie = iri_to_curie(node_id)
        name = node["lbl"]
        if not isinstance(name, str):
            raise OntologyFormatError(f"{label}: node {curie} has a 'lbl' that is not a string.")
        known = self.nodes.get(curie)
        if known is not None and known.name != name:
            raise OntologyFormatError(
                f"{label}: {curie} has two names, {known.name!r} and {name!r}; fix the source "
                "so each id has one name."
            )
        if known is not None and curie not in self.bare:
            return  # the first node with meta wins
        try:
            self.nodes[curie] = _term(curie, node)
        except (AttributeError, KeyError, TypeError) as error:
            raise OntologyFormatError(
                f"{label}: node {curie} has a malformed 'meta' ({error!r}): {_short(node)}."
            ) from error
        if node.get("meta"):
            self.bare.discard(curie)
        else:
            self.bare.add(curie)

    def _add_edge(self, edge: dict[str, Any]) -> None:
        relation = _relation(edge, self.label)
        if relation is not None:
            child, parent = relation
            self.parents[child].append(self.relations.setdefault(parent, parent))


def _relation(edge: dict[str, Any], label: str) -> tuple[str, Relation] | None:
    sub, pred, obj = edge.get("sub"), edge.get("pred"), edge.get("obj")
    if not (isinstance(sub, str) and isinstance(pred, str) and isinstance(obj, str)):
        raise OntologyFormatError(f"{label}: an edge lacks 'sub', 'pred' or 'obj': {_short(edge)}.")
    if pred in _IS_A_IDS:
        kind = IS_A
    elif pred in PART_OF_IDS:
        kind = PART_OF
    else:
        return None
    return iri_to_curie(sub), Relation(iri_to_curie(obj), kind)


def _term(term_id: str, node: dict[str, Any]) -> Term:
    meta = node.get("meta") or {}
    definition = (meta.get("definition") or {}).get("val")
    synonyms = tuple(
        dict.fromkeys(
            Synonym(
                str(synonym["val"]), SCOPE_OF_PREDICATE.get(local_name(synonym["pred"]), "related")
            )
            for synonym in meta.get("synonyms") or []
            if synonym.get("val")
        )
    )
    values = meta.get("basicPropertyValues") or []
    return Term(
        ontology_id=term_id,
        name=node["lbl"],
        definition=str(definition) if definition else None,
        synonyms=synonyms,
        is_obsolete=bool(meta.get("deprecated", False)),
        replaced_by=_values(values, REPLACED_BY_IDS),
        consider=_values(values, CONSIDER_IDS),
    )


def _values(values: list[dict[str, Any]], predicates: frozenset[str]) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(
            iri_to_curie(str(value["val"]))
            for value in values
            if value.get("pred") in predicates and value.get("val")
        )
    )


def _short(item: object) -> str:
    text = json.dumps(item)
    return text if len(text) <= 120 else text[:117] + "..."


def _is_obograph(head: bytes) -> bool:
    """A JSON object whose first key is one an OBO-Graph document starts with (or none)."""
    if not head.startswith(b"{"):
        return False
    first_key = _FIRST_KEY.match(head)
    return first_key is None or first_key.group(1).decode(errors="replace") in _TOP_KEYS


FORMAT = OntologyFormat(
    "obographs",
    read_obograph,
    sniff=_is_obograph,
    version_patterns=(re.compile(r'"version"\s*:\s*"([^"]+)"'),),
    name_patterns=(re.compile(r'"graphs"\s*:\s*\[\s*\{\s*"id"\s*:\s*"([^"]+)"'),),
)
"""OBO-Graph JSON (``hp.json``); ``.json`` alone is not enough to tell it from CELLxGENE JSON."""
