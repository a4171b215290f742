"""A vocabulary answers alike whatever holds the values and however many there are.

Series and Index of text are factorized as they are (a million values are not copied to a
list first), and ``validate`` of a few values loads only the records they name: each must
give the answers of a plain list against the whole vocabulary.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ontolake.registries.bio.vocabulary import FEW_VALUES, TermEntry, Vocabulary

DATA = Path(__file__).parents[2] / "data" / "ontologies"

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


@pytest.fixture(scope="module")
def cl_registry(tmp_path_factory):
    """A registry holding the committed CL subset (names, synonyms, obsolete terms)."""
    import ontolake as ol
    from ontolake.instance import setup

    storage = tmp_path_factory.mktemp("cl-subset") / "lake"
    ol.init(storage=storage, remember=False)
    ol.bio.CellType.import_source(str(DATA / "cl_subset.json.zst"))
    records = ol.bio.CellType.filter().to_list()
    names = sorted({record.name for record in records})
    ids = sorted({record.ontology_id for record in records})
    synonyms = sorted({s for record in records for s in (record.synonyms or "").split("|") if s})
    setup.disconnect()
    return storage, names, ids, synonyms


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_validating_a_few_values_answers_like_the_whole_vocabulary(cl_registry, data):
    import ontolake as ol
    from ontolake.instance import setup

    storage, names, ids, synonyms = cl_registry
    field = data.draw(st.sampled_from(["name", "ontology_id"]))
    pool = [*names[:50], *ids[:50], *synonyms[:50], "not a cell", "", "t cell"]
    values = data.draw(st.lists(st.sampled_from(pool) | st.none(), min_size=1, max_size=12))
    ol.connect(storage, remember=False)
    try:
        whole = ol.bio.CellType.vocabulary(field).validate(values).tolist()
        assert ol.bio.CellType.validate(values, field=field).tolist() == whole
        many = values * (1 + FEW_VALUES // len(values))  # beyond FEW_VALUES: the whole path
        assert ol.bio.CellType.validate(many, field=field).tolist() == whole * (
            1 + FEW_VALUES // len(values)
        )
    finally:
        setup.disconnect()


def test_an_iterator_of_values_is_validated_whole(cl_registry):
    import ontolake as ol
    from ontolake.instance import setup

    storage, names, _, _ = cl_registry
    ol.connect(storage, remember=False)
    try:
        valid = ol.bio.CellType.validate(iter([names[0], "not a cell"]))
        assert valid.tolist() == [True, False]
    finally:
        setup.disconnect()
