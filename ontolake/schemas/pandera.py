"""pandera in both directions: compile ontolake schemas, and import pandera schemas.

An ontolake Schema compiles to a ``pandera.DataFrameSchema`` whose checks consult the
registries; pandera schemas, models and columns become ontolake features and schemas, their
checks kept.

Compiling: each feature becomes a ``pa.Column`` (``required`` from ``minimal_set``,
``nullable`` from the feature) with a dtype check (``int`` accepts any integer dtype, ``float``
and ``num`` any numeric one, ``cat[...]`` any dtype) and, for categorical features, a check
that the values are labels of the registry (with the feature's filters). ``maximal_set`` is
``strict``, ``ordered_set`` is ``ordered``; with ``coerce_dtype`` (or a coercing feature) the
column gets a concrete pandas dtype and ``coerce=True``. An ``itype`` adds a check that the
columns not listed as features are values of the registry field (when the schema lists no
features, or is ``flexible``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from ontolake.errors import DtypeError, InvalidDataError
from ontolake.schemas.compose import itype_names

if TYPE_CHECKING:
    from ontolake.registries.features import Feature
    from ontolake.registries.label_scope import LabelScope
    from ontolake.registries.schema import Schema
    from ontolake.schemas.dtypes import DType

__all__ = ["feature_from_column", "foreign_checks", "from_pandera", "registry_values", "to_pandera"]

_COERCED = {
    "int": "int64",
    "float": "float64",
    "num": "float64",
    "str": "str",
    "bool": "bool",
    "datetime": "datetime64[ns]",
}
_NULLABLE_COERCED = {"int": "Int64", "bool": "boolean"}


def to_pandera(schema: Schema) -> Any:
    """The pandera schema of ``schema``; ``{slot: DataFrameSchema}`` for composite schemas.

    Example:
        >>> to_pandera(ol.Schema(features=[ol.Feature(name="x", dtype=int)])).columns["x"]
        <Schema Column(name=x, type=None)>
    """
    import pandera.pandas as pa

    if schema.slots:
        return {slot: to_pandera(component) for slot, component in schema.slots.items()}
    live = schema.live_checks()
    columns = {}
    for feature in schema.members:
        dtype = feature.parsed_dtype
        coerce = schema.coerce_dtype or feature.coerce
        pandas_dtype = _coerced_dtype(dtype, feature.nullable) if coerce else None
        checks = [] if pandas_dtype is not None else [_dtype_check(dtype)]
        if dtype.is_categorical:
            checks.append(_registry_check(feature, dtype))
        columns[feature.name] = pa.Column(
            pandas_dtype,
            checks=[*checks, *live.get(feature.name, [])],
            nullable=feature.nullable,
            coerce=pandas_dtype is not None,
            required=schema.minimal_set,
            name=feature.name,
        )
    frame_checks = list(live.get("", []))
    if schema.itype is not None and (schema.flexible or not schema.members):
        listed = [f.name for f in schema.members]
        frame_checks.append(_itype_check(schema.itype, listed, schema.name_scope))
    if schema.dtype is not None:
        frame_checks.append(_values_check(schema.dtype, [f.name for f in schema.members]))
    index = None
    if schema.index is not None:
        dtype = schema.index.parsed_dtype
        index_checks = [_dtype_check(dtype)]
        if dtype.is_categorical:
            index_checks.append(_registry_check(schema.index, dtype))
        index = pa.Index(checks=index_checks, name=schema.index.name)
    return pa.DataFrameSchema(
        columns,
        checks=frame_checks,
        index=index,
        strict=schema.maximal_set,
        ordered=schema.ordered_set,
        name=schema.name,
    )


def _coerced_dtype(dtype: DType, nullable: bool) -> Any:
    if dtype.is_list or dtype.kind in ("cat", "dict", "date"):
        return None
    if nullable and dtype.kind in _NULLABLE_COERCED:
        return _NULLABLE_COERCED[dtype.kind]
    return _COERCED[dtype.kind]


def _dtype_check(dtype: DType) -> Any:
    """A check that a column's values have ``dtype`` (vectorised on the pandas dtype)."""
    import pandas as pd
    import pandera.pandas as pa

    types = pd.api.types
    if dtype.is_list:
        return pa.Check(
            lambda value: isinstance(value, (list, tuple)) or _is_array(value),
            element_wise=True,
            ignore_na=True,
            name=f"dtype({dtype})",
            error=f"values must be lists ({dtype})",
        )
    kind = dtype.kind
    tests: dict[str, Callable[[Any], Any]] = {
        "int": lambda s: types.is_integer_dtype(s) and not types.is_bool_dtype(s),
        "float": lambda s: types.is_numeric_dtype(s) and not types.is_bool_dtype(s),
        "num": lambda s: types.is_numeric_dtype(s) and not types.is_bool_dtype(s),
        "bool": lambda s: types.is_bool_dtype(s),
        "datetime": lambda s: types.is_datetime64_any_dtype(s),
        "str": lambda s: _all_values(s, str),
        "date": lambda s: types.is_datetime64_any_dtype(s) or _all_values(s, date),
        "dict": lambda s: _all_values(s, dict),
        "cat": lambda s: True,
    }
    return pa.Check(tests[kind], name=f"dtype({kind})", error=f"values must be of dtype {kind}")


