from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import spatialdata as sd
import zarr
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem
from spatialdata.models import Image2DModel, Labels2DModel, PointsModel, ShapesModel, TableModel

from ontolake.errors import (
    InvalidDataError,
    InvalidKeyError,
    MissingDependencyError,
    UnsupportedObjectError,
)
from ontolake.storage.formats import (
    default_suffix,
    describe_file,
    detect_otype,
    load,
    n_observations,
    open_accessor,
    write_object,
)
from ontolake.storage.hashing import hash_path
from ontolake.storage.root import StorageRoot, url_to_fs

LOCAL = LocalFileSystem()


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {"gene": ["TP53", "BRCA1", "EGFR"], "gc_content": [0.41, 0.55, 0.62]},
        index=pd.Index(["r1", "r2", "r3"], name="row"),
    )


@pytest.fixture
def adata() -> ad.AnnData:
    return ad.AnnData(
        X=np.arange(6, dtype="float32").reshape(3, 2),
        obs=pd.DataFrame({"cell_type": ["T cell", "B cell", "T cell"]}, index=["c1", "c2", "c3"]),
        var=pd.DataFrame(index=["ENSG1", "ENSG2"]),
    )


@pytest.fixture
def mdata(adata: ad.AnnData) -> md.MuData:
    return md.MuData({"rna": adata})


@pytest.fixture
def sdata() -> sd.SpatialData:
    points = PointsModel.parse(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}))
    table = TableModel.parse(
        ad.AnnData(
            obs=pd.DataFrame(
                {"region": pd.Categorical(["spots", "spots"]), "instance_id": [0, 1]},
                index=["0", "1"],
            )
        ),
        region="spots",
        region_key="region",
        instance_key="instance_id",
    )
    return sd.SpatialData(points={"spots": points}, tables={"table": table})


def _written(obj: Any, otype: str, path: Path, suffix: str) -> str:
    write_object(obj, otype, str(path), suffix)
    return str(path)


@pytest.mark.parametrize("otype", ["DataFrame", "AnnData", "MuData", "SpatialData"])
def test_detect_otype_recognises_each_supported_object(
    request: pytest.FixtureRequest, otype: str
) -> None:
    fixture = {"DataFrame": "df", "AnnData": "adata", "MuData": "mdata", "SpatialData": "sdata"}
    assert detect_otype(request.getfixturevalue(fixture[otype])) == otype


def test_detect_otype_accepts_subclasses(df: pd.DataFrame) -> None:
    class Measurements(pd.DataFrame):
        pass

    assert detect_otype(Measurements(df)) == "DataFrame"


@pytest.mark.parametrize("obj", [np.zeros(3), {"a": 1}, pd.Series([1, 2])])
def test_detect_otype_rejects_other_objects_and_lists_what_is_supported(obj: object) -> None:
    with pytest.raises(UnsupportedObjectError) as raised:
        detect_otype(obj)
    message = str(raised.value)
    assert type(obj).__name__ in message
    assert "DataFrame, an AnnData, a MuData and a SpatialData" in message
    assert "pass its path or an fsspec URL" in message


@pytest.mark.parametrize(
    ("otype", "key", "suffix"),
    [
        ("DataFrame", None, ".parquet"),
        ("DataFrame", "tables/x.parquet", ".parquet"),
        ("DataFrame", "tables/x", ".parquet"),
        ("AnnData", "scrna/x.h5ad", ".h5ad"),
        ("AnnData", "scrna/x.zarr", ".zarr"),
        ("AnnData", "scrna/x.anndata.zarr", ".anndata.zarr"),
        ("AnnData", None, ".h5ad"),
        ("MuData", "multiome/x.h5mu", ".h5mu"),
        ("SpatialData", "visium/x.zarr", ".zarr"),
        ("SpatialData", None, ".zarr"),
    ],
)
def test_default_suffix(otype: str, key: str | None, suffix: str) -> None:
    assert default_suffix(otype, key) == suffix


@pytest.mark.parametrize(
    ("otype", "key"),
    [
        ("DataFrame", "x.csv"),
        ("AnnData", "x.h5mu"),
        ("MuData", "x.h5ad"),
        ("SpatialData", "x.h5ad"),
    ],
)
def test_a_key_with_a_conflicting_suffix_is_rejected(otype: str, key: str) -> None:
    with pytest.raises(InvalidKeyError, match="use a key ending in") as raised:
        default_suffix(otype, key)
    assert raised.value.rule == "suffix"


