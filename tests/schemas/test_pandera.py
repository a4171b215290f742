"""pandera in both directions: compiled schemas validate DataFrames against the registries;
pandera schemas, models, columns and checks compose into ontolake schemas and survive saving."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pandera.pandas as pa
import pytest

import ontolake as ol
from ontolake.errors import DtypeError, InvalidDataError
from ontolake.ontology_sources.source import InMemorySource, SourceSpec
from ontolake.ontology_sources.terms import Relation, Term


def failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> set[tuple]:
    """(column, failing value) pairs of a lazy validation; empty when valid."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return {(row.column, str(row.failure_case)) for row in cases.itertuples()}
    return set()


@pytest.fixture
def cells(instance):
    terms = [
        Term("CL:0000000", "cell"),
        Term("CL:0000084", "T cell", parents=(Relation("CL:0000000", "is_a"),)),
        Term("CL:0000236", "B cell", parents=(Relation("CL:0000000", "is_a"),)),
        Term("CL:0000624", "CD4 T cell", parents=(Relation("CL:0000084", "is_a"),)),
    ]
    spec = SourceSpec("CellType", "cl", "2025-01-01", None, "memory://cl", "memory")
    ol.bio.CellType.import_source(InMemorySource(terms, spec))
    ol.save([ol.ULabel(name="b1"), ol.ULabel(name="b2")])
    return ol.bio.CellType


def test_compiled_schemas_check_dtypes_and_registries(cells):
    schema = ol.Schema(
        features=[
            ol.Feature(name="cell_type", dtype=cells, nullable=False),
            ol.Feature(name="t_cell", dtype=cells, descendants_of="CL:0000084"),
            ol.Feature(name="batch", dtype=ol.ULabel),
            ol.Feature(name="n_genes", dtype=int),
            ol.Feature(name="score", dtype="num"),
            ol.Feature(name="day", dtype=date),
            ol.Feature(name="at", dtype=datetime),
            ol.Feature(name="tags", dtype=list[str]),
            ol.Feature(name="meta", dtype=dict),
            ol.Feature(name="ok", dtype=bool),
        ],
        column_checks={"n_genes": [pa.Check.ge(0)]},
        maximal_set=True,
    )
    compiled = schema.to_pandera()
    good = pd.DataFrame(
        {
            "cell_type": pd.Categorical(["T cell", "B cell"]),
            "t_cell": ["CD4 T cell", None],
            "batch": ["b1", "b2"],
            "n_genes": [10, 20],
            "score": [1, 2.5],
            "day": [date(2025, 1, 1), None],
            "at": pd.to_datetime(["2025-01-01", "2025-01-02"], utc=True),
            "tags": [["a"], []],
            "meta": [{"a": 1}, {}],
            "ok": [True, False],
        }
    )
    assert failures(compiled, good) == set()
    bad = good.assign(
        cell_type=["T cell", "T-cell"],
        t_cell=["B cell", "T cell"],
        batch=["b1", "b9"],
        n_genes=[-1, 2],
    )
    assert failures(compiled, bad) == {
        ("cell_type", "T-cell"),
        ("t_cell", "B cell"),
        ("batch", "b9"),
        ("n_genes", "-1"),
    }
    floats = failures(compiled, good.assign(n_genes=[1.5, 2.0]))  # the dtype check
    assert {column for column, _ in floats} == {"n_genes"}
    assert failures(compiled, good.assign(extra=1))  # maximal_set: no other columns
    assert failures(compiled, good.drop(columns="score"))  # minimal_set: all present
    assert failures(compiled, good.assign(cell_type=["T cell", None]))  # not nullable


def test_coerce_dtype_converts_before_checking(cells):
    schema = ol.Schema(
        features=[
            ol.Feature(name="n", dtype=int, nullable=False),
            ol.Feature(name="x", dtype=float),
        ],
        coerce_dtype=True,
    )
    frame = schema.to_pandera().validate(pd.DataFrame({"n": ["1", "2"], "x": ["0.5", None]}))
    assert frame["n"].tolist() == [1, 2] and frame["x"].dtype == "float64"


def test_itype_schemas_check_column_names_and_values(cells):
    var = ol.Schema(itype=cells.ontology_id, dtype="num").to_pandera()
    assert failures(var, pd.DataFrame({"CL:0000084": [1.0], "CL:0000236": [2]})) == set()
    with pytest.raises(pa.errors.SchemaError, match=r"1 column name\(s\) not in .*'CL:9'"):
        var.validate(pd.DataFrame({"CL:0000084": [1.0], "CL:9": [2.0]}))
    with pytest.raises(pa.errors.SchemaError, match="values must be num"):
        var.validate(pd.DataFrame({"CL:0000084": ["high"]}))
    ol.Feature(name="donor", dtype=str).save()
    valid_features = ol.Schema(itype=ol.Feature).to_pandera()
    assert failures(valid_features, pd.DataFrame({"donor": ["d1"]})) == set()
    assert failures(valid_features, pd.DataFrame({"donor": ["d1"], "other": [1]}))


