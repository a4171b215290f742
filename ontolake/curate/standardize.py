"""Standardize a categorical column: synonyms and case variants become canonical labels.

Only the distinct values outside the valid labels are looked up in the registry's vocabulary
(:mod:`ontolake.registries.bio.vocabulary`); a Categorical keeps its codes and merges the
categories that map to the same label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ontolake.curate.column_values import distinct_values
from ontolake.registries.label_scope import LabelScope
from ontolake.schemas.values import is_missing

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.curate.registry_cache import RegistryCache
    from ontolake.registries.features import Feature

__all__ = ["standardize_series"]


def standardize_series(
    series: pd.Series[Any], feature: Feature, cache: RegistryCache
) -> tuple[pd.Series[Any], dict[str, str]]:
    """``(standardized column, {given: canonical})``: synonyms and variants made canonical.

    Synonyms, case variants, versioned ids and obsolete terms with one declared replacement
    change; ambiguous values stay as given, named in an ``AmbiguousValueWarning``.

    Example:
        >>> from ontolake.curate.registry_cache import RegistryCache
        >>> feature = ol.Feature.get(name="cell_type")
        >>> column, mapping = standardize_series(df["cell_type"], feature, RegistryCache())
        >>> column.tolist(), mapping
        (['T cell', 'T cell', 'B cell', 'unknown cell'], {'T-cell': 'T cell'})
    """
    import numpy as np
    import pandas as pd

    dtype = feature.parsed_dtype
    vocabulary = cache.vocabulary(dtype, LabelScope.of(feature.cat_filters))
    allowed = cache.allowed(feature, dtype)
    if dtype.is_list:
        texts = {str(i): None for items in series.dropna() for i in items if str(i) not in allowed}
        mapping = vocabulary.mapper(list(texts))
        vocabulary.warn_ambiguous([text for text in texts if text not in mapping])
        if not mapping:
            return series, {}
        return series.map(
            lambda items: items if is_missing(items) else [mapping.get(str(i), i) for i in items]
        ), mapping
    uniques, _ = distinct_values(series)
    candidates = [str(value) for value in uniques if str(value) not in allowed]
    mapping = vocabulary.mapper(candidates)
    vocabulary.warn_ambiguous([value for value in candidates if value not in mapping])
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
