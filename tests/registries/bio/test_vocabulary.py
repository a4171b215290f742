"""Suggestions: the same for the same value whatever the order of the terms; ambiguity is shown,
never guessed; confident only where the value very likely means the term."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ontolake.registries.bio.vocabulary import Suggestion, TermEntry, Vocabulary

WORDS = st.sampled_from(["T", "B", "NK", "cell", "cel", "stem", "gamma", "delta", "x", "Cell"])
NAMES = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(NAMES, st.lists(NAMES, max_size=2)), min_size=1, max_size=25),
    st.lists(NAMES, min_size=1, max_size=5),
    st.randoms(use_true_random=False),
)
def test_suggestions_do_not_depend_on_the_order_of_the_terms(terms, values, shuffle):
    entries = [
        TermEntry(name, name, f"X:{index}", tuple((text, "related") for text in synonyms))
        for index, (name, synonyms) in enumerate(dict(terms).items())
    ]
    shuffled = list(entries)
    shuffle.shuffle(shuffled)
    first, second = Vocabulary(entries), Vocabulary(shuffled)
    for value in values:
        assert first.suggest(value) == second.suggest(value)
        assert first.standardize([value]) == second.standardize([value])


def test_fuzzy_ties_are_ordered_by_whole_text_similarity_then_name():
    def suggested(names, value):
        shuffled = random.sample(names, len(names))
        return [
            (s.value, s.score, s.confident)
            for s in Vocabulary(TermEntry(name, name) for name in shuffled).suggest(value)
        ]

    names = ["natural killer T cell", "gamma-delta T cell", "NK T cell", "T cell"]
    assert suggested(names, "T cel") == [
        ("T cell", 90.9, True),  # a typo: the whole texts are alike
        ("NK T cell", 90.0, False),  # 90 from the words "T cel" alone; the closest whole text
        ("gamma-delta T cell", 90.0, False),  # before "natural killer T cell", by similarity
    ]
    # equal in both scores: by the name case-folded, then as written
    assert suggested(["tuft cell", "mast cell", "Mast cell"], "T cel") == [
        ("Mast cell", 90.0, False),
        ("mast cell", 90.0, False),
        ("tuft cell", 90.0, False),
    ]


def test_a_synonym_of_several_terms_is_shown_as_ambiguous_never_standardized():
    vocabulary = Vocabulary(
        [
            TermEntry("Mus musculus", "Mus musculus", "NCBITaxon:10090", (("mouse", "related"),)),
            TermEntry("Mus <genus>", "Mus <genus>", "NCBITaxon:10088", (("mouse", "related"),)),
            TermEntry("Homo sapiens", "Homo sapiens", "NCBITaxon:9606", (("human", "related"),)),
        ]
    )
    for value in ("mouse", "MOUSE"):
        assert vocabulary.suggest(value) == [
            Suggestion("ambiguous", "Mus <genus>"),
            Suggestion("ambiguous", "Mus musculus"),
        ]
        assert vocabulary.standardize([value]) == [value]
    assert vocabulary.suggest("Human") == [Suggestion("case", "Homo sapiens")]
    assert vocabulary.standardize(["Human"]) == ["Homo sapiens"]
