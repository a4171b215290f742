"""Suggestions: the same for the same value whatever the order of the terms; ambiguity is shown,
never guessed; confident only where the value very likely means the term."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontolake.errors import AmbiguousValueWarning
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
            Suggestion("ambiguous", "Mus <genus>", term_id="NCBITaxon:10088"),
            Suggestion("ambiguous", "Mus musculus", term_id="NCBITaxon:10090"),
        ]
        with pytest.warns(AmbiguousValueWarning, match="NCBITaxon:10088.*NCBITaxon:10090"):
            assert vocabulary.standardize([value]) == [value]
    assert vocabulary.suggest("Human") == [Suggestion("case", "Homo sapiens")]
    assert vocabulary.standardize(["Human"]) == ["Homo sapiens"]


def _gene_symbols() -> list[str]:
    """The symbols of the built-in human, mouse and SARS-CoV-2 gene tables."""
    from ontolake.ontology_sources import catalog

    organisms = ("human", "mouse", "sars cov 2")
    tables = [catalog.find("Gene", organism=organism) for organism in organisms]
    return sorted({term.name for table in tables for term in table.terms()})


def _cell_type_names() -> list[str]:
    import pytest

    pytest.importorskip("cellxgene_ontology_guide")
    from ontolake.ontology_sources import catalog

    return sorted({t.name for t in catalog.find("CellType").terms() if not t.is_obsolete})


def test_a_term_is_never_suggested_for_itself():
    obsolete = TermEntry("spinous cell", "spinous cell", "CL:1", is_obsolete=True)
    replaced = TermEntry("old cell", "old cell", "CL:2", is_obsolete=True, replaced_by=("CL:3",))
    current = TermEntry("new cell", "new cell", "CL:3")
    vocabulary = Vocabulary([obsolete, replaced, current, TermEntry("spinous", "spinous")])
    assert vocabulary.suggest("spinous cell") == []  # obsolete, no replacement: nothing
    assert vocabulary.suggest("old cell") == [Suggestion("obsolete", "new cell")]
    assert vocabulary.suggest("new cell") == []  # valid: nothing to suggest
    assert [s.value for s in vocabulary.suggest("spinous cel")] == ["spinous"]


def test_obsolete_terms_are_never_fuzzy_candidates():
    names = _cell_type_names()
    entries = [TermEntry(name, name) for name in names]
    entries.append(
        TermEntry("obsolete cytotoxic T cell", "obsolete cytotoxic T cell", None, (), True)
    )
    vocabulary = Vocabulary(entries)
    found = vocabulary.suggest("CD8+ Cytotoxic T")
    assert found and all(s.kind == "fuzzy" and s.value in names for s in found)
    assert found[0].value.startswith("CD8-positive")


@settings(max_examples=60, deadline=None)
@given(
    st.from_regex(r"(CL:|ENSG|CVCL_|HP:)\d{7}", fullmatch=True),
    st.integers(min_value=0, max_value=6),
    st.sampled_from("0123456789"),
)
def test_a_fuzzy_match_between_identifiers_is_never_confident(term_id, position, digit):
    prefix = len(term_id) - 7
    value = term_id[: prefix + position] + digit + term_id[prefix + position + 1 :]
    vocabulary = Vocabulary([TermEntry(term_id, term_id, term_id)])
    for suggestion in vocabulary.suggest(value):
        assert suggestion.kind != "fuzzy" or not suggestion.confident


def test_identifier_rule_examples():
    genes = Vocabulary([TermEntry("ENSG00000006116", "CACNG3", "ENSG00000006116")])
    (suggestion,) = genes.suggest("ENSG00000010611")
    assert (suggestion.value, suggestion.confident) == ("ENSG00000006116", False)
    cells = Vocabulary([TermEntry("CL:0000010", "cultured cell", "CL:0000010")])
    assert [s.confident for s in cells.suggest("CL:0000001")] == [False]
    names = Vocabulary([TermEntry("T cell", "T cell")])
    assert [s.confident for s in names.suggest("T cel")] == [True]  # words: still confident


def test_much_shorter_candidates_are_dropped_on_real_gene_symbols_and_cell_types():
    symbols = Vocabulary(TermEntry(s, s) for s in _gene_symbols())
    for value in ("SELT", "C1orf228", "RP11-782C8.1"):
        assert all(2 * len(s.value) >= len(value) for s in symbols.suggest(value)), value
    assert "E" in symbols.values and "F2" in symbols.values and "RP1" in symbols.values
    cells = Vocabulary(TermEntry(n, n) for n in _cell_type_names())
    for value in ("nonsense cell type of the lung", "T cel"):
        assert all(2 * len(s.value) >= len(value) for s in cells.suggest(value)), value
    assert cells.suggest("T cel")[0].value == "T cell"
