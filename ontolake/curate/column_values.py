"""The distinct values of a column, and the counts and example rows of some of them.

Everything here keeps a fixed order whatever the hash seed: distinct values in the order the
column first holds them, counted values most frequent first (ties in that same order).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ontolake.curate.report import InvalidValue
from ontolake.schemas.values import is_missing

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EXAMPLE_ROWS", "distinct_values", "example_values", "most_frequent"]

EXAMPLE_ROWS = 5
"""The most example row labels kept per value."""


def distinct_values(series: pd.Series[Any]) -> tuple[list[Any], bool]:
    """``(distinct non-missing values, whether a value is missing)`` of a column, fast."""
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        used = pd.unique(codes)
        categories = series.cat.categories
        return [categories[code] for code in used if code >= 0], bool((used < 0).any())
    uniques = pd.unique(series.to_numpy())
    values = [value for value in uniques if not is_missing(value)]
    return values, len(values) != len(uniques)


def example_values(
    series: pd.Series[Any], values: Iterable[str], reason: str = "not in registry"
) -> list[InvalidValue]:
    """Counts and example rows of the given (string) values in a column.

    Most frequent first; equal counts in the order the column first holds them.
    """
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
    heads = found.groupby(found, observed=True, sort=False).head(EXAMPLE_ROWS)
    rows: dict[str, list[str]] = {}
    for label, value in heads.items():
        rows.setdefault(str(value), []).append(str(label))
    return [
        InvalidValue(value=value, count=count, rows=rows.get(value, []), reason=reason)
        for value, count in most_frequent(found)
    ]


def most_frequent(series: pd.Series[Any]) -> list[tuple[str, int]]:
    """``(value as text, count)`` of each distinct value, most frequent first.

    Equal counts come in the order the series first holds them (never in an order that
    hashing decides).

    Example:
        >>> import pandas as pd
        >>> most_frequent(pd.Series(["b", "a", "a", "c", "b"]))
        [('b', 2), ('a', 2), ('c', 1)]
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    return [(str(uniques[i]), int(counts[i])) for i in np.argsort(-counts, kind="stable")]
