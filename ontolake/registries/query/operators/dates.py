"""Parts of dates: ``year month day``, taken in UTC on every database.

Example:
    >>> [transform.name for transform in TRANSFORMS]
    ['year', 'month', 'day']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import extract

from ontolake.registries.query.operators.base import Transform
from ontolake.registries.query.operators.sql import InUTC

__all__ = ["TRANSFORMS"]


def _part(name: str) -> Callable[[Any], Any]:
    def apply(expression: Any) -> Any:
        if getattr(expression.type, "timezone", False):
            expression = InUTC(expression)
        return extract(name, expression)

    return apply


TRANSFORMS = tuple(
    Transform(name, frozenset({"datetime"}), _part(name), result="number")
    for name in ("year", "month", "day")
)
