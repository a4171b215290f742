"""Categorical columns: the values outside their registries, why, and what fixes them.

A column is checked over its distinct values only: one hash pass against the valid labels,
then — only when something failed — one pass to count the failing values and find example
rows. Suggestions come from the registries' vocabularies
(:mod:`ontolake.registries.bio.vocabulary`), so synonyms, case variants, obsolete terms and
typos are told apart, and the steps proposed never add a value that looks like an existing
term.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ontolake.curate.column_values import (
    by_frequency,
    counted_values,
    distinct_values,
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
from ontolake.errors import OntolakeError
from ontolake.registries.bio.vocabulary import Vocabulary, applied
from ontolake.registries.label_scope import LabelScope

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.curate.registry_cache import RegistryCache
    from ontolake.registries.features import Feature

__all__ = ["CategoricalTally", "check_categorical", "restricting_filters", "value_steps"]


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
    tally = CategoricalTally(feature)
    tally.add(series, cache)
    return tally.report(slot, column, report, cache, curator_name)


@dataclass
class CategoricalTally:
    """What :func:`check_categorical` finds in a column, added up over the chunks of a file.

    ``add`` each chunk in order, then ``report`` once: the report is the one of the whole
    column (values most frequent first, ties in the order the column first holds them).
    """

    feature: Feature
    invalid: dict[str, InvalidValue] = field(default_factory=dict)
    """Values outside the registries, in the order the column first holds them."""
    has_missing: bool = False
    failure: str | None = None
    """Why the column cannot be checked (the registry cannot be read)."""

    def add(self, series: pd.Series[Any], cache: RegistryCache) -> None:
        """Count the invalid and missing values of one chunk of the column."""
        import pandas as pd

        dtype = self.feature.parsed_dtype
        if dtype.is_list:
            series = series.dropna().explode()
        try:
            allowed = cache.allowed(self.feature, dtype)
        except OntolakeError as error:
            self.failure = str(error)
            self.has_missing = self.has_missing or bool(series.isna().any())
            return
        rest = series
        if not isinstance(series.dtype, pd.CategoricalDtype):
            # one hash pass against the (small) set of valid labels; only the rest is inspected
            valid = series.isin(cache.allowed_list(self.feature, dtype)).to_numpy()
            if valid.all():
                return
            rest = series[~valid]
        uniques, has_missing = distinct_values(rest)
        self.has_missing = self.has_missing or has_missing
        invalid = [str(value) for value in uniques if str(value) not in allowed]
        if invalid:
            merge_counted(self.invalid, counted_values(series, invalid))

    def report(
        self,
        slot: str,
        column: str,
        report: ValidationReport,
        cache: RegistryCache,
        curator_name: str,
    ) -> bool:
        """Report the values found, with reasons and steps; return whether one is missing."""
        if self.failure is not None:
            report.add(Issue(slot, column, "invalid_values", f"cannot be checked: {self.failure}"))
            return self.has_missing
        if not self.invalid:
            return self.has_missing
        _report_invalid(
            self.feature,
            by_frequency(self.invalid.values()),
            slot,
            column,
            report,
            cache,
            curator_name,
        )
        return self.has_missing


def _report_invalid(
    feature: Feature,
    values: list[InvalidValue],
    slot: str,
    column: str,
    report: ValidationReport,
    cache: RegistryCache,
    curator_name: str,
) -> None:
    """One issue for the invalid ``values`` (most frequent first) of a categorical column."""
    dtype = feature.parsed_dtype
    allowed = cache.allowed(feature, dtype)
    scope = LabelScope.of(feature.cat_filters)
    vocabulary = cache.vocabulary(dtype, scope)
    filters = restricting_filters(feature.cat_filters)
    ambiguous = cache.labels(feature, dtype).ambiguous
    for value in values[:MAX_VALUES]:
        value.suggestions = vocabulary.suggest(value.value)
        value.reason = _reason(value, vocabulary, filters, ambiguous.get(value.value, ()))
    key = column_key(slot, column)
    steps = value_steps(
        values[:MAX_VALUES],
        key,
        curator_name,
        add_new=not filters,
        in_registry=vocabulary.values | set(ambiguous),
    )
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


def restricting_filters(filters: dict[str, Any] | None) -> dict[str, Any]:
    """The filters that leave terms out (``allow_obsolete`` lets more in).

    Example:
        >>> restricting_filters({"allow_obsolete": True, "organism": "mouse"})
        {'organism': 'mouse'}
    """
    return {key: value for key, value in (filters or {}).items() if key != "allow_obsolete"}


def _reason(
    value: InvalidValue,
    vocabulary: Vocabulary,
    filters: dict[str, Any],
    terms: tuple[str, ...],
) -> str:
    """Why a value is not valid: obsolete, ambiguous, outside the filters, or a spelling."""
    text, suggestions = value.value, value.suggestions
    obsolete = vocabulary.obsolete_term(text)
    if obsolete is not None:
        replacements = [s.value for s in suggestions if s.kind == "obsolete"]
        named = "" if obsolete == text else f" ({obsolete!r})"
        if not replacements:
            return f"obsolete{named}, no replacement"
        return f"obsolete{named}, replaced by {', '.join(map(repr, replacements))}"
    candidates = [s for s in suggestions if s.kind == "ambiguous"]
    if candidates or terms:
        shown = (
            [f"{s.value}" + (f" ({s.term_id})" if s.term_id else "") for s in candidates]
            if candidates
            else list(terms)
        )
        return "ambiguous: " + ", ".join(shown)
    if text in vocabulary.values:
        if filters:
            return f"in the registry, outside the feature's filter {_filter_text(filters)}"
        return "in the registry, but not one the feature takes"
    best = applied(suggestions)
    if best is not None:
        return f"{best.kind} of {best.value!r}"
    return value.reason


def value_steps(
    values: list[InvalidValue],
    key: str,
    curator_name: str,
    *,
    add_new: bool,
    in_registry: Collection[str] = (),
) -> list[NextStep]:
    r"""The steps that fix values outside a registry.

    ``standardize`` for synonyms and case variants; ``replace_values`` for typos whose
    confident fuzzy match and obsolete terms whose replacement only a person should apply;
    then (with ``add_new``) for the values that look like no existing term: a
    ``replace_values`` step for those that are variants of each other
    (:func:`~ontolake.registries.bio.variants.variant_groups`: one of each group is added),
    and ``add_new_from``. Values with a confident suggestion, values the registry holds
    (``in_registry``: obsolete, or outside the feature's filter) and variants are left out
    of ``add_new_from``, and its note says so.

    Example:
        >>> from ontolake.registries.bio.vocabulary import Suggestion
        >>> values = [InvalidValue("T-cell", 2, suggestions=[Suggestion("synonym", "T cell")]),
        ...           InvalidValue("T cel", 1, suggestions=[Suggestion("fuzzy", "T cell", 90.9)]),
        ...           InvalidValue("my cell", 3), InvalidValue("My Cell", 1)]
        >>> steps = value_steps(values, "cell_type", "curator", add_new=True)
        >>> standardize, replace, variants, add_new = steps
        >>> standardize.python, standardize.values
        ("curator.standardize('cell_type')", ('T-cell',))
        >>> replace.python
        "replace 'T cel' with 'T cell' (a close match: check it)"
        >>> variants.python
        "replace 'My Cell' with 'my cell' (variants of one new value: add it once)"
        >>> add_new.python, add_new.values
        ("curator.add_new_from('cell_type')", ('my cell',))
        >>> print(add_new.note.replace("; ", ";\n"))
        leaves out 'T-cell' → 'T cell', 'T cel' → 'T cell': they look like existing terms;
        'My Cell': a variant of 'my cell'
    """
    from ontolake.registries.bio.variants import variant_groups

    steps = []
    mapped = [v.value for v in values if applied(v.suggestions) is not None]
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
    for kinds, why in _CHOICES:
        choices = [v for v in values if applied(v.suggestions) is None and _choices(v, kinds)]
        if choices:
            shown = "; ".join(
                f"{v.value!r} with one of {', '.join(map(repr, _choices(v, kinds)))}"
                for v in choices[:3]
            )
            more = f" and {len(choices) - 3:,} more" if len(choices) > 3 else ""
            python = f"replace {shown}{more} ({why})"
            steps.append(
                NextStep("replace_values", key, python, values=tuple(v.value for v in choices))
            )
    if not add_new:
        return steps
    known = set(in_registry)
    candidates = [v for v in values if v not in close and v.value not in known]
    groups = variant_groups({v.value: v.count for v in candidates})
    variants = {variant: kept for kept, group in groups for variant in group}
    if variants:
        shown = "; ".join(
            f"{', '.join(repr(v) for v in group)} with {kept!r}" for kept, group in groups[:3]
        )
        more = f" and {len(groups) - 3:,} more group(s)" if len(groups) > 3 else ""
        python = f"replace {shown}{more} (variants of one new value: add it once)"
        steps.append(NextStep("replace_values", key, python, values=tuple(variants)))
    new = tuple(v.value for v in candidates if v.value not in variants)
    if new:
        reasons = []
        if close:
            shown = ", ".join(f"{v.value!r} → {v.suggestions[0].value!r}" for v in close[:3])
            more = f" and {len(close) - 3:,} more" if len(close) > 3 else ""
            reasons.append(f"{shown}{more}: they look like existing terms")
        held = [v.value for v in values if v.value in known]
        if held:
            reasons.append(f"{', '.join(map(repr, held[:3]))}: in the registry already")
        if variants:
            shown = ", ".join(f"{v!r}" for v in list(variants)[:3])
            kept = ", ".join(f"{k!r}" for k in dict.fromkeys(list(variants.values())[:3]))
            reasons.append(f"{shown}: a variant of {kept}")
        note = f"leaves out {'; '.join(reasons)}" if reasons else ""
        python = f"{curator_name}.add_new_from({key!r})"
        steps.append(NextStep("add_new_from", key, python, note, new))
    return steps


_CHOICES = (
    (("ambiguous",), "ambiguous: each names several terms; choose the one meant"),
    (("obsolete", "consider"), "obsolete terms: choose a replacement"),
)
"""Values a person must choose a term for: the suggestion kinds offered, and why."""


def _choices(value: InvalidValue, kinds: tuple[str, ...]) -> list[str]:
    """The distinct terms of ``kinds`` suggested for a value (ids where names repeat)."""
    found = [s for s in value.suggestions if s.kind in kinds]
    names = [s.value for s in found]
    shown = [s.term_id if s.term_id and names.count(s.value) > 1 else s.value for s in found]
    return list(dict.fromkeys(shown))


def _filter_text(filters: dict[str, Any]) -> str:
    parts = []
    if "descendants_of" in filters:
        parts.append(f"descendants of {filters['descendants_of']}")
    if "source" in filters:
        source = filters["source"]
        parts.append(f"source {source.get('name')}@{source.get('version')}")
    if "organism" in filters:
        parts.append(f"organism {filters['organism']}")
    return "(" + ", ".join(parts) + ")"
