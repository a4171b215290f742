"""DataFrameCurator against the built-in Cell Ontology: every failure kind, fixes, saving."""

from __future__ import annotations

import json

import pandas as pd
import pandera.pandas as pa
import pytest

import ontolake as ol
from ontolake.errors import InvalidDataError, ValidationError


@pytest.fixture
def cells(instance):
    """The Cell Ontology imported, and a schema over cell types, a filtered column and ints."""
    ol.bio.CellType.import_source()
    features = [
        ol.Feature(name="cell_type", dtype=ol.bio.CellType),
        ol.Feature(name="t_cell_type", dtype=ol.bio.CellType, descendants_of="CL:0000084"),
        ol.Feature(name="n_genes", dtype=int, nullable=False),
    ]
    schema = ol.Schema(features=features, name="cells", column_checks={"n_genes": [pa.Check.ge(0)]})
    return schema


def _frame(**overrides):
    data = {
        "cell_type": ["T cell", "B cell", "T cell", "natural killer cell"],
        "t_cell_type": ["T cell", "CD4-positive, alpha-beta T cell", None, "T cell"],
        "n_genes": [10, 20, 30, 40],
    }
    data.update(overrides)
    return pd.DataFrame(data, index=[f"cell{i}" for i in range(4)])


def _issues(curator):
    with pytest.raises(ValidationError) as caught:
        curator.validate()
    report = caught.value.report
    assert not report.is_valid
    return report


def test_valid_frame_returns_none(cells):
    curator = ol.curate.DataFrameCurator(_frame(), cells)
    assert curator.validate() is None
    assert curator.report.is_valid
    assert curator.non_validated == {}


def test_collects_every_failure_with_counts_rows_and_suggestions(cells):
    frame = _frame(
        cell_type=["T-cell", "t cell", "T-cell", "nonsense cell type"],
        t_cell_type=["B cell", "T cell", "T cell", "T cell"],
        n_genes=[1.5, None, 3, -4],
    )
    report = _issues(ol.curate.DataFrameCurator(frame, cells))
    kinds = {(issue.column, issue.kind) for issue in report.issues}
    assert ("cell_type", "invalid_values") in kinds
    assert ("t_cell_type", "invalid_values") in kinds
    assert ("n_genes", "dtype") in kinds
    assert ("n_genes", "missing_values") in kinds
    (cell_type,) = report.for_column("cell_type")
    by_value = {value.value: value for value in cell_type.values}
    assert by_value["T-cell"].count == 2
    assert by_value["T-cell"].rows == ["cell0", "cell2"]
    assert by_value["T-cell"].suggestions[0].kind == "synonym"
    assert by_value["T-cell"].suggestions[0].value == "T cell"
    assert by_value["t cell"].suggestions[0].kind == "case"
    assert by_value["nonsense cell type"].reason == "not in registry"
    (filtered,) = report.for_column("t_cell_type")
    assert filtered.values[0].value == "B cell"
    assert "descendants of CL:0000084" in filtered.values[0].reason
    assert "curator.standardize('cell_type')" in report.summary()
    assert "curator.add_new_from('cell_type')" in report.summary()


def test_missing_extra_and_order(cells):
    frame = _frame().drop(columns=["n_genes"]).assign(extra=1)
    report = _issues(ol.curate.DataFrameCurator(frame, cells))
    assert [i.column for i in report.issues if i.kind == "missing_column"] == ["n_genes"]
    strict = ol.Schema(features=cells.members, maximal_set=True, ordered_set=True)
    frame = _frame()[["n_genes", "cell_type", "t_cell_type"]].assign(extra=1)
    report = _issues(ol.curate.DataFrameCurator(frame, strict))
    assert {i.kind for i in report.issues} == {"extra_column", "column_order"}


def test_duplicated_index_and_pandera_check(cells):
    frame = _frame(n_genes=[1, -2, 3, -4])
    frame.index = ["a", "a", "b", "c"]
    report = _issues(ol.curate.DataFrameCurator(frame, cells))
    duplicated = [i for i in report.issues if i.kind == "duplicated_index"]
    assert duplicated and duplicated[0].values[0].value == "a"
    assert duplicated[0].values[0].count == 2
    (check,) = [i for i in report.issues if i.kind == "check"]
    assert check.column == "n_genes"
    assert sorted(v.value for v in check.values) == ["-2", "-4"]


