"""Membership and presence: ``in`` (a list of any length) and ``isnull``.

Example:
    >>> [operator.takes for operator in OPERATORS]
    ['list', 'flag']
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import not_

from ontolake.registries.query.operators.base import ALL_KINDS, Operator

__all__ = ["OPERATORS"]


def _isnull(missing: Any, wanted: Any) -> Any:
    return missing if wanted else not_(missing)


OPERATORS = (
    Operator(
        "in",
        ALL_KINDS,
        lambda operand, values: operand.any_of(values),
        takes="list",
        matches_null=True,
    ),
    Operator("isnull", ALL_KINDS, _isnull, takes="flag"),
)
