"""Search ranking against a plain model: every tier and every fuzzy score, value by value.

The fast ranking splits the words of all values in one pass (a byte table for ASCII text,
a regular expression otherwise) and scores them in rapidfuzz's ``cdist``; the model below
scores each value on its own with ``fuzz.ratio``, as the ranking is documented.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from ontolake.registries.query.search import FUZZY_CUTOFF, rank, rank_values

WORDS = re.compile(r"[0-9a-z]+")
ALPHABET = st.sampled_from(list("abcxyz019 -_/.ÉéßΣσ\x00\x01\t"))
VALUE = st.text(ALPHABET, min_size=1, max_size=24)


def model_key(query: str, value: str) -> tuple[int, float, int] | None:
    folded = value.casefold()
    if folded == query:
        return (0, 0.0, len(folded))
    if folded.startswith(query):
        return (1, 0.0, len(folded))
    if query in folded:
        return (2, 0.0, len(folded))
    query_words = WORDS.findall(query)
    phrase = " ".join(query_words) or query
    width = max(len(query_words), 1)
    words = WORDS.findall(folded)
    windows = [" ".join(words[i : i + width]) for i in range(len(words) - width + 1)]
    score = max(
        [
            fuzz.ratio(query, folded),
            fuzz.ratio(query.replace(" ", ""), folded.replace(" ", "")),
            *(fuzz.ratio(phrase, window) for window in windows),
        ]
    )
    return (3, -score, len(folded)) if score >= FUZZY_CUTOFF else None


def model_rank(text: str, owners: list[int], values: list[str]) -> list[int]:
    """The documented order: best value's (tier, -score, length), values containing the text
    (most first), then the owner."""
    query = text.casefold().strip()
    if not query:
        return []
    best: dict[int, tuple[int, float, int]] = {}
    containing: dict[int, int] = {}
    for owner, value in zip(owners, values, strict=True):
        key = model_key(query, value)
        if key is not None and (owner not in best or key < best[owner]):
            best[owner] = key
        containing[owner] = containing.get(owner, 0) + (query in value.casefold())
    return sorted(best, key=lambda owner: (*best[owner], -containing[owner], owner))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), VALUE), max_size=30),
    st.one_of(VALUE, st.sampled_from(["abc", "abc xyz", "a b c", "sample 01", "éß"])),
)
def test_ranking_matches_the_model(pairs: list[tuple[int, str]], text: str) -> None:
    owners = [owner for owner, _ in pairs]
    values = [value for _, value in pairs]
    assert rank_values(text, owners, values) == model_rank(text, owners, values)


def test_a_typo_finds_the_file_by_one_word_of_its_key() -> None:
    candidates = [(1, ["tables/measurements.parquet"]), (2, ["tables/samples.parquet"])]
    assert rank("measurment", candidates) == [1]


def test_words_of_the_text_split_as_those_of_the_values() -> None:
    candidates = [(1, ["pbmc68k_reduced.h5ad"]), (2, ["pbmc3k_raw.h5ad"])]
    for text in ("pbmc68k_reducd", "pbmc68k reducd", "pbmc68k/reducd"):
        assert rank(text, candidates) == [1], text


def test_exact_before_prefix_before_substring_before_fuzzy() -> None:
    candidates = [
        (1, ["T cell activation"]),
        (2, ["regulatory T cell"]),
        (3, ["T cel"]),
        (4, ["t cell"]),
        (5, ["B cell"]),
    ]
    assert rank("T cell", candidates) == [4, 1, 2, 3]
    assert rank("T cell", candidates, limit=2) == [4, 1]


def best_tier(query: str, values: list[str]) -> int:
    """0 exact, 1 prefix, 2 substring, 3 anything else (fuzzy or no match)."""
    folded = [value.casefold() for value in values]
    if query in folded:
        return 0
    if any(value.startswith(query) for value in folded):
        return 1
    return 2 if any(query in value for value in folded) else 3


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(VALUE, min_size=1, max_size=4), max_size=20),
    st.sampled_from(["abc", "a b", "x", "ab", "éß", "01"]),
)
def test_an_exact_match_outranks_a_prefix_a_substring_and_a_fuzzy_match(records, text):
    candidates = list(enumerate(records))
    ranked = rank(text, candidates)
    tiers = [best_tier(text, records[owner]) for owner in ranked]
    assert tiers == sorted(tiers)  # exact, then prefix, then substring, then fuzzy
    # every record holding the text is found
    assert {owner for owner, values in candidates if best_tier(text, values) < 3} <= set(ranked)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), VALUE), max_size=30),
    st.sampled_from(["abc", "a b", "x", "ab"]),
    st.randoms(use_true_random=False),
)
def test_the_order_of_the_candidates_never_changes_the_ranking(pairs, text, shuffle):
    owners = [owner for owner, _ in pairs]
    values = [value for _, value in pairs]
    shuffled = list(pairs)
    shuffle.shuffle(shuffled)
    assert rank_values(text, owners, values) == rank_values(
        text, [owner for owner, _ in shuffled], [value for _, value in shuffled]
    )


def test_an_exact_synonym_outranks_a_longer_name_and_ties_go_to_more_matches():
    genus = (10088, ["Mus <genus>", "NCBITaxon:10088", "Mus", "mice", "mouse"])
    species = (10090, ["Mus musculus", "NCBITaxon:10090", "house mouse", "mouse"])
    tick = (35566, ["Ixodes muris", "NCBITaxon:35566", "mouse tick"])
    assert rank("mouse", [tick, genus, species]) == [10090, 10088, 35566]
    # equal in everything: the lower id first
    assert rank("mouse", [(2, ["mouse"]), (1, ["mouse"])]) == [1, 2]
