"""The checks of one column — dtype, coercion, registry values, missing values — chunk by chunk.

A :class:`ColumnTally` takes the column whole (a DataFrame in memory) or in chunks of rows
(a CSV file read in parts, :mod:`ontolake.curate.chunks`) through ``add``, in row order, and
reports once: the same issues, byte for byte, either way. What a chunk finds is added up —
counts summed, example rows the first ones of the column, values in the order the column
first holds them — and every message is written from the totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ontolake.curate.categorical import CategoricalTally
from ontolake.curate.column_values import (
    EXAMPLE_ROWS,
    by_frequency,
    counted_values,
    merge_counted,
)
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

    from ontolake.curate.registry_cache import RegistryCache
    from ontolake.registries.features import Feature

__all__ = ["ColumnTally", "has_kind"]

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


def has_kind(series: pd.Series[Any], kind: str) -> bool:
    """Whether the values of ``series`` are of ``kind`` (``int``, ``str`` …, a dtype's kind).

    True for a whole column exactly when it is true for each chunk of it.

    Example:
        >>> import pandas as pd
        >>> has_kind(pd.Series([1, 2]), "int"), has_kind(pd.Series(["a", None]), "str")
        (True, True)
    """
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
            numbers = result.to_numpy(dtype="float64", na_value=np.nan)
            with np.errstate(invalid="ignore"):  # by position: index labels may repeat
                outside = ~np.isfinite(numbers) | (np.abs(numbers) >= 2.0**63)  # inf, > int64
                not_integral = ~np.isnan(numbers) & (outside | (numbers != np.floor(numbers)))
            result = result.astype("Float64").astype(object)
            result[not_integral] = None
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


@dataclass
class ColumnTally:
    """What the checks of one column (or the index) find, added up over its chunks.

    Args:
        feature: the column's feature (its dtype, nullability, registries).
        label: the column as issues name it (``cell_type``, ``index (barcode)``).
        coerce: convert values to the feature's dtype (``coerce_dtype``).
        index: the column is the index: missing values are one issue without counts.
        chunked: the column comes in several chunks (with ``coerce``, each is kept until the
            end, in case a later one needs converting).
    """

    feature: Feature
    label: str
    coerce: bool = False
    index: bool = False
    chunked: bool = False
    dtype_issue: Issue | None = None
    """The first dtype issue a chunk gave (every chunk has the column's dtype)."""
    failures: dict[str, InvalidValue] = field(default_factory=dict)
    """Values that coercion could not convert, in the order the column holds them."""
    converted: list[pd.Series[Any]] = field(default_factory=list)
    """With ``coerce``: the chunks as coercion converted them (as read if none was needed)."""
    needed_conversion: bool = False
    categorical: CategoricalTally | None = None
    missing: int = 0
    missing_rows: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.feature.parsed_dtype.is_categorical:
            self.categorical = CategoricalTally(self.feature)

    def add(self, series: pd.Series[Any], slot: str, cache: RegistryCache) -> None:
        """Check the next chunk of the column (rows in order)."""
        converted = self._add_dtype(series, slot)
        if converted is not None:
            series = converted
        if self.categorical is not None:
            self.categorical.add(series, cache)
        if not self.feature.nullable and not self.index:
            mask = series.isna()
            self.missing += int(mask.sum())
            if len(self.missing_rows) < EXAMPLE_ROWS:
                labels = series.index[mask.to_numpy()][: EXAMPLE_ROWS - len(self.missing_rows)]
                self.missing_rows += [str(label) for label in labels]

    def _add_dtype(self, series: pd.Series[Any], slot: str) -> pd.Series[Any] | None:
        """Check a chunk's dtype; return it converted when coercion converts it."""
        dtype = self.feature.parsed_dtype
        if dtype.is_list:
            bad = series.dropna().map(lambda value: not isinstance(value, (list, tuple)))
            if bad.any() and self.dtype_issue is None:
                message = f"values must be lists ({dtype})"
                self.dtype_issue = Issue(slot, self.feature.name, "dtype", message)
            return None
        kind = dtype.kind
        if kind == "cat" or has_kind(series, kind):
            if self.coerce and self.chunked:  # in case a later chunk needs converting
                self.converted.append(series)
            return None
        self.needed_conversion = True
        if not self.coerce or kind == "dict" or self.index:
            if self.dtype_issue is None:
                self.dtype_issue = self._mismatch(series, slot, kind)
            return None
        converted = _coerced(series, kind)
        failed = converted.isna() & series.notna()
        if failed.any():
            texts = series[failed].astype(str)
            merge_counted(self.failures, counted_values(series[failed], texts.unique(), ""))
            return None
        self.converted.append(converted)
        return converted

    def _mismatch(self, series: pd.Series[Any], slot: str, kind: str) -> Issue:
        feature = self.feature
        expected = _KIND_TEXT.get(kind, kind)
        return Issue(
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

    def report(
        self, slot: str, report: ValidationReport, cache: RegistryCache, curator_name: str
    ) -> pd.Series[Any] | None:
        """Add the column's issues to ``report``; return the column if coercion converted it."""
        fixed = self._report_dtype(slot, report)
        has_missing = None
        if self.categorical is not None:
            has_missing = self.categorical.report(slot, self.label, report, cache, curator_name)
        if self.index:
            if has_missing and not self.feature.nullable:
                report.add(
                    Issue(slot, self.label, "missing_values", "the index holds missing values")
                )
            return None
        if not self.feature.nullable and (has_missing if has_missing is not None else True):
            count, rows, name = self.missing, self.missing_rows, self.label
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
        return fixed

    def _report_dtype(self, slot: str, report: ValidationReport) -> pd.Series[Any] | None:
        if self.dtype_issue is not None:
            report.add(self.dtype_issue)
            return None
        if self.failures:
            kind = self.feature.parsed_dtype.kind
            values = by_frequency(self.failures.values())
            for value in values:
                value.reason = f"cannot be converted to {kind}"
            failed = sum(value.count for value in values)
            report.add(
                Issue(
                    slot,
                    self.feature.name,
                    "dtype",
                    f"{failed} value(s) cannot be converted to {_KIND_TEXT.get(kind, kind)}",
                    values=values[:MAX_VALUES],
                    n_values=len(values),
                )
            )
            return None
        if not self.needed_conversion or not self.converted:
            return None
        import pandas as pd

        parts = self.converted
        return parts[0] if len(parts) == 1 else pd.concat(parts)
