"""The label rules every engine shares: obsolete terms, organism scope, ambiguity.

Properties over random vocabularies: an obsolete term never validates unless allowed; a
spelling a live term has always means the live term; ``standardize`` changes exactly the
values whose suggestions it would apply, so no recommended step changes nothing.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontolake.errors import AmbiguousValueWarning, FeatureDefinitionError
from ontolake.registries.bio.vocabulary import Suggestion, TermEntry, Vocabulary, applied
from ontolake.registries.label_scope import LabelScope, normalised_organism, valid_labels

TEXTS = st.sampled_from(["T cell", "t cell", "B cell", "Müller cell", "glia", "X", "x", "cell"])


@st.composite
def vocabularies(draw):
    """Terms with ids X:0…, some obsolete (replaced by a live term or not), random synonyms."""
    count = draw(st.integers(min_value=1, max_value=8))
    entries = []
    for index in range(count):
        name = draw(TEXTS)
        obsolete = draw(st.booleans())
        replaced = draw(st.lists(st.integers(0, count - 1), max_size=2)) if obsolete else []
        entries.append(
            TermEntry(
                name,
                name,
                f"X:{index}",
                tuple((text, "exact") for text in draw(st.lists(TEXTS, max_size=2))),
                is_obsolete=obsolete,
                replaced_by=tuple(f"X:{i}" for i in replaced),
            )
        )
    return entries


@settings(max_examples=150, deadline=None)
@given(vocabularies(), st.lists(TEXTS, min_size=1, max_size=6), st.booleans())
def test_the_obsolete_policy_holds_for_every_vocabulary(entries, values, allow_obsolete):
    vocabulary = Vocabulary(entries, allow_obsolete=allow_obsolete)
    live = [e for e in entries if allow_obsolete or not e.is_obsolete]
    live_values = {e.value for e in live}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AmbiguousValueWarning)
        mapper = vocabulary.standardize(values, return_mapper=True)
    for value, valid in zip(values, vocabulary.validate(values).tolist(), strict=True):
        # valid: the value of exactly one live term
        assert valid == (sum(e.value == value for e in live) == 1)
        if value not in live_values and any(e.value == value for e in entries):
            assert not valid  # obsolete, not allowed
        found = applied(vocabulary.suggest(value))
        # standardize changes exactly what its suggestion says, into a valid value
        assert mapper.get(value) == (None if found is None else found.value)
        if value in mapper:
            assert mapper[value] in vocabulary.valid
        spelled_live = {
            e.value
            for e in live
            if value in (e.value, e.name, e.ontology_id, *(t for t, _ in e.synonyms))
        }
        if len(spelled_live) == 1 and not valid:
            # a live term's spelling never means an obsolete term
            assert mapper.get(value) in (*spelled_live, None)
            assert vocabulary.obsolete_term(value) is None


def test_a_spelling_of_a_live_and_an_obsolete_term_means_the_live_one():
    vocabulary = Vocabulary(
        [
            TermEntry(
                "obsolete Muller cell",
                "obsolete Muller cell",
                "CL:0011107",
                (("Müller cell", "exact"),),
                is_obsolete=True,
                replaced_by=("CL:0000636",),
            ),
            TermEntry("Mueller cell", "Mueller cell", "CL:0000636", (("Müller cell", "exact"),)),
        ]
    )
    assert vocabulary.suggest("Müller cell") == [Suggestion("synonym", "Mueller cell")]
    assert (
        vocabulary.standardize(["Müller cell", "obsolete Muller cell", "CL:0011107"])
        == ["Mueller cell"] * 3
    )
    assert vocabulary.validate(["obsolete Muller cell"]).tolist() == [False]
    allowed = Vocabulary(vocabulary.entries, allow_obsolete=True)
    assert allowed.validate(["obsolete Muller cell"]).tolist() == [True]
    # allowed, the obsolete term shares the synonym with a live term: ambiguous
    assert [s.kind for s in allowed.suggest("Müller cell")] == ["ambiguous", "ambiguous"]


def test_several_replacements_and_terms_to_consider_are_shown_never_applied():
    entries = [
        TermEntry("old", "old", "X:1", is_obsolete=True, replaced_by=("X:2", "X:3")),
        TermEntry("older", "older", "X:4", is_obsolete=True, consider=("X:2",)),
        TermEntry("new", "new", "X:2"),
        TermEntry("newer", "newer", "X:3"),
    ]
    vocabulary = Vocabulary(entries)
    assert vocabulary.suggest("old") == [
        Suggestion("obsolete", "new", confident=False),
        Suggestion("obsolete", "newer", confident=False),
    ]
    assert vocabulary.suggest("older") == [Suggestion("consider", "new", confident=False)]
    assert vocabulary.standardize(["old", "older"]) == ["old", "older"]
    result = vocabulary.inspect(["old", "X:4", "new"])
    assert result.validated == ["new"]
    assert result.obsolete == {"old": "old", "X:4": "older"}


def test_a_value_naming_several_live_terms_is_ambiguous_with_every_candidate():
    stages = [
        TermEntry("embryonic stage", "embryonic stage", "HsapDv:0000002"),
        TermEntry("embryonic stage", "embryonic stage", "MmusDv:0000002"),
    ]
    vocabulary = Vocabulary(stages)
    assert vocabulary.validate(["embryonic stage"]).tolist() == [False]
    candidates = [
        Suggestion("ambiguous", "embryonic stage", term_id="HsapDv:0000002"),
        Suggestion("ambiguous", "embryonic stage", term_id="MmusDv:0000002"),
    ]
    assert vocabulary.inspect(["embryonic stage"]).ambiguous == {"embryonic stage": candidates}
    with pytest.warns(AmbiguousValueWarning, match="HsapDv:0000002.*MmusDv:0000002"):
        assert vocabulary.standardize(["Embryonic Stage"]) == ["Embryonic Stage"]


def test_valid_labels_counts_terms_not_rows():
    labels = valid_labels(
        [("T cell", "CL:1"), ("T cell", "CL:1"), ("stage", "A:1"), ("stage", "B:1"), ("x", None)]
    )
    assert labels.valid == {"T cell", "x"}
    assert labels.ambiguous == {"stage": ("A:1", "B:1")}
    # a union of registries: valid in either is valid
    merged = labels.merged(valid_labels([("stage", "C:1")]))
    assert merged.valid == {"T cell", "x", "stage"} and merged.ambiguous == {}


def test_a_scope_reads_from_and_writes_to_feature_filters():
    scope = LabelScope.of({"allow_obsolete": True, "organism": "mouse", "source": {}})
    assert scope == LabelScope(allow_obsolete=True, organism="mouse")
    assert LabelScope.of(scope.options()) == scope
    assert LabelScope().options() == {}
    assert normalised_organism(" Mouse ", "Feature 'x'") == "mouse"
    with pytest.raises(FeatureDefinitionError, match="Feature 'x': organism takes"):
        normalised_organism("", "Feature 'x'")
