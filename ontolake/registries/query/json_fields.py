"""Lookups into JSON columns: ``params__lr=0.01``, ``params__model__depth__gte=3``.

The parts after the column name are keys walked into the JSON document; a last part that is
a lookup name (``gt``, ``startswith``, ``in`` …) is the lookup, otherwise ``exact``. Values
compare with their JSON type: numbers as numbers (``1`` matches ``1.0``, never ``"1"``),
strings as strings, booleans as booleans (``True`` never matches ``1``), lists and dicts as
JSON. ``isnull=True`` matches a missing key or a JSON ``null``. A key or value of another
type never matches, so ``exclude`` stays the complement of ``filter``. The lookups are the
records of :mod:`ontolake.registries.query.operators`; :class:`JsonTarget` builds their
operands, one per JSON type among the values.

SQLite uses ``json_extract``/``json_type``/``json_each`` and PostgreSQL
``#>``/``#>>``/``jsonb_typeof``/``jsonb_array_elements`` on ``jsonb``; every key and value is
a bound parameter, and the values of ``in`` are one JSON array, however many there are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Boolean, String, TypeDecorator, bindparam, not_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ontolake.errors import QueryError
from ontolake.registries.query.operators import (
    OPERATORS,
    Operand,
    Operator,
    lookup_condition,
)

__all__ = ["JsonTarget", "json_condition"]

_SQLITE_TYPES = {
    "number": "('integer', 'real')",
    "string": "('text')",
    "boolean": "('true', 'false')",
    "json": "('object', 'array')",
}
_POSTGRES_TYPES = {
    "number": "('number')",
    "string": "('string')",
    "boolean": "('boolean')",
    "json": "('object', 'array')",
}
_JSON_TYPES = {"number": "number", "text": "string", "boolean": "boolean", "json": "json"}
"""The JSON type (of ``json_type``/``jsonb_typeof``) holding each kind of value."""
_DESCRIBED = {
    "number": "numbers",
    "text": "strings",
    "boolean": "booleans",
    "json": "lists or dicts",
}


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
    return f"coalesce(jsonb_typeof({value}) IN {_POSTGRES_TYPES[element._kind]}, false)"


@compiles(_JsonText, "sqlite")
def _text_sqlite(element: _JsonText, compiler: Any, **kw: Any) -> str:
    column, path = _parts(compiler, element, **kw)
    return f"json_extract({column}, {path})"


@compiles(_JsonText, "postgresql")
def _text_postgresql(element: _JsonText, compiler: Any, **kw: Any) -> str:
    column, path = _parts(compiler, element, **kw)
    return f"({column} #>> CAST({path} AS TEXT[]))"


class _JsonValue(FunctionElement[Any]):
    """The JSON value at a path: comparable with :class:`_JsonLiteral` of the same type."""

    inherit_cache = False

    def __init__(self, column: Any, path: list[str]) -> None:
        super().__init__(column, _path(path))


@compiles(_JsonValue, "sqlite")
def _value_sqlite(element: _JsonValue, compiler: Any, **kw: Any) -> str:
    column, path = _parts(compiler, element, **kw)
    return f"json_extract({column}, {path})"


@compiles(_JsonValue, "postgresql")
def _value_postgresql(element: _JsonValue, compiler: Any, **kw: Any) -> str:
    column, path = _parts(compiler, element, **kw)
    return f"({column} #> CAST({path} AS TEXT[]))"


class _JsonLiteral(FunctionElement[Any]):
    """A number, boolean, list or dict bound as JSON and read back as the database's value."""

    inherit_cache = False

    def __init__(self, value: Any) -> None:
        super().__init__(bindparam(None, json.dumps(value), type_=String(), unique=True))


@compiles(_JsonLiteral, "sqlite")
def _literal_sqlite(element: _JsonLiteral, compiler: Any, **kw: Any) -> str:
    (value,) = _parts(compiler, element, **kw)
    return f"json_extract({value}, '$')"  # the number itself, integer or real; JSON minified