def _is_array(value: Any) -> bool:
    return type(value).__name__ == "ndarray"


def _all_values(series: Any, kind: type) -> bool:
    values = series.dropna()
    if kind is date:
        return all(isinstance(v, date) and not hasattr(v, "hour") for v in values)
    return all(isinstance(value, kind) for value in values)


def registry_values(feature: Feature, dtype: DType) -> frozenset[str]:
    """Every valid label of a categorical feature, from the registries.

    The same function the curators call
    (:func:`~ontolake.registries.feature_labels.allowed_labels`): its filters and scope
    apply, obsolete terms only when allowed, values naming several terms are not valid.
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.feature_labels import allowed_labels

    with current_instance().read() as session:
        return allowed_labels(session, feature, dtype).valid


def _registry_check(feature: Feature, dtype: DType) -> Any:
    """A check that the values are labels of the feature's registries (and filters)."""
    import pandera.pandas as pa

    def valid(series: Any) -> Any:
        allowed = registry_values(feature, dtype)
        if dtype.is_list:
            return series.map(lambda items: all(str(item) in allowed for item in items))
        return series.astype(object).map(lambda value: str(value) in allowed)

    filters = f" with {feature.cat_filters}" if feature.cat_filters else ""
    return pa.Check(
        valid,
        ignore_na=True,
        name=f"in_registry({dtype})",
        error=f"values must be labels of {dtype}{filters}",
    )


def _itype_check(itype: str, listed: list[str], scope: LabelScope) -> Any:
    """A DataFrame check that columns not listed as features are values of ``itype``."""
    import pandera.pandas as pa

    holder: dict[str, Any] = {}

    def valid(frame: Any) -> bool:
        names = [str(column) for column in frame.columns if column not in listed]
        allowed = itype_names(itype, scope).valid
        invalid = [name for name in names if name not in allowed]
        shown = ", ".join(repr(name) for name in invalid[:20]) + (" …" if len(invalid) > 20 else "")
        holder["check"].error = f"{len(invalid)} column name(s) not in {itype}: {shown}"
        return not invalid

    check = pa.Check(valid, name=f"columns_in({itype})", error=f"column names must be {itype}")
    holder["check"] = check
    return check


def _values_check(dtype_text: str, listed: list[str]) -> Any:
    """A DataFrame check that every column not listed as a feature has values of a dtype."""
    import pandera.pandas as pa

    from ontolake.schemas.dtypes import parse_dtype

    test = _dtype_check(parse_dtype(dtype_text))._check_fn

    def valid(frame: Any) -> bool:
        return all(bool(test(frame[c])) for c in frame.columns if c not in listed)

    return pa.Check(valid, name=f"values({dtype_text})", error=f"values must be {dtype_text}")


# ---- pandera -> ontolake ------------------------------------------------------------------
_PANDERA_KINDS = (
    ("bool", "bool"),
    ("int", "int"),
    ("uint", "int"),
    ("float", "float"),
    ("datetime", "datetime"),
    ("date", "date"),
    ("str", "str"),
    ("string", "str"),
)


