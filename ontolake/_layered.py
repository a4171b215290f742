"""A layered (Sugiyama-style) layout of a directed graph, computed in Python.

Used to draw pictures when Graphviz's ``dot`` is not installed. The steps are the classic
ones: edges that close a cycle are turned around, nodes get ranks (longest path; sources
move next to their first successor), edges longer than one rank pass through invisible
points, the order within each rank comes from barycenter sweeps (the order with the fewest
crossings wins), and positions within a rank are the closest to the neighbours' that keep
every node apart (an exact isotonic fit). Everything iterates in a fixed order, so the same
graph gives the same layout in every process.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["Layout", "layered_layout"]

NODE_GAP = 24.0
"""Space between two nodes of one rank."""
RANK_GAP = 36.0
"""Space between two ranks."""
MARGIN = 8.0
_SWEEPS = 12
_PLACEMENT_PASSES = 8
_POINT = 8.0
"""The width of the invisible point a long edge passes through in each rank it crosses."""

Point = tuple[float, float]


@dataclass(frozen=True)
class Layout:
    """Node centres and edge routes, in a plane where ranks go down (top to bottom).

    Attributes:
        centres: the centre of each node, by index.
        routes: for each edge, the points it passes through, from its source to its target
            (its two ends are the centres of its nodes).
        width: the width of the drawing, margins included.
        height: the height of the drawing, margins included.
    """

    centres: list[Point]
    routes: list[list[Point]]
    width: float
    height: float


def layered_layout(
    sizes: list[tuple[float, float]], edges: list[tuple[int, int]], *, rank_gap: float = RANK_GAP
) -> Layout:
    """Lay out nodes of ``sizes`` (across, along the ranks) linked by ``edges`` (index pairs).

    ``rank_gap`` is the space between ranks (more when edges carry labels).

    Example:
        >>> layout = layered_layout([(60, 30), (60, 30)], [(0, 1)])
        >>> layout.centres[0][1] < layout.centres[1][1]
        True
    """
    count = len(sizes)
    links = [edge for edge in edges if edge[0] != edge[1]]
    acyclic = _break_cycles(count, links)
    ranks = _ranks(count, acyclic)
    across = [size[0] for size in sizes]
    along = [size[1] for size in sizes]
    chains: list[list[int]] = []
    for source, target in acyclic:
        chain = [source]
        for rank in range(ranks[source] + 1, ranks[target]):
            ranks.append(rank)
            across.append(_POINT)
            along.append(0.0)
            chain.append(len(ranks) - 1)
        chains.append([*chain, target])
    layers = _order(ranks, chains)
    xs = _place(layers, across, chains)
    ys, extents = _rank_positions(layers, along, rank_gap)
    centres = [(xs[node], ys[node]) for node in range(len(ranks))]
    routes = []
    chain_of = {}
    for edge, chain in zip(acyclic, chains, strict=True):
        # through each rank it crosses, a long edge runs straight past the rank's nodes
        inner = [
            (xs[point], ys[point] + side * extents[ranks[point]] / 2)
            for point in chain[1:-1]
            for side in (-1, 1)
        ]
        chain_of[edge] = [centres[chain[0]], *inner, centres[chain[-1]]]
    for source, target in edges:
        if source == target:
            routes.append(_loop(centres[source], sizes[source]))
            continue
        forward = chain_of.get((source, target))
        routes.append(forward if forward is not None else chain_of[(target, source)][::-1])
    width = max((xs[n] + across[n] / 2 for n in range(len(ranks))), default=0.0) + MARGIN
    height = max((ys[n] + along[n] / 2 for n in range(len(ranks))), default=0.0) + MARGIN
    return Layout(centres[:count], routes, width, height)


def _break_cycles(count: int, edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The edges with those that close a cycle (found depth-first) turned around, deduplicated."""
    successors: list[list[int]] = [[] for _ in range(count)]
    for source, target in edges:
        successors[source].append(target)
    state = [0] * count  # 0 unseen, 1 on the path, 2 done
    backward: set[tuple[int, int]] = set()
    for start in range(count):
        if state[start]:
            continue
        state[start] = 1
        stack = [(start, iter(successors[start]))]
        while stack:
            node, following = stack[-1]
            step = next(following, None)
            if step is None:
                state[node] = 2
                stack.pop()
            elif state[step] == 1:
                backward.add((node, step))
            elif state[step] == 0:
                state[step] = 1
                stack.append((step, iter(successors[step])))
    turned = [(t, s) if (s, t) in backward else (s, t) for s, t in edges]
    return list(dict.fromkeys(turned))


def _ranks(count: int, edges: list[tuple[int, int]]) -> list[int]:
    """Longest-path ranks; a node without predecessors sits just above its nearest successor."""
    successors: list[list[int]] = [[] for _ in range(count)]
    waiting = [0] * count
    for source, target in edges:
        successors[source].append(target)
        waiting[target] += 1
    ready = [node for node in range(count) if waiting[node] == 0]
    sources = set(ready)
    heapq.heapify(ready)
    ranks = [0] * count
    order = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for target in successors[node]:
            ranks[target] = max(ranks[target], ranks[node] + 1)
            waiting[target] -= 1
            if waiting[target] == 0:
                heapq.heappush(ready, target)
    for node in reversed(order):
        if node in sources and successors[node]:
            ranks[node] = min(ranks[target] for target in successors[node]) - 1
    return ranks


