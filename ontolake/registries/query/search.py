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

__all__ = ["FUZZY_CUTOFF", "rank"]

FUZZY_CUTOFF = 85.0
_EXACT, _PREFIX, _SUBSTRING, _FUZZY = range(4)


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
    scored: list[tuple[int, float, int, int]] = []
    for record_id, values in candidates:
        best: tuple[int, float, int] | None = None
        for value in values:
            folded = value.casefold()
            if folded == query:
                key = (_EXACT, 0.0, len(folded))
            elif folded.startswith(query):
                key = (_PREFIX, 0.0, len(folded))
            elif query in folded:
                key = (_SUBSTRING, 0.0, len(folded))
            else:
                score = _fuzzy_score(query, folded)
                if score < FUZZY_CUTOFF:
                    continue
                key = (_FUZZY, -score, len(folded))
            if best is None or key < best:
                best = key
        if best is not None:
            scored.append((*best, record_id))
    scored.sort()
    ranked = [entry[3] for entry in scored]
    return ranked if limit is None else ranked[:limit]


def _fuzzy_score(query: str, value: str) -> float:
    """The best ratio of ``query`` against ``value``, spaceless, or any run of as many words."""
    from rapidfuzz import fuzz

    best = max(fuzz.ratio(query, value), fuzz.ratio(query.replace(" ", ""), value.replace(" ", "")))
    words = re.findall(r"[0-9a-z]+", value)
    width = max(len(query.split()), 1)
    for start in range(max(len(words) - width + 1, 0)):
        best = max(best, fuzz.ratio(query, " ".join(words[start : start + width])))
    return float(best)
