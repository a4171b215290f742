"""The checks every curator runs on a table: set rules, dtypes, missing values, registries.

Categorical columns are checked over their distinct values only: ``pandas.unique`` once per
column, a set lookup per distinct value, and — only when something failed — one pass to
count the failing values and find example rows. Suggestions come from the registries'
vocabularies (:mod:`ontolake.registries.bio.vocabulary`), so synonyms, case variants,
obsolete terms and typos are told apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ontolake.curate.registry_cache import RegistryCache
from ontolake.curate.report import (
    MAX_VALUES,
    InvalidValue,
    Issue,
    SuggestedValue,
    ValidationReport,
)
from ontolake.errors import OntolakeError

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.curate.columns import ColumnSource
    from ontolake.registries.features import Feature
    from ontolake.registries.schema import Schema

__all__ = ["check_frame", "distinct_values", "example_values"]

_EXAMPLE_ROWS = 5


# ---- helpers ------------------------------------------------------------------------------
def _is_na(value: Any) -> bool:
    from ontolake.schemas.values import is_missing

    return is_missing(value)


def distinct_values(series: pd.Series[Any]) -> tuple[list[Any], bool]:
    """``(distinct non-missing values, whether a value is missing)`` of a column, fast."""
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        used = pd.unique(codes)
        categories = series.cat.categories
        return [categories[code] for code in used if code >= 0], bool((used < 0).any())
    uniques = pd.unique(series.to_numpy())
    values = [value for value in uniques if not _is_na(value)]
    return values, len(values) != len(uniques)


def example_values(
    series: pd.Series[Any], values: Iterable[str], reason: str = "not in registry"
) -> list[InvalidValue]:
    """Counts and example rows of the given (string) values in a column, most frequent first."""
    import pandas as pd

    wanted = list(values)
    keyed = series.dropna()
    if isinstance(keyed.dtype, pd.CategoricalDtype):  # select by category, then convert
        names = set(wanted)
        codes = [i for i, c in enumerate(keyed.cat.categories) if str(c) in names]
        keyed = keyed[keyed.cat.codes.isin(codes).to_numpy()].astype(str)
    elif not (keyed.dtype == object and all(isinstance(v, str) for v in wanted[:1])):
        keyed = keyed.astype(str)
    else:
        keyed = keyed.map(lambda value: value if isinstance(value, str) else str(value))
    found = keyed[keyed.isin(wanted)]
    counts = found.value_counts(sort=True)
    heads = found.groupby(found, observed=True, sort=False).head(_EXAMPLE_ROWS)
    rows: dict[str, list[str]] = {}
    for label, value in heads.items():
        rows.setdefault(str(value), []).append(str(label))
    return [
        InvalidValue(
            value=str(value), count=int(count), rows=rows.get(str(value), []), reason=reason
        )
        for value, count in counts.items()
    ]


def _missing_rows(series: pd.Series[Any]) -> tuple[int, list[str]]:
    mask = series.isna()
    labels = series.index[mask.to_numpy()]
    return int(mask.sum()), [str(label) for label in labels[:_EXAMPLE_ROWS]]


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
            integral = result.dropna()
            not_integral = integral[integral != np.floor(integral)].index
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
        return series.map(lambda v: v if _is_na(v) else str(v))
    return series


def _check_dtype(
    series: pd.Series[Any], feature: Feature, coerce: bool, slot: str, report: ValidationReport
) -> pd.Series[Any] | None:
    """Report a dtype mismatch; return the converted column when coercion fixed it."""
    dtype = feature.parsed_dtype
    if dtype.is_list:
        bad = series.dropna().map(lambda value: not isinstance(value, (list, tuple)))
        if bad.any():
            report.add(
                Issue(slot, feature.name, "dtype", f"values must be lists ({dtype})", hint="")
            )
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
                hint=f"ol.Schema(..., coerce_dtype=True) or ol.Feature({feature.name!r}, "
                f"..., coerce=True) converts values",
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
            )
        )
        return None
    return converted


# ---- categorical --------------------------------------------------------------------------
def _check_categorical(
    series: pd.Series[Any],
    feature: Feature,
    slot: str,
    column: str,
    report: ValidationReport,
    cache: RegistryCache,
    curator_name: str,
) -> bool:
    """Report values outside the feature's registries; return whether a value is missing."""
    dtype = feature.parsed_dtype
    if dtype.is_list:
        series = series.dropna().explode()
    import pandas as pd

    try:
        allowed = cache.allowed(feature, dtype)
    except OntolakeError as error:
        report.add(Issue(slot, column, "invalid_values", f"cannot be checked: {error}"))
        return bool(series.isna().any())
    rest = series
    if not isinstance(series.dtype, pd.CategoricalDtype):
        # one hash pass against the (small) set of valid labels; only the rest is inspected
        valid = series.isin(cache.allowed_list(feature, dtype)).to_numpy()
        if valid.all():
            return False
        rest = series[~valid]
    uniques, has_missing = distinct_values(rest)
    invalid = [str(value) for value in uniques if str(value) not in allowed]
    if not invalid:
        return has_missing
    vocabulary = cache.vocabulary(dtype)
    values = example_values(series, invalid)
    filters = feature.cat_filters or {}
    standardizable = False
    for value in values[:MAX_VALUES]:
        text = value.value
        suggestions = vocabulary.suggest(text)
        if text in vocabulary.values:
            if text in vocabulary.replacements or not filters:
                value.reason = "obsolete term"
            else:
                value.reason = f"outside the feature's filter {_filter_text(filters)}"
                suggestions = [s for s in suggestions if s.kind == "obsolete"]
        elif any(s.kind in ("synonym", "case") for s in suggestions):
            best = next(s for s in suggestions if s.kind in ("synonym", "case"))
            value.reason = f"{best.kind} of {best.value!r}"
            standardizable = True
        elif text in vocabulary.ambiguous:
            value.reason = "ambiguous: " + ", ".join(sorted(vocabulary.ambiguous[text]))
        value.suggestions = [SuggestedValue(s.kind, s.value, s.score) for s in suggestions]
    key = column if slot == "main" else f"{slot}:{column}"
    hints = [f"{curator_name}.standardize({key!r})"] if standardizable else []
    sure = ("synonym", "case", "obsolete")
    if not filters and any(not any(s.kind in sure for s in v.suggestions) for v in values):
        hints.append(f"{curator_name}.add_new_from({key!r})")
    registries = " | ".join(str(target) for target in dtype.targets)
    message = f"{len(values)} value(s) not valid for {registries}"
    if not allowed and all(hasattr(t.model, "import_source") for t in dtype.targets):
        # nothing can be valid yet: the ontology was never imported (a fresh instance)
        message += " (empty: import its ontology, or pin a source in the schema file)"
        hints = [f"ol.{target.registry}.import_source()" for target in dtype.targets]
    report.add(
        Issue(
            slot,
            column,
            "invalid_values",
            message + (f" {_filter_text(filters)}" if filters else ""),
            values=values[:MAX_VALUES],
            hint="; ".join(hints),
        )
    )
    return has_missing


