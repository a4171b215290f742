"""Cycles in a source's whole hierarchy, for the importer to check before it writes.

A term that is its own ancestor would make transitive queries loop, so cycles are found
over all terms (iteratively: NCBITaxon is 1.26 million terms, and deep chains must not hit
Python's recursion limit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from ontolake.ontology_sources.terms import Term

__all__ = ["find_cycles"]


def find_cycles(
    terms: Iterable[Term], relation_types: Collection[str] | None = None
) -> list[list[str]]:
    """One cycle per strongly connected group of terms that reach themselves through parents.

    Each cycle is a list of ids ``[a, b, …]`` where each id's parent is the next one and the
    last id's parent is the first; it starts at its smallest id, and cycles are sorted.
    Parents outside ``terms`` are ignored. A term listing itself as parent is a cycle of one.

    Args:
        terms: the terms of one source.
        relation_types: the relations to follow (for example ``{"is_a"}``); all when None.

    Example:
        >>> from ontolake.ontology_sources.terms import Relation, Term
        >>> find_cycles([Term("X:1", "a", parents=(Relation("X:2"),)),
        ...              Term("X:2", "b", parents=(Relation("X:1"),)),
        ...              Term("X:3", "c", parents=(Relation("X:1"),))])
        [['X:1', 'X:2']]
    """
    edges: dict[str, list[str]] = {}
    for term in terms:
        edges[term.ontology_id] = [
            relation.parent_id
            for relation in term.parents
            if relation_types is None or relation.type in relation_types
        ]
    cycles = []
    for component in _strongly_connected(edges):
        if len(component) > 1 or component[0] in edges[component[0]]:
            cycles.append(_cycle_in(set(component), edges))
    return sorted(cycles)


def _strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm with an explicit stack instead of recursion."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = lowlink[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            while position < len(targets):
                target = targets[position]
                position += 1
                if target not in edges:
                    continue
                if target not in index:
                    work.append((node, position))
                    work.append((target, 0))
                    break
                if target in on_stack:
                    lowlink[node] = min(lowlink[node], index[target])
            else:
                if lowlink[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
                if work:
                    parent = work[-1][0]
                    lowlink[parent] = min(lowlink[parent], lowlink[node])
    return components


def _cycle_in(component: set[str], edges: dict[str, list[str]]) -> list[str]:
    """A cycle through the smallest id of a strongly connected component."""
    start = min(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in edges[node]:
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return path[::-1]
                if target in component and target not in previous:
                    previous[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError("a strongly connected component always has a cycle")  # pragma: no cover