@compiles(_JsonLiteral, "postgresql")
def _literal_postgresql(element: _JsonLiteral, compiler: Any, **kw: Any) -> str:
    (value,) = _parts(compiler, element, **kw)
    return f"CAST({value} AS JSONB)"


class _JsonAnyOf(FunctionElement[bool]):
    """A JSON value among the elements of one bound JSON array."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, expression: Any, values: Sequence[Any]) -> None:
        array = bindparam(None, json.dumps(list(values)), type_=String(), unique=True)
        super().__init__(expression, array)


@compiles(_JsonAnyOf, "sqlite")
def _any_of_sqlite(element: _JsonAnyOf, compiler: Any, **kw: Any) -> str:
    expression, values = _parts(compiler, element, **kw)
    return f"({expression} IN (SELECT value FROM json_each({values})))"


@compiles(_JsonAnyOf, "postgresql")
def _any_of_postgresql(element: _JsonAnyOf, compiler: Any, **kw: Any) -> str:
    expression, values = _parts(compiler, element, **kw)
    return (
        f"EXISTS (SELECT 1 FROM jsonb_array_elements(CAST({values} AS JSONB)) AS listed (value) "
        f"WHERE listed.value = {expression})"
    )


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple, dict)):
        return "json"
    raise QueryError(
        f"JSON lookups compare numbers, strings, booleans, None, lists and dicts; got {value!r}."
    )


@dataclass(frozen=True)
class JsonTarget:
    """The value at a key path inside a JSON column, as the target of a lookup.

    Example:
        >>> from ontolake.registries.lineage import Run
        >>> target = JsonTarget(Run.params, ("model", "depth"))
        >>> target.name
        'params__model__depth'
    """

    column: Any
    path: tuple[str, ...]

    @property
    def name(self) -> str:
        """The field and keys as the user wrote them."""
        return "__".join([str(getattr(self.column, "key", "value")), *self.path])

    def _is(self, json_type: str) -> ColumnElement[bool]:
        return cast("ColumnElement[bool]", _JsonIs(self.column, list(self.path), json_type))

    def missing(self) -> ColumnElement[bool]:
        """The key is missing or holds JSON ``null``."""
        return not_(or_(*(self._is(json_type) for json_type in _JSON_TYPES.values())))

    def operands(self, operator: Operator, values: list[Any]) -> list[tuple[Operand, list[Any]]]:
        """One operand per JSON type among ``values``, guarded by that type."""
        groups: dict[str, list[Any]] = {}
        for value in values:
            kind = _kind_of(value)
            if kind not in operator.kinds:
                wanted = [_DESCRIBED[kind] for kind in _DESCRIBED if kind in operator.kinds]
                raise QueryError(
                    f"{self.name}__{operator.name} compares {' or '.join(wanted)}, got {value!r}."
                )
            groups.setdefault(kind, []).append(value)
        return [(self._operand(kind), items) for kind, items in groups.items()]

    def _operand(self, kind: str) -> Operand:
        guard = self._is(_JSON_TYPES[kind])
        if kind == "text":
            return Operand(_JsonText(self.column, list(self.path)), kind, guard)
        return Operand(
            _JsonValue(self.column, list(self.path)),
            kind,
            guard,
            literal=_JsonLiteral,
            listed=_JsonAnyOf,
        )

    def having(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """The condition itself: the column belongs to the record."""
        return condition


def json_condition(column: Any, keys: list[str], value: Any) -> ColumnElement[bool]:
    """The condition for ``column__key1__key2[__lookup]=value`` on a JSON column.

    Example:
        >>> from ontolake.registries.lineage import Run
        >>> condition = json_condition(Run.params, ["lr"], 0.01)
    """
    if len(keys) > 1 and keys[-1] in OPERATORS:
        path, operator = keys[:-1], OPERATORS[keys[-1]]
    else:
        path, operator = keys, OPERATORS["exact"]
    for key in path:
        if '"' in key or "\\" in key:
            raise QueryError(f"JSON keys in lookups cannot hold quotes or backslashes: {key!r}.")
    return lookup_condition(JsonTarget(column, tuple(path)), operator, value)
