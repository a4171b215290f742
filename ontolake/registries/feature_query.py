"""Queries by feature value, and the feature columns of ``to_dataframe(include="features")``.

In ``ol.Artifact.filter(gc_content__gte=0.5)``, a field that is no column or relationship
of Artifact, Run or Record but the name of a feature becomes ``id IN (SELECT owner FROM
<owner>_feature_values WHERE feature_id = … AND <typed column> <op> …)``: a range scan of
the partial index of that typed column. The lookups are those of fields (``exact in gt gte
lt lte range isnull``, the string lookups on ``str`` and categorical features, ``year month
day`` on dates); dict features take JSON keys (``study_metadata__assay__type="RNA-seq"``).
A list feature matches when any element does. ``isnull=True`` matches records without a
value, so ``exclude`` stays the complement of ``filter``. ``features__<name>__<lookup>``
names a feature explicitly: the way to query a feature stored (before such names were
refused) under the name of a field, such as ``key``.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import extract, false, not_, or_, select

from ontolake.errors import InvalidFieldError, QueryError
from ontolake.registries.feature_values import owner_column, value_table
from ontolake.registries.query.lookups import LOOKUPS, TEXT_LOOKUPS, TRANSFORMS, field_resolvers

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.sql.elements import ColumnElement

    from ontolake.registries.query.queryset import QuerySet
    from ontolake.schemas.dtypes import DType

__all__ = ["FEATURE_NAMESPACE", "feature_columns", "feature_condition", "named_feature_condition"]

FEATURE_NAMESPACE = "features"
"""``filter(features__<name>=...)`` names a feature even where a field has the same name."""

_COLUMN = {
    "int": "value_int",
    "float": "value_float",
    "str": "value_str",
    "bool": "value_bool",
    "date": "value_datetime",
    "datetime": "value_datetime",
    "cat": "value_str",
}


def _feature(name: str) -> tuple[int, str] | None:
    from ontolake.instance.session import current_instance
    from ontolake.registries.features import Feature

    with current_instance().read() as session:
        row = session.execute(select(Feature.id, Feature.dtype).where(Feature.name == name)).first()
    return None if row is None else (int(row[0]), str(row[1]))


def feature_condition(
    model: type[Any], name: str, rest: list[str], value: Any
) -> ColumnElement[bool] | None:
    """The condition for ``name__rest=value`` when ``name`` is a feature, else None.

    Example:
        >>> artifact.features.add_values({"gc_content": 0.55})
        >>> condition = feature_condition(ol.Artifact, "gc_content", ["gte"], 0.5)
        >>> [found.key for found in ol.Artifact.filter(condition)]
        ['raw/sample.fasta']
        >>> feature_condition(ol.Artifact, "key", [], "raw/sample.fasta") is None  # a field
        True
    """
    from ontolake.registries.features import _parsed

    table = value_table(model)
    if table is None:
        return None
    found = _feature(name)
    if found is None:
        return None
    feature_id, dtype_text = found
    dtype = _parsed(dtype_text)
    owner = owner_column(table)

    def having(*conditions: Any) -> ColumnElement[bool]:
        rows = select(owner).where(table.c.feature_id == feature_id, *conditions)
        return model.id.in_(rows)  # type: ignore[no-any-return]

    if dtype.kind == "dict":
        return _dict_condition(table, name, rest, value, having)
    transforms = [part for part in rest if part in TRANSFORMS]
    lookups = [part for part in rest if part not in TRANSFORMS]
    if (
        len(lookups) > 1
        or any(part not in LOOKUPS for part in lookups)
        or rest[: len(transforms)] != transforms
    ):
        raise InvalidFieldError(
            f"Unknown lookup {'__'.join(rest)!r} on feature {name!r} ({dtype}). Valid lookups: "
            f"{', '.join(_valid_lookups(dtype))}."
        )
    if transforms and dtype.kind not in ("date", "datetime"):
        raise InvalidFieldError(f"{transforms[0]} applies to date features; {name!r} is {dtype}.")
    lookup = lookups[0] if lookups else "exact"
    if lookup == "isnull" or (lookup == "exact" and value is None and not transforms):
        present = having()
        wanted_null = True if lookup == "exact" else bool(value)
        return not_(present) if wanted_null else present
    if lookup == "in" and not transforms:
        values = _listed(name, value)
        real = [item for item in values if item is not None]
        options: list[ColumnElement[bool]] = [false()]
        if real:
            options = [having(_compare(table, dtype, name, "in", real))]
        if len(real) < len(values):
            options.append(not_(having()))
        return or_(*options)
    return having(_compare(table, dtype, name, lookup, value, transforms))


def _valid_lookups(dtype: DType) -> list[str]:
    valid = ["exact", "in", "isnull"]
    if dtype.kind in ("int", "float", "num", "date", "datetime", "str", "cat"):
        valid += ["gt", "gte", "lt", "lte", "range"]
    if dtype.kind in ("str", "cat"):
        valid += list(TEXT_LOOKUPS)
    if dtype.kind in ("date", "datetime"):
        valid += list(TRANSFORMS)
    return valid


def _listed(name: str, value: Any) -> list[Any]:
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise QueryError(f"{name}__in= takes a list of values, got {value!r}.")
    return list(value)


def _compare(
    table: Table,
    dtype: DType,
    name: str,
    lookup: str,
    value: Any,
    transforms: list[str] | None = None,
) -> ColumnElement[bool]:
    """The condition on the typed column(s) of one value row."""
    from ontolake.registries.query.lookups import _apply, _InUTC

    if lookup not in _valid_lookups(dtype):
        raise InvalidFieldError(
            f"Lookup {lookup!r} does not apply to feature {name!r} ({dtype}). Valid lookups: "
            f"{', '.join(_valid_lookups(dtype))}."
        )
    if transforms:
        expression: Any = _InUTC(table.c.value_datetime)
        for part in transforms:
            expression = extract(part, expression)
        return _apply(expression, lookup, value, name)
    if dtype.kind == "cat" and lookup in ("exact", "in") and _has_records(value, lookup):
        return _label_condition(table, name, lookup, value)
    value = _query_value(dtype, name, lookup, value)
    if dtype.kind == "num":
        return or_(
            _numeric(table.c.value_int, lookup, value, name),
            _numeric(table.c.value_float, lookup, value, name),
        )
    if dtype.kind in ("int", "float"):
        return _numeric(table.c[_COLUMN[dtype.kind]], lookup, value, name)
    return _apply(table.c[_COLUMN[dtype.kind]], lookup, value, name)


def _numeric(column: Any, lookup: str, value: Any, name: str) -> ColumnElement[bool]:
    """A number lookup with operands in the column's type.

    PostgreSQL matched ``IN`` lists of mixed ints and floats with neither column; here 2.5
    never matches an int and 2.0 matches 2.
    """
    from ontolake.registries.query.lookups import _apply

    is_int = column.key == "value_int"

    def typed(number: Any) -> Any:
        if not is_int:
            return float(number)
        return int(number) if float(number).is_integer() else None

    if lookup in ("exact", "in"):
        operands = [typed(item) for item in (value if lookup == "in" else [value])]
        operands = [item for item in operands if item is not None]
        if not operands:
            return false()
        return _apply(column, "in", operands, name)
    if is_int:  # ints stay ints: floats would round large counts
        return _apply(column, lookup, value, name)
    if lookup == "range":
        return _apply(column, lookup, [float(item) for item in value], name)
    return _apply(column, lookup, float(value), name)


def _has_records(value: Any, lookup: str) -> bool:
    items = value if lookup == "in" and isinstance(value, (list, tuple, set)) else [value]
    return any(not isinstance(item, str) and hasattr(item, "id") for item in items)


def _label_condition(table: Table, name: str, lookup: str, value: Any) -> ColumnElement[bool]:
    from ontolake.schemas.dtypes import registry_name

    items = list(value) if lookup == "in" else [value]
    options = []
    for item in items:
        if isinstance(item, str):
            options.append(table.c.value_str == item)
        elif getattr(item, "id", None) is None:
            raise QueryError(f"{name}: {item!r} is not a saved record.")
        else:
            options.append(
                (table.c.cat_id == item.id) & (table.c.cat_registry == registry_name(type(item)))
            )
    return or_(*options)


def _query_value(dtype: DType, name: str, lookup: str, value: Any) -> Any:
    """The query value in the stored type: ISO strings parsed for dates, types checked."""
    if lookup in ("in", "range"):
        if lookup == "range" and (not isinstance(value, (list, tuple)) or len(value) != 2):
            raise QueryError(f"{name}__range= takes (low, high), got {value!r}.")
        return [_query_value(dtype, name, "exact", item) for item in _listed(name, value)]
    if value is None:
        raise QueryError(f"{name}__{lookup}=None compares with nothing: use {name}__isnull=True.")
    kind = dtype.kind
    if kind in ("int", "float", "num"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise QueryError(f"Feature {name!r} ({dtype}) compares with numbers, got {value!r}.")
        return value
    if kind in ("str", "cat"):
        if not isinstance(value, str):
            raise QueryError(f"Feature {name!r} ({dtype}) compares with strings, got {value!r}.")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise QueryError(f"Feature {name!r} (bool) compares with True or False, got {value!r}.")
        return value
    return _as_datetime(name, dtype, value)


def _as_datetime(name: str, dtype: DType, value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as error:
            raise QueryError(f"{value!r} is not an ISO date or datetime for {name!r}.") from error
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    raise QueryError(f"Feature {name!r} ({dtype}) compares with dates, got {value!r}.")


def _dict_condition(
    table: Table, name: str, rest: list[str], value: Any, having: Any
) -> ColumnElement[bool]:
    from ontolake.registries.query.json_path import json_condition

    if not rest or rest == ["exact"]:
        if value is None:
            return not_(having())  # type: ignore[no-any-return]
        if not isinstance(value, dict):
            raise QueryError(f"Feature {name!r} (dict) compares with a dict, got {value!r}.")
        return having(json_condition(table.c.value_json, [], value))  # type: ignore[no-any-return]
    if rest == ["isnull"]:
        return not_(having()) if value else having()  # type: ignore[no-any-return]
    if len(rest) == 1 and rest[0] in LOOKUPS:
        raise InvalidFieldError(
            f"Feature {name!r} is a dict: name keys before the lookup, e.g. "
            f"{name}__assay__type__{rest[0]}=…, or use exact/isnull on the whole dict."
        )
    if rest[-1] == "isnull" and value:
        return not_(having(json_condition(table.c.value_json, rest, False)))  # type: ignore[no-any-return]
    return having(json_condition(table.c.value_json, rest, value))  # type: ignore[no-any-return]


def named_feature_condition(
    model: type[Any], name: str, rest: list[str], value: Any
) -> ColumnElement[bool] | None:
    """The condition for ``features__<feature>__rest=value``, else None.

    Example:
        >>> artifact.features.add_values({"gc_content": 0.55})
        >>> condition = named_feature_condition(ol.Artifact, "features", ["gc_content"], 0.55)
        >>> [found.key for found in ol.Artifact.filter(condition)]
        ['raw/sample.fasta']
    """
    if name != FEATURE_NAMESPACE or value_table(model) is None or not rest:
        return None
    condition = feature_condition(model, rest[0], rest[1:], value)
    if condition is None:
        raise InvalidFieldError(
            f"There is no feature named {rest[0]!r}: check ol.Feature.filter() for the names."
        )
    return condition


field_resolvers.extend([named_feature_condition, feature_condition])


# ---- to_dataframe(include="features") -----------------------------------------------------
def feature_columns(queryset: QuerySet[Any], index: Any) -> dict[str, Any]:
    """One column per feature with values among the records of ``queryset``, in ``index`` order.

    Scalars are typed (``Int64``, ``float64``, ``boolean``, UTC datetimes, dates and labels as
    objects); list features give a list per row; records without a value get a missing value.

    Example:
        >>> artifact.features.add_values({"gc_content": 0.55})
        >>> frame = ol.Artifact.filter().to_dataframe()
        >>> feature_columns(ol.Artifact.filter(), frame.index)["gc_content"].tolist()
        [0.55, nan, nan]
    """
    import pandas as pd

    from ontolake.instance.session import current_instance
    from ontolake.registries.feature_values import _read_columns, _stored_element
    from ontolake.registries.features import Feature, _parsed

    table = value_table(queryset.model)
    if table is None:
        raise InvalidFieldError(
            f"include='features': {queryset.model.__name__} records have no feature values."
        )
    owner = owner_column(table)
    statement = (
        select(owner, *_read_columns(table), Feature.name, Feature.dtype)
        .join(Feature, Feature.id == table.c.feature_id)
        .where(owner.in_(queryset.id_subquery()))
        .order_by(Feature.name, owner, table.c.position)
    )
    with current_instance().read() as session:
        rows = session.execute(statement).all()
    collected: dict[str, tuple[DType, dict[int, Any]]] = {}
    for row in rows:
        dtype = _parsed(row[-1])
        values = collected.setdefault(row[-2], (dtype, {}))[1]
        values.setdefault(row[0], []).append(_stored_element(dtype, row[:-2]))
    columns = {}
    for name, (dtype, values) in collected.items():
        several = dtype.is_list or any(len(found) > 1 for found in values.values())
        # as in get_values: a record annotated with several labels of a non-list feature
        # shows them all, as a list
        data = [
            None if found is None else found if several else found[0]
            for found in map(values.get, index)
        ]
        pandas_dtype = _pandas_dtype(dtype) if not several or dtype.is_list else object
        columns[name] = pd.Series(data, index=index, dtype=pandas_dtype, name=name)
    return columns


def _pandas_dtype(dtype: DType) -> Any:
    if dtype.is_list:
        return object
    return {
        "int": "Int64",
        "float": "float64",
        "bool": "boolean",
        "datetime": "datetime64[ns, UTC]",
    }.get(dtype.kind, object)
