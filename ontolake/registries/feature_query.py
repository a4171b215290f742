"""Queries by feature value, and the feature columns of ``to_dataframe(include="features")``.

In ``ol.Artifact.filter(gc_content__gte=0.5)``, a field that is no column or relationship
of Artifact, Run or Record but the name of a feature becomes ``id IN (SELECT owner FROM
<owner>_feature_values WHERE feature_id = … AND <typed column> <op> …)``: a range scan of
the partial index of that typed column. The lookups are those of fields (the records of
:mod:`ontolake.registries.query.operators` that apply to the feature's kind, ``year month
day`` on dates); dict features take JSON keys (``study_metadata__assay__type="RNA-seq"``).
A list feature matches when any element does. ``isnull=True`` matches records without a
value, so ``exclude`` stays the complement of ``filter``. ``features__<name>__<lookup>``
names a feature explicitly: the way to query a feature named like a field, such as ``key``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import not_, select, true

from ontolake.errors import InvalidFieldError, QueryError
from ontolake.registries.feature_values import owner_column, value_table
from ontolake.registries.query.json_fields import json_condition
from ontolake.registries.query.lookups import field_resolvers, split_lookup
from ontolake.registries.query.operators import (
    OPERATORS,
    TRANSFORMS,
    Operand,
    Operator,
    lookup_condition,
)
from ontolake.registries.query.operators.sql import in_values

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Table
    from sqlalchemy.sql.elements import ColumnElement

    from ontolake.registries.query.queryset import QuerySet
    from ontolake.schemas.dtypes import DType

__all__ = [
    "FEATURE_NAMESPACE",
    "FeatureTarget",
    "feature_columns",
    "feature_condition",
    "named_feature_condition",
]

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
_KIND = {
    "int": "number",
    "float": "number",
    "num": "number",
    "str": "text",
    "cat": "text",
    "bool": "boolean",
    "date": "datetime",
    "datetime": "datetime",
}
"""The kind of value each feature dtype holds, which selects the lookups that apply."""


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
    target = FeatureTarget(model, table, feature_id, name, _parsed(dtype_text))
    if target.dtype.kind == "dict":
        return _dict_condition(target, rest, value)
    shown = f"feature {name!r} ({target.dtype})"
    transforms, operator = split_lookup(rest, _KIND[target.dtype.kind], shown)
    return lookup_condition(target.transformed(tuple(transforms)), operator, value)


@dataclass(frozen=True)
class FeatureTarget:
    """The values of one feature on the records of ``model``, as the target of a lookup.

    A condition on operands holds for a record when one of its value rows meets it.
    """

    model: type[Any]
    table: Table
    feature_id: int
    name: str
    dtype: DType
    transforms: tuple[str, ...] = ()

    def transformed(self, transforms: tuple[str, ...]) -> FeatureTarget:
        """This target with date parts taken (``year`` …)."""
        return FeatureTarget(
            self.model, self.table, self.feature_id, self.name, self.dtype, transforms
        )

    def having(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """Records with a value row of the feature meeting ``condition``."""
        owner = owner_column(self.table)
        rows = select(owner).where(self.table.c.feature_id == self.feature_id, condition)
        return self.model.id.in_(rows)  # type: ignore[no-any-return]

    def missing(self) -> ColumnElement[bool]:
        """Records without a value of the feature."""
        return not_(self.having(true()))

    def operands(self, operator: Operator, values: list[Any]) -> list[tuple[Operand, list[Any]]]:
        """The typed value column(s) the values compare on, values in the stored type."""
        columns = self.table.c
        if self.transforms:
            expression = columns.value_datetime
            for part in self.transforms:
                expression = TRANSFORMS[part].apply(expression)
            return [(Operand(expression, "number"), values)]
        kind = self.dtype.kind
        labels = [value for value in values if not isinstance(value, str) and hasattr(value, "id")]
        if kind == "cat" and labels:
            return self._label_operands(operator, values, labels)
        values = [self._query_value(value) for value in values]
        if kind in ("int", "num"):
            # ints stay ints in comparisons (floats would round large counts)
            integers = Operand(columns.value_int, "number", listed=_among_ints)
            if kind == "int":
                return [(integers, values)]
        floats = Operand(columns.value_float, "number", literal=float, listed=_among_floats)
        if kind == "num":
            return [(integers, values), (floats, values)]
        if kind == "float":
            return [(floats, values)]
        return [(Operand(columns[_COLUMN[kind]], _KIND[kind]), values)]

    def _label_operands(
        self, operator: Operator, values: list[Any], labels: list[Any]
    ) -> list[tuple[Operand, list[Any]]]:
        """Labels as records (by registry and id) and as names."""
        from ontolake.schemas.dtypes import registry_name

        if "record" not in operator.kinds:
            raise QueryError(f"{self.name}__{operator.name} takes names, got {labels[0]!r}.")
        columns = self.table.c
        groups: dict[str, list[int]] = {}
        for label in labels:
            if getattr(label, "id", None) is None:
                raise QueryError(f"{self.name}: {label!r} is not a saved record.")
            groups.setdefault(registry_name(type(label)), []).append(label.id)
        operands: list[tuple[Operand, list[Any]]] = [
            (Operand(columns.cat_id, "record", columns.cat_registry == registry), list(ids))
            for registry, ids in groups.items()
        ]
        names = [value for value in values if isinstance(value, str)]
        if names:
            operands.append((Operand(columns.value_str, "text"), names))
        return operands

    def _query_value(self, value: Any) -> Any:
        """The query value in the stored type: ISO strings parsed for dates, types checked."""
        kind, name, dtype = self.dtype.kind, self.name, self.dtype
        if kind in ("int", "float", "num"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise QueryError(
                    f"Feature {name!r} ({dtype}) compares with numbers, got {value!r}."
                )
            return value
        if kind in ("str", "cat"):
            if not isinstance(value, str):
                raise QueryError(
                    f"Feature {name!r} ({dtype}) compares with strings, got {value!r}."
                )
            return value
        if kind == "bool":
            if not isinstance(value, bool):
                raise QueryError(
                    f"Feature {name!r} (bool) compares with True or False, got {value!r}."
                )
            return value
        return _as_datetime(name, dtype, value)


def _among_ints(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``IN`` on the integer column: 2.5 never matches an int and 2.0 matches 2."""
    return in_values(column, [int(item) for item in values if float(item).is_integer()])


def _among_floats(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    return in_values(column, [float(item) for item in values])


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


def _dict_condition(target: FeatureTarget, rest: list[str], value: Any) -> ColumnElement[bool]:
    name, column = target.name, target.table.c.value_json
    if not rest or rest == ["exact"]:
        if value is None:
            return target.missing()
        if not isinstance(value, dict):
            raise QueryError(f"Feature {name!r} (dict) compares with a dict, got {value!r}.")
        return target.having(json_condition(column, [], value))
    if rest == ["isnull"]:
        return target.missing() if value else not_(target.missing())
    if len(rest) == 1 and rest[0] in OPERATORS:
        raise InvalidFieldError(
            f"Feature {name!r} is a dict: name keys before the lookup, e.g. "
            f"{name}__assay__type__{rest[0]}=…, or use exact/isnull on the whole dict."
        )
    if rest[-1] == "isnull" and value:
        return not_(target.having(json_condition(column, rest, False)))
    return target.having(json_condition(column, rest, value))


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
