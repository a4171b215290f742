"""SVG pictures of DOT graphs drawn in Python, for machines without Graphviz's ``dot``.

The DOT text ontolake writes (:mod:`ontolake._dot`) is laid out in layers
(:mod:`ontolake._layered`) along its ``rankdir`` and drawn with the shapes, colours, line
styles and labels it names (``box``, ``note``, ``component``, ``ellipse``, ``plaintext``;
``filled``, ``rounded``, ``bold``, ``dashed``, ``dotted``; ``color``, ``fillcolor``,
``penwidth``, ``fontname``, ``fontsize``). As in Graphviz's own SVG, each node is a
``<g class="node">`` and each edge a ``<g class="edge">`` whose ``<title>`` names it. Text
widths are estimated from the number of characters, so no font is needed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import pairwise

from ontolake._dot import DotGraph, parse_dot
from ontolake._layered import RANK_GAP, Point, layered_layout

__all__ = ["dot_to_svg", "draw_svg"]

_CHAR_WIDTH = 0.6
"""Average character width, in font sizes (a little wider than Helvetica's, to be safe)."""
_LINE_HEIGHT = 1.2
_ARROW = 8.0
_DASHES = {"dashed": "5,2", "dotted": "1,3"}
_NO_OUTLINE = ("plaintext", "plain", "none")
_ROUND = ("ellipse", "oval", "circle")


@dataclass(frozen=True)
class _Node:
    name: str
    attributes: dict[str, str]
    lines: list[str]
    font_size: float
    width: float
    height: float


def dot_to_svg(dot: str) -> str:
    """The SVG picture of ``dot`` (a DOT text in the subset :mod:`ontolake._dot` reads).

    Raises:
        DotSyntaxError: the text uses DOT that is not read.

    Example:
        >>> svg = dot_to_svg('digraph { a -> b }')
        >>> svg.count('class="node"'), svg.count('class="edge"')
        (2, 1)
    """
    return draw_svg(parse_dot(dot))


def draw_svg(graph: DotGraph) -> str:
    """The SVG picture of a parsed graph (same graph, same bytes)."""
    nodes = [_measure(name, attributes) for name, attributes in graph.nodes.items()]
    index = {node.name: position for position, node in enumerate(nodes)}
    direction = graph.attributes.get("rankdir", "TB").upper()
    sideways = direction in ("LR", "RL")
    sizes = [(n.height, n.width) if sideways else (n.width, n.height) for n in nodes]
    pairs = [(index[source], index[target]) for source, target, _ in graph.edges]
    label_sizes = [float(a.get("fontsize", "14")) for _, _, a in graph.edges if a.get("label")]
    room = max(label_sizes, default=0.0) * _LINE_HEIGHT * 1.5
    layout = layered_layout(sizes, pairs, rank_gap=RANK_GAP + room)
    width, height = (layout.height, layout.width) if sideways else (layout.width, layout.height)

    def place(point: Point) -> Point:
        across, along = point
        if direction == "BT":
            return across, layout.height - along
        if direction == "LR":
            return along, across
        if direction == "RL":
            return layout.height - along, across
        return across, along

    root = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": f"{_number(width)}pt",
            "height": f"{_number(height)}pt",
            "viewBox": f"0 0 {_number(width)} {_number(height)}",
        },
    )
    canvas = ET.SubElement(root, "g", {"id": "graph0", "class": "graph"})
    ET.SubElement(
        canvas, "rect", {"width": _number(width), "height": _number(height), "fill": "white"}
    )
    centres = [place(centre) for centre in layout.centres]
    for number, ((source, target, attributes), route) in enumerate(
        zip(graph.edges, layout.routes, strict=True), start=1
    ):
        points = [place(point) for point in route]
        ends = (nodes[index[source]], nodes[index[target]])
        _edge(canvas, number, (source, target), attributes, points, ends, sideways, graph.directed)
    for number, (node, centre) in enumerate(zip(nodes, centres, strict=True), start=1):
        _node(canvas, number, node, centre)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _measure(name: str, attributes: dict[str, str]) -> _Node:
    label = attributes.get("label", "\\N").replace("\\N", name)
    lines = label.split("\n")
    font_size = float(attributes.get("fontsize", "14"))
    text_width = max(len(line) for line in lines) * font_size * _CHAR_WIDTH
    text_height = len(lines) * font_size * _LINE_HEIGHT
    shape = attributes.get("shape", "ellipse")
    if shape in _NO_OUTLINE:
        width, height = text_width + 8, text_height + 4
    elif shape in _ROUND:
        width, height = max(54.0, text_width * 1.42 + 8), max(36.0, text_height * 1.42 + 4)
        if shape == "circle":
            width = height = max(width, height)
    else:
        extra = 10.0 if shape in ("note", "component") else 0.0
        width, height = max(54.0, text_width + 16 + extra), max(36.0, text_height + 8)
    return _Node(name, attributes, lines, font_size, width, height)


