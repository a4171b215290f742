"""SpatialDataCurator on real SpatialData objects and .zarr folders written by spatialdata."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import spatialdata as sd
from click.testing import CliRunner
from spatialdata.models import Image2DModel, Labels2DModel, PointsModel, TableModel

import ontolake as ol
from ontolake.cli import main
from ontolake.errors import InvalidDataError, ValidationError


def _schema(with_missing_table: bool = False) -> ol.Schema:
    ol.bio.CellType.import_source()
    cell_type = ol.Feature(name="cell_type", dtype=ol.bio.CellType).save()
    title = ol.Feature(name="title", dtype=str).save()
    slots = {
        "attrs": ol.Schema(features=[title]),
        "table:obs": ol.Schema(features=[cell_type]),
    }
    if with_missing_table:
        slots["cells:obs"] = ol.Schema(features=[cell_type])
    return ol.Schema(otype="SpatialData", name="visium", slots=slots)


def _sdata(cell_types: list[str], *, title: str = "visium") -> sd.SpatialData:
    n_obs = len(cell_types)
    points = PointsModel.parse(
        pd.DataFrame({"x": [float(i) for i in range(n_obs)], "y": [1.0] * n_obs})
    )
    obs = pd.DataFrame(
        {
            "cell_type": cell_types,
            "region": pd.Categorical(["spots"] * n_obs),
            "instance_id": list(range(n_obs)),
        },
        index=[f"s{i}" for i in range(n_obs)],
    )
    table = TableModel.parse(
        ad.AnnData(obs=obs), region="spots", region_key="region", instance_key="instance_id"
    )
    return sd.SpatialData(points={"spots": points}, tables={"table": table}, attrs={"title": title})


def test_valid_in_memory_and_from_folder(instance, tmp_path):
    schema = _schema()
    sdata = _sdata(["T cell", "B cell", "T cell"])
    assert ol.curate.SpatialDataCurator(sdata, schema).validate() is None
    path = tmp_path / "valid.zarr"
    sdata.write(path)
    curator = ol.curate.SpatialDataCurator(path, schema)
    assert curator.validate() is None
    assert curator.report.slots == {"attrs": 1, "table:obs": 3, "features": 1}
    assert curator.attrs == {"title": "visium"} and list(curator.tables) == ["table"]


def test_invalid_values_per_table_with_counts_and_suggestions(sqlite_instance, tmp_path):
    schema = _schema()
    path = tmp_path / "invalid.zarr"
    _sdata(["T-cell", "B cell", "T-cell", "nonsense cell"]).write(path)
    curator = ol.curate.SpatialDataCurator(path, schema, name="cur")
    with pytest.raises(ValidationError) as caught:
        curator.validate()
    report = caught.value.report
    (issue,) = [i for i in report.issues if i.kind == "invalid_values"]
    assert (issue.slot, issue.column) == ("table:obs", "cell_type")
    assert {value.value: value.count for value in issue.values} == {
        "T-cell": 2,
        "nonsense cell": 1,
    }
    (t_cell,) = [value for value in issue.values if value.value == "T-cell"]
    assert t_cell.rows == ["s0", "s2"]
    assert any(s.value == "T cell" for s in t_cell.suggestions)
    assert "cur.standardize('table:obs:cell_type')" in issue.hint
    assert curator.non_validated == {"table:obs:cell_type": ["T-cell", "nonsense cell"]}


def test_standardize_in_place_and_write(sqlite_instance, tmp_path):
    schema = _schema()
    sdata = _sdata(["T-cell", "B cell"])
    curator = ol.curate.SpatialDataCurator(sdata, schema)
    assert curator.standardize("cell_type") == {"table:obs:cell_type": {"T-cell": "T cell"}}
    assert sdata.tables["table"].obs["cell_type"].tolist() == ["T cell", "B cell"]
    assert curator.validate() is None
    path = tmp_path / "to_fix.zarr"
    _sdata(["T-cell", "B cell"]).write(path)
    from_folder = ol.curate.SpatialDataCurator(path, schema)
    assert from_folder.standardize() == {"table:obs:cell_type": {"T-cell": "T cell"}}
    out = from_folder.write(tmp_path / "fixed.zarr")
    fixed = sd.read_zarr(out)
    assert fixed.tables["table"].obs["cell_type"].tolist() == ["T cell", "B cell"]
    assert ol.curate.SpatialDataCurator(out, schema).validate() is None


def test_missing_table_and_attrs_are_failures(sqlite_instance, tmp_path):
    schema = _schema(with_missing_table=True)
    sdata = _sdata(["T cell"])
    sdata.attrs.clear()
    with pytest.raises(ValidationError) as caught:
        ol.curate.SpatialDataCurator(sdata, schema).validate()
    where = {(i.slot, i.column, i.kind): i.message for i in caught.value.report.issues}
    assert "no table 'cells'" in where[("cells:obs", None, "slot")]
    assert ("attrs", "title", "missing_column") in where


def test_bad_input_names_the_folder(sqlite_instance, tmp_path):
    schema = _schema()
    broken = tmp_path / "broken.zarr"
    _sdata(["T cell"]).write(broken)
    for metadata in ("zarr.json", ".zattrs", ".zgroup"):
        (broken / metadata).unlink(missing_ok=True)
    with pytest.raises(InvalidDataError, match=r"broken\.zarr"):
        ol.curate.SpatialDataCurator(broken, schema)


def test_cli_picks_the_spatialdata_curator(sqlite_instance, tmp_path):
    _schema().save()
    good, bad = tmp_path / "good.zarr", tmp_path / "bad.zarr"
    _sdata(["T cell"]).write(good)
    _sdata(["T-cell"]).write(bad)
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(good), "--schema", "visium"]).exit_code == 0
    result = runner.invoke(main, ["validate", str(bad), "--schema", "visium"])
    assert result.exit_code == 1 and "table:obs" in result.output
    dry_run = runner.invoke(main, ["validate", str(bad), "--schema", "visium", "--standardize"])
    assert dry_run.exit_code == 1 and "after standardizing: valid" in dry_run.output
    fixed = runner.invoke(main, ["standardize", str(bad), "--schema", "visium", "--in-place"])
    assert fixed.exit_code == 0, fixed.output
    assert runner.invoke(main, ["validate", str(bad), "--schema", "visium"]).exit_code == 0


def test_save_artifact_and_curate_from_the_artifact(sqlite_instance):
    schema = _schema()
    artifact = ol.curate.SpatialDataCurator(_sdata(["T cell"]), schema).save_artifact(
        key="visium/x.zarr"
    )
    assert artifact.otype == "SpatialData"
    again = ol.curate.SpatialDataCurator(ol.Artifact.get(key="visium/x.zarr"), schema)
    assert again.validate() is None


def test_images_and_labels_round_trip_through_curation(sqlite_instance, tmp_path):
    """Save, load, curate and save_artifact a SpatialData holding images and labels too."""
    schema = _schema()
    sdata = _sdata(["T-cell", "B cell"])
    image = np.random.default_rng(0).integers(0, 255, (3, 32, 32), dtype=np.uint8)
    labels = np.repeat(np.arange(32, dtype=np.int32)[None, :] % 3, 32, axis=0)
    sdata.images["stain"] = Image2DModel.parse(image, dims=("c", "y", "x"))
    sdata.labels["segmentation"] = Labels2DModel.parse(labels, dims=("y", "x"))
    path = tmp_path / "stained.zarr"
    sdata.write(path)

    curator = ol.curate.SpatialDataCurator(path, schema)
    assert curator.standardize() == {"table:obs:cell_type": {"T-cell": "T cell"}}
    artifact = curator.save_artifact(key="visium/stained.zarr")
    loaded = artifact.load()
    np.testing.assert_array_equal(loaded["stain"].data.compute(), image)
    np.testing.assert_array_equal(loaded["segmentation"].data.compute(), labels)
    assert loaded["table"].obs["cell_type"].tolist() == ["T cell", "B cell"]
    assert ol.curate.SpatialDataCurator(artifact, schema).validate() is None

    in_memory = ol.curate.SpatialDataCurator(loaded, schema).save_artifact(key="visium/again.zarr")
    again = in_memory.load()
    np.testing.assert_array_equal(again["stain"].data.compute(), image)
    np.testing.assert_array_equal(again["segmentation"].data.compute(), labels)