def test_obsolete_term_rejected_with_replacement(cells):
    vocabulary = ol.bio.CellType.vocabulary()
    obsolete, (replacement,) = next(iter(vocabulary.replacements.items()))
    report = _issues(ol.curate.DataFrameCurator(_frame(cell_type=[obsolete] * 4), cells))
    (issue,) = report.for_column("cell_type")
    assert issue.values[0].reason == f"obsolete, replaced by {replacement!r}"
    assert ("obsolete", replacement) in [(s.kind, s.value) for s in issue.values[0].suggestions]


def test_coercion_when_asked(cells):
    schema = ol.Schema(features=cells.members, coerce_dtype=True)
    frame = _frame(n_genes=["1", "2", "3", "4"])
    curator = ol.curate.DataFrameCurator(frame, schema)
    assert curator.validate() is None
    assert frame["n_genes"].tolist() == [1, 2, 3, 4]
    assert str(frame["n_genes"].dtype) == "int64"
    bad = ol.curate.DataFrameCurator(_frame(n_genes=["1", "two", "3", "4"]), schema)
    report = _issues(bad)
    (issue,) = [i for i in report.issues if i.kind == "dtype"]
    assert issue.values[0].value == "two"
    assert issue.values[0].rows == ["cell1"]


def test_empty_frame_misses_columns(cells):
    report = _issues(ol.curate.DataFrameCurator(pd.DataFrame(), cells))
    assert len([i for i in report.issues if i.kind == "missing_column"]) == 3


def test_standardize_then_valid_and_category_dtype(cells):
    frame = _frame(cell_type=pd.Categorical(["T-cell", "t cell", "B cell", "B-cell"]))
    curator = ol.curate.DataFrameCurator(frame, cells)
    with pytest.raises(ValidationError):
        curator.validate()
    mapping = curator.standardize()
    assert mapping == {"cell_type": {"T-cell": "T cell", "t cell": "T cell", "B-cell": "B cell"}}
    assert curator.dataset["cell_type"].tolist() == ["T cell", "T cell", "B cell", "B cell"]
    assert curator.validate() is None
    assert curator.standardize("cell_type") == {}


def test_add_new_from_creates_records(cells):
    curator = ol.curate.DataFrameCurator(_frame(cell_type=["my new cell"] * 4), cells)
    assert curator.non_validated == {"cell_type": ["my new cell"]}
    created = curator.add_new_from("cell_type")
    assert [record.name for record in created] == ["my new cell"]
    assert curator.validate() is None
    with pytest.raises(InvalidDataError):
        curator.add_new_from("n_genes")


def test_report_exports(cells):
    report = _issues(ol.curate.DataFrameCurator(_frame(cell_type=["T-cell"] * 4), cells))
    data = json.loads(report.to_json())
    assert data["valid"] is False
    assert data["issues"][0]["values"][0]["count"] == 4
    assert "| T-cell | 4 |" in report.to_markdown()
    page = report.to_html()
    assert page.startswith("<!DOCTYPE html>") and "T-cell" in page and "</html>" in page


def test_save_artifact_refuses_invalid_and_annotates_valid(cells):
    bad = ol.curate.DataFrameCurator(_frame(cell_type=["T-cell"] * 4), cells)
    with pytest.raises(ValidationError):
        bad.save_artifact(key="tables/cells.parquet")
    assert ol.Artifact.filter(key="tables/cells.parquet").count() == 0
    ol.Feature(name="experiment_date", dtype="date").save()
    curator = ol.curate.DataFrameCurator(
        _frame(), cells, features={"experiment_date": "2025-10-24"}
    )
    artifact = curator.save_artifact(key="tables/cells.parquet", description="cells")
    assert artifact.key == "tables/cells.parquet"
    assert ol.Artifact.filter(cell_type="B cell").one().id == artifact.id
    assert ol.Artifact.filter(t_cell_type="CD4-positive, alpha-beta T cell").count() == 1
    assert str(artifact.features.get_values()["experiment_date"]) == "2025-10-24"
    assert ol.Schema.filter(name="cells").count() == 1


