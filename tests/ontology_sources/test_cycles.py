"""Cycle detection over a source's whole hierarchy."""

from __future__ import annotations

import itertools
import random

from ontolake.ontology_sources.cycles import find_cycles
from ontolake.ontology_sources.terms import Relation, Term


def term(term_id, *parents, relation="is_a"):
    return Term(term_id, term_id.lower(), parents=tuple(Relation(p, relation) for p in parents))


def test_acyclic_hierarchy_and_parents_outside_the_source(data):
    from ontolake.ontology_sources.source import open_source

    assert find_cycles(open_source(data / "hp_subset.obo").terms()) == []
    assert find_cycles([term("A", "OUTSIDE"), term("B", "A")]) == []


def test_cycles_self_loops_and_relation_filter():
    terms = [
        term("A", "A"),
        term("B", "C", "Z"),
        term("C", "D"),
        term("D", "B"),
        Term("E", "e", parents=(Relation("F", "part_of"),)),
        Term("F", "f", parents=(Relation("E", "is_a"),)),
    ]
    assert find_cycles(terms) == [["A"], ["B", "C", "D"], ["E", "F"]]
    assert find_cycles(terms, relation_types={"part_of"}) == []
    assert find_cycles(terms, relation_types={"is_a"}) == [["A"], ["B", "C", "D"]]


def test_deep_chains_need_no_recursion():
    depth = 200_000
    chain = [term(f"X:{i}", f"X:{i + 1}") for i in range(depth)]
    assert find_cycles(chain) == []
    cycle = find_cycles([*chain, term(f"X:{depth}", "X:0")])
    assert len(cycle) == 1
    assert len(cycle[0]) == depth + 1


def test_every_reported_cycle_is_real_and_every_cyclic_group_is_reported():
    rng = random.Random(7)
    for _ in range(300):
        size = rng.randint(1, 8)
        terms = [
            term(str(i), *(str(j) for j in range(size) if rng.random() < 0.2)) for i in range(size)
        ]
        parents = {t.ontology_id: [p.parent_id for p in t.parents] for t in terms}
        reach = {node: _reachable(node, parents) for node in parents}
        cyclic_groups = {
            frozenset(other for other in parents if other in reach[node] and node in reach[other])
            for node in parents
            if node in reach[node]
        }
        cycles = find_cycles(terms)
        assert len(cycles) == len(cyclic_groups)
        for cycle in cycles:
            for first, second in itertools.pairwise([*cycle, cycle[0]]):
                assert second in parents[first]


def _reachable(start, parents):
    seen, pending = set(), list(parents[start])
    while pending:
        node = pending.pop()
        if node not in seen:
            seen.add(node)
            pending.extend(parents[node])
    return seen