def _order(ranks: list[int], chains: list[list[int]]) -> list[list[int]]:
    """The nodes of each rank, ordered to cross few edges (barycenter sweeps)."""
    depth = max(ranks, default=-1) + 1
    up: list[list[int]] = [[] for _ in ranks]
    down: list[list[int]] = [[] for _ in ranks]
    for chain in chains:
        for upper, lower in pairwise(chain):
            down[upper].append(lower)
            up[lower].append(upper)
    layers: list[list[int]] = [[] for _ in range(depth)]
    for node, rank in enumerate(ranks):
        layers[rank].append(node)
    best = [list(layer) for layer in layers]
    fewest = _crossings(best, down)
    for sweep in range(_SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, depth) if downward else range(depth - 2, -1, -1)
        for index in indices:
            reference = layers[index - 1] if downward else layers[index + 1]
            position = {node: place for place, node in enumerate(reference)}
            neighbours = up if downward else down
            keys = {}
            for place, node in enumerate(layers[index]):
                found = [position[other] for other in neighbours[node]]
                keys[node] = (sum(found) / len(found) if found else float(place), place)
            layers[index].sort(key=keys.__getitem__)
        crossings = _crossings(layers, down)
        if crossings < fewest:
            fewest = crossings
            best = [list(layer) for layer in layers]
    return best


def _crossings(layers: list[list[int]], down: list[list[int]]) -> int:
    """How many edge crossings between consecutive ranks (inversions, counted in a Fenwick tree)."""
    total = 0
    for upper, lower in pairwise(layers):
        position = {node: place for place, node in enumerate(lower)}
        targets = sorted(
            (place, position[target]) for place, node in enumerate(upper) for target in down[node]
        )
        tree = [0] * (len(lower) + 1)
        for seen, (_place, target) in enumerate(targets):
            smaller_or_equal = 0
            index = target + 1
            while index > 0:
                smaller_or_equal += tree[index]
                index -= index & -index
            total += seen - smaller_or_equal
            index = target + 1
            while index <= len(lower):
                tree[index] += 1
                index += index & -index
    return total


def _place(layers: list[list[int]], across: list[float], chains: list[list[int]]) -> list[float]:
    """Positions within each rank: close to the neighbours', never overlapping, order kept."""
    neighbours: list[list[int]] = [[] for _ in across]
    for chain in chains:
        for upper, lower in pairwise(chain):
            neighbours[upper].append(lower)
            neighbours[lower].append(upper)
    xs = [0.0] * len(across)
    for layer in layers:
        _fit(layer, [0.0] * len(layer), across, xs)
    for step in range(_PLACEMENT_PASSES):
        ordered = layers if step % 2 == 0 else layers[::-1]
        for layer in ordered:
            wanted = []
            for node in layer:
                found = [xs[other] for other in neighbours[node]]
                wanted.append(sum(found) / len(found) if found else xs[node])
            _fit(layer, wanted, across, xs)
    left = min((xs[n] - across[n] / 2 for n in range(len(xs))), default=0.0)
    return [x - left + MARGIN for x in xs]


def _fit(layer: list[int], wanted: list[float], across: list[float], xs: list[float]) -> None:
    """Set ``xs`` of ``layer`` to the positions closest to ``wanted`` that keep its order.

    Closest in least squares, with ``NODE_GAP`` between nodes: pool-adjacent-violators
    (isotonic regression) on the positions minus the packed offsets.
    """
    offsets = [0.0]
    for previous, node in pairwise(layer):
        offsets.append(offsets[-1] + across[previous] / 2 + NODE_GAP + across[node] / 2)
    blocks: list[list[float]] = []  # [mean, size]
    for target, offset in zip(wanted, offsets, strict=True):
        blocks.append([target - offset, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, size = blocks.pop()
            blocks[-1][0] = (blocks[-1][0] * blocks[-1][1] + mean * size) / (blocks[-1][1] + size)
            blocks[-1][1] += size
    fitted = [mean for mean, size in blocks for _ in range(int(size))]
    for node, base, offset in zip(layer, fitted, offsets, strict=True):
        xs[node] = base + offset


def _rank_positions(
    layers: list[list[int]], along: list[float], gap: float
) -> tuple[list[float], list[float]]:
    """The position of each node along the ranks, and the extent of each rank."""
    ys = [0.0] * len(along)
    extents = []
    top = MARGIN
    for layer in layers:
        extent = max((along[node] for node in layer), default=0.0)
        extents.append(extent)
        for node in layer:
            ys[node] = top + extent / 2
        top += extent + gap
    return ys, extents


def _loop(centre: Point, size: tuple[float, float]) -> list[Point]:
    """A small loop on the right of a node, for an edge from the node to itself."""
    x, y = centre
    half = size[0] / 2
    return [(x + half * 0.6, y - 6.0), (x + half + 14.0, y), (x + half * 0.6, y + 6.0)]