def _filter_text(filters: dict[str, Any]) -> str:
    parts = []
    if "descendants_of" in filters:
        parts.append(f"descendants of {filters['descendants_of']}")
    if "source" in filters:
        source = filters["source"]
        parts.append(f"source {source.get('name')}@{source.get('version')}")
    return "(" + ", ".join(parts) + ")"


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
    if schema.minimal_set:
        for name, feature in members.items():
            if name not in present:
                report.add(
                    Issue(
                        slot,
                        name,
                        "missing_column",
                        f"required column {name!r} ({feature.dtype}) is missing",
                        hint=f"add column {name!r}",
                    )
                )
    extra = [column for column in columns if column not in members]
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

        from ontolake.instance.setup import current_instance
        from ontolake.registries.features import Feature

        with current_instance().read() as session:
            known = session.execute(select(Feature).where(Feature.name.in_(extra))).scalars()
            checked.update({feature.name: feature for feature in known})
    if schema.itype is not None and extra:
        from ontolake.curate.names import check_names

        check_names(extra, schema.itype, slot, "columns", report, cache, curator_name)
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
            has_missing = _check_categorical(
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
        duplicated = pd.Series(index[index.duplicated(keep=False)])
        counts = duplicated.astype(str).value_counts()
        report.add(
            Issue(
                slot,
                "index",
                "duplicated_index",
                f"{len(counts)} index value(s) occur more than once",
                values=[
                    InvalidValue(str(value), int(count), [str(value)], "duplicated")
                    for value, count in list(counts.items())[:MAX_VALUES]
                ],
                hint="make the index unique ("
                + ("adata.obs_names_make_unique()" if slot != "main" else "df.reset_index()")
                + ")",
            )
        )
    feature = schema.index
    if feature is None:
        return
    series = pd.Series(index, index=index, name=feature.name)
    label = f"index ({feature.name})"
    _check_dtype(series, feature, False, slot, report)
    if feature.parsed_dtype.is_categorical:
        has_missing = _check_categorical(series, feature, slot, label, report, cache, curator_name)
        if has_missing and not feature.nullable:
            report.add(Issue(slot, label, "missing_values", "the index holds missing values"))


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
                    if len(entry.rows) < _EXAMPLE_ROWS:
                        entry.rows.append(str(label))
                    entry.reason = f"fails {check_name}"
                values = list(counts.values())[:MAX_VALUES]
            n_failed = sum(v.count for v in values)
            report.add(
                Issue(
                    slot,
                    name or None,
                    "check",
                    f"check {check_name} failed" + (f" for {n_failed} value(s)" if values else ""),
                    values=values,
                )
            )
