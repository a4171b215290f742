"""Pictures without Graphviz: DOT read back, a layered layout, and well-formed SVG."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontolake._dot import DotSyntaxError, parse_dot
from ontolake._graphviz import quote
from ontolake._layered import NODE_GAP, layered_layout
from ontolake._svg import dot_to_svg

SVG = "{http://www.w3.org/2000/svg}"

HIERARCHY = """digraph "CellType" {
  rankdir=BT;
  node [shape=box, style=rounded];
  n1 [label="T cell\\nCL:0000084", style="rounded,bold"];
  n2 [label="lymphocyte <B & T> \\"cells\\"\\nCL:0000542"];
  n3 [label="leukocyte\\nCL:0000738"];
  n4 [label="thymus\\nUBERON:0002370"];
  n1 -> n2 [label="is_a"];
  n2 -> n3 [label="is_a"];
  n1 -> n3 [label="is_a"];
  n1 -> n4 [label="part_of", style=dashed];
}
"""


def groups(svg: str, kind: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {
        group.findtext(f"{SVG}title"): group
        for group in root.iter(f"{SVG}g")
        if group.get("class") == kind
    }


def test_dot_is_read_back_with_defaults_escapes_and_chains():
    graph = parse_dot(
        "digraph lineage {\n  rankdir=LR; // comment\n  node [fontsize=10];\n"
        '  "a b" [label="x\\ny \\"q\\""];\n  "a b" -> c -> d [style=dotted];\n'
        "  edge [color=red];\n  d -> e;\n}\n"
    )
    assert graph.attributes == {"rankdir": "LR"}
    assert graph.nodes["a b"] == {"fontsize": "10", "label": 'x\ny "q"'}
    assert list(graph.nodes) == ["a b", "c", "d", "e"]
    assert graph.edges == [
        ("a b", "c", {"style": "dotted"}),
        ("c", "d", {"style": "dotted"}),
        ("d", "e", {"color": "red"}),
    ]
    for text in ("digraph { subgraph x { a } }", "not dot", "digraph { a -> }", "digraph { a } b"):
        with pytest.raises(DotSyntaxError):
            parse_dot(text)


def test_a_hierarchy_is_drawn_with_its_nodes_edges_and_escaped_labels():
    svg = dot_to_svg(HIERARCHY)
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')
    nodes = groups(svg, "node")
    assert sorted(nodes) == ["n1", "n2", "n3", "n4"]
    labels = {name: [t.text for t in group.iter(f"{SVG}text")] for name, group in nodes.items()}
    assert labels["n2"] == ['lymphocyte <B & T> "cells"', "CL:0000542"]
    assert "&lt;B &amp; T&gt;" in svg  # escaped in the file, read back as written
    edges = groups(svg, "edge")
    assert sorted(edges) == ["n1->n2", "n1->n3", "n1->n4", "n2->n3"]
    part_of = edges["n1->n4"]
    assert part_of.find(f"{SVG}path").get("stroke-dasharray") == "5,2"
    assert part_of.findtext(f"{SVG}text") == "part_of"
    assert all(edge.find(f"{SVG}polygon") is not None for edge in edges.values())  # arrows
    assert nodes["n1"].find(f"{SVG}rect").get("stroke-width") == "2"  # bold
    # rankdir=BT: parents above children
    y = {name: float(group.find(f"{SVG}rect").get("y")) for name, group in nodes.items()}
    assert y["n3"] < y["n2"] < y["n1"] and y["n4"] < y["n1"]


def test_the_same_graph_gives_the_same_bytes_in_every_process(tmp_path):
    script = "import sys; from ontolake._svg import dot_to_svg; print(dot_to_svg(sys.stdin.read()))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            input=HIERARCHY,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "1", "2")
    }
    assert outputs == {dot_to_svg(HIERARCHY) + "\n"}


def test_cycles_self_loops_and_isolated_nodes_are_drawn():
    svg = dot_to_svg("digraph { rankdir=LR; a -> b -> c -> a; c -> c; lonely; }")
    assert sorted(groups(svg, "node")) == ["a", "b", "c", "lonely"]
    assert sorted(groups(svg, "edge")) == ["a->b", "b->c", "c->a", "c->c"]
    undirected = dot_to_svg("graph { a -- b }")
    assert list(groups(undirected, "edge")) == ["a--b"]
    assert groups(undirected, "edge")["a--b"].find(f"{SVG}polygon") is None


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 25).flatmap(
        lambda count: st.tuples(
            st.just(count),
            st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)), max_size=50),
            st.sampled_from(["TB", "BT", "LR", "RL"]),
        )
    )
)
def test_any_graph_gives_well_formed_svg_with_each_node_and_edge_once(case):
    count, pairs, direction = case
    names = [f"n{i} <{i}>" for i in range(count)]
    lines = [f"digraph {{ rankdir={direction};"]
    lines += [f"  {quote(name)} [shape=box];" for name in names]
    lines += [f"  {quote(names[s])} -> {quote(names[t])};" for s, t in pairs]
    svg = dot_to_svg("\n".join([*lines, "}"]))
    root = ET.fromstring(svg)
    nodes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert [g.findtext(f"{SVG}title") for g in nodes] == names
    assert len(edges) == len(pairs)
    boxes = [
        tuple(float(g.find(f"{SVG}rect").get(k)) for k in ("x", "y", "width", "height"))
        for g in nodes
    ]
    width, height = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
    for x, y, w, h in boxes:
        assert x >= 0 and x + w <= width + 0.01 and y >= 0 and y + h <= height + 0.01
    for i, (x1, y1, w1, h1) in enumerate(boxes):  # no two nodes overlap
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1


def test_nodes_of_a_rank_keep_their_gap_and_edges_point_down_the_ranks():
    layout = layered_layout([(60, 30)] * 4, [(0, 1), (0, 2), (0, 3)])
    xs = sorted(layout.centres[i][0] for i in (1, 2, 3))
    assert all(b - a >= 60 + NODE_GAP - 1e-9 for a, b in pairwise(xs))
    assert {layout.centres[i][1] for i in (1, 2, 3)} == {layout.centres[1][1]}
    assert layout.centres[0][1] < layout.centres[1][1]
    assert all(route[0] == layout.centres[0] for route in layout.routes)
