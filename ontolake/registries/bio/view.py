"""Pictures of an ontology term's neighbourhood: parents or children up to a distance."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import select

__all__ = ["hierarchy_dot", "view_hierarchy"]

_EDGE_STYLES = {
    "is_a": "",
    "part_of": "style=dashed",
    "parent": "style=dotted",
    "ancestor": "style=dotted",
}


def hierarchy_dot(record: Any, *, distance: int = 2, upward: bool = True) -> str:
    r"""DOT text of ``record`` and its ancestors (``upward``) or descendants up to ``distance``.

    Edges point from child to parent and are labelled by relation (``part_of`` dashed).

    Example:
        >>> print(hierarchy_dot(t_cell, distance=1))
        digraph "CellType" {
          rankdir=BT;
          node [shape=box, style=rounded];
          n156 [label="T cell\nCL:0000084", style="rounded,bold"];
          n157 [label="lymphocyte\nCL:0000542"];
          n156 -> n157 [label="parent", style=dotted];
        }
        <BLANKLINE>
    """
    from ontolake._graphviz import quote
    from ontolake.instance.session import current_instance

    model = type(record)
    links = model.parent_table
    near, far = (
        (links.c.child_id, links.c.parent_id)
        if upward
        else (
            links.c.parent_id,
            links.c.child_id,
        )
    )
    edges: set[tuple[int, int, str]] = set()
    reached = {record.id}
    frontier = {record.id}
    with current_instance().read() as session:
        connection = session.connection()
        for _ in range(max(distance, 0)):
            if not frontier:
                break
            rows = connection.execute(
                select(near, far, links.c.relation).where(near.in_(frontier))
            ).all()
            frontier = {row[1] for row in rows} - reached
            reached |= frontier
            edges |= {
                (row[0], row[1], row[2]) if upward else (row[1], row[0], row[2]) for row in rows
            }
        rows = connection.execute(
            select(model.id, model.name, model.ontology_id).where(model.id.in_(reached))
        ).all()
    labels = {
        node_id: f"{name}\n{ontology_id}" if ontology_id else name
        for node_id, name, ontology_id in rows
    }
    lines = [
        f"digraph {quote(model.__name__)} {{",
        "  rankdir=BT;",
        "  node [shape=box, style=rounded];",
    ]
    for node_id, label in sorted(labels.items()):
        emphasis = ', style="rounded,bold"' if node_id == record.id else ""
        lines.append(f"  n{node_id} [label={quote(label)}{emphasis}];")
    for child, parent, relation in sorted(edges):
        style = _EDGE_STYLES.get(relation, "")
        attributes = f" [label={quote(relation)}{', ' + style if style else ''}]"
        lines.append(f"  n{child} -> n{parent}{attributes};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def view_hierarchy(
    record: Any, *, distance: int, upward: bool, path: str | os.PathLike[str] | None
) -> str:
    """The DOT text of the hierarchy; drawn to ``path`` and shown in notebooks."""
    from ontolake._graphviz import display, render

    dot = hierarchy_dot(record, distance=distance, upward=upward)
    if path is not None:
        render(dot, path)
    display(dot)
    return dot
