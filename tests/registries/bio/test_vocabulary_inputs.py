"""A vocabulary answers alike whatever holds the values: list, array, Series, Index, categorical.

Series and Index of text are factorized as they are (a million values are not copied to a
list first); every container must still give the answers of the plain list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ontolake.registries.bio.vocabulary import TermEntry, Vocabulary

VOCABULARY = Vocabulary(
    [
        TermEntry("T cell", "T cell", "CL:0000084", (("T-cell", "exact"),)),
        TermEntry("B cell", "B cell", "CL:0000236"),
    ]
)
SPELLINGS = ["T cell", "T-cell", "t cell", "B cell", "CL:0000236", "other", ""]


@given(st.lists(st.sampled_from(SPELLINGS), min_size=1, max_size=30))
def test_every_container_of_text_gets_the_answers_of_a_list(values):
    expected_valid = VOCABULARY.validate(values).tolist()
    expected_standard = VOCABULARY.standardize(values)
    for container in (
        pd.Series(values, dtype=object),
        pd.Series(values, dtype="category"),
        pd.Index(values, dtype=object),
        np.array(values, dtype=object),
    ):
        assert VOCABULARY.validate(container).tolist() == expected_valid
        assert VOCABULARY.standardize(container) == expected_standard


@given(st.lists(st.sampled_from([*SPELLINGS, None]), min_size=1, max_size=30))
def test_missing_values_are_never_valid_and_kept_as_given(values):
    series = pd.Series(values, dtype=object)
    valid = VOCABULARY.validate(series).tolist()
    assert valid == VOCABULARY.validate(values).tolist()
    assert not any(v for v, given in zip(valid, values, strict=True) if given is None)
    assert VOCABULARY.standardize(series) == VOCABULARY.standardize(values)
