"""Django-style lookups compiled to SQLAlchemy conditions, identical on SQLite and PostgreSQL.

``field__lookup=value`` where ``field`` may traverse relationships with ``__``
(``run__transform__key``, ``ulabels__name``). Foreign keys become ``EXISTS`` (``has``) and
many-to-many links ``EXISTS`` (``any``) subqueries, so a record is never returned twice.
The lookups themselves are the records of :mod:`ontolake.registries.query.operators`; this
module builds their operands for columns (:class:`ColumnTarget`) and hands JSON columns to
:mod:`.json_fields` and other names to the ``field_resolvers`` (feature values). String
matching is case-sensitive on both databases; values are always bound parameters. A lookup
never matches NULL unless it asks for it (``isnull=True``, ``exact=None``, ``in`` with None),
so ``exclude`` is the exact complement of ``filter``. ``year``/``month``/``day`` are parts of
the UTC time on both databases.
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import JSON, and_, inspect, not_
from sqlalchemy.orm import RelationshipProperty

from ontolake.errors import InvalidFieldError, QueryError
from ontolake.registries.query.json_fields import json_condition
from ontolake.registries.query.operators import (
    OPERATORS,
    TRANSFORMS,
    Operand,
    Operator,
    check_storable,
    lookup_condition,
    lookups_for,
)
from ontolake.registries.query.operators.sql import in_values

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

__all__ = [
    "ColumnTarget",
    "build_condition",
    "column_key",
    "column_kind",
    "column_names",
    "field_name",
    "field_names",
    "resolve_column",
    "split_lookup",
]

# Extra field resolvers, e.g. feature values: (model, name, rest, value) -> condition or None.
FieldResolver = Callable[[type[Any], str, list[str], Any], "ColumnElement[bool] | None"]
field_resolvers: list[FieldResolver] = []

_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "number"),
    (float, "number"),
    (Decimal, "number"),
    (date, "datetime"),  # datetime too
    (dict, "json"),
    (list, "json"),
)


def split_lookup(rest: list[str], kind: str, shown: str) -> tuple[list[str], Operator]:
    """Transforms and the lookup in ``rest`` (``["year", "gte"]``); ``exact`` by default.

    Raises:
        InvalidFieldError: an unknown lookup, or one that does not apply to ``kind``; the
            message names ``shown`` and lists the valid lookups.
    """
    transforms = []
    for part in rest:
        if part not in TRANSFORMS:
            break
        if kind not in TRANSFORMS[part].kinds:
            raise InvalidFieldError(
                f"{part} applies to date features and date fields; {shown} holds no dates. "
                f"Valid lookups: {', '.join(lookups_for(kind))}."
            )
        transforms.append(part)
        kind = TRANSFORMS[part].result
    lookups = rest[len(transforms) :]
    if len(lookups) > 1 or (lookups and lookups[0] not in OPERATORS):
        raise InvalidFieldError(
            f"Unknown lookup {'__'.join(lookups)!r} on {shown}. Valid lookups: "
            f"{', '.join(lookups_for(kind))}."
        )
    operator = OPERATORS[lookups[0] if lookups else "exact"]
    if kind not in operator.kinds:
        raise InvalidFieldError(
            f"Lookup {operator.name!r} does not apply to {shown}. Valid lookups: "
            f"{', '.join(lookups_for(kind))}."
        )
    return transforms, operator


def column_kind(column: Any) -> str:
    """The kind of values a column holds (``number``, ``text``, ``datetime`` …).

    Example:
        >>> column_kind(ol.ULabel.created_at), column_kind(ol.ULabel.name)
        ('datetime', 'text')
    """
    return _column_facts(column.class_, str(column.key))[0]


def column_names(model: type[Any]) -> list[str]:
    """The column fields of ``model``: its columns and their aliases (``Gene.ensembl_gene_id``).

    Example:
        >>> "ensembl_gene_id" in column_names(ol.bio.Gene)
        True
    """
    mapper = inspect(model)
    aliases = [name for name, alias in mapper.synonyms.items() if alias.name in mapper.columns]
    return [*mapper.columns.keys(), *aliases]


def column_key(model: type[Any], name: str) -> str | None:
    """The column a column field of ``model`` names (an alias names another); None if none.

    Example:
        >>> column_key(ol.bio.Gene, "ensembl_gene_id"), column_key(ol.bio.Gene, "parents")
        ('ontology_id', None)
    """
    mapper = inspect(model)
    if name in mapper.columns:
        return name
    alias = mapper.synonyms.get(name)
    return alias.name if alias is not None and alias.name in mapper.columns else None


@functools.lru_cache(maxsize=1024)
def _column_facts(model: type[Any], key: str) -> tuple[str, bool, bool]:
    """The kind, nullability and whether ISO strings are parsed, of a column field."""
    column = inspect(model).columns[column_key(model, key) or key]
    try:
        python_type = getattr(column.type, "impl", column.type).python_type
    except NotImplementedError:
        return "text", bool(column.nullable), False
    kind = next((kind for base, kind in _KINDS if issubclass(python_type, base)), "text")
    return kind, bool(column.nullable), python_type is datetime


@dataclass(frozen=True)
class ColumnTarget:
    """A column (or a part of a date column) as the target of a lookup.

    Example:
        >>> from ontolake.registries.query.operators import OPERATORS, lookup_condition
        >>> target = ColumnTarget.of(ol.ULabel.name)
        >>> condition = lookup_condition(target, OPERATORS["exact"], "x")
    """

    column: Any
    kind: str
    """The kind of the column's values, or of the date part."""
    nullable: bool
    parses_dates: bool
    transforms: tuple[str, ...] = ()

    @classmethod
    def of(cls, column: Any, transforms: tuple[str, ...] = ()) -> ColumnTarget:
        """The target for a mapped column (``ol.ULabel.name``) and date parts of it."""
        kind, nullable, parses_dates = _column_facts(column.class_, str(column.key))
        if transforms:
            kind, parses_dates = TRANSFORMS[transforms[-1]].result, False
        return cls(column, kind, nullable, parses_dates, transforms)

    @property
    def name(self) -> str:
        """The column's name, as the user wrote it before the lookup."""
        return "__".join([str(self.column.key), *self.transforms])

    @property
    def expression(self) -> Any:
        """The column, or the date part the transforms take."""
        expression = self.column
        for part in self.transforms:
            expression = TRANSFORMS[part].apply(expression)
        return expression

    def missing(self) -> ColumnElement[bool]:
        """The column is NULL."""
        return cast("ColumnElement[bool]", self.expression.is_(None))

    def operands(self, operator: Operator, values: list[Any]) -> list[tuple[Operand, list[Any]]]:
        """The column itself; ISO strings parsed for date and time columns.

        A column whose ``info["unicode_forms"]`` lists normal forms (artifact and collection
        keys: :data:`~ontolake.storage.keys.KEY_FORMS`) is compared with the text in each
        form, so a key stored in NFD by an earlier version matches either spelling.
        """
        if self.parses_dates:
            key = str(self.column.key)
            values = [_as_datetime(key, value) for value in values]
        expression = self.expression
        guard = expression.is_not(None) if self.nullable else None
        operand = Operand(expression, self.kind, guard)
        forms = () if self.transforms else self.column.info.get("unicode_forms", ())
        if not forms or not all(isinstance(value, str) for value in values):
            return [(operand, values)]
        # a column holding text in several normal forms (keys): each spelling is compared
        spellings = {tuple(unicodedata.normalize(form, v) for v in values) for form in forms}
        return [(operand, list(spelling)) for spelling in sorted(spellings)]

    def having(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """The condition itself: the column belongs to the record."""
        return condition


def field_names(model: type[Any]) -> list[str]:
    """The fields of ``model`` a lookup may name: columns, their aliases and relationships."""
    return sorted([*column_names(model), *inspect(model).relationships.keys()])


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
    if column_key(model, name) is not None:
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
    if column_key(model, name) is not None:
        column = getattr(model, name)
        if rest and rest[0] not in OPERATORS and isinstance(column.type, JSON):
            return json_condition(column, rest, value)  # params__lr=0.01: keys into the JSON
        return _column_condition(model, column, rest, value)
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
        check_storable(lookup, [value])
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
    matching = in_values(target.id, ids) if isinstance(ids, list) else target.id.in_(ids)
    if relationship.uselist:
        return cast("ColumnElement[bool]", attribute.any(matching))
    if isinstance(ids, list) and relationship.secondary is None:
        # compare the foreign key column itself: no subquery needed
        local = next(iter(relationship.local_columns))
        column = getattr(model, str(local.key))
        return and_(column.is_not(None), in_values(column, ids))
    return cast("ColumnElement[bool]", attribute.has(matching))


def _as_datetime(key: str, value: Any) -> Any:
    """ISO strings and dates as UTC datetimes, so ``created_at__gte="2025-01-01"`` works."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as error:
            raise QueryError(f"{value!r} is not an ISO date or datetime for {key}.") from error
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    return value


def _column_condition(
    model: type[Any], column: Any, rest: list[str], value: Any
) -> ColumnElement[bool]:
    kind = column_kind(column)
    transforms, operator = split_lookup(rest, kind, f"{model.__name__}.{column.key} ({kind})")
    target = ColumnTarget.of(column, tuple(transforms))
    if operator.takes == "list" and hasattr(value, "id_subquery"):  # a QuerySet: its ids
        return and_(target.expression.is_not(None), target.expression.in_(value.id_subquery()))
    return lookup_condition(target, operator, value)
