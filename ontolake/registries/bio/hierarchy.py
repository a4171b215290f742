"""Transitive ancestors and descendants in SQL (recursive CTEs, SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

if TYPE_CHECKING:
    from sqlalchemy import Select

__all__ = ["closure_ids"]


def closure_ids(model: type[Any], start_ids: list[int], *, upward: bool) -> Select[Any]:
    """A ``SELECT id`` of every ancestor (``upward``) or descendant of ``start_ids``.

    The start records are included only when a cycle leads back to them. ``UNION`` (not
    ``UNION ALL``) de-duplicates, so the recursion ends even on a cyclic hierarchy.

    Example:
        >>> from ontolake.registries.bio.entities import CellType
        >>> statement = closure_ids(CellType, [1], upward=True)
    """
    links = model.parent_table
    if upward:
        near, far = links.c.child_id, links.c.parent_id
    else:
        near, far = links.c.parent_id, links.c.child_id
    reached = select(far.label("id")).where(near.in_(start_ids)).cte("reached", recursive=True)
    step = select(far.label("id")).join(reached, near == reached.c.id)
    reached = reached.union(step)
    return select(reached.c.id)
