"""Ranking records by relevance to a search text: exact > prefix > substring > fuzzy.

Matching is case-insensitive and compares the text with each of a record's name-like values
(its name or key, ontology id, each synonym, description …). A record takes the tier of its
best value; a fuzzy match compares the text with the whole value and with every run of as
many words as the text has (``"measurment"`` finds ``"tables/measurements.parquet"``), using
rapidfuzz's ratio with a cut-off, so unrelated records (``"B cell"`` for ``"T cell"``) are
left out. Words are runs of letters and digits, in the text as in the values: ``_``, ``/``,
``.`` and ``-`` separate them (``"pbmc68k_reducd"`` finds ``"pbmc68k_reduced.h5ad"``).

Records are ordered by, in turn:

1. the tier of the best value: exact, prefix, substring, fuzzy;
2. the fuzzy score of the best value, highest first;
3. the length of the best value, shortest (closest) first;
4. how many of the record's values contain the text, most first (``"mouse"`` is a synonym
   of both the genus *Mus* and *Mus musculus*; the house mouse also has ``"house mouse"``);
5. the record's id (for an ontology source browsed in memory: the term's position in the
   file, which an import keeps as the order of the ids).

The same text over the same records therefore gives the same order in every process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["FUZZY_CUTOFF", "rank", "rank_values"]

FUZZY_CUTOFF = 85.0
_EXACT, _PREFIX, _SUBSTRING, _FUZZY, _NONE = range(5)
_END = "\x01"
"""Ends each value's words: not a word character, not whitespace to ``str.split`` and not
stripped by numpy (which drops trailing NULs)."""
_WORD_BYTES = bytes(
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
    if not query or not values:
        return []
    folded = [value.casefold() for value in values]
    scores = _fuzzy_scores(query, folded)
    tiers = np.where(scores >= FUZZY_CUTOFF, _FUZZY, _NONE)
    scores[tiers == _NONE] = 0.0
    contains = np.flatnonzero(np.fromiter((query in v for v in folded), bool, len(folded)))
    tiers[contains] = [
        _EXACT if folded[i] == query else _PREFIX if folded[i].startswith(query) else _SUBSTRING
        for i in contains.tolist()
    ]
    scores[contains] = 0.0  # the score orders the fuzzy tier only
    matched = np.flatnonzero(tiers != _NONE)
    if not len(matched):
        return []
    matched_owners = np.fromiter((owners[i] for i in matched.tolist()), np.int64, len(matched))
    ids, record_of = np.unique(matched_owners, return_inverse=True)
    lengths = np.fromiter((len(folded[i]) for i in matched.tolist()), np.int64, len(matched))
    matched_tiers, matched_scores = tiers[matched], scores[matched]
    # each record's best value: its matched values sorted by (tier, -score, length)
    by_record = np.lexsort((lengths, -matched_scores, matched_tiers, record_of))
    firsts = by_record[np.flatnonzero(np.diff(record_of[by_record], prepend=-1))]
    counts = np.bincount(record_of[matched_tiers != _FUZZY], minlength=len(ids))
    record = record_of[firsts]
    order = np.lexsort(
        (
            ids[record],
            -counts[record],
            lengths[firsts],
            -matched_scores[firsts],
            matched_tiers[firsts],
        )
    )
    ranked: list[int] = ids[record][order[:limit]].tolist()
    return ranked


def _fuzzy_scores(query: str, values: list[str]) -> Any:
    """For each (folded) value, the best ratio of ``query`` against it, as an array.

    Whole, spaceless, or any run of as many words as the query has; all scored in
    rapidfuzz's vectorised ``cdist`` (ratios under :data:`FUZZY_CUTOFF` count as 0). The
    spaceless values and the words of all values come from one pass over their
    concatenation (:func:`_spaceless_and_joined`).
    """
    from rapidfuzz import fuzz, process

    def ratios(text: str, choices: list[str]) -> Any:
        return process.cdist(
            [text], choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, dtype=np.float64
        )[0]

    spaceless, joined = _spaceless_and_joined(values)
    best = np.maximum(ratios(query, values), ratios(query.replace(" ", ""), spaceless))
    query_words = _words_and_ends(query.replace(_END, " ") + _END)[:-1]
    phrase = " ".join(query_words) or query  # the words, as the values' runs are joined
    width = max(len(query_words), 1)
    tokens = np.array(_words_and_ends(joined), dtype=object)
    is_end = tokens == _END
    owners = np.cumsum(is_end)[~is_end]  # the value each word belongs to
    words = tokens[~is_end].tolist()
    if width > 1:  # runs of ``width`` words inside one value
        runs = max(len(owners) - width + 1, 0)
        starts = np.flatnonzero(owners[:runs] == owners[width - 1 : width - 1 + runs])
        words = [" ".join(words[start : start + width]) for start in starts.tolist()]
        owners = owners[starts]
    if words:
        np.maximum.at(best, owners, ratios(phrase, words))
    return best


def _spaceless_and_joined(values: list[str]) -> tuple[list[str], str]:
    """The values without spaces, and all values each followed by ``_END``.

    A value holding ``_END`` itself (never in real names) has it replaced by a space in the
    joined text, so that ``_END`` only ever separates values.
    """
    joined = _END.join(values) + _END
    if joined.count(_END) == len(values):
        return joined.replace(" ", "").split(_END)[:-1], joined
    spaceless = [value.replace(" ", "") for value in values]
    return spaceless, _END.join(value.replace(_END, " ") for value in values) + _END


def _words_and_ends(joined: str) -> list[str]:
    """The words (runs of ``[0-9a-z]``) of joined values, each value's followed by ``_END``.

    A byte translation table over the UTF-8 text turns every other byte into a space (the
    bytes of a non-ASCII character are all 0x80 or more), so one ``split`` finds the words.
    """
    spaced = (
        joined.encode("utf-8", "surrogatepass").translate(_WORD_BYTES).replace(b"\x01", b" \x01 ")
    )
    return spaced.decode("ascii").split()
