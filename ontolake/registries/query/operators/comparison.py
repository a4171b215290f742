"""Equality and order: ``exact gt gte lt lte range``.

Example:
    >>> OPERATORS[1].name, sorted(OPERATORS[1].kinds)
    ('gt', ['datetime', 'number', 'text'])
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_

from ontolake.registries.query.operators.base import ALL_KINDS, ORDERED_KINDS, Operand, Operator

__all__ = ["OPERATORS"]


def _comparing(compare: Callable[[Any, Any], Any]) -> Callable[[Operand, Any], Any]:
    """``expression <compare> value``, the value bound as the operand's type."""

    def condition(operand: Operand, value: Any) -> Any:
        return compare(operand.expression, operand.bind(value))

    return condition


def _range(operand: Operand, bounds: tuple[Any, Any]) -> Any:
    low, high = bounds
    return and_(operand.expression >= operand.bind(low), operand.expression <= operand.bind(high))


OPERATORS = (
    Operator("exact", ALL_KINDS, _comparing(operator.eq), matches_null=True),
    Operator("gt", ORDERED_KINDS, _comparing(operator.gt)),
    Operator("gte", ORDERED_KINDS, _comparing(operator.ge)),
    Operator("lt", ORDERED_KINDS, _comparing(operator.lt)),
    Operator("lte", ORDERED_KINDS, _comparing(operator.le)),
    Operator("range", ORDERED_KINDS, _range, takes="pair"),
)