def test_a_dataframe_round_trips_through_parquet(df: pd.DataFrame, tmp_path: Path) -> None:
    path = _written(df, "DataFrame", tmp_path / "x.parquet", ".parquet")
    pd.testing.assert_frame_equal(load(path, ".parquet", "DataFrame"), df)
    assert describe_file(path, ".parquet") == ("DataFrame", 3)
    assert n_observations(df, "DataFrame") == 3
    dataset = open_accessor(LOCAL, path, ".parquet", "DataFrame")
    assert dataset.count_rows() == 3
    genes = dataset.to_table(columns=["gene"]).column("gene").to_pylist()
    assert genes == ["TP53", "BRCA1", "EGFR"]


def test_writing_the_same_object_twice_gives_the_same_content(
    df: pd.DataFrame, adata: ad.AnnData, tmp_path: Path
) -> None:
    for obj, otype, suffix in [(df, "DataFrame", ".parquet"), (adata, "AnnData", ".h5ad")]:
        first = _written(obj, otype, tmp_path / f"first{suffix}", suffix)
        second = _written(obj.copy(), otype, tmp_path / f"second{suffix}", suffix)
        assert hash_path(first) == hash_path(second)


def test_non_string_column_names_are_rejected_with_the_fix(tmp_path: Path) -> None:
    frame = pd.DataFrame({0: [1], "name": ["a"], 2.5: [3]})
    path = tmp_path / "x.parquet"
    with pytest.raises(InvalidDataError) as raised:
        write_object(frame, "DataFrame", str(path), ".parquet")
    message = str(raised.value)
    assert "0, 2.5" in message
    assert "'name'" not in message
    assert "df.columns = df.columns.astype(str)" in message
    assert not path.exists()


def test_an_anndata_round_trips_through_h5ad(adata: ad.AnnData, tmp_path: Path) -> None:
    path = _written(adata, "AnnData", tmp_path / "x.h5ad", ".h5ad")
    loaded = load(path, ".h5ad", "AnnData")
    np.testing.assert_array_equal(loaded.X, adata.X)
    pd.testing.assert_frame_equal(loaded.obs, adata.obs)
    assert describe_file(path, ".h5ad") == ("AnnData", 3)
    assert n_observations(adata, "AnnData") == 3
    backed = open_accessor(LOCAL, path, ".h5ad", "AnnData")
    try:
        assert backed.isbacked
        assert list(backed.obs_names) == ["c1", "c2", "c3"]
    finally:
        backed.file.close()


def test_an_anndata_round_trips_through_zarr(adata: ad.AnnData, tmp_path: Path) -> None:
    path = _written(adata, "AnnData", tmp_path / "x.zarr", ".zarr")
    assert describe_file(path, ".zarr") == ("AnnData", 3)
    loaded = load(path, ".zarr", "AnnData")
    np.testing.assert_array_equal(loaded.X, adata.X)
    assert list(loaded.obs_names) == ["c1", "c2", "c3"]
    group = open_accessor(LOCAL, path, ".zarr", "AnnData")
    assert group.attrs["encoding-type"] == "anndata"
    assert group["X"].shape == (3, 2)


def test_a_mudata_round_trips_through_h5mu(mdata: md.MuData, tmp_path: Path) -> None:
    path = _written(mdata, "MuData", tmp_path / "x.h5mu", ".h5mu")
    assert describe_file(path, ".h5mu") == ("MuData", 3)
    assert n_observations(mdata, "MuData") == 3
    loaded = load(path, ".h5mu", "MuData")
    assert list(loaded.mod) == ["rna"]
    np.testing.assert_array_equal(loaded["rna"].X, mdata["rna"].X)


def test_a_spatialdata_round_trips_through_zarr(sdata: sd.SpatialData, tmp_path: Path) -> None:
    path = _written(sdata, "SpatialData", tmp_path / "x.zarr", ".zarr")
    assert sdata.path is None  # the object is not left pointing at the written copy
    assert describe_file(path, ".zarr") == ("SpatialData", 2)
    assert n_observations(sdata, "SpatialData") == 2
    loaded = load(path, ".zarr", "SpatialData")
    assert list(loaded.points) == ["spots"]
    assert loaded.points["spots"].compute()["x"].tolist() == [1.0, 2.0]
    assert loaded.tables["table"].n_obs == 2


