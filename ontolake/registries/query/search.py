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

import numpy as np

__all__ = ["FUZZY_CUTOFF", "rank", "rank_values"]

FUZZY_CUTOFF = 85.0
_EXACT, _PREFIX, _SUBSTRING, _FUZZY = range(4)
_END = "\x01"
"""Ends each value's words: not a word character, not whitespace to ``str.split`` and not
stripped by numpy (which drops trailing NULs)."""
_WORDS_AND_ENDS = re.compile(r"[0-9a-z]+|\x01")
_ASCII_WORDS = bytes(
    byte if byte == 1 or chr(byte) in "0123456789abcdefghijklmnopqrstuvwxyz" else ord(" ")
    for byte in range(256)
)
"""Bytes to themselves for word characters and the separator, to a space otherwise."""


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
    owners = [record_id for record_id, values in candidates for _ in values]
    values = [value for _, record_values in candidates for value in record_values]
    return rank_values(text, owners, values, limit=limit)


def rank_values(
    text: str, owners: Sequence[int], values: Sequence[str], *, limit: int | None = None
) -> list[int]:
    """:func:`rank` over flat lists: ``values[i]`` is a name-like value of record ``owners[i]``.

    Example:
        >>> rank_values("t cell", [1, 2, 2], ["B cell", "T cell", "CD4 T cell"])
        [2]
    """
    query = text.casefold().strip()
    if not query:
        return []
    folded = [value.casefold() for value in values]
    best: dict[int, tuple[int, float, int]] = {}

    def keep(record_id: int, key: tuple[int, float, int]) -> None:
        if record_id not in best or key < best[record_id]:
            best[record_id] = key

    for position in [i for i, value in enumerate(folded) if query in value]:
        value = folded[position]
        tier = _EXACT if value == query else _PREFIX if value.startswith(query) else _SUBSTRING
        keep(owners[position], (tier, 0.0, len(value)))
    if folded:
        scores = _fuzzy_scores(query, folded)
        for position in np.flatnonzero(scores >= FUZZY_CUTOFF).tolist():
            keep(owners[position], (_FUZZY, -float(scores[position]), len(folded[position])))
    ranked = sorted(best, key=lambda record_id: (*best[record_id], record_id))
    return ranked if limit is None else ranked[:limit]


def _fuzzy_scores(query: str, values: list[str]) -> Any:
    """For each (folded) value, the best ratio of ``query`` against it, as an array.

    Whole, spaceless, or any run of as many words as the query has; all scored in
    rapidfuzz's vectorised ``cdist``. The words of all values are split in one pass over
    their concatenation (:func:`_words_and_ends`).
    """
    from rapidfuzz import fuzz, process

    def ratios(text: str, choices: list[str]) -> Any:
        return process.cdist([text], choices, scorer=fuzz.ratio, dtype=np.float64)[0]

    best = np.maximum(
        ratios(query, values),
        ratios(query.replace(" ", ""), [value.replace(" ", "") for value in values]),
    )
    width = max(len(query.split()), 1)
    tokens = np.array(_words_and_ends(values), dtype=object)
    is_end = tokens == _END
    owners = np.cumsum(is_end)[~is_end]  # the value each word belongs to
    words = tokens[~is_end].tolist()
    if width > 1:  # runs of ``width`` words inside one value
        runs = max(len(owners) - width + 1, 0)
        starts = np.flatnonzero(owners[:runs] == owners[width - 1 : width - 1 + runs])
        words = [" ".join(words[start : start + width]) for start in starts.tolist()]
        owners = owners[starts]
    if words:
        np.maximum.at(best, owners, ratios(query, words))
    return best


def _words_and_ends(values: list[str]) -> list[str]:
    """The words (runs of ``[0-9a-z]``) of every value, each value's followed by ``_END``.

    ASCII text (the usual case) is split by a byte translation table, three times as fast
    as the regular expression that handles the rest.
    """
    joined = _END.join(values) + _END
    if joined.count(_END) != len(values):  # a value holding the separator itself
        joined = _END.join(value.replace(_END, " ") for value in values) + _END
    if joined.isascii():
        spaced = joined.encode("ascii").translate(_ASCII_WORDS).replace(b"\x01", b" \x01 ")
        return spaced.decode("ascii").split()
    return _WORDS_AND_ENDS.findall(joined)
