"""Lookups into JSON columns: ``params__lr=0.01``, ``params__model__depth__gte=3``.

The parts after the column name are keys walked into the JSON document; a last part that is
a lookup name (``gt``, ``startswith``, ``in`` …) is the lookup, otherwise ``exact``. Values
compare with their JSON type: numbers as numbers (``1`` matches ``1.0``, never ``"1"``),
strings as strings, booleans as booleans (``True`` never matches ``1``), lists and dicts as
JSON. ``isnull=True`` matches a missing key or a JSON ``null``. A key or value of another
type never matches, so ``exclude`` stays the complement of ``filter``.

SQLite uses ``json_extract``/``json_type`` and PostgreSQL ``#>``/``#>>``/``jsonb_typeof`` on
``jsonb``; every key and value is a bound parameter.
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import Boolean, String, TypeDecorator, and_, bindparam, false, not_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ontolake.errors import QueryError
from ontolake.registries.query.lookups import TEXT_LOOKUPS

__all__ = ["json_condition"]

_KINDS = ("number", "string", "boolean", "json", "null")
_SQLITE_TYPES = {
    "true": "('true')",
    "false": "('false')",
    "number": "('integer', 'real')",
    "string": "('text')",
    "boolean": "('true', 'false')",
    "json": "('object', 'array')",
    "null": "('null')",
}
_POSTGRES_TYPES = {
    "number": "('number')",
    "string": "('string')",
    "boolean": "('boolean')",
    "json": "('object', 'array')",
    "null": "('null')",
}
_ORDERED = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class _JsonPath(TypeDecorator[str]):
    """A list of JSON keys, bound as a SQLite JSON path or a PostgreSQL ``text[]`` literal."""

    impl = String()
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        """``['a', 'b']`` → ``$."a"."b"`` (SQLite) or ``{"a","b"}`` (PostgreSQL)."""
        if value is None:
            return None
        keys = [str(key) for key in value]
        if dialect.name == "sqlite":
            return "$" + "".join(f'."{key}"' for key in keys)
        quoted = (key.replace("\\", "\\\\").replace('"', '\\"') for key in keys)
        return "{" + ",".join(f'"{key}"' for key in quoted) + "}"


class _JsonIs(FunctionElement[bool]):
    """Whether the value at a path has one JSON kind; false (never NULL) when it is missing."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, column: Any, path: list[str], kind: str) -> None:
        self._kind = kind
        super().__init__(column, _path(path))


