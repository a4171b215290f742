"""Text matching: ``iexact contains icontains startswith istartswith endswith iendswith``.

Matching is case-sensitive; the ``i``-lookups compare Python's ``str.lower()`` of both sides
(see :class:`~ontolake.registries.query.operators.sql.Lower`). ``%`` and ``_`` in values are
literal.

Example:
    >>> [operator.name for operator in OPERATORS][:3]
    ['iexact', 'contains', 'icontains']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ontolake.registries.query.operators.base import Operand, Operator
from ontolake.registries.query.operators.sql import Lower, escape_like, like

__all__ = ["OPERATORS"]

_TEXT = frozenset({"text"})


def _matching(pattern: str, *, folded: bool) -> Callable[[Operand, str], Any]:
    """A LIKE lookup: ``pattern`` with ``{}`` where the escaped value goes."""

    def condition(operand: Operand, value: str) -> Any:
        expression = Lower(operand.expression) if folded else operand.expression
        return like(expression, pattern.format(escape_like(value.lower() if folded else value)))

    return condition


OPERATORS = (
    Operator("iexact", _TEXT, lambda operand, value: Lower(operand.expression) == value.lower()),
    Operator("contains", _TEXT, _matching("%{}%", folded=False)),
    Operator("icontains", _TEXT, _matching("%{}%", folded=True)),
    Operator("startswith", _TEXT, _matching("{}%", folded=False)),
    Operator("istartswith", _TEXT, _matching("{}%", folded=True)),
    Operator("endswith", _TEXT, _matching("%{}", folded=False)),
    Operator("iendswith", _TEXT, _matching("%{}", folded=True)),
)
