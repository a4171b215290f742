"""``add_new_from``: which values of a column become new registry records, and creating them.

A value that looks like an existing term — a synonym or case variant (``standardize`` maps
those), an ambiguous synonym, an obsolete term or a close typo, that is every value with a
confident suggestion (:attr:`~ontolake.registries.bio.vocabulary.Suggestion.confident`) — or
that the registry holds already (an obsolete term), is never added unless the caller names
it. Of new values that are variants of each other (``"Donor A"``, ``"donor a"``, ``"Donr A"``:
:func:`~ontolake.registries.bio.variants.variant_groups`) only the most frequent is added.
The report's proposed ``add_new_from`` says which values it leaves out
(:func:`ontolake.curate.categorical.value_steps`), and so does the warning logged here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ontolake.curate.categorical import restricting_filters
from ontolake.curate.column_values import distinct_values
from ontolake.errors import OntolakeError, ValidationError
from ontolake.registries.label_scope import LabelScope

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.curate.registry_cache import RegistryCache
    from ontolake.registries.features import Feature

__all__ = ["create_records", "values_to_add"]

logger = logging.getLogger("ontolake")


def values_to_add(
    cache: RegistryCache,
    key: str,
    series: pd.Series[Any],
    feature: Feature,
    values: Sequence[str] | None = None,
    *,
    curator_name: str = "curator",
) -> list[str]:
    """The non-validated values of a column that ``add_new_from`` adds, in column order.

    Those named in ``values``; else those that look like no existing term (the others are
    named in a warning).

    Raises:
        ValidationError: there are values to add, but the feature has filters
            (``descendants_of`` …) that new records would still fail.

    Example:
        >>> from ontolake.curate.registry_cache import RegistryCache
        >>> cell_type = ol.Feature.get(name="cell_type")
        >>> values_to_add(RegistryCache(), "cell_type", df["cell_type"], cell_type)
        ['unknown cell']

        "T-cell" is left out (a synonym of "T cell", named in the warning) unless named:

        >>> values_to_add(RegistryCache(), "cell_type", df["cell_type"], cell_type, ["T-cell"])
        ['T-cell']
    """
    dtype = feature.parsed_dtype
    if dtype.is_list:
        series = series.dropna().explode()
    uniques, _ = distinct_values(series)
    allowed = cache.allowed(feature, dtype)
    new = [str(value) for value in uniques if str(value) not in allowed]
    if new and restricting_filters(feature.cat_filters):
        raise ValidationError(
            f"Column {key!r} ({feature.name}) only takes terms {feature.cat_filters}: new "
            f"records would still fail. Fix the values {new[:10]} instead (see curator.report)."
        )
    if values is not None:
        wanted = set(values)
        return [value for value in new if value in wanted]
    vocabulary = cache.vocabulary(dtype, LabelScope.of(feature.cat_filters))
    known: dict[str, str] = {}
    for value in new:
        confident = [s for s in vocabulary.suggest(value) if s.confident]
        if confident:
            known[value] = f"{confident[0].kind}: {confident[0].value!r}"
        elif value in vocabulary.values:
            known[value] = "in the registry already"
    if known:
        shown, more = _first_five([f"{v!r} ({why})" for v, why in known.items()])
        logger.warning(
            "add_new_from(%r) leaves out %d value(s) that look like existing terms: %s%s. Fix "
            "them in the data (%s.standardize(%r) maps synonyms and case variants), or pass "
            "them as values=[...] to add them anyway.",
            key,
            len(known),
            shown,
            more,
            curator_name,
            key,
        )
    rest = [value for value in new if value not in known]
    variants = _variants(series, rest)
    if variants:
        shown, more = _first_five([f"{v!r} (of {kept!r})" for v, kept in variants.items()])
        logger.warning(
            "add_new_from(%r) adds one value of each group of variants and leaves out %d: "
            "%s%s. Replace them in the data with the value added, or pass them as "
            "values=[...] to add them anyway.",
            key,
            len(variants),
            shown,
            more,
        )
    return [value for value in rest if value not in variants]


def _variants(series: pd.Series[Any], values: list[str]) -> dict[str, str]:
    """Variant → the value of its group that is added (the most frequent)."""
    from ontolake.registries.bio.variants import variant_groups

    if len(values) < 2:
        return {}
    counts = {str(value): int(count) for value, count in series.value_counts().items()}
    groups = variant_groups({value: counts.get(value, 0) for value in values})
    return {variant: kept for kept, group in groups for variant in group}


def create_records(feature: Feature, new: list[str]) -> list[Any]:
    """Records for ``new`` values of a categorical feature.

    Imported from the registry's ontology source when found there (with ancestors), plain
    records otherwise.

    Example:
        >>> donor = ol.Feature(name="donor", dtype=ol.ULabel).save()
        >>> [label.name for label in create_records(donor, ["D1", "D2"])]
        ['D1', 'D2']
        >>> ol.ULabel.filter(name__in=["D1", "D2"]).count()  # saved
        2
    """
    from ontolake.registries.save import save

    if not new:
        return []
    target = feature.parsed_dtype.targets[0]
    model = target.model
    created: list[Any] = []
    plain: list[Any] = []
    for value in new:
        record = None
        if hasattr(model, "from_source"):
            lookup = {"ontology_id": value} if target.field == "ontology_id" else {"name": value}
            try:
                record = model.from_source(**lookup)
            except OntolakeError:
                record = None
        if record is not None:
            created.append(record)
            continue
        fields: dict[str, Any] = {target.field: value}
        if target.field != "name":
            fields["name"] = value
        if target.type_name is not None:
            fields["type"] = model.get(name=target.type_name, is_type=True)
        plain.append(model(**fields))
    if plain:
        created.extend(save(plain))
    return created


def _first_five(items: list[str]) -> tuple[str, str]:
    """The first five items joined, and ``" and N more"`` for the rest (empty if none)."""
    more = f" and {len(items) - 5:,} more" if len(items) > 5 else ""
    return ", ".join(items[:5]), more