class _JsonCompare(FunctionElement[bool]):
    """The value at a path compared (``=``, ``<`` …) with a bound number, string or JSON."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, column: Any, path: list[str], kind: str, operator: str, value: Any) -> None:
        self._kind = kind
        self._operator = operator
        bound = json.dumps(value) if kind in ("number", "json") else value
        super().__init__(column, _path(path), bindparam(None, bound, unique=True))


class _JsonText(FunctionElement[str]):
    """The string at a path, as SQL text (only meaningful where the kind is ``string``)."""

    type = String()
    inherit_cache = False

    def __init__(self, column: Any, path: list[str]) -> None:
        super().__init__(column, _path(path))


def _path(keys: list[str]) -> Any:
    return bindparam(None, list(keys), type_=_JsonPath(), unique=True)


def _parts(compiler: Any, element: FunctionElement[Any], **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(_JsonIs, "sqlite")
def _is_sqlite(element: _JsonIs, compiler: Any, **kw: Any) -> str:
    column, path = _parts(compiler, element, **kw)
    return f"coalesce(json_type({column}, {path}) IN {_SQLITE_TYPES[element._kind]}, 0)"


@compiles(_JsonIs, "postgresql")
def _is_postgresql(element: _JsonIs, compiler: Any, **kw: Any) -> str:
    column, path = _parts(compiler, element, **kw)
    value = f"({column} #> CAST({path} AS TEXT[]))"
    if element._kind in ("true", "false"):
        return f"coalesce({value} = CAST('{element._kind}' AS JSONB), false)"
    return f"coalesce(jsonb_typeof({value}) IN {_POSTGRES_TYPES[element._kind]}, false)"


@compiles(_JsonCompare, "sqlite")
def _compare_sqlite(element: _JsonCompare, compiler: Any, **kw: Any) -> str:
    column, path, value = _parts(compiler, element, **kw)
    if element._kind == "json":
        value = f"json({value})"
    elif element._kind == "number":
        value = f"json_extract({value}, '$')"  # the number itself, integer or real
    return f"(json_extract({column}, {path}) {element._operator} {value})"


@compiles(_JsonCompare, "postgresql")
def _compare_postgresql(element: _JsonCompare, compiler: Any, **kw: Any) -> str:
    column, path, value = _parts(compiler, element, **kw)
    if element._kind in ("number", "json"):
        return f"(({column} #> CAST({path} AS TEXT[])) {element._operator} CAST({value} AS JSONB))"
    return f"(({column} #>> CAST({path} AS TEXT[])) {element._operator} {value})"


@compiles(_JsonText, "sqlite")
def _text_sqlite(element: _JsonText, compiler: Any, **kw: Any) -> str:
    column, path = _parts(compiler, element, **kw)
    return f"json_extract({column}, {path})"


@compiles(_JsonText, "postgresql")
def _text_postgresql(element: _JsonText, compiler: Any, **kw: Any) -> str:
    column, path = _parts(compiler, element, **kw)
    return f"({column} #>> CAST({path} AS TEXT[]))"


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple, dict)):
        return "json"
    raise QueryError(
        f"JSON lookups compare numbers, strings, booleans, None, lists and dicts; got {value!r}."
    )


def _exact(column: Any, path: list[str], value: Any) -> ColumnElement[bool]:
    kind = _kind_of(value)
    if kind == "null":
        return _isnull(column, path, True)
    if kind == "boolean":
        return cast("ColumnElement[bool]", _JsonIs(column, path, "true" if value else "false"))
    guard = cast("ColumnElement[bool]", _JsonIs(column, path, kind))
    if kind == "json":
        value = json.loads(json.dumps(value))
    return and_(guard, _JsonCompare(column, path, kind, "=", value))


def _isnull(column: Any, path: list[str], wanted: Any) -> ColumnElement[bool]:
    present = or_(*(_JsonIs(column, path, kind) for kind in _KINDS if kind != "null"))
    return not_(present) if wanted else present


def json_condition(column: Any, keys: list[str], value: Any) -> ColumnElement[bool]:
    """The condition for ``column__key1__key2[__lookup]=value`` on a JSON column.

    Example:
        >>> from ontolake.registries.lineage import Run
        >>> condition = json_condition(Run.params, ["lr"], 0.01)
    """
    from ontolake.registries.query.lookups import LOOKUPS, _escape, _Lower

    if len(keys) > 1 and keys[-1] in LOOKUPS:
        path, lookup = keys[:-1], keys[-1]
    else:
        path, lookup = keys, "exact"
    for key in path:
        if '"' in key or "\\" in key:
            raise QueryError(f"JSON keys in lookups cannot hold quotes or backslashes: {key!r}.")
    if lookup == "isnull":
        return _isnull(column, path, value)
    if lookup == "exact":
        return _exact(column, path, value)
    if lookup == "in":
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise QueryError(f"{'__'.join(path)}__in= takes a list of values, got {value!r}.")
        options = [_exact(column, path, item) for item in value]
        return or_(*options) if options else false()
    if lookup == "range":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise QueryError(f"{'__'.join(path)}__range= takes (low, high), got {value!r}.")
        return and_(
            json_condition(column, [*path, "gte"], value[0]),
            json_condition(column, [*path, "lte"], value[1]),
        )
    kind = _kind_of(value)
    if lookup in _ORDERED:
        if kind not in ("number", "string"):
            raise QueryError(f"{lookup} compares numbers or strings, got {value!r}.")
        guard = _JsonIs(column, path, kind)
        return and_(guard, _JsonCompare(column, path, kind, _ORDERED[lookup], value))
    if lookup in TEXT_LOOKUPS:
        if kind != "string":
            raise QueryError(f"{lookup} takes a string, got {value!r}.")
        text: Any = _JsonText(column, path)
        folded = lookup.startswith("i")
        if folded:
            text, value = _Lower(text), value.lower()
        pattern = {
            "iexact": _escape(value),
            "contains": f"%{_escape(value)}%",
            "icontains": f"%{_escape(value)}%",
            "startswith": f"{_escape(value)}%",
            "istartswith": f"{_escape(value)}%",
            "endswith": f"%{_escape(value)}",
            "iendswith": f"%{_escape(value)}",
        }[lookup]
        return and_(_JsonIs(column, path, "string"), text.like(pattern, escape="\\"))
    raise QueryError(f"Unknown lookup {lookup!r} on a JSON field.")
