"""The distinct values of a column, and the counts and example rows of some of them.

Everything here keeps a fixed order whatever the hash seed: distinct values in the order the
column first holds them, counted values most frequent first (ties in that same order).
Counts of a file read in chunks (:func:`counted_values` of each chunk, then
:func:`merge_counted`) equal the counts of the whole column.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ontolake.curate.report import InvalidValue
from ontolake.schemas.values import is_missing

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EXAMPLE_ROWS",
    "by_frequency",
    "counted_values",
    "distinct_values",
    "example_values",
    "merge_counted",
    "most_frequent",
]

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
    return by_frequency(counted_values(series, values, reason))


def by_frequency(values: Iterable[InvalidValue]) -> list[InvalidValue]:
    """``values`` most frequent first; equal counts keep their order."""
    return sorted(values, key=lambda value: -value.count)


def merge_counted(
    merged: dict[str, InvalidValue], values: Iterable[InvalidValue]
) -> dict[str, InvalidValue]:
    """Add the counts and example rows of a later chunk's ``values`` into ``merged``.

    ``merged`` keeps the order values first appear in; example rows stay the first
    :data:`EXAMPLE_ROWS` of the column.

    Example:
        >>> merged = merge_counted({}, [InvalidValue("a", 2, ["r1", "r2"])])
        >>> merged = merge_counted(merged, [InvalidValue("b", 1, ["r3"]), InvalidValue("a", 1, ["r4"])])
        >>> [(v.value, v.count, v.rows) for v in merged.values()]
        [('a', 3, ['r1', 'r2', 'r4']), ('b', 1, ['r3'])]
    """  # noqa: E501
    for value in values:
        held = merged.get(value.value)
        if held is None:
            merged[value.value] = value
        else:
            held.count += value.count
            held.rows = (held.rows + value.rows)[:EXAMPLE_ROWS]
    return merged


def counted_values(
    series: pd.Series[Any], values: Iterable[str], reason: str = "not in registry"
) -> list[InvalidValue]:
    """Counts and example rows of the given (string) values, in the order the column holds them.

    Example:
        >>> import pandas as pd
        >>> column = pd.Series(["b", "a", "a", "c"], index=["r1", "r2", "r3", "r4"])
        >>> [(v.value, v.count, v.rows) for v in counted_values(column, ["a", "b"])]
        [('b', 1, ['r1']), ('a', 2, ['r2', 'r3'])]
    """
    import numpy as np
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
    codes, uniques = pd.factorize(found, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    return [
        InvalidValue(
            value=str(value), count=int(count), rows=rows.get(str(value), []), reason=reason
        )
        for value, count in zip(uniques, counts, strict=True)
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
