"""Categorical verdicts: what a value outside its registry is, and the steps proposed for it.

A term is never proposed as its own replacement; obsolete terms are named as such (with their
replacement, if any) and never offered as fuzzy matches; values the registry holds are never
proposed as new records; variants of one new value become one record.
"""

from __future__ import annotations

import logging

import pandas as pd
import pytest

import ontolake as ol
from ontolake.errors import ValidationError


@pytest.fixture
def cells(instance):
    """The Cell Ontology imported; a cell type column and one for T cells only."""
    pytest.importorskip("cellxgene_ontology_guide")
    ol.bio.CellType.import_source()
    features = [
        ol.Feature(name="cell_type", dtype=ol.bio.CellType),
        ol.Feature(name="t_cell_type", dtype=ol.bio.CellType, descendants_of="CL:0000084"),
    ]
    return ol.Schema(features=features, name="cells")


def report_of(frame: pd.DataFrame, schema: ol.Schema):
    with pytest.raises(ValidationError) as caught:
        ol.curate.DataFrameCurator(frame, schema).validate()
    return caught.value.report


def test_an_obsolete_term_is_named_obsolete_never_its_own_replacement(cells):
    vocabulary = ol.bio.CellType.vocabulary()
    obsolete = {term.name for term in ol.bio.CellType.filter(is_obsolete=True)}
    unreplaced = sorted(obsolete - set(vocabulary.replacements))[0]
    replaced, (replacement,) = sorted(vocabulary.replacements.items())[0]
    frame = pd.DataFrame(
        {"cell_type": [unreplaced, replaced, "T cell"], "t_cell_type": ["T cell"] * 3}
    )
    report = report_of(frame, cells)
    (issue,) = report.issues
    found = {value.value: value for value in issue.values}
    assert found[unreplaced].reason == "obsolete, no replacement"
    assert found[unreplaced].suggestions == []
    assert found[replaced].reason == f"obsolete, replaced by {replacement!r}"
    assert [(s.kind, s.value) for s in found[replaced].suggestions] == [("obsolete", replacement)]
    steps = {step.action: step for step in report.steps()}
    # its one declared replacement: standardize applies it
    assert steps["standardize"].values == (replaced,)
    assert "replace_values" not in steps  # no step for a term without a replacement
    assert "add_new_from" not in steps  # both are terms of the registry
    assert f"{unreplaced!r} with {unreplaced!r}" not in report.summary()


def test_a_term_outside_the_filter_says_so(cells):
    frame = pd.DataFrame({"cell_type": ["T cell"], "t_cell_type": ["B cell"]})
    (issue,) = report_of(frame, cells).issues
    (value,) = issue.values
    assert (
        value.reason == "in the registry, outside the feature's filter (descendants of CL:0000084)"
    )
    assert value.suggestions == []


def test_obsolete_terms_are_not_offered_as_fuzzy_matches(cells):
    frame = pd.DataFrame({"cell_type": ["CD8+ Cytotoxic T"], "t_cell_type": ["T cell"]})
    (issue,) = report_of(frame, cells).issues
    suggested = [s.value for s in issue.values[0].suggestions]
    assert suggested and not any(value.startswith("obsolete") for value in suggested)
    assert not set(suggested) & {t.name for t in ol.bio.CellType.filter(is_obsolete=True)}


@pytest.fixture
def labs(instance):
    return ol.Schema(features=[ol.Feature(name="lab", dtype=ol.ULabel)], name="labs")


LAB_VALUES = ["Donor A"] * 5 + ["donor a", "Donor  A", "DonorA", "Donr A"] + ["Lab 100", "Lab 101"]


def test_variants_of_one_new_value_are_proposed_as_one_record(labs):
    report = report_of(pd.DataFrame({"lab": LAB_VALUES}), labs)
    steps = {step.action: step for step in report.steps()}
    assert steps["replace_values"].values == ("Donor  A", "donor a", "DonorA", "Donr A")
    assert steps["replace_values"].python == (
        "replace 'Donor  A', 'donor a', 'DonorA', 'Donr A' with 'Donor A' "
        "(variants of one new value: add it once)"
    )
    assert steps["add_new_from"].values == ("Donor A", "Lab 100", "Lab 101")


def test_add_new_from_leaves_variants_out_unless_named(labs, caplog):
    curator = ol.curate.DataFrameCurator(pd.DataFrame({"lab": LAB_VALUES}), labs)
    with caplog.at_level(logging.WARNING, logger="ontolake"):
        created = curator.add_new_from("lab")
    assert sorted(label.name for label in created) == ["Donor A", "Lab 100", "Lab 101"]
    assert "leaves out 4: 'Donor  A' (of 'Donor A'), 'donor a' (of 'Donor A')" in caplog.text
    assert ol.ULabel.filter().count() == 3
    on_purpose = curator.add_new_from("lab", values=["Donr A"])
    assert [label.name for label in on_purpose] == ["Donr A"]