def test_wrong_container_schema_is_a_clear_error(cells):
    composite = ol.Schema(otype="AnnData", slots={"obs": cells})
    with pytest.raises(InvalidDataError, match="AnnData"):
        ol.curate.DataFrameCurator(_frame(), composite)


def test_from_parquet_path(cells, tmp_path):
    path = tmp_path / "cells.parquet"
    _frame().to_parquet(path)
    assert ol.curate.DataFrameCurator(path, cells).validate() is None
    (tmp_path / "x.xlsx").write_text("nope")
    with pytest.raises(ol.errors.UnsupportedObjectError):
        ol.curate.DataFrameCurator(tmp_path / "x.xlsx", cells)


def test_an_ontology_never_imported_says_so_instead_of_proposing_new_records(sqlite_instance):
    schema = ol.Schema(features=[ol.Feature(name="cell_type", dtype=ol.bio.CellType)])
    curator = ol.curate.DataFrameCurator(pd.DataFrame({"cell_type": ["T cell"]}), schema)
    (issue,) = _issues(curator).issues
    assert "bio.CellType (empty: import its ontology" in issue.message
    assert issue.hint == "ol.bio.CellType.import_source()"
    ol.bio.CellType.import_source()
    assert (
        ol.curate.DataFrameCurator(pd.DataFrame({"cell_type": ["T cell"]}), schema).validate()
        is None
    )


def _verdict(report):
    return sorted((issue.column, issue.kind, issue.message) for issue in report.issues)


@pytest.mark.parametrize("size", ["small", "column by column"])
def test_a_file_with_a_column_twice_gets_the_verdict_of_the_frame(
    cells, tmp_path, size, monkeypatch
):
    import pyarrow as arrow
    import pyarrow.parquet as pq

    import ontolake.curate.dataframe as dataframe

    if size != "small":
        monkeypatch.setattr(dataframe, "CSV_CHUNKS_FROM", 0)  # every CSV read in parts
    frame = pd.DataFrame(
        [["T cell", 1, "garbage"], ["B cell", 2, "T cell"]],
        columns=["cell_type", "n_genes", "cell_type"],
    )
    expected = _verdict(ol.curate.DataFrameCurator(frame, cells).collect())
    assert ("cell_type", "duplicated_index", "column 'cell_type' appears twice") in expected
    frame.to_csv(tmp_path / "twice.csv", index=False)
    frame.to_csv(tmp_path / "twice.tsv", index=False, sep="\t")
    pq.write_table(
        arrow.Table.from_arrays(
            [arrow.array(["T cell", "B cell"]), arrow.array([1, 2]), arrow.array(["x", "y"])],
            names=["cell_type", "n_genes", "cell_type"],
        ),
        tmp_path / "twice.parquet",
    )
    for name in ("twice.csv", "twice.tsv", "twice.parquet"):
        curator = ol.curate.DataFrameCurator(tmp_path / name, cells)
        assert _verdict(curator.collect()) == expected, name
        assert list(curator.dataset.columns) == ["cell_type", "n_genes", "cell_type"]
        with pytest.raises(InvalidDataError, match="column 'cell_type' appears twice"):
            curator.standardize()


def test_a_byte_order_mark_and_a_written_index_are_read_as_pandas_wrote_them(cells, tmp_path):
    frame = _frame()
    frame.to_csv(tmp_path / "bom.csv", encoding="utf-8-sig")  # the index: a nameless column
    curator = ol.curate.DataFrameCurator(tmp_path / "bom.csv", cells)
    assert curator.validate() is None
    pd.testing.assert_frame_equal(curator.dataset, frame, check_dtype=False)


def test_a_device_is_refused_before_it_is_read(cells, tmp_path):
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    with pytest.raises(ol.errors.UnsupportedObjectError, match=r"zero\.csv: a character device"):
        ol.curate.DataFrameCurator(tmp_path / "zero.csv", cells)
