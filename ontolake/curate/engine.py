"""The checks every curator runs on a table: set rules, dtypes, missing values, registries.

Categorical columns are checked over their distinct values only: ``pandas.unique`` once per
column, a set lookup per distinct value, and — only when something failed — one pass to
count the failing values and find example rows. Suggestions come from the registries'
vocabularies (:mod:`ontolake.registries.bio.vocabulary`), so synonyms, case variants,
obsolete terms and typos are told apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ontolake.curate.report import InvalidValue, Issue, SuggestedValue, ValidationReport
from ontolake.errors import OntolakeError

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.registries.bio.vocabulary import Vocabulary
    from ontolake.registries.features import Feature
    from ontolake.registries.schema import Schema
    from ontolake.schemas.dtypes import CatTarget, DType

__all__ = ["RegistryCache", "check_frame", "check_names", "example_values", "standardize_series"]

_EXAMPLE_ROWS = 5
_MAX_VALUES = 1000


class RegistryCache:
    """Valid labels and vocabularies of registries, loaded once per curator."""

    def __init__(self) -> None:
        self._allowed: dict[tuple[str, str], set[str]] = {}
        self._vocabularies: dict[str, Vocabulary] = {}
        self._names: dict[str, set[str]] = {}
        self._lists: dict[tuple[str, str], list[str]] = {}

    def allowed(self, feature: Feature, dtype: DType) -> set[str]:
        """The valid values of a categorical feature: its filters applied, obsolete excluded.

        Raises:
            FeatureValueError: a filter names something missing (a record type, a term, a
                source version); the message says what to import or create.
        """
        from sqlalchemy import select

        from ontolake.instance.setup import current_instance
        from ontolake.registries.feature_labels import target_conditions

        key = (str(dtype), json.dumps(feature.cat_filters or {}, sort_keys=True, default=str))
        if key not in self._allowed:
            allowed: set[str] = set()
            with current_instance().read() as session:
                for target in dtype.targets:
                    model = target.model
                    column = getattr(model, target.field)
                    conditions = list(target_conditions(session, feature, target))
                    if hasattr(model, "is_obsolete"):
                        conditions.append(model.is_obsolete.is_(False))
                    rows = session.execute(select(column).where(*conditions)).scalars()
                    allowed.update(str(value) for value in rows if value is not None)
            self._allowed[key] = allowed
        return self._allowed[key]

    def allowed_list(self, feature: Feature, dtype: DType) -> list[str]:
        """``allowed`` as a list (what ``Series.isin`` takes without copying)."""
        key = (str(dtype), json.dumps(feature.cat_filters or {}, sort_keys=True, default=str))
        if key not in self._lists:
            self._lists[key] = list(self.allowed(feature, dtype))
        return self._lists[key]

    def vocabulary(self, dtype: DType) -> Vocabulary:
        """Every spelling of the labels of ``dtype``'s registries (for suggestions)."""
        key = str(dtype)
        if key not in self._vocabularies:
            from ontolake.registries.bio.vocabulary import Vocabulary

            entries = []
            for target in dtype.targets:
                entries.extend(_vocabulary_of(target).entries)
            self._vocabularies[key] = Vocabulary(entries)
        return self._vocabularies[key]

    def names(self, itype: str) -> set[str]:
        """The valid names of an itype (``Feature`` or a registry field), obsolete excluded."""
        if itype not in self._names:
            from sqlalchemy import select

            from ontolake.instance.setup import current_instance
            from ontolake.registries.features import Feature
            from ontolake.schemas.dtypes import parse_dtype

            with current_instance().read() as session:
                if itype == "Feature":
                    found = set(session.execute(select(Feature.name)).scalars())
                else:
                    target = parse_dtype(f"cat[{itype}]").targets[0]
                    model = target.model
                    conditions = []
                    for flag in ("is_trashed", "is_obsolete"):
                        if hasattr(model, flag):
                            conditions.append(getattr(model, flag).is_(False))
                    column = getattr(model, target.field)
                    found = {
                        str(value)
                        for value in session.execute(select(column).where(*conditions)).scalars()
                        if value is not None
                    }
            self._names[itype] = found
        return self._names[itype]

    def forget(self) -> None:
        """Drop everything loaded (after records were added)."""
        self._allowed.clear()
        self._lists.clear()
        self._vocabularies.clear()
        self._names.clear()


