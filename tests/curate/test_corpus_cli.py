"""The corpus through the installed ``curate`` executable, as a person types it.

Each file goes through ``curate validate``, ``curate standardize``, ``curate save`` and
``curate load`` in fresh processes (fresh HOME, the instance named by ``ONTOLAKE_INSTANCE``);
the schemas are saved by name in that instance first.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import anndata as ad
import mudata as md
import pandas as pd
import spatialdata as sd
from curate.corpus_schemas import (
    H5MU,
    PBMC,
    REGISTERED_POPULATIONS,
    ZARR,
    pbmc_obs_schema,
    visium_schema,
    wu2020_schema,
)

import ontolake as ol


def _run(curate_cli, instance, *arguments):
    result = curate_cli(*arguments, ONTOLAKE_INSTANCE=instance.root.root)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _save_and_load(curate_cli, instance, name: str, key: str) -> Path:
    saved = _run(curate_cli, instance, "save", name, "--key", key)
    assert saved.returncode == 0, saved.stderr
    loaded = _run(curate_cli, instance, "load", "--key", key)
    assert loaded.returncode == 0, loaded.stderr
    return Path(loaded.stdout.strip())


def test_legacy_h5ad(sqlite_instance, corpus, curate_cli):
    ol.Schema(otype="AnnData", name="pbmc", slots={"obs": pbmc_obs_schema()}).save()
    path = corpus.copy(PBMC, curate_cli.cwd)
    counts = ad.read_h5ad(path).obs["bulk_labels"].value_counts()

    checked = _run(
        curate_cli, sqlite_instance, "validate", PBMC, "--schema", "pbmc", "--format", "json"
    )
    assert checked.returncode == 1, checked.stderr
    (issue,) = json.loads(checked.stdout)["issues"]
    found = {value["value"]: value["count"] for value in issue["values"]}
    assert found == {v: counts[v] for v in counts.index if v not in REGISTERED_POPULATIONS}

    fixed = _run(
        curate_cli, sqlite_instance, "standardize", PBMC, "--schema", "pbmc", "-o", "std.h5ad"
    )
    assert fixed.returncode == 1, fixed.stderr  # two populations are still unregistered
    standardized = ad.read_h5ad(curate_cli.cwd / "std.h5ad")
    assert (standardized.obs["bulk_labels"] == "dendritic").sum() == counts["Dendritic"]
    again = _run(
        curate_cli, sqlite_instance, "validate", "std.h5ad", "--schema", "pbmc", "--format", "json"
    )
    (left,) = json.loads(again.stdout)["issues"]
    assert {value["value"] for value in left["values"]} == {"CD34+", "CD4+/CD45RA+/CD25- Naive T"}

    loaded = ad.read_h5ad(_save_and_load(curate_cli, sqlite_instance, "std.h5ad", "pbmc/std.h5ad"))
    pd.testing.assert_frame_equal(loaded.obs, standardized.obs)
    assert (loaded.X == standardized.X).all()


def test_unreadable_input_is_exit_2_with_one_line(sqlite_instance, corpus, curate_cli):
    ol.Schema(otype="AnnData", name="pbmc", slots={"obs": pbmc_obs_schema()}).save()
    (curate_cli.cwd / "truncated.h5ad").write_bytes(corpus.path(PBMC).read_bytes()[:4096])
    result = _run(curate_cli, sqlite_instance, "validate", "truncated.h5ad", "--schema", "pbmc")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert "truncated.h5ad" in line and "written by anndata" in line


def test_anndata_zarr(sqlite_instance, corpus, curate_cli):
    ol.save([ol.ULabel(name=letter) for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"])
    obs = ol.Schema(features=[ol.Feature(name="obs_cat", dtype=ol.ULabel).save()])
    ol.Schema(otype="AnnData", name="archive", slots={"obs": obs}).save()
    path = corpus.copy(ZARR, curate_cli.cwd)
    expected = ad.read_zarr(path)

    assert (
        _run(curate_cli, sqlite_instance, "validate", ZARR, "--schema", "archive").returncode == 1
    )
    fixed = _run(
        curate_cli, sqlite_instance, "standardize", ZARR, "--schema", "archive", "-o", "fixed.zarr"
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (
        _run(
            curate_cli, sqlite_instance, "validate", "fixed.zarr", "--schema", "archive"
        ).returncode
        == 0
    )
    upper = [value.upper() for value in expected.obs["obs_cat"]]
    assert ad.read_zarr(curate_cli.cwd / "fixed.zarr").obs["obs_cat"].tolist() == upper

    loaded = ad.read_zarr(
        _save_and_load(curate_cli, sqlite_instance, "fixed.zarr", "archive/fixed.zarr")
    )
    assert loaded.obs["obs_cat"].tolist() == upper
    pd.testing.assert_frame_equal(loaded.var, expected.var)


def test_scirpy_mudata(sqlite_instance, corpus, curate_cli):
    wu2020_schema(with_rna=True).save()
    corpus.copy(H5MU, curate_cli.cwd)
    checked = _run(
        curate_cli, sqlite_instance, "validate", H5MU, "--schema", "wu2020", "--format", "json"
    )
    assert checked.returncode == 1
    messages = {issue["slot"]: issue["message"] for issue in json.loads(checked.stdout)["issues"]}
    assert "(its modalities: 'airr', 'gex')" in messages["rna:obs"]

    fixed = _run(
        curate_cli, sqlite_instance, "standardize", H5MU, "--schema", "wu2020", "-o", "fixed.h5mu"
    )
    assert fixed.returncode == 1  # NAT and the non-lung patients are not registered
    sources = md.read_h5mu(curate_cli.cwd / "fixed.h5mu")["gex"].obs["source"]
    assert set(sources) == {"blood", "tumor", "NAT"}

    loaded = md.read_h5mu(
        _save_and_load(curate_cli, sqlite_instance, "fixed.h5mu", "airr/fixed.h5mu")
    )
    assert loaded["gex"].obs["source"].tolist() == sources.tolist()


def test_visium_spatialdata(sqlite_instance, visium_store, curate_cli):
    visium_schema().save()
    shutil.copytree(visium_store, curate_cli.cwd / "visium.zarr")
    checked = _run(
        curate_cli,
        sqlite_instance,
        "validate",
        "visium.zarr",
        "--schema",
        "visium",
        "--format",
        "json",
    )
    assert checked.returncode == 1
    (issue,) = json.loads(checked.stdout)["issues"]
    assert issue["where"] == "table:obs column 'leiden'"

    written = _run(
        curate_cli,
        sqlite_instance,
        "standardize",
        "visium.zarr",
        "--schema",
        "visium",
        "-o",
        "out.zarr",
    )
    assert written.returncode == 1
    assert sd.read_zarr(curate_cli.cwd / "out.zarr")["tissue_hires"].shape == (3, 100, 100)

    loaded = sd.read_zarr(
        _save_and_load(curate_cli, sqlite_instance, "visium.zarr", "visium/v.zarr")
    )
    assert sorted(loaded.images) == ["tissue_hires"] and sorted(loaded.labels) == ["spot_labels"]
    assert loaded["table"].n_obs == sd.read_zarr(visium_store)["table"].n_obs
