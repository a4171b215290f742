"""The checks every curator runs on a table: set rules, dtypes, missing values, registries.

Categorical columns are checked by :mod:`ontolake.curate.categorical`; a missing column
names a present column with a close name (:mod:`ontolake.curate.column_names`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ontolake.curate.categorical import check_categorical
from ontolake.curate.column_values import EXAMPLE_ROWS, example_values, most_frequent
from ontolake.curate.registry_cache import RegistryCache
from ontolake.curate.report import (
    MAX_VALUES,
    InvalidValue,
    Issue,
    NextStep,
    ValidationReport,
    column_key,
)
from ontolake.schemas.values import is_missing

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.curate.columns import ColumnSource
    from ontolake.registries.features import Feature
    from ontolake.registries.schema import Schema

__all__ = ["check_frame"]


# ---- helpers ------------------------------------------------------------------------------
def _missing_rows(series: pd.Series[Any]) -> tuple[int, list[str]]:
    mask = series.isna()
    labels = series.index[mask.to_numpy()]
    return int(mask.sum()), [str(label) for label in labels[:EXAMPLE_ROWS]]


# ---- dtypes -------------------------------------------------------------------------------
_KIND_TEXT = {
    "int": "integers",
    "float": "numbers",
    "num": "numbers",
    "bool": "booleans",
    "str": "strings",
    "date": "dates",
    "datetime": "datetimes",
    "dict": "dicts",
}


def _has_kind(series: pd.Series[Any], kind: str) -> bool:
    import pandas as pd

    types = pd.api.types
    if kind == "int":
        return bool(types.is_integer_dtype(series) and not types.is_bool_dtype(series))
    if kind in ("float", "num"):
        return bool(types.is_numeric_dtype(series) and not types.is_bool_dtype(series))
    if kind == "bool":
        return bool(types.is_bool_dtype(series))
    if kind == "datetime":
        return bool(types.is_datetime64_any_dtype(series))
    if kind == "date":
        return bool(types.is_datetime64_any_dtype(series)) or types.infer_dtype(
            series, skipna=True
        ) in ("date", "empty")
    if kind == "str":
        return types.infer_dtype(series, skipna=True) in ("string", "empty")
    if kind == "dict":
        return all(isinstance(value, dict) for value in series.dropna())
    return True


def _coerced(series: pd.Series[Any], kind: str) -> pd.Series[Any]:
    """``series`` converted to ``kind``; values that cannot be converted become missing."""
    import numpy as np
    import pandas as pd

    if kind in ("int", "float", "num"):
        result = pd.to_numeric(series, errors="coerce")
        if kind == "int":
            integral = result.dropna().astype("float64")
            outside = ~np.isfinite(integral) | (integral.abs() >= 2.0**63)  # inf, > int64
            not_integral = integral[outside | (integral != np.floor(integral))].index
            result = result.astype("Float64").astype(object)
            result[result.index.isin(not_integral)] = None
            result = pd.to_numeric(result, errors="coerce").astype("Int64")
            if not result.isna().any():
                result = result.astype("int64")
        return result
    if kind == "bool":
        mapping = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        mapped = series.map(
            lambda v: v if isinstance(v, bool) else mapping.get(str(v).strip().lower())
        )
        return mapped.astype("boolean") if mapped.isna().any() else mapped.astype(bool)
    if kind in ("datetime", "date"):
        return pd.to_datetime(series, errors="coerce")
    if kind == "str":
        return series.map(lambda v: v if is_missing(v) else str(v))
    return series


def _check_dtype(
    series: pd.Series[Any], feature: Feature, coerce: bool, slot: str, report: ValidationReport
) -> pd.Series[Any] | None:
    """Report a dtype mismatch; return the converted column when coercion fixed it."""
    dtype = feature.parsed_dtype
    if dtype.is_list:
        bad = series.dropna().map(lambda value: not isinstance(value, (list, tuple)))
        if bad.any():
            report.add(Issue(slot, feature.name, "dtype", f"values must be lists ({dtype})"))
        return None
    kind = dtype.kind
    if kind == "cat" or _has_kind(series, kind):
        return None
    expected = _KIND_TEXT.get(kind, kind)
    if not coerce or kind == "dict":
        report.add(
            Issue(
                slot,
                feature.name,
                "dtype",
                f"expected {expected} ({feature.dtype}), got pandas dtype {series.dtype}",
                steps=[
                    NextStep(
                        "coerce_dtype",
                        column_key(slot, feature.name),
                        f"ol.Schema(..., coerce_dtype=True) or ol.Feature({feature.name!r}, "
                        f"..., coerce=True) converts values",
                    )
                ],
            )
        )
        return None
    converted = _coerced(series, kind)
    failed = converted.isna() & series.notna()
    if failed.any():
        values = example_values(series[failed], series[failed].astype(str).unique(), "")
        for value in values:
            value.reason = f"cannot be converted to {kind}"
        report.add(
            Issue(
                slot,
                feature.name,
                "dtype",
                f"{int(failed.sum())} value(s) cannot be converted to {expected}",
                values=values[:MAX_VALUES],
                n_values=len(values),
            )
        )
        return None
    return converted


def _missing_column(slot: str, name: str, feature: Feature, extra: list[str]) -> Issue:
    """A required column is missing; a present column with a close name is named."""
    from ontolake.curate.column_names import close_column

    message = f"required column {name!r} ({feature.dtype}) is missing"
    close = close_column(name, extra)
    if close is None:
        step = NextStep("add_column", column_key(slot, name), f"add column {name!r}")
    else:
        message += f"; column {close!r} looks like it"
        python = f"rename column {close!r} to {name!r}"
        step = NextStep("rename_column", column_key(slot, name), python, values=(close,))
    return Issue(slot, name, "missing_column", message, steps=[step])


# ---- frames -------------------------------------------------------------------------------
def check_frame(
    frame: pd.DataFrame | ColumnSource,
    schema: Schema,
    *,
    slot: str,
    report: ValidationReport,
    cache: RegistryCache,
    curator_name: str = "curator",
) -> dict[str, pd.Series[Any]]:
    """Check one table against one (component) schema; return the columns coercion fixed.

    Every failure goes into ``report``: missing or extra columns, column order, dtypes,
    missing values in non-nullable columns, categorical values outside their registries,
    column names outside the itype, duplicated index values and failed pandera checks.
    ``frame`` may be a :class:`~ontolake.curate.columns.ColumnSource` (a parquet, CSV or TSV
    file): the columns are then read one at a time, and the whole table only for
    dataframe-level checks.

    Example:
        >>> report = ValidationReport()
        >>> cache = RegistryCache()
        >>> check_frame(df, schema, slot="main", report=report, cache=cache)  # none coerced
        {}
        >>> [(issue.slot, issue.column, issue.kind) for issue in report.issues]
        [('main', 'cell_type', 'invalid_values')]
    """
    import pandas as pd

    report.slots[slot] = len(frame)
    members = {feature.name: feature for feature in schema.members}
    columns = [str(column) for column in frame.columns]
    present = set(columns)
    extra = [column for column in columns if column not in members]
    if schema.minimal_set:
        for name, feature in members.items():
            if name not in present:
                report.add(_missing_column(slot, name, feature, extra))
    if schema.maximal_set and extra:
        for column in extra:
            report.add(
                Issue(slot, column, "extra_column", f"column {column!r} is not in the schema")
            )
    if schema.ordered_set:
        order = [name for name in members if name in present]
        found = [column for column in columns if column in members]
        if order != found:
            report.add(
                Issue(
                    slot,
                    None,
                    "column_order",
                    f"columns must come in the order {order}, found {found}",
                )
            )
    checked = {name: feature for name, feature in members.items() if name in present}
    if schema.flexible and extra:
        from sqlalchemy import select

        from ontolake.instance.session import current_instance
        from ontolake.registries.features import Feature

        with current_instance().read() as session:
            known = session.execute(select(Feature).where(Feature.name.in_(extra))).scalars()
            checked.update({feature.name: feature for feature in known})
    if schema.itype is not None and extra:
        from ontolake.curate.names import check_names

        check_names(
            extra, schema.itype, slot, "columns", report, cache, curator_name, schema.name_scope
        )
    if schema.dtype is not None and extra:
        from ontolake.schemas.dtypes import parse_dtype

        kind = parse_dtype(schema.dtype).kind
        wrong = [column for column in extra if not _has_kind(frame[column], kind)]
        if wrong:
            report.add(
                Issue(
                    slot,
                    None,
                    "dtype",
                    f"{len(wrong)} column(s) are not {schema.dtype}: {wrong[:10]}",
                )
            )
    fixed: dict[str, pd.Series[Any]] = {}
    for name, feature in checked.items():
        series = frame[name]
        if isinstance(series, pd.DataFrame):
            report.add(Issue(slot, name, "duplicated_index", f"column {name!r} appears twice"))
            continue
        coerce = schema.coerce_dtype or feature.coerce
        converted = _check_dtype(series, feature, coerce, slot, report)
        if converted is not None:
            fixed[name] = converted
            series = converted
        has_missing = None
        if feature.parsed_dtype.is_categorical:
            has_missing = check_categorical(
                series, feature, slot, name, report, cache, curator_name
            )
        if not feature.nullable and (has_missing if has_missing is not None else True):
            count, rows = _missing_rows(series)
            if count:
                report.add(
                    Issue(
                        slot,
                        name,
                        "missing_values",
                        f"{count} missing value(s) in non-nullable column {name!r} "
                        f"(rows {', '.join(rows)}{' …' if count > len(rows) else ''})",
                        values=[InvalidValue("<missing>", count, rows, "missing value")],
                    )
                )
    _check_index(frame, schema, slot, report, cache, curator_name)
    _run_checks(frame, schema, slot, report)
    return fixed


def _check_index(
    frame: pd.DataFrame | ColumnSource,
    schema: Schema,
    slot: str,
    report: ValidationReport,
    cache: RegistryCache,
    curator_name: str,
) -> None:
    import pandas as pd

    index = frame.index
    if index.has_duplicates:
        counts = most_frequent(pd.Series(index[index.duplicated(keep=False)]).astype(str))
        fix = "adata.obs_names_make_unique()" if slot != "main" else "df.reset_index()"
        report.add(
            Issue(
                slot,
                "index",
                "duplicated_index",
                f"{len(counts)} index value(s) occur more than once",
                values=[
                    InvalidValue(value, count, [value], "duplicated")
                    for value, count in counts[:MAX_VALUES]
                ],
                steps=[NextStep("make_index_unique", slot, f"make the index unique ({fix})")],
                n_values=len(counts),
            )
        )
    feature = schema.index
    if feature is None:
        return
    if isinstance(index, pd.RangeIndex) and index.name != feature.name:
        report.add(_missing_index(frame, feature.name, slot))
        return
    series = pd.Series(index, index=index, name=feature.name)
    label = f"index ({feature.name})"
    _check_dtype(series, feature, False, slot, report)
    if feature.parsed_dtype.is_categorical:
        has_missing = check_categorical(series, feature, slot, label, report, cache, curator_name)
        if has_missing and not feature.nullable:
            report.add(Issue(slot, label, "missing_values", "the index holds missing values"))


def _missing_index(frame: pd.DataFrame | ColumnSource, name: str, slot: str) -> Issue:
    """The schema's index is missing: the data has the default RangeIndex (0, 1, 2 …)."""
    if name in frame.columns:
        fix = (
            f"make the column {name!r} the index: df = df.set_index({name!r}) "
            "(a CSV file: its first column)"
        )
    else:
        fix = (
            f"give the data an index named {name!r}: df.index = ...; df.index.name = {name!r} "
            f"(a CSV file: a first column {name!r})"
        )
    return Issue(
        slot,
        "index",
        "missing_column",
        f"the index {name!r} is missing: the data has the default RangeIndex (0, 1, 2, …)",
        steps=[NextStep("set_index", column_key(slot, name), fix)],
    )


