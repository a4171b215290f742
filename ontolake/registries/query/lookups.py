"""Django-style lookups compiled to SQLAlchemy conditions, identical on SQLite and PostgreSQL.

``field__lookup=value`` where ``field`` may traverse relationships with ``__``
(``run__transform__key``, ``ulabels__name``). Foreign keys become ``EXISTS`` (``has``) and
many-to-many links ``EXISTS`` (``any``) subqueries, so a record is never returned twice.
String matching is case-sensitive on both databases (SQLite runs with
``case_sensitive_like``); the ``i``-lookups compare Python's ``str.lower()`` of both sides,
Unicode included (see :class:`_Lower`). Values are always bound parameters and ``LIKE``
wildcards in them are escaped. A lookup never matches NULL unless it asks for it
(``isnull=True``, ``exact=None``, ``in`` with None), so ``exclude`` is the exact complement of
``filter``. ``year``/``month``/``day`` are parts of the UTC time on both databases.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import JSON, DateTime, String, and_, extract, inspect, not_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import RelationshipProperty
from sqlalchemy.sql.functions import FunctionElement

from ontolake.errors import InvalidFieldError, QueryError
from ontolake.instance.engine import SQLITE_LOWER

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

__all__ = [
    "LOOKUPS",
    "TEXT_LOOKUPS",
    "TRANSFORMS",
    "build_condition",
    "field_name",
    "field_names",
    "resolve_column",
]

TEXT_LOOKUPS = (
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
)
"""Lookups that compare text; their values must be strings."""
LOOKUPS = (
    "exact",
    *TEXT_LOOKUPS,
    "in",
    "gt",
    "gte",
    "lt",
    "lte",
    "isnull",
    "range",
)
TRANSFORMS = ("year", "month", "day")

# Extra field resolvers, e.g. feature values: (model, name, rest, value) -> condition or None.
FieldResolver = Callable[[type[Any], str, list[str], Any], "ColumnElement[bool] | None"]
field_resolvers: list[FieldResolver] = []


class _Lower(FunctionElement[str]):
    """``str.lower()`` of a text expression, the same on SQLite and PostgreSQL.

    The values compared with it are folded by Python's ``str.lower()``. SQLite's own
    ``lower()`` folds only ASCII and PostgreSQL's follows the database locale (only ASCII
    under ``C``), so ``É`` never matched ``é`` and ``İ`` did not even match itself. SQLite
    therefore calls Python's ``str.lower`` (registered on every connection by the engine) and
    PostgreSQL lowers under the ICU root collation, which applies the same Unicode full case
    mapping (final sigma included) whatever the database locale.
    """

    type = String()
    inherit_cache = True
    name = "lower"


@compiles(_Lower)
def _lower_default(element: _Lower, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(_Lower, "sqlite")
def _lower_sqlite(element: _Lower, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


@compiles(_Lower, "postgresql")
def _lower_postgresql(element: _Lower, compiler: Any, **kw: Any) -> str:
    return f'lower(({compiler.process(element.clauses, **kw)}) COLLATE "und-x-icu")'


class _InUTC(FunctionElement[datetime]):
    """A timezone-aware timestamp as UTC wall-clock time, for ``year``/``month``/``day``.

    PostgreSQL extracts parts of ``timestamptz`` in the session's time zone, so a server in
    another zone moved records across midnight; SQLite stores UTC already.
    """

    type = DateTime()
    inherit_cache = True
    name = "timezone"


@compiles(_InUTC)
def _in_utc_default(element: _InUTC, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_InUTC, "postgresql")
def _in_utc_postgresql(element: _InUTC, compiler: Any, **kw: Any) -> str:
    return f"timezone('UTC', {compiler.process(element.clauses, **kw)})"


def field_names(model: type[Any]) -> list[str]:
    """The fields of ``model`` a lookup may name: columns and relationships."""
    mapper = inspect(model)
    return sorted([*mapper.columns.keys(), *mapper.relationships.keys()])


def _unknown_field(model: type[Any], name: str) -> InvalidFieldError:
    valid = field_names(model)
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return InvalidFieldError(
        f"{model.__name__} has no field {name!r}.{hint} Valid fields: {', '.join(valid)}."
    )


def field_name(model: type[Any], field: Any) -> str:
    """The name of a field of ``model`` given by name or as a field object (``Gene.symbol``).

    Raises:
        InvalidFieldError: ``field`` is a field of another registry, or neither a name nor
            a field.

    Example:
        >>> from ontolake.registries.artifact import Artifact
        >>> field_name(Artifact, Artifact.key), field_name(Artifact, "key")
        ('key', 'key')
    """
    if isinstance(field, str):
        return field
    owner, key = getattr(field, "class_", None), getattr(field, "key", None)
    names = field_names(model)
    example = key if key in names else getattr(model, "_search_fields", names)[0]
    shown = f"{model.__name__}.{example} or {example!r}"
    if not isinstance(owner, type) or not isinstance(key, str):
        raise InvalidFieldError(f"{field!r} is no field of {model.__name__}: pass e.g. {shown}.")
    if not issubclass(model, owner):
        raise InvalidFieldError(
            f"{owner.__name__}.{key} is a field of {owner.__name__}, not of {model.__name__}: "
            f"pass a field of {model.__name__} (e.g. {shown})."
        )
    return key


def resolve_column(model: type[Any], name: Any) -> Any:
    """The column attribute ``name`` (a name or field object) of ``model``.

    An unknown name is an error that lists the valid fields.
    """
    name = field_name(model, name)
    mapper = inspect(model)
    if name in mapper.columns:
        return getattr(model, name)
    raise _unknown_field(model, name)


def build_condition(model: type[Any], path: str, value: Any) -> ColumnElement[bool]:
    """The SQL condition for ``path=value`` on ``model`` (``path`` like ``key__startswith``).

    Example:
        >>> from ontolake.registries.artifact import Artifact
        >>> condition = build_condition(Artifact, "key__startswith", "raw/")
    """
    parts = path.split("__")
    if not all(parts):
        raise QueryError(f"Malformed lookup {path!r}: use field__lookup, e.g. key__startswith.")
    return _resolve(model, parts, value)


def _resolve(model: type[Any], parts: list[str], value: Any) -> ColumnElement[bool]:
    mapper = inspect(model)
    name, rest = parts[0], parts[1:]
    if name == "pk":
        name = "id"
    if name in mapper.relationships:
        relationship = mapper.relationships[name]
        if not rest or (len(rest) == 1 and rest[0] in ("exact", "in", "isnull")):
            return _relationship_condition(model, relationship, rest[0] if rest else "exact", value)
        target = relationship.mapper.class_
        inner = _resolve(target, rest, value)
        attribute = getattr(model, name)
        related = attribute.any(inner) if relationship.uselist else attribute.has(inner)
        return cast("ColumnElement[bool]", related)
    if name in mapper.columns:
        column = getattr(model, name)
        if rest and rest[0] not in LOOKUPS and isinstance(column.type, JSON):
            from ontolake.registries.query.json_path import json_condition

            return json_condition(column, rest, value)  # params__lr=0.01: keys into the JSON
        return _column_condition(column, rest, value, model)
    for resolver in field_resolvers:
        condition = resolver(model, name, rest, value)
        if condition is not None:
            return condition
    raise _unknown_field(model, name)


def _ids_of(value: Any, target: type[Any], lookup: str) -> list[int] | Any:
    """Ids of a record, records or a QuerySet (as a subquery) of ``target`` for ``lookup=``."""
    from ontolake.registries.query.queryset import QuerySet

    if isinstance(value, QuerySet):
        if not issubclass(value.model, target):
            raise QueryError(
                f"{lookup}= takes {target.__name__} records, got a QuerySet of "
                f"{value.model.__name__}."
            )
        return value.id_subquery()
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return [_id_of(item, target, lookup) for item in value]  # lists, af.ulabels …
    return [_id_of(value, target, lookup)]


def _id_of(value: Any, target: type[Any], lookup: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        _check_values(value, "id", "exact")
        return value
    if not isinstance(value, target):
        raise QueryError(f"{lookup}= takes {target.__name__} records (or ids), got {value!r}.")
    if value.id is None:
        raise QueryError(
            f"{lookup}= got the unsaved {value!r}: save it first, or filter by one of its "
            f"fields ({lookup}__name=...)."
        )
    return int(value.id)


def _relationship_condition(
    model: type[Any], relationship: RelationshipProperty[Any], lookup: str, value: Any
) -> ColumnElement[bool]:
    attribute = getattr(model, relationship.key)
    target = relationship.mapper.class_
    present = cast(
        "ColumnElement[bool]", attribute.any() if relationship.uselist else attribute.has()
    )
    if lookup == "isnull":
        return not_(present) if value else present
    if value is None:
        return not_(present)
    name = relationship.key if lookup == "exact" else f"{relationship.key}__{lookup}"
    ids = _ids_of(value, target, name)
    if lookup == "exact" and isinstance(ids, list) and len(ids) != 1:
        raise QueryError(f"{relationship.key}= takes one record; use {relationship.key}__in=.")
    matching = target.id.in_(ids)
    if relationship.uselist:
        return cast("ColumnElement[bool]", attribute.any(matching))
    if isinstance(ids, list) and relationship.secondary is None:
        # compare the foreign key column itself: no subquery needed
        local = next(iter(relationship.local_columns))
        column = getattr(model, str(local.key))
        return and_(column.is_not(None), column.in_(ids))
    return cast("ColumnElement[bool]", attribute.has(matching))


def _coerce(column: Any, value: Any) -> Any:
    """Parse ISO strings for date and time columns, so ``created_at__gte="2025-01-01"`` works."""
    try:
        python_type = getattr(column.type, "impl", column.type).python_type
    except NotImplementedError:
        return value
    if python_type is datetime and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as error:
            raise QueryError(
                f"{value!r} is not an ISO date or datetime for {column.key}."
            ) from error
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    if python_type is datetime and isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    return value


def _column_condition(
    column: Any, rest: list[str], value: Any, model: type[Any]
) -> ColumnElement[bool]:
    expression = column
    is_transformed = False
    if rest and rest[0] in TRANSFORMS and getattr(column.type, "timezone", False):
        expression = _InUTC(column)
    while rest and rest[0] in TRANSFORMS:
        expression = extract(rest[0], expression)
        rest = rest[1:]
        is_transformed = True
    if len(rest) > 1 or (rest and rest[0] not in LOOKUPS):
        lookup = "__".join(rest)
        raise InvalidFieldError(
            f"Unknown lookup {lookup!r} on {model.__name__}.{column.key}. Valid lookups: "
            f"{', '.join(LOOKUPS)}; on dates also {', '.join(TRANSFORMS)}."
        )
    lookup = rest[0] if rest else "exact"
    if not is_transformed:
        value = (
            [_coerce(column, item) for item in value]
            if lookup in ("in", "range") and isinstance(value, (list, tuple, set))
            else _coerce(column, value)
        )
    return _apply(expression, lookup, value, column.key, nullable=bool(column.nullable))


def _apply(
    expression: Any, lookup: str, value: Any, name: str, *, nullable: bool = True
) -> ColumnElement[bool]:
    def known(condition: Any) -> ColumnElement[bool]:
        """False, not unknown, on NULL: ``NOT unknown`` is unknown and exclude() lost the row."""
        return and_(expression.is_not(None), condition) if nullable else condition

    if lookup == "isnull":
        return expression.is_(None) if value else expression.is_not(None)  # type: ignore[no-any-return]
    _check_values(value, name, lookup)
    if lookup == "in":
        from ontolake.registries.query.queryset import QuerySet

        if isinstance(value, QuerySet):
            return known(expression.in_(value.id_subquery()))
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise QueryError(f"{name}__in= takes a list of values, got {value!r}.")
        values = list(value)
        has_null = any(item is None for item in values)
        condition = expression.in_([item for item in values if item is not None])
        return or_(condition, expression.is_(None)) if has_null else known(condition)
    if lookup == "range":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise QueryError(f"{name}__range= takes (low, high), got {value!r}.")
        return known(and_(expression >= value[0], expression <= value[1]))
    if value is None and lookup == "exact":
        return expression.is_(None)  # type: ignore[no-any-return]
    if value is None:
        raise QueryError(f"{name}__{lookup}=None compares with nothing: use {name}__isnull=True.")
    if lookup in TEXT_LOOKUPS and not isinstance(value, str):
        raise QueryError(f"{name}__{lookup}= takes a string, got {value!r}.")
    operators: dict[str, Callable[[], Any]] = {
        "exact": lambda: expression == value,
        "iexact": lambda: _Lower(expression) == value.lower(),
        "contains": lambda: _like(expression, f"%{_escape(value)}%"),
        "icontains": lambda: _like(_Lower(expression), f"%{_escape(value.lower())}%"),
        "startswith": lambda: _like(expression, f"{_escape(value)}%"),
        "istartswith": lambda: _like(_Lower(expression), f"{_escape(value.lower())}%"),
        "endswith": lambda: _like(expression, f"%{_escape(value)}"),
        "iendswith": lambda: _like(_Lower(expression), f"%{_escape(value.lower())}"),
        "gt": lambda: expression > value,
        "gte": lambda: expression >= value,
        "lt": lambda: expression < value,
        "lte": lambda: expression <= value,
    }
    return known(operators[lookup]())


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _check_values(value: Any, name: str, lookup: str) -> None:
    """Refuse values no database column holds, which each backend mishandles its own way.

    Integers beyond 64 bits overflow SQLite's driver. A NUL character cannot be stored in
    PostgreSQL text, and ends a SQLite LIKE pattern early (a ``contains`` lookup of a NUL
    matched every row).
    """
    items = value if isinstance(value, (list, tuple, set, frozenset)) else (value,)
    for item in items:
        if isinstance(item, int) and not _INT64_MIN <= item <= _INT64_MAX:
            raise QueryError(
                f"{name}__{lookup}={item} is outside the 64-bit integers the database "
                f"stores ({_INT64_MIN} to {_INT64_MAX}): compare with a value in that range."
            )
        if isinstance(item, str) and "\0" in item:
            raise QueryError(
                f"{name}__{lookup}={item!r} holds a NUL character (\\x00), which no stored "
                "text contains: remove it from the value."
            )


_LIKE_ESCAPE = "\\"


def _escape(value: str) -> str:
    """Make ``%``, ``_`` and the escape character literal in a LIKE pattern."""
    for special in (_LIKE_ESCAPE, "%", "_"):
        value = value.replace(special, _LIKE_ESCAPE + special)
    return value


def _like(expression: Any, pattern: str) -> ColumnElement[bool]:
    """``expression LIKE pattern`` with the whole pattern as one bound parameter.

    A single parameter (not ``? || '%'``) lets SQLite use the column's index for prefixes.
    """
    return cast("ColumnElement[bool]", expression.like(pattern, escape=_LIKE_ESCAPE))
