"""New values that are spellings of each other: grouped, so one of them becomes a record.

Before values become new records (``add_new_from``), those that are obvious variants of
each other — ``"Donor A"``, ``"donor a"``, ``"Donor  A"``, ``"DonorA"``, ``"Donr A"`` — are
grouped: values with the same :func:`normalized` form (case, spaces and joining punctuation
ignored), and values whose texts are confidently alike
(:data:`~ontolake.registries.bio.vocabulary.CONFIDENT_SIMILARITY`) and hold the same
numbers (``"Patient 100"`` and ``"Patient 101"`` are different patients, however alike). The
most frequent value of a group represents it; the others should be replaced by it. Texts are
compared pairwise for up to :data:`MAX_COMPARED` distinct values (a report keeps 1,000);
beyond that only the normalised forms group them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["MAX_COMPARED", "VariantGroup", "normalized", "variant_groups"]

MAX_COMPARED = 2_000
"""The most distinct values compared pairwise (4 million comparisons, ~0.1 s)."""

_IGNORED = re.compile(r"[\s_.,;:/\\'\"()\[\]{}]+|(?<=[^\W_])-(?=[^\W_])")
_NUMBERS = re.compile(r"\d+")

VariantGroup = tuple[str, tuple[str, ...]]
"""A representative and its variants (most frequent first)."""


def normalized(value: str) -> str:
    """``value`` case-folded, without spaces, joining hyphens and punctuation; signs kept.

    Example:
        >>> [normalized(v) for v in ("Donor  A", "donor-a", "CD4+ T", "CD4- T")]
        ['donora', 'donora', 'cd4+t', 'cd4-t']
    """
    return _IGNORED.sub("", value.casefold())


def variant_groups(counts: Mapping[str, int]) -> list[VariantGroup]:
    """The groups of two or more values that are variants of each other.

    ``counts`` maps each distinct value to how often it occurs. Each group's representative
    is its most frequent value (ties: the first in case-folded order, then as written); groups
    come in the order of their representatives.

    Example:
        >>> variant_groups({"Donor A": 5, "donor a": 1, "DonorA": 1, "Donr A": 1, "B": 2})
        [('Donor A', ('donor a', 'DonorA', 'Donr A'))]
        >>> variant_groups({"Patient 100": 3, "Patient 101": 3})
        []
    """
    import numpy as np
    from rapidfuzz import fuzz, process

    from ontolake.registries.bio.vocabulary import CONFIDENT_SIMILARITY

    values = sorted(counts, key=lambda value: (-counts[value], value.casefold(), value))
    parent = list(range(len(values)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        first, second = root(i), root(j)
        if first != second:  # the more frequent value stays the root
            parent[max(first, second)] = min(first, second)

    by_form: dict[str, int] = {}
    for i, value in enumerate(values):
        form = normalized(value)
        if form in by_form:
            join(by_form[form], i)
        else:
            by_form[form] = i
    folded = [value.casefold() for value in values]
    numbers = [_NUMBERS.findall(value) for value in values]
    if 1 < len(values) <= MAX_COMPARED:
        scores = process.cdist(
            folded, folded, scorer=fuzz.ratio, score_cutoff=CONFIDENT_SIMILARITY, dtype=np.uint8
        )
        for i, j in zip(*scores.nonzero(), strict=True):
            if i < j and numbers[i] == numbers[j]:
                join(int(i), int(j))
    members: dict[int, list[str]] = {}
    for i, value in enumerate(values):
        members.setdefault(root(i), []).append(value)
    return [(group[0], tuple(group[1:])) for _, group in sorted(members.items()) if len(group) > 1]