_OWN_CHECKS = ("dtype(", "in_registry(", "columns_in(", "values(")
"""Name prefixes of the checks ``to_pandera`` adds: they become the dtype again, not checks."""


def _own_dtype(column: Any) -> str | None:
    """The dtype a column compiled by ``to_pandera`` carries in its check names."""
    found = None
    for check in column.checks:
        name = str(getattr(check, "name", ""))
        if name.startswith("in_registry("):
            return name[len("in_registry(") : -1]
        if name.startswith("dtype(") and name != "dtype(cat)":
            found = name[len("dtype(") : -1]
    return found


def foreign_checks(checks: list[Any]) -> list[Any]:
    """The checks that ``to_pandera`` did not add itself."""
    return [c for c in checks if not str(getattr(c, "name", "")).startswith(_OWN_CHECKS)]


def _dtype_of(name: str, column: Any, dtypes: Mapping[str, Any] | None) -> Any:
    if dtypes and name in dtypes:
        return dtypes[name]
    own = _own_dtype(column)
    if own is not None:
        return own
    text = str(column.dtype).lower() if column.dtype is not None else ""
    for prefix, kind in _PANDERA_KINDS:
        if text.startswith(prefix):
            return kind
    raise DtypeError(
        f"Column {name!r} has pandera dtype {text or 'None'}, which has no ontolake dtype: "
        f"pass dtypes={{{name!r}: ...}} (e.g. str, dict or a registry such as "
        "ol.bio.CellType)."
    )


def feature_from_column(name: str, column: Any, dtypes: Mapping[str, Any] | None) -> Feature:
    """An (unsaved) Feature for a pandera Column: dtype, nullable and coerce carried over."""
    from ontolake.registries.features import Feature

    return Feature(
        name=name,
        dtype=_dtype_of(name, column, dtypes),
        nullable=bool(column.nullable),
        coerce=bool(column.coerce),
        description=getattr(column, "description", None),
    )


def from_pandera(
    schema: Any, *, name: str | None = None, dtypes: Mapping[str, Any] | None = None
) -> Schema:
    """An ontolake Schema from a ``pandera.DataFrameSchema`` or ``DataFrameModel`` class.

    Example:
        >>> import pandera.pandas as pa
        >>> frame = pa.DataFrameSchema({"n": pa.Column(int, pa.Check.ge(0))}, strict=True)
        >>> from_pandera(frame, name="counts").maximal_set
        True
    """
    import pandera.pandas as pa

    from ontolake.registries.schema import Schema

    if isinstance(schema, type) and issubclass(schema, pa.DataFrameModel):
        schema = schema.to_schema()
    if not isinstance(schema, pa.DataFrameSchema):
        raise InvalidDataError(
            f"from_pandera takes a pandera DataFrameSchema or DataFrameModel, got {schema!r}."
        )
    members = []
    column_checks = {}
    for column_name, column in schema.columns.items():
        members.append(feature_from_column(str(column_name), column, dtypes))
        if foreign_checks(column.checks):
            column_checks[str(column_name)] = foreign_checks(column.checks)
    required = [column.required for column in schema.columns.values()]
    index = None
    if schema.index is not None and getattr(schema.index, "name", None):
        index = feature_from_column(str(schema.index.name), schema.index, dtypes)
    frame_checks = {str(getattr(c, "name", "")): c for c in schema.checks}
    itype = next(
        (n[len("columns_in(") : -1] for n in frame_checks if n.startswith("columns_in(")), None
    )
    values = next((n[len("values(") : -1] for n in frame_checks if n.startswith("values(")), None)
    return Schema(
        features=members,
        itype=itype,
        dtype=values,
        name=name or schema.name,
        description=schema.description,
        index=index,
        minimal_set=all(required) if required else True,
        maximal_set=bool(schema.strict is True),
        ordered_set=bool(schema.ordered),
        coerce_dtype=bool(schema.coerce),
        flexible=None,
        checks=foreign_checks(schema.checks),
        column_checks=column_checks,
    )
