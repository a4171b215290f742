"""Ranking records by relevance to a search text: exact > prefix > substring > fuzzy.

Matching is case-insensitive. Each record is ranked by its best value over the registry's
name-like fields; ties keep shorter values (closer matches) first. A fuzzy match compares
the text with the whole value and with every run of as many words as the text has
(``"measurment"`` finds ``"tables/measurements.parquet"``), using rapidfuzz's ratio with a
cut-off, so unrelated records (``"B cell"`` for ``"T cell"``) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["FUZZY_CUTOFF", "rank"]

FUZZY_CUTOFF = 85.0
_EXACT, _PREFIX, _SUBSTRING, _FUZZY = range(4)
_WORDS = re.compile(r"[0-9a-z]+")


def rank(
    text: str, candidates: Sequence[tuple[int, Sequence[str]]], *, limit: int | None = None
) -> list[int]:
    """The ids of ``candidates`` that match ``text``, best first.

    Args:
        text: what the user typed.
        candidates: ``(id, values)`` pairs; values are the record's name-like fields.
        limit: keep at most this many ids.

    Example:
        >>> rank("t cell", [(1, ["B cell"]), (2, ["T cell"]), (3, ["T cell, CD4"])])
        [2, 3]
    """
    query = text.casefold().strip()
    if not query:
        return []
    best: dict[int, tuple[int, float, int]] = {}
    fuzzy_owners: list[int] = []
    fuzzy_values: list[str] = []
    for record_id, values in candidates:
        for value in values:
            folded = value.casefold()
            if folded == query:
                key = (_EXACT, 0.0, len(folded))
            elif folded.startswith(query):
                key = (_PREFIX, 0.0, len(folded))
            elif query in folded:
                key = (_SUBSTRING, 0.0, len(folded))
            else:
                fuzzy_owners.append(record_id)
                fuzzy_values.append(folded)
                continue
            if record_id not in best or key < best[record_id]:
                best[record_id] = key
    scores = _fuzzy_scores(query, fuzzy_values) if fuzzy_values else []
    for record_id, folded, score in zip(fuzzy_owners, fuzzy_values, scores, strict=True):
        if score < FUZZY_CUTOFF:
            continue
        key = (_FUZZY, -score, len(folded))
        if record_id not in best or key < best[record_id]:
            best[record_id] = key
    ranked = sorted(best, key=lambda record_id: (*best[record_id], record_id))
    return ranked if limit is None else ranked[:limit]


def _fuzzy_scores(query: str, values: list[str]) -> list[float]:
    """For each value, the best ratio of ``query`` against it.

    Whole, spaceless, or any run of as many words as the query has; all scored in
    rapidfuzz's vectorised ``cdist``.
    """
    import numpy as np
    from rapidfuzz import fuzz, process

    def ratios(text: str, choices: list[str]) -> Any:
        return process.cdist([text], choices, scorer=fuzz.ratio, dtype=np.float64)[0]

    best = np.maximum(
        ratios(query, values),
        ratios(query.replace(" ", ""), [value.replace(" ", "") for value in values]),
    )
    width = max(len(query.split()), 1)
    windows: list[str] = []
    owners: list[int] = []
    for position, value in enumerate(values):
        words = _WORDS.findall(value)
        if width > 1:
            words = [" ".join(words[i : i + width]) for i in range(len(words) - width + 1)]
        windows.extend(words)
        owners.extend([position] * len(words))
    if windows:
        np.maximum.at(best, np.asarray(owners), ratios(query, windows))
    return [float(score) for score in best]
