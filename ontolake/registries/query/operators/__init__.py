"""The lookup table of the query language: one :class:`Operator` record per lookup.

Columns, JSON fields and feature values all compile lookups from :data:`OPERATORS` and
:data:`TRANSFORMS`, so a lookup added here works on all three. The records are grouped by
kind in :mod:`.comparison`, :mod:`.text`, :mod:`.membership` and :mod:`.dates`.

Example:
    >>> from sqlalchemy import not_
    >>> from ontolake.registries.query.operators import ORDERED_KINDS, Operator, register
    >>> def different(operand, value):
    ...     return operand.expression != operand.bind(value)
    >>> differs = register(Operator("differs", ORDERED_KINDS, different))
    >>> ol.ULabel.filter(name__differs="batch 7").count()
    0
    >>> unregister("differs")
"""

from __future__ import annotations

from typing import TypeVar

from ontolake.errors import QueryError
from ontolake.registries.query.operators import comparison, dates, membership, text
from ontolake.registries.query.operators.base import (
    ALL_KINDS,
    ORDERED_KINDS,
    Operand,
    Operator,
    Shape,
    Target,
    Transform,
    check_storable,
    lookup_condition,
)

__all__ = [
    "ALL_KINDS",
    "OPERATORS",
    "ORDERED_KINDS",
    "TRANSFORMS",
    "Operand",
    "Operator",
    "Shape",
    "Target",
    "Transform",
    "check_storable",
    "lookup_condition",
    "lookups_for",
    "register",
    "unregister",
]

OPERATORS: dict[str, Operator] = {}
"""Every lookup by name, in the order they are listed in messages."""
TRANSFORMS: dict[str, Transform] = {}
"""Every transform (``year`` …) by name."""


RecordT = TypeVar("RecordT", Operator, Transform)


def register(record: RecordT) -> RecordT:
    """Add a lookup (or a transform) to the query language; returns it.

    Raises:
        QueryError: a lookup or transform of that name exists already.
    """
    if record.name in OPERATORS or record.name in TRANSFORMS:
        raise QueryError(f"A lookup named {record.name!r} exists already: choose another name.")
    if not record.name.isidentifier() or "__" in record.name or record.name == "pk":
        raise QueryError(
            f"{record.name!r} cannot be a lookup name: use letters, digits and single underscores."
        )
    table: dict[str, Operator] | dict[str, Transform] = (
        TRANSFORMS if isinstance(record, Transform) else OPERATORS
    )
    table[record.name] = record  # type: ignore[assignment]
    return record


def unregister(name: str) -> None:
    """Remove the lookup or transform ``name`` (for tests and interactive sessions)."""
    OPERATORS.pop(name, None)
    TRANSFORMS.pop(name, None)


def lookups_for(kind: str) -> list[str]:
    """The lookups (and transforms) that apply to values of ``kind``.

    Example:
        >>> lookups_for("boolean")
        ['exact', 'in', 'isnull']
    """
    names = [name for name, operator in OPERATORS.items() if kind in operator.kinds]
    return names + [name for name, transform in TRANSFORMS.items() if kind in transform.kinds]


for _operator in (*comparison.OPERATORS, *text.OPERATORS, *membership.OPERATORS):
    register(_operator)
for _transform in dates.TRANSFORMS:
    register(_transform)
