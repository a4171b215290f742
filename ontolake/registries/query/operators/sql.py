"""The SQL pieces operators are built from, identical on SQLite and PostgreSQL.

- :class:`Lower`: Python's ``str.lower()`` on both databases (Unicode included);
- :class:`InUTC`: a timestamp as UTC wall-clock time, for date parts;
- :func:`like`: ``LIKE`` with the whole pattern one bound parameter, :func:`escape_like`
  making ``%`` and ``_`` in values literal;
- :func:`in_values`: ``expression IN values`` for lists of any length. A long list is bound
  as ONE parameter (a JSON array read by ``json_each`` on SQLite, an array read by
  ``unnest`` on PostgreSQL), so neither SQLite's limit on variables nor PostgreSQL's 65,535
  parameters is ever reached, and the statement text is the same for every length.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Boolean, DateTime, String, Text, TypeDecorator, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ontolake.instance.engine import SQLITE_LOWER

__all__ = ["LONG_LIST", "InUTC", "Lower", "escape_like", "in_values", "like"]

LONG_LIST = 64
"""Lists longer than this are bound as one array parameter instead of one per value."""


class Lower(FunctionElement[str]):
    """``str.lower()`` of a text expression, the same on SQLite and PostgreSQL.

    The values compared with it are folded by Python's ``str.lower()``. SQLite's own
    ``lower()`` folds only ASCII and PostgreSQL's follows the database locale (only ASCII
    under ``C``), so ``É`` never matched ``é`` and ``İ`` did not even match itself. SQLite
    therefore calls Python's ``str.lower`` (registered on every connection by the engine) and
    PostgreSQL lowers under the ICU root collation, which applies the same Unicode full case
    mapping (final sigma included) whatever the database locale.

    Example:
        >>> from sqlalchemy import column
        >>> str(Lower(column("name")))
        'lower(name)'
    """

    type = String()
    inherit_cache = True
    name = "lower"


@compiles(Lower)
def _lower_default(element: Lower, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(Lower, "sqlite")
def _lower_sqlite(element: Lower, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


@compiles(Lower, "postgresql")
def _lower_postgresql(element: Lower, compiler: Any, **kw: Any) -> str:
    return f'lower(({compiler.process(element.clauses, **kw)}) COLLATE "und-x-icu")'


class InUTC(FunctionElement[datetime]):
    """A timezone-aware timestamp as UTC wall-clock time, for ``year``/``month``/``day``.

    PostgreSQL extracts parts of ``timestamptz`` in the session's time zone, so a server in
    another zone moved records across midnight; SQLite stores UTC already.

    Example:
        >>> from sqlalchemy import column
        >>> str(InUTC(column("created_at")))
        'created_at'
    """

    type = DateTime()
    inherit_cache = True
    name = "timezone"


@compiles(InUTC)
def _in_utc_default(element: InUTC, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(InUTC, "postgresql")
def _in_utc_postgresql(element: InUTC, compiler: Any, **kw: Any) -> str:
    return f"timezone('UTC', {compiler.process(element.clauses, **kw)})"


_LIKE_ESCAPE = "\\"


def escape_like(value: str) -> str:
    r"""Make ``%``, ``_`` and the escape character literal in a LIKE pattern.

    Example:
        >>> print(escape_like("50%_done"))
        50\%\_done
    """
    for special in (_LIKE_ESCAPE, "%", "_"):
        value = value.replace(special, _LIKE_ESCAPE + special)
    return value


def like(expression: Any, pattern: str) -> ColumnElement[bool]:
    """``expression LIKE pattern`` with the whole pattern as one bound parameter.

    A single parameter (not ``? || '%'``) lets SQLite use the column's index for prefixes.

    Example:
        >>> from sqlalchemy import column
        >>> str(like(column("key"), "raw/%")).split(" ESCAPE ")[0]
        'key LIKE :key_1'
    """
    return cast("ColumnElement[bool]", expression.like(pattern, escape=_LIKE_ESCAPE))


class _ValueArray(TypeDecorator[Sequence[Any]]):
    """A list of values of one SQL type, bound as one parameter.

    SQLite gets a JSON array of the values as the driver would receive them one by one
    (timestamps as text, booleans as 0/1); PostgreSQL gets an array of ``item_type``.
    """

    impl = String()
    cache_ok = True

    def __init__(self, item_type: Any) -> None:
        super().__init__()
        self.item_type = Text() if isinstance(item_type, String) else item_type

    def load_dialect_impl(self, dialect: Any) -> Any:
        """An array type on PostgreSQL, JSON text elsewhere."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.item_type))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Sequence[Any] | None, dialect: Any) -> Any:
        """The values as the dialect's array parameter."""
        if value is None or dialect.name == "postgresql":
            return value
        processor = self.item_type.dialect_impl(dialect).bind_processor(dialect)
        items = [processor(item) for item in value] if processor else list(value)
        return json.dumps(items, default=str)


class _AnyOf(FunctionElement[bool]):
    """``expression IN (values)`` with the values one array parameter."""

    type = Boolean()
    inherit_cache = True
    name = "any_of"


@compiles(_AnyOf)
def _any_of_default(element: _AnyOf, compiler: Any, **kw: Any) -> str:
    expression, values = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({expression} IN ({values}))"


@compiles(_AnyOf, "sqlite")
def _any_of_sqlite(element: _AnyOf, compiler: Any, **kw: Any) -> str:
    expression, values = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({expression} IN (SELECT value FROM json_each({values})))"


@compiles(_AnyOf, "postgresql")
def _any_of_postgresql(element: _AnyOf, compiler: Any, **kw: Any) -> str:
    first, second = element.clauses
    expression, values = compiler.process(first, **kw), compiler.process(second, **kw)
    item_type = cast("_ValueArray", second.type).item_type
    array = compiler.dialect.type_compiler_instance.process(ARRAY(item_type))
    # EXISTS, not IN: NOT EXISTS becomes an anti-join, where NOT IN (subquery) scanned the
    # whole list for every row once the list outgrew work_mem
    return (
        f"EXISTS (SELECT 1 FROM unnest(CAST({values} AS {array})) AS listed (value) "
        f"WHERE listed.value = {expression})"
    )


def in_values(expression: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``expression IN values`` for a list of any length, as one statement.

    Short lists are plain ``IN (?, ?, …)``; longer ones are one array parameter. The values
    hold no None (callers add ``IS NULL`` themselves), so the result is never unknown for a
    non-NULL ``expression`` and ``NOT`` of it is its exact complement.

    Example:
        >>> from sqlalchemy import column
        >>> str(in_values(column("id"), range(3)))
        'id IN (__[POSTCOMPILE_id_1])'
        >>> str(in_values(column("id"), range(1000)))
        '(id IN (:param_1))'
    """
    values = list(values)
    if len(values) <= LONG_LIST:
        return cast("ColumnElement[bool]", expression.in_(values))
    array = bindparam(None, values, type_=_ValueArray(expression.type), unique=True)
    return cast("ColumnElement[bool]", _AnyOf(expression, array))
