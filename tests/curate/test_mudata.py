"""MuDataCurator on real MuData objects and .h5mu files written by mudata."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import ontolake as ol
from ontolake.cli import main
from ontolake.errors import InvalidDataError, ValidationError


def _schema(with_missing_modality: bool = False) -> ol.Schema:
    ol.bio.CellType.import_source()
    cell_type = ol.Feature(name="cell_type", dtype=ol.bio.CellType).save()
    batch = ol.Feature(name="batch", dtype=int).save()
    title = ol.Feature(name="title", dtype=str).save()
    slots = {
        "obs": ol.Schema(features=[batch]),
        "uns": ol.Schema(features=[title]),
        "rna:obs": ol.Schema(features=[cell_type]),
    }
    if with_missing_modality:
        slots["atac:obs"] = ol.Schema(features=[cell_type])
    return ol.Schema(otype="MuData", name="multiome", slots=slots)


def _mdata(cell_types: list[str]) -> md.MuData:
    n_obs = len(cell_types)
    rna = ad.AnnData(
        np.ones((n_obs, 2), dtype=np.float32),
        obs=pd.DataFrame({"cell_type": cell_types}, index=[f"c{i}" for i in range(n_obs)]),
        var=pd.DataFrame(index=["g1", "g2"]),
    )
    mdata = md.MuData({"rna": rna})
    mdata.obs["batch"] = [i % 2 for i in range(n_obs)]
    mdata.uns["title"] = "multiome"
    return mdata


def test_valid_in_memory_and_from_file(instance, tmp_path):
    schema = _schema()
    mdata = _mdata(["T cell", "B cell", "T cell"])
    assert ol.curate.MuDataCurator(mdata, schema).validate() is None
    path = tmp_path / "valid.h5mu"
    mdata.write(path)
    curator = ol.curate.MuDataCurator(path, schema)
    assert curator.validate() is None
    assert curator.report.slots == {"obs": 3, "uns": 1, "rna:obs": 3, "features": 1}
    assert curator.dataset is None and list(curator.modalities) == ["rna"]


def test_invalid_values_per_modality_with_counts_and_suggestions(sqlite_instance, tmp_path):
    schema = _schema()
    path = tmp_path / "invalid.h5mu"
    _mdata(["T-cell", "B cell", "T-cell", "nonsense cell"]).write(path)
    curator = ol.curate.MuDataCurator(path, schema, name="cur")
    with pytest.raises(ValidationError) as caught:
        curator.validate()
    report = caught.value.report
    (issue,) = [i for i in report.issues if i.kind == "invalid_values"]
    assert (issue.slot, issue.column) == ("rna:obs", "cell_type")
    counts = {value.value: value.count for value in issue.values}
    assert counts == {"T-cell": 2, "nonsense cell": 1}
    (t_cell,) = [value for value in issue.values if value.value == "T-cell"]
    assert t_cell.rows == ["c0", "c2"]
    assert any(s.value == "T cell" for s in t_cell.suggestions)
    assert "cur.standardize('rna:obs:cell_type')" in issue.hint
    assert curator.non_validated == {"rna:obs:cell_type": ["T-cell", "nonsense cell"]}


def test_standardize_in_place_and_write(sqlite_instance, tmp_path):
    schema = _schema()
    mdata = _mdata(["T-cell", "B cell"])
    curator = ol.curate.MuDataCurator(mdata, schema)
    assert curator.standardize("cell_type") == {"rna:obs:cell_type": {"T-cell": "T cell"}}
    assert mdata.mod["rna"].obs["cell_type"].tolist() == ["T cell", "B cell"]
    assert curator.validate() is None
    path = tmp_path / "to_fix.h5mu"
    _mdata(["T-cell", "B cell"]).write(path)
    from_file = ol.curate.MuDataCurator(path, schema)
    assert from_file.standardize() == {"rna:obs:cell_type": {"T-cell": "T cell"}}
    out = from_file.write(tmp_path / "fixed.h5mu")
    fixed = md.read_h5mu(out)
    assert fixed.mod["rna"].obs["cell_type"].tolist() == ["T cell", "B cell"]
    assert ol.curate.MuDataCurator(out, schema).validate() is None


def test_missing_modality_is_a_failure(sqlite_instance, tmp_path):
    schema = _schema(with_missing_modality=True)
    curator = ol.curate.MuDataCurator(_mdata(["T cell"]), schema)
    with pytest.raises(ValidationError) as caught:
        curator.validate()
    (issue,) = caught.value.report.issues
    assert (issue.slot, issue.kind) == ("atac:obs", "slot")
    assert "no modality 'atac'" in issue.message


def test_bad_input_names_the_file(sqlite_instance, tmp_path):
    schema = _schema()
    truncated = tmp_path / "truncated.h5mu"
    _mdata(["T cell"]).write(tmp_path / "whole.h5mu")
    truncated.write_bytes((tmp_path / "whole.h5mu").read_bytes()[:2000])
    with pytest.raises(InvalidDataError, match=r"truncated\.h5mu"):
        ol.curate.MuDataCurator(truncated, schema)
    anndata_schema = ol.Schema(otype="AnnData", slots={"obs": ol.Schema(features=[])})
    with pytest.raises(InvalidDataError, match="does not fit MuDataCurator"):
        ol.curate.MuDataCurator(_mdata(["T cell"]), anndata_schema)


def test_cli_picks_the_mudata_curator(sqlite_instance, tmp_path):
    _schema().save()
    good, bad = tmp_path / "good.h5mu", tmp_path / "bad.h5mu"
    _mdata(["T cell"]).write(good)
    _mdata(["T-cell"]).write(bad)
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(good), "--schema", "multiome"]).exit_code == 0
    result = runner.invoke(main, ["validate", str(bad), "--schema", "multiome"])
    assert result.exit_code == 1 and "rna:obs" in result.output
    dry_run = runner.invoke(main, ["validate", str(bad), "--schema", "multiome", "--standardize"])
    assert dry_run.exit_code == 1 and "after standardizing: valid" in dry_run.output
    fixed = runner.invoke(main, ["standardize", str(bad), "--schema", "multiome", "--in-place"])
    assert fixed.exit_code == 0, fixed.output
    assert runner.invoke(main, ["validate", str(bad), "--schema", "multiome"]).exit_code == 0


def test_save_artifact_and_curate_from_the_artifact(sqlite_instance, tmp_path):
    schema = _schema()
    path = tmp_path / "multiome.h5mu"
    _mdata(["T-cell", "B cell"]).write(path)
    curator = ol.curate.MuDataCurator(path, schema)
    curator.standardize()
    artifact = curator.save_artifact(key="multiome/x.h5mu")
    assert artifact.otype == "MuData"
    again = ol.curate.MuDataCurator(ol.Artifact.get(key="multiome/x.h5mu"), schema)
    assert again.validate() is None
    assert again.modalities["rna"].obs["cell_type"].tolist() == ["T cell", "B cell"]
