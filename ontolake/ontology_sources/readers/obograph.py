"""OBO-Graph JSON (the ``{"graphs": [{"nodes": […], "edges": […]}]}`` files ROBOT writes).

A node of type ``CLASS`` with a label is a term (properties, individuals and untyped nodes
are not); its ``meta`` holds the definition, the
synonyms (``pred``: ``hasExactSynonym`` …), ``deprecated`` and, in
``basicPropertyValues``, ``IAO:0100001`` (replaced by) and ``oboInOwl:consider``. Edges
with ``pred`` ``is_a`` or ``BFO:0000050`` give the parents. Nodes of several graphs are
merged; the same id with two labels is an error.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any, BinaryIO

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.readers._common import (
    CONSIDER_IDS,
    IS_A,
    PART_OF,
    PART_OF_IDS,
    REPLACED_BY_IDS,
    SCOPE_OF_PREDICATE,
    iri_to_curie,
    local_name,
)
from ontolake.ontology_sources.terms import Relation, Synonym, Term

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["read_obograph"]

_IS_A_IDS = frozenset(
    {"is_a", "rdfs:subClassOf", "http://www.w3.org/2000/01/rdf-schema#subClassOf"}
)


def read_obograph(handle: BinaryIO, label: str) -> Iterator[Term]:
    """Yield the labelled classes of an OBO-Graph JSON document as terms.

    Raises:
        OntologyFormatError: invalid JSON (naming line and column), a document without
            ``graphs``, a node or edge of the wrong shape (naming it), or one id with two
            names.

    Example:
        >>> with open("cl.json", "rb") as handle:  # doctest: +SKIP
        ...     next(read_obograph(handle, "cl.json")).ontology_id
        'CL:0000000'
    """
    document = _load(handle, label)
    graphs = document.get("graphs") if isinstance(document, dict) else None
    if not isinstance(graphs, list):
        raise OntologyFormatError(
            f"{label}: an OBO-Graph document is an object with a 'graphs' list; this has none."
        )
    nodes: dict[str, dict[str, Any]] = {}
    parents: defaultdict[str, list[Relation]] = defaultdict(list)
    for number, graph in enumerate(graphs):
        if not isinstance(graph, dict):
            raise OntologyFormatError(f"{label}: graph {number} is not an object.")
        for node in _items(graph, "nodes", label):
            _add_node(nodes, node, label)
        for edge in _items(graph, "edges", label):
            relation = _relation(edge, label)
            if relation is not None:
                parents[relation[0]].append(relation[1])
    for term_id, node in nodes.items():
        try:
            term = _term(term_id, node, tuple(dict.fromkeys(parents.get(term_id, ()))))
        except (AttributeError, KeyError, TypeError) as error:
            raise OntologyFormatError(
                f"{label}: node {term_id} has a malformed 'meta' ({error!r}): {_short(node)}."
            ) from error
        yield term


def _load(handle: BinaryIO, label: str) -> Any:
    try:
        return json.load(handle)
    except json.JSONDecodeError as error:
        raise OntologyFormatError(
            f"{label}, line {error.lineno}, column {error.colno}: invalid JSON ({error.msg})."
        ) from error
    except UnicodeDecodeError as error:
        raise OntologyFormatError(f"{label}: not valid UTF-8 text ({error}).") from error
    except RecursionError:
        raise OntologyFormatError(
            f"{label}: JSON nested too deeply to be an OBO-Graph document."
        ) from None


def _items(graph: dict[str, Any], key: str, label: str) -> list[dict[str, Any]]:
    items = graph.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise OntologyFormatError(f"{label}: '{key}' of graph {graph.get('id')!r} is not a list.")
    return items


def _add_node(nodes: dict[str, dict[str, Any]], node: dict[str, Any], label: str) -> None:
    node_id = node.get("id")
    if not isinstance(node_id, str):
        raise OntologyFormatError(f"{label}: a node has no string 'id': {_short(node)}.")
    if node.get("type") != "CLASS" or not node.get("lbl"):
        return
    curie = iri_to_curie(node_id)
    name = node["lbl"]
    if not isinstance(name, str):
        raise OntologyFormatError(f"{label}: node {curie} has a 'lbl' that is not a string.")
    known = nodes.get(curie)
    if known is not None and known["lbl"] != name:
        raise OntologyFormatError(
            f"{label}: {curie} has two names, {known['lbl']!r} and {name!r}; fix the source "
            "so each id has one name."
        )
    if known is None or not known.get("meta"):
        nodes[curie] = node


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


def _term(term_id: str, node: dict[str, Any], parents: tuple[Relation, ...]) -> Term:
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
        parents=parents,
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
