"""Names outside an itype: columns that are no saved Feature, var names outside a registry.

A schema with ``itype`` says which names are valid for columns (``Feature``) or for the
``var`` index (a registry field such as ``bio.Gene.ontology_id``); the names that are not get
one issue with their counts and, for registries, suggestions from the vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ontolake.curate.report import MAX_VALUES, InvalidValue, Issue, NextStep, column_key
from ontolake.registries.bio.vocabulary import applied
from ontolake.registries.label_scope import LabelScope

if TYPE_CHECKING:
    from ontolake.curate.registry_cache import RegistryCache
    from ontolake.curate.report import ValidationReport

__all__ = ["check_names"]

_SUGGESTED = 50
"""The names (the first ones) that get suggestions: a vocabulary look-up each."""


def check_names(
    names: Sequence[str],
    itype: str,
    slot: str,
    column: str,
    report: ValidationReport,
    cache: RegistryCache,
    curator_name: str,
    scope: LabelScope | None = None,
) -> None:
    """Report names (columns, or the var index) that are not values of ``itype`` in ``scope``.

    ``scope`` is the schema's (:attr:`~ontolake.registries.schema.Schema.name_scope`).
    """
    scope = scope or LabelScope()
    allowed = cache.names(itype, scope)
    invalid = [str(name) for name in names if str(name) not in allowed]
    if not invalid:
        return
    counts: dict[str, int] = {}
    for name in invalid:
        counts[name] = counts.get(name, 0) + 1
    values = [InvalidValue(value=name, count=count) for name, count in counts.items()]
    if itype == "Feature":
        for value in values:
            value.reason = "not a defined Feature"
    else:
        from ontolake.schemas.dtypes import parse_dtype

        vocabulary = cache.vocabulary(parse_dtype(f"cat[{itype}]"), scope)
        ambiguous = cache.name_labels(itype, scope).ambiguous
        for value in values[:_SUGGESTED]:
            value.suggestions = vocabulary.suggest(value.value)
            candidates = [s for s in value.suggestions if s.kind == "ambiguous"]
            if vocabulary.obsolete_term(value.value) is not None:
                value.reason = "obsolete term"
            elif candidates or value.value in ambiguous:
                shown = [s.term_id or s.value for s in candidates] or ambiguous[value.value]
                value.reason = "ambiguous: " + ", ".join(shown)
            elif base := vocabulary.unversioned(value.value):
                value.reason = f"version suffix: {itype} holds ids without version ({base})"
    key = column_key(slot, column)
    fixable = tuple(v.value for v in values if applied(v.suggestions) is not None)
    steps = [NextStep("standardize", key, f"{curator_name}.standardize({key!r})", values=fixable)]
    report.add(
        Issue(
            slot,
            column,
            "invalid_names",
            f"{len(invalid)} of {len(names)} name(s) are not values of {itype}"
            + (f" ({_scope_text(scope)})" if scope != LabelScope() else ""),
            values=values[:MAX_VALUES],
            steps=steps if fixable else [],
            n_values=len(values),
        )
    )


def _scope_text(scope: LabelScope) -> str:
    return ", ".join(f"{key}={value}" for key, value in scope.options().items())
