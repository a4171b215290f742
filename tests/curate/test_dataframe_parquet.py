"""A parquet path is validated column by column, with the report of the loaded DataFrame."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

import ontolake as ol
from ontolake.curate.dataframe import read_table
from ontolake.errors import InvalidDataError, ValidationError


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


def _reports(path, schema):
    """The report of ``path`` validated column by column and of the same file loaded first."""
    by_column = ol.curate.DataFrameCurator(path, schema)
    by_column._source = "dataset"  # the loaded frame has no file name to report
    loaded = ol.curate.DataFrameCurator(pd.read_parquet(path), schema)
    return by_column, by_column.collect().to_dict(), loaded.collect().to_dict()


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
        patch.setattr(pd, "read_parquet", lambda *a, **k: pytest.fail("whole file read"))
        curator = ol.curate.DataFrameCurator(path, schema)
        curator._source = "dataset"  # the loaded frame has no file name to report
        report = curator.collect().to_dict()
    assert report == loaded
    assert not curator._data.loaded
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
    if index != "range":
        assert ("index", "duplicated_index") in kinds
        (cell_type,) = [i for i in report["issues"] if i["column"] == "cell_type"]
        synonym = next(v for v in cell_type["values"] if v["value"] == "T-cell")
        assert synonym["count"] == 6 and synonym["rows"][:2] == ["cell1", "cell6"]
        assert synonym["suggestions"][0]["value"] == "T cell"


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


def test_coercion_standardize_and_saving_load_lazily(features, tmp_path):
    frame = pd.DataFrame(
        {"cell_type": ["T-cell", "B cell"], "t_cell_type": ["T cell"] * 2, "n_genes": ["1", "2"]},
        index=["a", "b"],
    )
    path = tmp_path / "cells.parquet"
    frame.to_parquet(path)
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


def test_add_new_from_and_dataset_on_a_path(features, tmp_path):
    path = tmp_path / "cells.parquet"
    pd.DataFrame({"cell_type": ["my new cell", "T cell"]}).to_parquet(path)
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
