"""Obsolete and ambiguous terms on real ontologies, with one verdict from every engine.

The instance holds the Cell Ontology (the current release and 2025-04-10, both shipped by
cellxgene-ontology-guide), MONDO, HsapDv and MmusDv, and the human and mouse gene tables.
Each case runs the curator and ``schema.to_pandera()`` over the same frame and compares
their verdicts with the expected one.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import pandas as pd
import pandera.errors
import pytest

import ontolake as ol
from ontolake.errors import AmbiguousValueWarning, ValidationError
from ontolake.ontology_sources import catalog

OLDER_CL = "2025-04-10"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """The path of a lake with the ontologies imported (once for the module)."""
    pytest.importorskip("cellxgene_ontology_guide")
    base = tmp_path_factory.mktemp("labels")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ONTOLAKE_CONFIG_DIR", str(base / "config"))
        patch.setenv("ONTOLAKE_CACHE_DIR", str(base / "cache"))
        ol.init(storage=base / "lake")
        bt = ol.bio
        bt.CellType.import_source(version=OLDER_CL)
        bt.CellType.import_source()
        bt.Disease.import_source()
        for organism in ("human", "mouse"):
            bt.DevelopmentalStage.import_source(organism=organism)
            bt.Gene.import_source(organism=organism, progress=False)
        ol.disconnect()
    return base / "lake"


@pytest.fixture
def lake(prepared):
    ol.connect(prepared)
    return ol.bio


def _only_in_older() -> str:
    """A CL term the older release holds live and the current one marks obsolete."""
    older = {t.ontology_id: t for t in catalog.find("CellType", version=OLDER_CL).terms()}
    newest = catalog.find("CellType").terms()
    return sorted(
        t.ontology_id
        for t in newest
        if t.is_obsolete and t.ontology_id in older and not older[t.ontology_id].is_obsolete
    )[0]


@dataclasses.dataclass(frozen=True)
class Case:
    dtype: Any
    value: str
    valid: bool
    options: tuple[tuple[str, Any], ...] = ()


CASES = {
    "live name": Case("cat[bio.CellType]", "T cell", True),
    "obsolete name": Case("cat[bio.CellType]", "obsolete native cell", False),
    "obsolete id": Case("cat[bio.CellType.ontology_id]", "CL:0000003", False),
    "synonym of a live and an obsolete term": Case("cat[bio.CellType]", "Müller cell", False),
    "allowed obsolete name": Case(
        "cat[bio.CellType]", "obsolete native cell", True, (("allow_obsolete", True),)
    ),
    "allowed obsolete id": Case(
        "cat[bio.CellType.ontology_id]", "CL:0000003", True, (("allow_obsolete", True),)
    ),
    "pinned version, live there": Case(
        "cat[bio.CellType.ontology_id]", "<older>", True, (("source", f"cl@{OLDER_CL}"),)
    ),
    "pinned version, obsolete now": Case("cat[bio.CellType.ontology_id]", "<older>", False),
    "synonym of two live diseases": Case("cat[bio.Disease]", "CADASIL", False),
    "stage of two organisms": Case("cat[bio.DevelopmentalStage]", "embryonic stage", False),
    "stage scoped to mouse": Case(
        "cat[bio.DevelopmentalStage]", "embryonic stage", True, (("organism", "mouse"),)
    ),
    "obsolete in the mouse scope": Case(
        "cat[bio.DevelopmentalStage]", "adult stage", False, (("organism", "mouse"),)
    ),
    "live in the human scope": Case(
        "cat[bio.DevelopmentalStage]", "adult stage", True, (("organism", "human"),)
    ),
    "symbol of two organisms": Case("cat[bio.Gene.symbol]", "H19", False),
    "symbol scoped to human": Case("cat[bio.Gene.symbol]", "H19", True, (("organism", "human"),)),
    "human symbol in mouse data": Case(
        "cat[bio.Gene.symbol]", "TP53", False, (("organism", "mouse"),)
    ),
}


def _verdicts(frame: pd.DataFrame, schema: ol.Schema) -> tuple[bool, bool]:
    """(curator, pandera export) verdicts on ``frame``."""
    curator_valid = ol.curate.DataFrameCurator(frame, schema).collect().is_valid
    try:
        schema.to_pandera().validate(frame)
        pandera_valid = True
    except pandera.errors.SchemaError:
        pandera_valid = False
    return curator_valid, pandera_valid


@pytest.mark.parametrize("name", list(CASES))
def test_the_curator_and_the_pandera_export_give_one_verdict(lake, name):
    case = CASES[name]
    value = _only_in_older() if case.value == "<older>" else case.value
    feature = ol.Feature(name="label", dtype=case.dtype, **dict(case.options))
    schema = ol.Schema(features=[feature])
    assert _verdicts(pd.DataFrame({"label": [value]}), schema) == (case.valid, case.valid)


@pytest.mark.parametrize(
    ("organism", "columns", "valid"),
    [
        (None, ["TP53", "Trp53"], True),
        (None, ["H19"], False),  # a human and a mouse gene: ambiguous
        ("human", ["H19", "TP53"], True),
        ("mouse", ["H19", "Trp53"], True),
        ("mouse", ["TP53"], False),
    ],
)
def test_an_itype_scoped_to_an_organism_takes_its_names_in_both_engines(
    lake, organism, columns, valid
):
    schema = ol.Schema(itype=ol.bio.Gene.symbol, organism=organism)
    frame = pd.DataFrame([[1.0] * len(columns)], columns=columns)
    assert _verdicts(frame, schema) == (valid, valid)


def test_an_obsolete_id_is_not_valid_and_inspect_names_its_replacement(lake):
    cell_types = lake.CellType
    assert cell_types.validate(["CL:0000003"], field="ontology_id").tolist() == [False]
    result = cell_types.inspect(["CL:0000003", "CL:0000084"], field="ontology_id")
    assert result.validated == ["CL:0000084"] and result.non_validated == ["CL:0000003"]
    assert result.obsolete == {"CL:0000003": "CL:0000003"}
    assert [(s.kind, s.value) for s in result.suggestions["CL:0000003"]] == [
        ("obsolete", "CL:0000000")
    ]
    assert cell_types.standardize(["CL:0000003"], field="ontology_id") == ["CL:0000000"]
    assert cell_types.standardize(["obsolete native cell"]) == ["cell"]
    # terms to consider are named, never applied
    considered = cell_types.inspect(["obsolete cell by organism"]).suggestions
    assert [s.kind for s in considered["obsolete cell by organism"]] == ["consider"] * 2
    assert cell_types.standardize(["obsolete cell by organism"]) == ["obsolete cell by organism"]


def test_a_synonym_of_an_obsolete_term_never_shadows_a_live_one(lake):
    assert lake.CellType.get(ontology_id="CL:0011107").is_obsolete
    assert "Müller cell" in lake.CellType.get(ontology_id="CL:0011107").synonyms
    assert lake.CellType.standardize(["Müller cell", "müller cell"]) == ["Mueller cell"] * 2


@pytest.mark.parametrize(
    ("value", "canonical", "reason"),
    [
        ("Müller cell", "Mueller cell", "synonym of 'Mueller cell'"),
        ("obsolete native cell", "cell", "obsolete, replaced by 'cell'"),
    ],
)
def test_the_curator_standardizes_to_the_live_term(lake, value, canonical, reason):
    frame = pd.DataFrame({"cell_type": [value, "T cell"]})
    schema = ol.Schema(features=[ol.Feature(name="cell_type", dtype=lake.CellType)])
    curator = ol.curate.DataFrameCurator(frame, schema)
    (issue,) = curator.collect().issues
    assert issue.values[0].reason == reason
    assert curator.report.next_steps() == ["curator.standardize('cell_type')"]
    assert curator.standardize() == {"cell_type": {value: canonical}}
    assert curator.validate() is None


def test_an_ambiguous_value_is_reported_with_every_candidate_and_left_by_standardize(lake):
    frame = pd.DataFrame({"disease": ["CADASIL", "CADASIL"]})
    schema = ol.Schema(features=[ol.Feature(name="disease", dtype=lake.Disease)])
    curator = ol.curate.DataFrameCurator(frame, schema)
    (issue,) = curator.collect().issues
    (value,) = issue.values
    assert value.reason == (
        "ambiguous: cerebral arteriopathy with subcortical infarcts and leukoencephalopathy "
        "(MONDO:0007432), cerebral arteriopathy, autosomal dominant, with subcortical infarcts "
        "and leukoencephalopathy, type 1 (MONDO:0000914)"
    )
    assert [s.term_id for s in value.suggestions] == ["MONDO:0007432", "MONDO:0000914"]
    # no step that changes nothing: a person chooses
    steps = curator.report.steps()
    assert [step.action for step in steps] == ["replace_values"]
    assert "ambiguous" in steps[0].python and "standardize" not in curator.report.summary()
    with pytest.warns(AmbiguousValueWarning, match=r"'CADASIL' → one of .*MONDO:0007432"):
        assert curator.standardize() == {}
    assert frame["disease"].tolist() == ["CADASIL", "CADASIL"]
    assert lake.Disease.inspect(["CADASIL"]).ambiguous["CADASIL"] == value.suggestions


def test_a_stage_shared_by_two_organisms_is_stored_as_the_scoped_organisms(lake):
    shared = pd.DataFrame({"stage": ["embryonic stage"]}, index=["s1"])
    unscoped = ol.Schema(features=[ol.Feature(name="stage", dtype=lake.DevelopmentalStage)])
    (issue,) = ol.curate.DataFrameCurator(shared, unscoped).collect().issues
    assert [s.term_id for s in issue.values[0].suggestions] == ["HsapDv:0000002", "MmusDv:0000002"]
    stage = ol.Feature(name="mouse_stage", dtype=lake.DevelopmentalStage, organism="mouse")
    mouse = ol.Schema(features=[stage], name="mouse stages")
    artifact = ol.curate.DataFrameCurator(
        shared.rename(columns={"stage": "mouse_stage"}), mouse
    ).save_artifact(key="stages.parquet")
    (linked,) = artifact.developmental_stages.all()
    assert linked.ontology_id.startswith("MmusDv:")


def test_the_scope_survives_saving_and_a_schema_file(lake, tmp_path):
    feature = ol.Feature(
        name="scoped_stage", dtype=lake.DevelopmentalStage, organism="Mouse", allow_obsolete=True
    ).save()
    assert ol.Feature.get(name="scoped_stage").cat_filters == {
        "allow_obsolete": True,
        "organism": "mouse",
    }
    schema = ol.Schema(features=[feature], itype=ol.bio.Gene.symbol, organism="mouse").save()
    assert schema.content_hash() != ol.Schema(features=[feature], itype=ol.bio.Gene.symbol).hash
    text = schema.to_yaml(tmp_path / "scoped.yaml")
    assert "organism: mouse" in text and "allow_obsolete: true" in text
    again = ol.Schema.from_yaml(tmp_path / "scoped.yaml")
    assert again.organism == "mouse" and again.hash == schema.hash
    assert again.members[0].cat_filters == feature.cat_filters


def test_an_organism_without_sources_is_a_clear_error(lake):
    feature = ol.Feature(name="cell_type", dtype=lake.CellType, organism="mouse")
    frame = pd.DataFrame({"cell_type": ["T cell"]})
    report = ol.curate.DataFrameCurator(frame, ol.Schema(features=[feature])).collect()
    (issue,) = report.issues
    assert issue.message == (
        "cannot be checked: Feature 'cell_type': no CellType source of organism 'mouse' is "
        "imported (no imported CellType source is specific to an organism): "
        "ol.bio.CellType.import_source(organism='mouse')."
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValidationError):
            ol.curate.DataFrameCurator(frame, ol.Schema(features=[feature])).validate()


def test_terms_to_consider_are_named_by_their_ontology_ids(lake):
    # HsapDv's export writes them as obo.HsapDv_0000226: read as HsapDv:0000226
    found = lake.DevelopmentalStage.inspect(["HsapDv:0000087"], field="ontology_id")
    assert [(s.kind, s.value, s.confident) for s in found.suggestions["HsapDv:0000087"]] == [
        ("consider", "HsapDv:0000226", False),
        ("consider", "HsapDv:0000258", False),
    ]
