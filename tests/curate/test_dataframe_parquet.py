"""A parquet, CSV or TSV path is validated column by column, with the loaded frame's report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

import ontolake as ol
from ontolake.curate import dataframe
from ontolake.curate.columns import CsvColumns
from ontolake.curate.dataframe import read_table
from ontolake.errors import InvalidDataError, ValidationError


@pytest.fixture(autouse=True)
def csv_by_column(monkeypatch):
    """Every CSV/TSV here is validated in parts (by default, only large ones): a column at a
    time with the pandera checks of `_schema`, else in chunks of rows."""
    monkeypatch.setattr(dataframe, "CSV_CHUNKS_FROM", 0)


@pytest.fixture
def features(sqlite_instance):
    """The Cell Ontology imported, and features: categorical, filtered, int, str, index."""
    ol.bio.CellType.import_source()
    return {
        "cell_type": ol.Feature(name="cell_type", dtype=ol.bio.CellType),
        "t_cell_type": ol.Feature(
            name="t_cell_type", dtype=ol.bio.CellType, descendants_of="CL:0000084", nullable=False
        ),
        "n_genes": ol.Feature(name="n_genes", dtype=int, nullable=False),
        "donor": ol.Feature(name="donor", dtype=str),
        "cell_id": ol.Feature(name="cell_id", dtype=ol.bio.CellType),
    }


def _frame() -> pd.DataFrame:
    """Every failure: synonyms, case variants, typos and nulls, wrong dtype, extra column."""
    cell_types = ["T cell", "T-cell", None, "t cell", "nonsense", "B cell", "T-cell", None]
    t_cells = ["T cell", "B cell", None, "T cell", "B cell", None, "T cell", "T cell"]
    return pd.DataFrame(
        {
            "cell_type": cell_types * 3,
            "t_cell_type": t_cells * 3,
            "n_genes": [1.5, 2.0, None, 4.0, -5.0, 6.0, 7.0, 8.0] * 3,
            "extra": range(24),
        },
        index=[f"cell{i % 20}" for i in range(24)],  # four labels twice
    )


def _schema(features, **kwargs):
    members = [features[name] for name in ("cell_type", "t_cell_type", "n_genes", "donor")]
    return ol.Schema(
        features=members, maximal_set=True, column_checks={"n_genes": [pa.Check.ge(0)]}, **kwargs
    )


def _write(frame, path, index=True):
    """``frame`` written as parquet, CSV or TSV, by the suffix of ``path``."""
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=index)
    else:
        frame.to_csv(path, sep="\t" if path.suffix == ".tsv" else ",", index=index)
    return path


def _reports(path, schema):
    """The report of ``path`` validated column by column and of the same file loaded first."""
    by_column = ol.curate.DataFrameCurator(path, schema)
    by_column._source = "dataset"  # the loaded frame has no file name to report
    loaded = ol.curate.DataFrameCurator(read_table(path), schema)
    return by_column, by_column.collect().to_dict(), loaded.collect().to_dict()


def _columns_only(patch):
    """Make reading a whole file fail: parquet never whole, CSV only with usecols or nrows."""
    patch.setattr(pd, "read_parquet", lambda *a, **k: pytest.fail("whole file read"))
    read_csv = pd.read_csv

    def partial_read_csv(*args, **kwargs):
        assert "usecols" in kwargs or "nrows" in kwargs, "whole file read"
        return read_csv(*args, **kwargs)

    patch.setattr(pd, "read_csv", partial_read_csv)


def _assert_every_failure(report, indexed):
    kinds = {(issue["column"], issue["kind"]) for issue in report["issues"]}
    assert {
        ("donor", "missing_column"),
        ("extra", "extra_column"),
        ("n_genes", "dtype"),
        ("n_genes", "missing_values"),
        ("n_genes", "check"),
        ("cell_type", "invalid_values"),
        ("t_cell_type", "invalid_values"),
        ("t_cell_type", "missing_values"),
    } <= kinds
    if indexed:
        assert ("index", "duplicated_index") in kinds
        (cell_type,) = [i for i in report["issues"] if i["column"] == "cell_type"]
        synonym = next(v for v in cell_type["values"] if v["value"] == "T-cell")
        assert synonym["count"] == 6 and synonym["rows"][:2] == ["cell1", "cell6"]
        assert synonym["suggestions"][0]["value"] == "T cell"


@pytest.mark.parametrize("index", ["labels", "named", "range"])
def test_report_identical_to_the_loaded_frame(features, tmp_path, monkeypatch, index):
    frame = _frame()
    if index == "named":
        frame = frame.rename_axis("cell_id")
    elif index == "range":
        frame = frame.reset_index(drop=True)
    path = tmp_path / "cells.parquet"
    frame.to_parquet(path)
    schema = _schema(features)
    loaded = ol.curate.DataFrameCurator(pd.read_parquet(path), schema).collect().to_dict()
    with monkeypatch.context() as patch:  # validating must never read the whole file
        _columns_only(patch)
        curator = ol.curate.DataFrameCurator(path, schema)
        curator._source = "dataset"  # the loaded frame has no file name to report
        report = curator.collect().to_dict()
    assert report == loaded
    assert not curator._data.loaded
    _assert_every_failure(report, indexed=index != "range")


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
@pytest.mark.parametrize("index", ["labels", "numbers", "none"])
def test_csv_report_identical_to_the_loaded_frame(features, tmp_path, monkeypatch, suffix, index):
    frame = _frame() if index == "labels" else _frame().reset_index(drop=True)
    path = _write(frame, tmp_path / f"cells{suffix}", index=index != "none")
    whole = read_table(path)
    assert isinstance(whole.index, pd.RangeIndex) is (index == "none")  # else "Unnamed: 0"
    schema = _schema(features)
    loaded = ol.curate.DataFrameCurator(whole, schema).collect().to_dict()
    with monkeypatch.context() as patch:  # never a whole read: one column at a time
        _columns_only(patch)
        curator = ol.curate.DataFrameCurator(path, schema)
        curator._source = "dataset"
        report = curator.collect().to_dict()
    assert report == loaded
    assert isinstance(curator._data, CsvColumns) and not curator._data.loaded
    _assert_every_failure(report, indexed=index == "labels")


def test_csv_columns_have_the_dtypes_and_values_of_a_whole_read(tmp_path):
    """Each column parsed alone equals the column of a whole read, in dtype and value types.

    70,000 rows of 10 columns: pandas parses 65,536 rows at a time, so ``mixed`` holds ints
    from the first block and strings from the second, as a whole read gives them.
    """
    n = 70_000
    rng = np.random.default_rng(0)
    numbers = rng.integers(0, 100, n)
    holes = np.arange(n) % 7 == 3
    frame = pd.DataFrame(
        {
            "int": numbers,
            "float": rng.random(n),
            "str": np.where(numbers % 2 == 0, "T cell", "B cell"),
            "bool": numbers % 3 == 0,
            "mixed": np.where(np.arange(n) < 68_000, numbers.astype(str), "x"),
            "int_missing": pd.Series(numbers, dtype="Int64").mask(holes),
            "bool_missing": pd.Series(numbers % 3 == 0, dtype="boolean").mask(holes),
            "str_missing": pd.Series(np.where(numbers % 2 == 0, "a", "b")).mask(holes),
            "none": [None] * n,
        }
    )
    frame.index = [f"cell{i}" for i in range(n)]
    path = _write(frame, tmp_path / "types.csv")
    whole = read_table(path)
    source = CsvColumns(path)
    assert list(source.columns) == list(whole.columns) == list(frame.columns)
    assert source.index.equals(whole.index) and len(source) == n
    kinds = {}
    for name in source.columns:
        column = source[name]
        pd.testing.assert_series_equal(column, whole[name])
        assert column.map(type).equals(whole[name].map(type)), name
        kinds[name] = str(column.dtype)
    assert kinds == {
        "int": "int64",
        "float": "float64",
        "str": "object",
        "bool": "bool",
        "mixed": "object",
        "int_missing": "float64",
        "bool_missing": "object",
        "str_missing": "object",
        "none": "float64",
    }
    assert set(whole["mixed"].map(type)) == {int, str}  # the two blocks, as a whole read
    assert not source.loaded


def test_csv_errors_and_files_read_whole(features, tmp_path):
    schema = _schema(features)
    bad = tmp_path / "bad.csv"
    bad.write_text("cell_type,n_genes\nT cell,1\nB cell,2,3\n")  # a row with a field too many
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    for path in (bad, empty):
        with pytest.raises(InvalidDataError, match=rf"{path.name}: cannot be read as"):
            ol.curate.DataFrameCurator(path, schema)
        with pytest.raises(InvalidDataError, match=rf"{path.name}: cannot be read as"):
            read_table(path)
    short = tmp_path / "short.csv"  # rows with fewer fields are filled with missing values
    short.write_text("cell_type,n_genes,extra\nT cell,1\nB cell,2,3\n")
    implicit = tmp_path / "implicit.csv"  # one field more than the header: read_csv's index
    implicit.write_text("cell_type,n_genes\nc1,T cell,1\nc2,B cell,2\n")
    for path, whole in ((short, False), (implicit, True)):
        curator, by_column, loaded = _reports(path, schema)
        assert by_column == loaded
        assert curator._data.loaded is whole
    assert read_table(implicit).index.tolist() == ["c1", "c2"]


def test_index_feature_and_dtype_of_extra_columns(features, tmp_path):
    frame = pd.DataFrame(
        {"cell_type": ["T cell", "B cell"], "n_genes": [1, 2]},
        index=pd.Index(["T cell", "T-cell"], name="cell_id"),
    )
    path = tmp_path / "cells.parquet"
    frame.to_parquet(path)
    schema = ol.Schema(
        features=[features["cell_type"]], index=features["cell_id"], dtype="num", coerce_dtype=True
    )
    curator, by_column, loaded = _reports(path, schema)
    assert by_column == loaded
    assert [i["column"] for i in by_column["issues"]] == ["index (cell_id)"]
    assert not curator._data.loaded


def test_dataframe_level_check_loads_the_frame(features, tmp_path):
    path = tmp_path / "cells.parquet"
    _frame().to_parquet(path)
    schema = _schema(features, checks=[pa.Check(lambda df: len(df.columns) == 1, name="one")])
    curator, by_column, loaded = _reports(path, schema)
    assert by_column == loaded
    assert "check one failed" in [i["message"] for i in by_column["issues"]]
    assert curator._data.loaded  # documented: dataframe-level checks need whole rows


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".tsv"])
def test_coercion_standardize_and_saving_load_lazily(features, tmp_path, suffix):
    frame = pd.DataFrame(  # n_genes: strings in parquet, floats in CSV, converted to int
        {"cell_type": ["T-cell", "B cell"], "t_cell_type": ["T cell"] * 2, "n_genes": ["1", "2.0"]},
        index=["a", "b"],
    )
    path = _write(frame, tmp_path / f"cells{suffix}")
    members = [features[name] for name in ("cell_type", "t_cell_type", "n_genes")]
    schema = ol.Schema(features=members, coerce_dtype=True)
    curator = ol.curate.DataFrameCurator(path, schema)
    assert not curator._data.loaded
    with pytest.raises(ValidationError):
        curator.validate()
    assert curator._data.loaded  # the coerced n_genes column went into the loaded frame
    assert curator.dataset["n_genes"].tolist() == [1, 2]
    assert curator.standardize() == {"cell_type": {"T-cell": "T cell"}}
    assert curator.validate() is None
    assert str(curator.dataset["cell_type"].dtype) == "object"
    artifact = curator.save_artifact(key="tables/cells.parquet")
    assert ol.Artifact.filter(cell_type="T cell").one().id == artifact.id
    assert pd.read_parquet(artifact.cache())["cell_type"].tolist() == ["T cell", "B cell"]


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".tsv"])
def test_add_new_from_and_dataset_on_a_path(features, tmp_path, suffix):
    frame = pd.DataFrame({"cell_type": ["my new cell", "T cell"]})
    path = _write(frame, tmp_path / f"cells{suffix}", index=False)
    schema = ol.Schema(features=[features["cell_type"]])
    curator = ol.curate.DataFrameCurator(path, schema)
    assert curator.non_validated == {"cell_type": ["my new cell"]}
    assert [r.name for r in curator.add_new_from("cell_type")] == ["my new cell"]
    assert curator.validate() is None
    assert curator.dataset["cell_type"].tolist() == ["my new cell", "T cell"]


def test_missing_columns_and_a_corrupt_file(features, tmp_path):
    path = tmp_path / "cells.parquet"
    pd.DataFrame({"other": [1, 2]}).to_parquet(path)
    schema = _schema(features)
    _curator, by_column, loaded = _reports(path, schema)
    assert by_column == loaded
    missing = [i["column"] for i in by_column["issues"] if i["kind"] == "missing_column"]
    assert missing == ["cell_type", "t_cell_type", "n_genes", "donor"]
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 this is not parquet")
    for read in (lambda: ol.curate.DataFrameCurator(corrupt, schema), lambda: read_table(corrupt)):
        with pytest.raises(InvalidDataError, match=r"corrupt\.parquet: cannot be read"):
            read()


def test_a_csv_below_the_size_threshold_is_read_whole(features, tmp_path, monkeypatch):
    path = _write(_frame(), tmp_path / "cells.csv")
    monkeypatch.setattr(dataframe, "CSV_CHUNKS_FROM", path.stat().st_size + 1)
    assert isinstance(ol.curate.DataFrameCurator(path, _schema(features))._data, pd.DataFrame)
    monkeypatch.setattr(dataframe, "CSV_CHUNKS_FROM", path.stat().st_size)
    assert isinstance(ol.curate.DataFrameCurator(path, _schema(features))._data, CsvColumns)


@pytest.mark.parametrize("by_column", [True, False])
def test_a_csv_index_named_as_the_schemas_index_is_the_index(
    features, tmp_path, monkeypatch, by_column
):
    """``to_csv`` of a frame with a named index writes its name as the first header."""
    if not by_column:
        monkeypatch.setattr(dataframe, "CSV_CHUNKS_FROM", 1 << 40)
    frame = pd.DataFrame(
        {"cell_type": ["T cell", "B cell"], "n_genes": [1, 2]},
        index=pd.Index(["T cell", "T-cel"], name="cell_id"),
    )
    frame.to_csv(tmp_path / "cells.csv")
    schema = ol.Schema(
        features=[features["cell_type"], features["n_genes"]],
        index=features["cell_id"],
        maximal_set=True,
    )
    curator = ol.curate.DataFrameCurator(tmp_path / "cells.csv", schema)
    report = curator.collect()
    assert [(issue.column, issue.kind) for issue in report.issues] == [
        ("index (cell_id)", "invalid_values")
    ]
    assert [value.value for value in report.issues[0].values] == ["T-cel"]
    assert curator.dataset.index.name == "cell_id"