def _every_element(image: Any) -> sd.SpatialData:
    """A SpatialData with an image, labels, points, circles and a table annotating them."""
    import geopandas as gpd
    from shapely.geometry import Point

    labels = np.zeros((16, 16), dtype=np.int32)
    labels[2:6, 2:6], labels[8:12, 8:12] = 1, 2
    circles = gpd.GeoDataFrame(
        {"radius": [2.0, 3.0]}, geometry=[Point(4, 4), Point(10, 10)], index=[1, 2]
    )
    obs = pd.DataFrame(
        {"region": pd.Categorical(["cells", "cells"]), "cell_id": [1, 2]}, index=["a", "b"]
    )
    return sd.SpatialData(
        images={"stain": Image2DModel.parse(image, dims=("c", "y", "x"))},
        labels={"segmentation": Labels2DModel.parse(labels, dims=("y", "x"))},
        points={"transcripts": PointsModel.parse(pd.DataFrame({"x": [1.0], "y": [2.0]}))},
        shapes={"cells": ShapesModel.parse(circles)},
        tables={
            "table": TableModel.parse(
                ad.AnnData(obs=obs), region="cells", region_key="region", instance_key="cell_id"
            )
        },
    )


def test_a_spatialdata_with_images_and_labels_round_trips(tmp_path: Path) -> None:
    image = np.random.default_rng(0).integers(0, 255, (3, 16, 16), dtype=np.uint8)
    sdata = _every_element(image)
    path = _written(sdata, "SpatialData", tmp_path / "x.zarr", ".zarr")
    assert describe_file(path, ".zarr") == ("SpatialData", 2)
    loaded = load(path, ".zarr", "SpatialData")
    np.testing.assert_array_equal(loaded["stain"].data.compute(), image)
    np.testing.assert_array_equal(
        loaded["segmentation"].data.compute(), sdata["segmentation"].data.compute()
    )
    assert loaded["cells"].geometry.equals(sdata["cells"].geometry)
    assert loaded["transcripts"].compute()["x"].tolist() == [1.0]
    pd.testing.assert_frame_equal(loaded["table"].obs, sdata["table"].obs)


def test_an_anndata_element_that_cannot_be_stored_is_named(tmp_path: Path) -> None:
    adata = ad.AnnData(
        np.zeros((2, 1), dtype=np.float32),
        obs=pd.DataFrame({"dose": [1, "high"]}, index=["a", "b"]),
    )
    with pytest.raises(InvalidDataError) as caught:
        write_object(adata, "AnnData", str(tmp_path / "x.h5ad"), ".h5ad")
    assert "anndata could not write the element /obs/dose" in str(caught.value)


def test_a_failure_inside_the_writing_libraries_is_not_blamed_on_the_data(
    tmp_path: Path,
) -> None:
    import dask
    import dask.array as da

    def unreadable() -> Any:
        raise RuntimeError("the microscope's export failed")

    image = da.from_delayed(dask.delayed(unreadable)(), shape=(3, 16, 16), dtype=np.uint8)
    with pytest.raises(RuntimeError, match="microscope") as caught:
        write_object(_every_element(image), "SpatialData", str(tmp_path / "x.zarr"), ".zarr")
    notes = " ".join(getattr(caught.value, "__notes__", []))
    assert f"spatialdata {sd.__version__}" in notes and "not because of its contents" in notes


def test_a_plain_zarr_group_has_no_object_type(tmp_path: Path) -> None:
    group = zarr.open_group(str(tmp_path / "image.ome.zarr"), mode="w")
    group.create_array("0", shape=(2, 2), dtype="uint8")
    path = str(tmp_path / "image.ome.zarr")
    assert describe_file(path, ".ome.zarr") == (None, None)
    with pytest.raises(UnsupportedObjectError, match=r"use \.open\(\) for a zarr group"):
        load(path, ".ome.zarr", None)
    assert open_accessor(LOCAL, path, ".ome.zarr", None)["0"].shape == (2, 2)