def _run_checks(
    frame: pd.DataFrame | ColumnSource, schema: Schema, slot: str, report: ValidationReport
) -> None:
    import pandas as pd

    for name, checks in schema.live_checks().items():
        if not checks or (name and name not in frame.columns):
            continue
        # a dataframe-level check sees whole rows: a column source loads the table for it
        whole = frame if isinstance(frame, pd.DataFrame) else None
        target = frame[name] if name else whole if whole is not None else frame.load()
        for check in checks:
            check_name = getattr(check, "name", None) or repr(check)
            try:
                result = check(target)
            except Exception as error:  # a user check that crashed is a failure too
                report.add(
                    Issue(slot, name or None, "check", f"check {check_name} raised {error!r}")
                )
                continue
            if bool(result.check_passed):
                continue
            failures = result.failure_cases
            values: list[InvalidValue] = []
            if failures is not None and hasattr(failures, "items") and name:
                counts: dict[str, InvalidValue] = {}
                for label, value in failures.items():
                    entry = counts.setdefault(str(value), InvalidValue(str(value), 0, [], ""))
                    entry.count += 1
                    if len(entry.rows) < EXAMPLE_ROWS:
                        entry.rows.append(str(label))
                    entry.reason = f"fails {check_name}"
                # most frequent first; ties in the order the data holds them
                values = sorted(counts.values(), key=lambda entry: -entry.count)
            n_failed = sum(v.count for v in values)
            report.add(
                Issue(
                    slot,
                    name or None,
                    "check",
                    f"check {check_name} failed" + (f" for {n_failed} value(s)" if values else ""),
                    values=values[:MAX_VALUES],
                    n_values=len(values),
                )
            )