def _node(canvas: ET.Element, number: int, node: _Node, centre: Point) -> None:
    group = ET.SubElement(canvas, "g", {"id": f"node{number}", "class": "node"})
    ET.SubElement(group, "title").text = node.name
    attributes = node.attributes
    styles = [style.strip() for style in attributes.get("style", "").split(",")]
    outline = {
        "fill": (attributes.get("fillcolor") or attributes.get("color") or "lightgrey")
        if "filled" in styles
        else "none",
        "stroke": attributes.get("color", "black"),
        "stroke-width": attributes.get("penwidth", "2" if "bold" in styles else "1"),
    }
    for style, dashes in _DASHES.items():
        if style in styles:
            outline["stroke-dasharray"] = dashes
    x, y = centre
    left, top = x - node.width / 2, y - node.height / 2
    right, bottom = x + node.width / 2, y + node.height / 2
    shape = attributes.get("shape", "ellipse")
    if shape in _ROUND:
        rx, ry = node.width / 2, node.height / 2
        geometry = {"cx": _number(x), "cy": _number(y), "rx": _number(rx), "ry": _number(ry)}
        ET.SubElement(group, "ellipse", {**geometry, **outline})
    elif shape == "note":
        fold = 8.0
        outline_path = (
            f"M{_number(left)},{_number(top)} H{_number(right - fold)} "
            f"L{_number(right)},{_number(top + fold)} V{_number(bottom)} H{_number(left)} Z "
            f"M{_number(right - fold)},{_number(top)} V{_number(top + fold)} H{_number(right)}"
        )
        ET.SubElement(group, "path", {"d": outline_path, **outline})
    elif shape not in _NO_OUTLINE:
        rounded = {"rx": "6", "ry": "6"} if "rounded" in styles else {}
        box = {
            "x": _number(left),
            "y": _number(top),
            "width": _number(node.width),
            "height": _number(node.height),
        }
        ET.SubElement(group, "rect", {**box, **rounded, **outline})
        if shape == "component":
            for tab_top in (top + node.height / 4 - 3, bottom - node.height / 4 - 3):
                tab = {"x": _number(left - 4), "y": _number(tab_top), "width": "8", "height": "6"}
                ET.SubElement(group, "rect", {**tab, **outline})
    _text(group, node.lines, centre, node.font_size, attributes)


def _text(
    group: ET.Element,
    lines: list[str],
    centre: Point,
    size: float,
    attributes: dict[str, str],
    anchor: str = "middle",
) -> None:
    x, y = centre
    step = size * _LINE_HEIGHT
    first = y - step * len(lines) / 2 + size * 0.95
    for number, line in enumerate(lines):
        ET.SubElement(
            group,
            "text",
            {
                "text-anchor": anchor,
                "x": _number(x),
                "y": _number(first + number * step),
                "font-family": attributes.get("fontname", "Times,serif"),
                "font-size": _number(size),
                "fill": attributes.get("fontcolor", "black"),
            },
        ).text = line