def _vocabulary_of(target: CatTarget) -> Vocabulary:
    from sqlalchemy import select

    from ontolake.instance.setup import current_instance
    from ontolake.registries.bio.vocabulary import TermEntry, Vocabulary

    model = target.model
    if hasattr(model, "synonym_table"):
        vocabulary: Vocabulary = Vocabulary.from_registry(model, target.field)
        return vocabulary
    column = getattr(model, target.field)
    conditions = [model.is_trashed.is_(False)] if hasattr(model, "is_trashed") else []
    with current_instance().read() as session:
        rows = session.execute(select(column, model.name).where(*conditions)).all()
    return Vocabulary(
        TermEntry(value=str(value), name=str(name)) for value, name in rows if value is not None
    )


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
    wanted = list(values)
    keyed = series.dropna()
    if not (keyed.dtype == object and all(isinstance(v, str) for v in wanted[:1])):
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
                values=values[:_MAX_VALUES],
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
    for value in values[:_MAX_VALUES]:
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
    hint = "; ".join(hints)
    registries = " | ".join(str(target) for target in dtype.targets)
    report.add(
        Issue(
            slot,
            column,
            "invalid_values",
            f"{len(values)} value(s) not valid for {registries}"
            + (f" {_filter_text(filters)}" if filters else ""),
            values=values[:_MAX_VALUES],
            hint=hint,
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


def standardize_series(
    series: pd.Series[Any], feature: Feature, cache: RegistryCache
) -> tuple[pd.Series[Any], dict[str, str]]:
    """``(standardized column, {given: canonical})`` for synonyms and case variants."""
    import numpy as np
    import pandas as pd

    dtype = feature.parsed_dtype
    vocabulary = cache.vocabulary(dtype)
    allowed = cache.allowed(feature, dtype)
    if dtype.is_list:
        mapping: dict[str, str] = {}
        for items in series.dropna():
            texts = [str(item) for item in items if str(item) not in allowed]
            mapping.update(vocabulary.mapper(texts))
        if not mapping:
            return series, {}
        return series.map(
            lambda items: items if _is_na(items) else [mapping.get(str(i), i) for i in items]
        ), mapping
    uniques, _ = distinct_values(series)
    candidates = [str(value) for value in uniques if str(value) not in allowed]
    mapping = vocabulary.mapper(candidates)
    if not mapping:
        return series, {}
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = [mapping.get(str(c), c) for c in series.cat.categories]
        merged = list(dict.fromkeys(categories))
        codes = series.cat.codes.to_numpy()
        lookup = np.array([merged.index(c) for c in categories] + [-1])
        new_codes = lookup[codes]  # -1 stays -1 (the last entry)
        return pd.Series(
            pd.Categorical.from_codes(new_codes, categories=merged),
            index=series.index,
            name=series.name,
        ), mapping
    return series.map(
        lambda value: mapping.get(value, value) if isinstance(value, str) else value
    ), mapping


# ---- names --------------------------------------------------------------------------------
def check_names(
    names: Sequence[str],
    itype: str,
    slot: str,
    column: str,
    report: ValidationReport,
    cache: RegistryCache,
    curator_name: str,
) -> None:
    """Report names (columns, or the var index) that are not values of ``itype``."""
    allowed = cache.names(itype)
    invalid = [str(name) for name in names if str(name) not in allowed]
    if not invalid:
        return
    counts: dict[str, int] = {}
    for name in invalid:
        counts[name] = counts.get(name, 0) + 1
    values = [InvalidValue(value=name, count=count) for name, count in counts.items()]
    if itype != "Feature":
        from ontolake.schemas.dtypes import parse_dtype

        vocabulary = cache.vocabulary(parse_dtype(f"cat[{itype}]"))
        for value in values[:50]:
            value.suggestions = [
                SuggestedValue(s.kind, s.value, s.score) for s in vocabulary.suggest(value.value)
            ]
            if value.value in vocabulary.replacements:
                value.reason = "obsolete term"
    else:
        values = [
            InvalidValue(value=v.value, count=v.count, reason="not a defined Feature")
            for v in values
        ]
    fixable = any(s.kind in ("synonym", "case") for v in values for s in v.suggestions)
    key = column if slot == "main" else f"{slot}:{column}"
    report.add(
        Issue(
            slot,
            column,
            "invalid_names",
            f"{len(invalid)} of {len(names)} name(s) are not values of {itype}",
            values=values[:_MAX_VALUES],
            hint=f"{curator_name}.standardize({key!r})" if fixable else "",
        )
    )


# ---- frames -------------------------------------------------------------------------------
def check_frame(
    frame: pd.DataFrame,
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

    Example:
        >>> report = ValidationReport()
        >>> cache = RegistryCache()
        >>> check_frame(df, schema, slot="main", report=report, cache=cache)  # doctest: +SKIP
    """
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
        if isinstance(series, type(frame)):
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
    frame: pd.DataFrame,
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
                    for value, count in list(counts.items())[:_MAX_VALUES]
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


def _run_checks(frame: pd.DataFrame, schema: Schema, slot: str, report: ValidationReport) -> None:
    for name, checks in schema.live_checks().items():
        if name and name not in frame.columns:
            continue
        target = frame if not name else frame[name]
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
                values = list(counts.values())[:_MAX_VALUES]
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