def test_composite_schemas_compile_per_slot(cells):
    obs = ol.Schema(features=[ol.Feature(name="cell_type", dtype=cells)])
    var = ol.Schema(itype=cells.ontology_id)
    compiled = ol.Schema(otype="AnnData", slots={"obs": obs, "var.T": var}).to_pandera()
    assert sorted(compiled) == ["obs", "var.T"]
    assert isinstance(compiled["obs"], pa.DataFrameSchema)


def test_pandera_schemas_and_models_become_ontolake_schemas(instance):
    frame_schema = pa.DataFrameSchema(
        {
            "n_reads": pa.Column(int, pa.Check.ge(0)),
            "gc": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "sample": pa.Column(str, pa.Check.str_startswith("S")),
            "when": pa.Column("datetime64[ns]", required=False),
            "flag": pa.Column(bool),
        },
        strict=True,
        ordered=True,
        coerce=True,
        checks=[pa.Check(lambda df: len(df) > 0)],
        name="reads",
    )
    schema = ol.Schema.from_pandera(frame_schema)
    assert [(f.name, f.dtype, f.nullable) for f in schema.members] == [
        ("n_reads", "int", False),
        ("gc", "float", True),
        ("sample", "str", False),
        ("when", "datetime", False),
        ("flag", "bool", False),
    ]
    assert (schema.maximal_set, schema.ordered_set, schema.coerce_dtype) == (True, True, True)
    assert schema.minimal_set is False  # one column was optional
    assert schema.member_checks()["gc"] == [
        {
            "check": "in_range",
            "min_value": 0,
            "max_value": 1,
            "include_min": True,
            "include_max": True,
        }
    ]
    # the lambda works in memory but cannot be saved
    compiled = schema.to_pandera()
    assert failures(compiled, pd.DataFrame(columns=["n_reads", "gc", "sample", "flag"]))
    with pytest.raises(InvalidDataError, match="cannot be saved"):
        schema.save()

    class Sequencing(pa.DataFrameModel):
        n_reads: int = pa.Field(ge=0)
        sample: str = pa.Field(str_startswith="S")

    saved = ol.Schema.from_pandera(Sequencing, name="sequencing").save()
    stored = ol.Schema.get(name="sequencing")
    assert stored.hash == saved.hash
    compiled = stored.to_pandera()  # the checks came back from the database
    frame = pd.DataFrame({"n_reads": [5, -1], "sample": ["S1", "X2"]})
    assert failures(compiled, frame) == {("n_reads", "-1"), ("sample", "X2")}


def test_pandera_columns_and_checks_compose_with_features(instance):
    schema = ol.Schema(
        features=[
            ol.Feature(name="donor", dtype=str),
            pa.Column(int, pa.Check.isin([1, 2, 3]), name="visit"),
        ],
        name="visits",
    ).save()
    assert ol.Feature.get(name="visit").dtype == "int"
    frame = pd.DataFrame({"donor": ["d1", "d2"], "visit": [1, 7]})
    assert failures(ol.Schema.get(name="visits").to_pandera(), frame) == {("visit", "7")}
    assert schema.member_checks() == {"visit": [{"check": "isin", "allowed_values": [1, 2, 3]}]}


def test_round_trip_through_pandera_keeps_the_definition(cells):
    schema = ol.Schema(
        features=[
            ol.Feature(name="cell_type", dtype=cells.ontology_id, nullable=False),
            ol.Feature(name="tags", dtype="list[cat[ULabel]]"),
            ol.Feature(name="n", dtype=int),
        ],
        index=ol.Feature(name="barcode", dtype=str),
        column_checks={"n": [pa.Check.le(10)]},
        maximal_set=True,
        name="obs",
    )
    back = ol.Schema.from_pandera(schema.to_pandera())
    assert back.definition() == schema.definition()
    var = ol.Schema(itype=cells.ontology_id, dtype="num")
    assert ol.Schema.from_pandera(var.to_pandera()).definition() == var.definition()


def test_columns_without_an_ontolake_dtype_need_one(instance):
    frame_schema = pa.DataFrameSchema({"cell_type": pa.Column(pa.Category), "meta": pa.Column()})
    with pytest.raises(DtypeError, match=r"Column 'cell_type' has pandera dtype category.*dtypes="):
        ol.Schema.from_pandera(frame_schema)
    schema = ol.Schema.from_pandera(frame_schema, dtypes={"cell_type": ol.ULabel, "meta": dict})
    assert [f.dtype for f in schema.members] == ["cat[ULabel]", "dict"]
    with pytest.raises(InvalidDataError, match="takes a pandera DataFrameSchema"):
        ol.Schema.from_pandera({"a": 1})


def test_flexible_schemas_check_extra_columns_against_the_itype(instance):
    ol.save([ol.Feature(name="donor", dtype=str), ol.Feature(name="age", dtype=int)])
    donor = ol.Feature.get(name="donor")
    flexible = ol.Schema(features=[donor], itype=ol.Feature, flexible=True).to_pandera()
    fixed = ol.Schema(features=[donor], itype=ol.Feature, flexible=False).to_pandera()
    frame = pd.DataFrame({"donor": ["d1"], "age": [3]})
    assert failures(flexible, frame) == set() and failures(fixed, frame) == set()
    unknown = frame.assign(colour=["red"])
    assert failures(flexible, unknown)  # 'colour' is no feature
    assert failures(fixed, unknown) == set()  # not flexible: other columns are not checked