@pytest.mark.parametrize("name", ["reads.fasta", "table.csv", "notes"])
def test_other_files_are_described_without_an_object_type(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(">seq\nACGT\n")
    assert describe_file(str(tmp_path / name), Path(name).suffix) == (None, None)


@pytest.mark.parametrize("suffix", [".parquet", ".h5ad", ".h5mu"])
def test_a_file_that_is_not_what_its_suffix_says_is_invalid(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"broken{suffix}"
    path.write_text("this is plain text")
    with pytest.raises(InvalidDataError, match=f"cannot be read as a {suffix} file") as raised:
        describe_file(str(path), suffix)
    assert str(path) in str(raised.value)


def test_a_zarr_folder_without_a_store_is_invalid(tmp_path: Path) -> None:
    folder = tmp_path / "x.zarr"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a zarr store")
    with pytest.raises(InvalidDataError, match="is not a zarr group"):
        describe_file(str(folder), ".zarr")


def test_text_tables_and_json_are_loaded(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    (tmp_path / "x.tsv").write_text("a\tb\n1\t2\n")
    (tmp_path / "x.json").write_text(json.dumps({"lr": 0.01, "layers": [1, 2]}))
    expected = pd.DataFrame({"a": [1], "b": [2]})
    pd.testing.assert_frame_equal(load(str(tmp_path / "x.csv"), ".csv", None), expected)
    pd.testing.assert_frame_equal(load(str(tmp_path / "x.tsv"), ".tsv", None), expected)
    assert load(str(tmp_path / "x.json"), ".json", None) == {"lr": 0.01, "layers": [1, 2]}


def test_a_format_that_cannot_be_loaded_points_to_cache(tmp_path: Path) -> None:
    (tmp_path / "x.fasta").write_text(">seq\nACGT\n")
    with pytest.raises(UnsupportedObjectError, match=r"Use \.cache\(\) to get a local path"):
        load(str(tmp_path / "x.fasta"), ".fasta", None)


def test_other_files_open_as_binary_streams(tmp_path: Path) -> None:
    (tmp_path / "x.fasta").write_bytes(b">seq\nACGT\n")
    with open_accessor(LOCAL, str(tmp_path / "x.fasta"), ".fasta", None) as handle:
        assert handle.read() == b">seq\nACGT\n"


def test_a_remote_h5ad_must_be_cached_before_it_is_opened(
    adata: ad.AnnData, tmp_path: Path
) -> None:
    memory = MemoryFileSystem()
    memory.put_file(_written(adata, "AnnData", tmp_path / "x.h5ad", ".h5ad"), "/lake/x.h5ad")
    with pytest.raises(UnsupportedObjectError, match=r"call \.cache\(\) first"):
        open_accessor(memory, "memory://lake/x.h5ad", ".h5ad", "AnnData")


@pytest.mark.s3
def test_files_on_s3_are_described_and_opened_in_place(
    df: pd.DataFrame, adata: ad.AnnData, tmp_path: Path, s3_bucket: str
) -> None:
    root = StorageRoot(s3_bucket)
    for obj, otype, name in [(df, "DataFrame", "x.parquet"), (adata, "AnnData", "x.h5ad")]:
        root.upload(_written(obj, otype, tmp_path / name, Path(name).suffix), root.join(name))
    root.upload(_written(adata, "AnnData", tmp_path / "y.zarr", ".zarr"), root.join("y.zarr"))
    assert describe_file(root.join("x.parquet"), ".parquet", root.fs) == ("DataFrame", 3)
    assert describe_file(root.join("x.h5ad"), ".h5ad", root.fs) == ("AnnData", 3)
    assert describe_file(root.join("y.zarr"), ".zarr", root.fs) == ("AnnData", 3)
    dataset = open_accessor(root.fs, root.join("x.parquet"), ".parquet", "DataFrame")
    assert dataset.to_table().num_rows == 3
    group = open_accessor(root.fs, root.join("y.zarr"), ".zarr", "AnnData")
    assert group["X"].shape == (3, 2)


@pytest.mark.parametrize(
    ("module", "suffix", "extra"),
    [("mudata", ".h5mu", "ontolake[mudata]"), ("spatialdata", ".zarr", "ontolake[spatial]")],
)
def test_a_missing_optional_library_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, module: str, suffix: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    otype = "MuData" if module == "mudata" else "SpatialData"
    with pytest.raises(MissingDependencyError, match=re.escape(f"pip install '{extra}'")):
        load(str(tmp_path / f"x{suffix}"), suffix, otype)


def test_a_missing_fsspec_backend_says_what_to_install() -> None:
    with pytest.raises(MissingDependencyError, match="gcsfs"):
        url_to_fs("gcs://bucket/x.parquet")