def _edge(
    canvas: ET.Element,
    number: int,
    names: tuple[str, str],
    attributes: dict[str, str],
    points: list[Point],
    ends: tuple[_Node, _Node],
    sideways: bool,
    directed: bool,
) -> None:
    group = ET.SubElement(canvas, "g", {"id": f"edge{number}", "class": "edge"})
    ET.SubElement(group, "title").text = f"{names[0]}{'->' if directed else '--'}{names[1]}"
    colour = attributes.get("color", "black")
    looped = names[0] == names[1]
    if not looped:
        points = [*points]
        points[0] = _border(points[0], points[1], ends[0], sideways, 0.0)
        points[-1] = _border(points[-1], points[-2], ends[1], sideways, _ARROW if directed else 0)
    line = {
        "d": _curve(points, sideways),
        "fill": "none",
        "stroke": colour,
        "stroke-width": attributes.get("penwidth", "1"),
    }
    for style, dashes in _DASHES.items():
        if style in attributes.get("style", ""):
            line["stroke-dasharray"] = dashes
    ET.SubElement(group, "path", line)
    if directed:
        head = _arrow(points[-1], points[-2], sideways and not looped, looped)
        arrow = {"points": head, "fill": colour, "stroke": colour}
        ET.SubElement(group, "polygon", arrow)
    label = attributes.get("label")
    if label:
        middle = len(points) // 2
        a, b = points[middle - 1], points[middle]
        spot = ((a[0] + b[0]) / 2 + 4, (a[1] + b[1]) / 2)
        size = float(attributes.get("fontsize", "14"))
        font = {**attributes, "fontcolor": colour}
        _text(group, label.split("\n"), spot, size, font, anchor="start")


def _border(centre: Point, towards: Point, node: _Node, sideways: bool, gap: float) -> Point:
    """Where an edge leaves (or, ``gap`` before its arrow, enters) a node, along the ranks."""
    x, y = centre
    if sideways:
        sign = 1.0 if towards[0] > x else -1.0
        return x + sign * (node.width / 2 + gap), y
    sign = 1.0 if towards[1] > y else -1.0
    return x, y + sign * (node.height / 2 + gap)


def _curve(points: list[Point], sideways: bool) -> str:
    """A smooth path through ``points``, each piece leaving and entering along the ranks."""
    parts = [f"M{_number(points[0][0])},{_number(points[0][1])}"]
    for (x0, y0), (x1, y1) in pairwise(points):
        if sideways:
            middle = (x0 + x1) / 2
            controls = ((middle, y0), (middle, y1))
        else:
            middle = (y0 + y1) / 2
            controls = ((x0, middle), (x1, middle))
        (ax, ay), (bx, by) = controls
        parts.append(
            f"C{_number(ax)},{_number(ay)} {_number(bx)},{_number(by)} {_number(x1)},{_number(y1)}"
        )
    return " ".join(parts)


def _arrow(end: Point, before: Point, sideways: bool, looped: bool) -> str:
    """The arrowhead's points: from ``end``, ``_ARROW`` further on along the ranks."""
    x, y = end
    if looped:
        dx, dy = (-1.0, 0.0)
    elif sideways:
        dx, dy = (1.0 if x > before[0] else -1.0), 0.0
    else:
        dx, dy = 0.0, (1.0 if y > before[1] else -1.0)
    tip = (x + dx * _ARROW, y + dy * _ARROW)
    spread = 3.5
    left = (x - dy * spread, y + dx * spread)
    right = (x + dy * spread, y - dx * spread)
    return " ".join(f"{_number(px)},{_number(py)}" for px, py in (left, tip, right))


def _number(value: float) -> str:
    """Two decimals, without a trailing ``.00`` or ``-0`` (same value, same text)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
