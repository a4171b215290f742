"""A SpatialData store of real Visium data (``visium_store``: images, labels, points, shapes,
a table and attrs; built from squidpy's test file): validate, standardize, save and load.

Expectations are computed from the store with spatialdata.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import spatialdata as sd
from curate.corpus_schemas import REGISTERED_CLUSTERS, visium_schema

import ontolake as ol
from ontolake.errors import ValidationError


def _assert_same_elements(found: sd.SpatialData, expected: sd.SpatialData) -> None:
    for name in ("tissue_hires", "spot_labels"):
        np.testing.assert_array_equal(found[name].data.compute(), expected[name].data.compute())
    pd.testing.assert_frame_equal(
        found["spot_centres"].compute().reset_index(drop=True),
        expected["spot_centres"].compute().reset_index(drop=True),
    )
    assert found["spots"].geometry.equals(expected["spots"].geometry)
    pd.testing.assert_frame_equal(found["table"].var, expected["table"].var)
    np.testing.assert_array_equal(found["table"].X.toarray(), expected["table"].X.toarray())


def test_visium_store_validates_standardizes_saves_and_loads(
    sqlite_instance, visium_store, tmp_path
):
    path = tmp_path / "visium.zarr"
    shutil.copytree(visium_store, path)
    expected = sd.read_zarr(path)
    curator = ol.curate.SpatialDataCurator(path, visium_schema())
    with pytest.raises(ValidationError) as caught:
        curator.validate()
    (issue,) = caught.value.report.issues
    assert (issue.slot, issue.column, issue.kind) == ("table:obs", "leiden", "invalid_values")
    counts = expected["table"].obs["leiden"].value_counts()
    unregistered = {
        v: counts[v] for v in counts.index if counts[v] and v not in REGISTERED_CLUSTERS
    }
    assert {value.value: value.count for value in issue.values} == unregistered
    assert curator.standardize() == {}  # cluster numbers have no other spelling
    assert sorted(r.name for r in curator.add_new_from("leiden")) == sorted(unregistered)
    assert curator.validate() is None

    written = sd.read_zarr(curator.write(tmp_path / "written.zarr"))
    _assert_same_elements(written, expected)
    artifact = curator.save_artifact(key="visium/mouse_brain.zarr")
    assert (artifact.otype, artifact.n_observations) == ("SpatialData", expected["table"].n_obs)
    assert ol.Artifact.filter(leiden="9").one().id == artifact.id
    assert artifact.features.get_values()["software_version"] == "spaceranger-1.0.0"
    loaded = artifact.load()
    _assert_same_elements(loaded, expected)
    pd.testing.assert_frame_equal(loaded["table"].obs, expected["table"].obs)
    assert ol.curate.SpatialDataCurator(artifact, visium_schema()).validate() is None


def test_attrs_failures_are_reported_as_attrs_keys(sqlite_instance, visium_store):
    report = ol.curate.SpatialDataCurator(visium_store, visium_schema(version_dtype=int)).collect()
    (issue,) = [i for i in report.issues if i.column == "software_version"]
    assert (issue.slot, issue.kind) == ("attrs", "dtype")
    assert issue.where == "attrs key 'software_version'"
    assert "attrs key 'software_version'" in report.summary()
    assert "column 'software_version'" not in report.to_markdown()


def test_saved_as_it_is_and_loaded_back(sqlite_instance, visium_store):
    expected = sd.read_zarr(visium_store)
    artifact = ol.Artifact(str(visium_store), key="visium/raw.zarr").save()
    assert artifact.otype == "SpatialData"
    loaded = artifact.load()
    assert sorted(loaded.images) == ["tissue_hires"] and sorted(loaded.labels) == ["spot_labels"]
    _assert_same_elements(loaded, expected)
    assert loaded.attrs == expected.attrs
