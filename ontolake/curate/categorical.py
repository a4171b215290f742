"""Categorical columns: the values outside their registries, why, and what fixes them.

A column is checked over its distinct values only: one hash pass against the valid labels,
then — only when something failed — one pass to count the failing values and find example
rows. Suggestions come from the registries' vocabularies
(:mod:`ontolake.registries.bio.vocabulary`), so synonyms, case variants, obsolete terms and
typos are told apart, and the steps proposed never add a value that looks like an existing
term.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ontolake.curate.column_values import distinct_values, example_values
from ontolake.curate.report import (
    MAX_VALUES,
    InvalidValue,
    Issue,
    NextStep,
    ValidationReport,
    column_key,
)
from ontolake.errors import OntolakeError
from ontolake.registries.bio.vocabulary import STANDARDIZABLE

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.curate.registry_cache import RegistryCache
    from ontolake.registries.features import Feature

__all__ = ["check_categorical", "value_steps"]


def check_categorical(
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
    for value in values[:MAX_VALUES]:
        text = value.value
        suggestions = vocabulary.suggest(text)
        if text in vocabulary.values:
            if text in vocabulary.replacements or not filters:
                value.reason = "obsolete term"
            else:
                value.reason = f"outside the feature's filter {_filter_text(filters)}"
                suggestions = [s for s in suggestions if s.kind == "obsolete"]
        elif any(s.kind in STANDARDIZABLE for s in suggestions):
            best = next(s for s in suggestions if s.kind in STANDARDIZABLE)
            value.reason = f"{best.kind} of {best.value!r}"
        elif any(s.kind == "ambiguous" for s in suggestions):
            terms = [s.value for s in suggestions if s.kind == "ambiguous"]
            value.reason = "ambiguous: " + ", ".join(terms)
        value.suggestions = suggestions
    key = column_key(slot, column)
    steps = value_steps(values[:MAX_VALUES], key, curator_name, add_new=not filters)
    registries = " | ".join(str(target) for target in dtype.targets)
    message = f"{len(values)} value(s) not valid for {registries}"
    if not allowed and all(hasattr(t.model, "import_source") for t in dtype.targets):
        # nothing can be valid yet: the ontology was never imported (a fresh instance)
        message += " (empty: import its ontology, or pin a source in the schema file)"
        steps = [
            NextStep("import_source", target.registry, f"ol.{target.registry}.import_source()")
            for target in dtype.targets
        ]
    report.add(
        Issue(
            slot,
            column,
            "invalid_values",
            message + (f" {_filter_text(filters)}" if filters else ""),
            values=values[:MAX_VALUES],
            steps=steps,
            n_values=len(values),
        )
    )
    return has_missing


def value_steps(
    values: list[InvalidValue], key: str, curator_name: str, *, add_new: bool
) -> list[NextStep]:
    """The steps that fix values outside a registry.

    ``standardize`` for synonyms and case variants; ``replace_values`` for typos whose
    confident fuzzy match only a person should apply; then (with ``add_new``) ``add_new_from``
    for the values that look like no existing term: the values with a confident suggestion
    are left out, and the step's note says so.

    Example:
        >>> from ontolake.registries.bio.vocabulary import Suggestion
        >>> values = [InvalidValue("T-cell", 2, suggestions=[Suggestion("synonym", "T cell")]),
        ...           InvalidValue("T cel", 1, suggestions=[Suggestion("fuzzy", "T cell", 90.9)]),
        ...           InvalidValue("my cell", 1)]
        >>> steps = value_steps(values, "cell_type", "curator", add_new=True)
        >>> standardize, replace, add_new = steps
        >>> standardize.python, standardize.values
        ("curator.standardize('cell_type')", ('T-cell',))
        >>> replace.python
        "replace 'T cel' with 'T cell' (a close match: check it)"
        >>> add_new.python, add_new.values
        ("curator.add_new_from('cell_type')", ('my cell',))
        >>> add_new.note
        "leaves out 'T-cell' → 'T cell', 'T cel' → 'T cell': they look like existing terms"
    """
    steps = []
    mapped = [v.value for v in values if any(s.kind in STANDARDIZABLE for s in v.suggestions)]
    if mapped:
        python = f"{curator_name}.standardize({key!r})"
        steps.append(NextStep("standardize", key, python, values=tuple(mapped)))
    close = [v for v in values if any(s.confident for s in v.suggestions)]
    typos = [v for v in close if v.suggestions[0].kind == "fuzzy"]
    if typos:
        shown = ", ".join(f"{v.value!r} with {v.suggestions[0].value!r}" for v in typos[:3])
        more = f" and {len(typos) - 3:,} more" if len(typos) > 3 else ""
        check = "a close match: check it" if len(typos) == 1 else "close matches: check them"
        python = f"replace {shown}{more} ({check})"
        steps.append(NextStep("replace_values", key, python, values=tuple(v.value for v in typos)))
    new = tuple(v.value for v in values if v not in close)
    if add_new and new:
        shown = ", ".join(f"{v.value!r} → {v.suggestions[0].value!r}" for v in close[:3])
        more = f" and {len(close) - 3:,} more" if len(close) > 3 else ""
        note = f"leaves out {shown}{more}: they look like existing terms" if close else ""
        python = f"{curator_name}.add_new_from({key!r})"
        steps.append(NextStep("add_new_from", key, python, note, new))
    return steps


def _filter_text(filters: dict[str, Any]) -> str:
    parts = []
    if "descendants_of" in filters:
        parts.append(f"descendants of {filters['descendants_of']}")
    if "source" in filters:
        source = filters["source"]
        parts.append(f"source {source.get('name')}@{source.get('version')}")
    return "(" + ", ".join(parts) + ")"
