"""Artifacts: files, folders, objects and URLs; versions, dedupe, atomic saves, read back."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ontolake as ol
from ontolake.errors import (
    InvalidDataError,
    InvalidKeyError,
    PathNotFoundError,
    UnsupportedObjectError,
)


def managed_files(instance) -> list[str]:
    folder = Path(instance.root.root) / ".ontolake"
    return sorted(
        path.name
        for path in folder.iterdir()
        if path.name not in {"instance.json", "ontolake.db", "ontolake.db-wal", "ontolake.db-shm"}
        and not path.name.startswith(".")
    )


@pytest.fixture
def fasta(tmp_path) -> Path:
    path = tmp_path / "inputs" / "sample.fasta"
    path.parent.mkdir()
    path.write_text(">r1\nACGT\n")
    return path


def test_file_is_stored_under_its_uid_with_its_hash(instance, fasta):
    artifact = ol.Artifact(fasta, key="raw/sample.fasta", description="reads").save()
    assert artifact.suffix == ".fasta"
    assert artifact.size == fasta.stat().st_size
    assert artifact.hash == hashlib.sha256(fasta.read_bytes()).hexdigest()
    assert len(artifact.uid) == 16 and artifact.uid.endswith("0001")
    assert artifact.path == str(Path(instance.root.root) / ".ontolake" / f"{artifact.uid}.fasta")
    assert Path(artifact.cache()).read_text() == ">r1\nACGT\n"
    assert ol.Artifact.get(key="raw/sample.fasta") == artifact
    assert artifact.created_by.handle
    assert artifact.storage.root == instance.root.root
    assert fasta.exists()  # the source is copied, never moved


def test_editing_an_old_version_warns(sqlite_instance, fasta, caplog):
    first = ol.Artifact(fasta, key="raw/sample.fasta").save()
    fasta.write_text(">r1\nACGTTT\n")
    latest = ol.Artifact(fasta, key="raw/sample.fasta").save()
    with caplog.at_level("WARNING", logger="ontolake"):
        latest.description = "the current reads"
        latest.save()
        assert not caplog.records
        first.description = "the first reads"
        first.save()
    (warning,) = caplog.records
    assert "version 1 of 'raw/sample.fasta'" in warning.getMessage()
    assert "not the latest version" in warning.getMessage()
    assert ol.Artifact.get(first.uid).description == "the first reads"  # saved all the same


def test_new_content_under_a_key_is_a_new_version(instance, fasta):
    first = ol.Artifact(fasta, key="raw/sample.fasta").save()
    fasta.write_text(">r1\nACGTTT\n")
    second = ol.Artifact(fasta, key="raw/sample.fasta").save()
    fasta.write_text(">r1\nACGTTTAA\n")
    third = ol.Artifact(fasta, key="raw/sample.fasta").save()
    assert [third.version, second.version, first.version] == [3, 2, 1]
    assert third.stem_uid == first.stem_uid == first.uid[:12]
    assert third.uid == first.uid[:12] + "0003"
    assert [a.is_latest for a in first.versions] == [False, False, True]
    assert ol.Artifact.get(key="raw/sample.fasta") == third
    assert ol.Artifact.get(first.uid[:12]) == third  # a stem names the latest version
    assert ol.Artifact.filter(key="raw/sample.fasta").count() == 3
    assert third.revises_id == second.id
    # trashing the latest makes the previous version latest again
    third.delete()
    assert ol.Artifact.get(key="raw/sample.fasta") == second
    assert Path(third.path).exists()
    third.delete(permanent=True)
    assert not Path(third.path).exists()
    assert [a.version for a in first.versions] == [1, 2]


COMPOSED, DECOMPOSED = "raw/donn\u00e9es.fasta", "raw/donne\u0301es.fasta"


def test_nfc_and_nfd_spellings_of_a_key_are_one_family(instance, fasta):
    first = ol.Artifact(fasta, key=DECOMPOSED).save()
    assert first.key == COMPOSED
    fasta.write_text(">r1\nACGTTT\n")
    second = ol.Artifact(fasta, key=COMPOSED).save()
    assert (second.version, second.stem_uid) == (2, first.stem_uid)


def test_a_key_stored_before_normalisation_keeps_its_family(instance, fasta):
    """A key saved in its NFD spelling by an earlier version still gets new versions."""
    from sqlalchemy import update

    first = ol.Artifact(fasta, key=COMPOSED).save()
    with instance.write() as session:  # as an earlier version stored it
        session.execute(update(ol.Artifact).values(key=DECOMPOSED))
    fasta.write_text(">r1\nACGTTT\n")
    for spelling in (DECOMPOSED, COMPOSED):
        fasta.write_text(fasta.read_text() + "A\n")
        later = ol.Artifact(fasta, key=spelling).save()
        assert later.stem_uid == first.stem_uid, spelling
    assert ol.Artifact.filter(is_latest=True).count() == 1


def test_either_spelling_of_a_key_finds_it(instance, fasta):
    """filter(key=), its text lookups and get(key=) take the NFD spelling of an NFC key."""
    stored = ol.Artifact(fasta, key=COMPOSED).save()
    for spelling in (COMPOSED, DECOMPOSED):
        assert ol.Artifact.get(key=spelling) == stored
        assert ol.Artifact.filter(key=spelling).one() == stored
        assert ol.Artifact.filter(key__in=[spelling, "raw/other.fasta"]).one() == stored
        assert ol.Artifact.filter(key__startswith=spelling[:-6]).one() == stored
        assert ol.Artifact.filter(key__endswith=spelling[4:]).one() == stored
        assert ol.Artifact.filter(key__contains=spelling[4:-6]).one() == stored
        assert ol.Artifact.exclude(key=spelling).count() == 0
    assert ol.Artifact.filter(key="raw/sample.fasta").count() == 0


def test_a_key_stored_in_nfd_by_an_older_version_is_found_by_both_spellings(instance, fasta):
    """A row written with an NFD key directly in SQL, as an old instance holds it."""
    from sqlalchemy import text

    ascii_key = ol.Artifact(fasta, key="raw/plain.fasta").save()
    fasta.write_text(">r2\nGGCC\n")
    legacy = ol.Artifact(fasta, key="raw/placeholder.fasta").save()
    with instance.write() as session:
        session.execute(
            text("UPDATE artifacts SET key = :key WHERE id = :id"),
            {"key": DECOMPOSED, "id": legacy.id},
        )
    for spelling in (COMPOSED, DECOMPOSED):
        found = ol.Artifact.get(key=spelling)
        assert (found.id, found.key) == (legacy.id, DECOMPOSED)
        assert ol.Artifact.filter(key__startswith=spelling[:-6]).one().id == legacy.id
        assert ol.Artifact.filter(key__in=[spelling]).one().id == legacy.id
    assert ol.Artifact.get(key="raw/plain.fasta") == ascii_key
    assert ol.Artifact.filter(key__startswith="raw/").count() == 2


def test_either_spelling_of_a_collection_key_finds_it(instance, fasta):
    from sqlalchemy import text

    artifact = ol.Artifact(fasta, key="raw/sample.fasta").save()
    collection = ol.Collection(key=COMPOSED, artifacts=[artifact]).save()
    for spelling in (COMPOSED, DECOMPOSED):
        assert ol.Collection.get(key=spelling) == collection
    with instance.write() as session:  # as an older version stored it
        session.execute(text("UPDATE collections SET key = :key"), {"key": DECOMPOSED})
    fasta.write_text(">r2\nGG\n")
    other = ol.Artifact(fasta, key="raw/other.fasta").save()
    later = ol.Collection(key=COMPOSED, artifacts=[artifact, other]).save()
    assert (later.stem_uid, later.version) == (collection.stem_uid, 2)
    assert ol.Collection.get(key=DECOMPOSED, is_latest=True) == later


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("raw/\x9b31mred.fasta", "control-character"),
        ("raw/evil\u202eatsaf.exe", "invisible-character"),
        ("raw/a\u200bb.fasta", "invisible-character"),
        ("raw/a\u2028b.fasta", "invisible-character"),
        ("raw/\udc80.fasta", "surrogate"),
    ],
)
def test_keys_with_invisible_or_control_characters_are_refused(instance, fasta, key, rule):
    with pytest.raises(InvalidKeyError) as raised:
        ol.Artifact(fasta, key=key).save()
    assert raised.value.rule == rule and str(raised.value).isprintable()
    assert ol.Artifact.filter().count() == 0 and managed_files(instance) == []


def test_collection_keys_follow_the_same_rules(instance, fasta):
    artifact = ol.Artifact(fasta, key="raw/sample.fasta").save()
    with pytest.raises(InvalidKeyError) as raised:
        ol.Collection(key="batches\u202e", artifacts=[artifact])
    assert raised.value.rule == "invisible-character"
    first = ol.Collection(key=DECOMPOSED, artifacts=[artifact]).save()
    assert first.key == COMPOSED


def test_a_stored_file_changed_through_cache_is_noticed(sqlite_instance, tmp_path):
    """``cache()`` of a local artifact is the stored file: writing to it is caught on read."""
    from ontolake.errors import HashMismatchError

    frame = pd.DataFrame({"a": [1, 2, 3]})
    table = ol.Artifact.from_dataframe(frame, key="tables/a.parquet").save()
    path = Path(table.cache())
    assert table.load().equals(frame)
    pd.DataFrame({"a": [7, 8, 9]}).to_parquet(path)  # the same size, other content
    with pytest.raises(HashMismatchError) as raised:
        table.load()
    message = str(raised.value)
    assert table.uid in message and str(path) in message and "curate doctor" in message
    with pytest.raises(HashMismatchError):
        table.cache()
    notes = tmp_path / "notes.txt"
    notes.write_text("first\n")
    stored = ol.Artifact(notes, key="notes.txt").save()
    with open(stored.cache(), "a") as handle:
        handle.write("appended\n")
    with pytest.raises(HashMismatchError):
        stored.load()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.json", b'{"a": ', "Expecting value"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("empty.csv", b"", "No columns to parse"),
        ("latin1.csv", b"name\n\xe9t\xe9\n", "utf-8"),
    ],
)
def test_a_stored_file_that_cannot_be_parsed_is_a_clear_error_on_load(
    sqlite_instance, tmp_path, name, content, reason
):
    """Files are stored as bytes; ``load()`` parses them, and says so when it cannot."""
    path = tmp_path / name
    path.write_bytes(content)
    artifact = ol.Artifact(path, key=f"files/{name}").save()
    with pytest.raises(InvalidDataError) as raised:
        artifact.load()
    message = str(raised.value)
    assert artifact.uid in message and reason in message and ".cache()" in message
    assert "\n" not in message
    assert Path(artifact.cache()).read_bytes() == content  # the bytes are still there


def test_saving_stored_content_returns_the_existing_artifact(instance, fasta, caplog):
    first = ol.Artifact(fasta, key="raw/sample.fasta").save()
    again = ol.Artifact(fasta, key="raw/copy.fasta").save()
    assert again == first
    assert "already stored" in caplog.text
    assert ol.Artifact.filter().count() == 1
    assert len(managed_files(instance)) == 1


def test_folder_is_hashed_over_its_sorted_files(instance, tmp_path):
    folder = tmp_path / "run42"
    (folder / "lane1").mkdir(parents=True)
    (folder / "lane1" / "a.txt").write_text("a")
    (folder / "b.txt").write_text("b")
    artifact = ol.Artifact(folder, key="runs/run42").save()
    assert artifact.n_files == 2
    assert artifact.size == 2
    assert artifact.suffix == ""
    cached = Path(artifact.cache())
    assert (cached / "lane1" / "a.txt").read_text() == "a"


def test_dataframe_round_trip(instance):
    df = pd.DataFrame({"sample": ["s1", "s2"], "gc": [0.4, 0.6]})
    artifact = ol.Artifact.from_dataframe(df, key="tables/gc.parquet").save()
    assert (artifact.otype, artifact.suffix, artifact.n_observations) == (
        "DataFrame",
        ".parquet",
        2,
    )
    pd.testing.assert_frame_equal(artifact.load(), df)
    dataset = artifact.open()
    assert dataset.to_table(columns=["gc"]).column("gc").to_pylist() == [0.4, 0.6]
    assert not list((Path(instance.root.root) / ".ontolake" / ".staging").glob("*"))


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame({"sample": ["s1", "s2"], "gc": [0.4, 0.6]}),
        pd.DataFrame({"a": [1, 2]}, index=pd.Index(["r1", "r2"], name="cell")),
        pd.DataFrame({"a": [1, 2]}, index=pd.MultiIndex.from_tuples([("x", 1), ("y", 2)])),
        pd.DataFrame({"a": [1, 2, 3]}, index=pd.RangeIndex(0, 6, 2)),
        pd.DataFrame(
            {
                "c": pd.Categorical(["a", "b"]),
                "t": pd.to_datetime(["2025-01-01", "2025-01-02"]).tz_localize("UTC"),
                "n": pd.array([1, None], dtype="Int64"),
            }
        ),
    ],
    ids=["plain", "named-index", "multi-index", "range-step", "typed"],
)
def test_dataframes_are_stored_exactly_as_to_parquet_writes_them(sqlite_instance, tmp_path, df):
    expected = tmp_path / "expected.parquet"
    df.to_parquet(expected, engine="pyarrow")
    artifact = ol.Artifact.from_dataframe(df, key="tables/x.parquet").save()
    assert Path(artifact.path).read_bytes() == expected.read_bytes()
    df.attrs["source"] = "lab"  # kept in the metadata, as pandas keeps it
    with_attrs = ol.Artifact.from_dataframe(df, key="tables/attrs.parquet").save()
    assert with_attrs.load().attrs == {"source": "lab"}


def test_large_stored_content_is_found_before_it_is_copied(instance, tmp_path, caplog):
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 2**13)  # 2 MiB
    first = ol.Artifact(big, key="raw/big.bin").save()
    again = ol.Artifact(big, key="raw/big-copy.bin").save()
    assert again == first and "already stored" in caplog.text
    assert managed_files(instance) == [f"{first.uid}.bin"]
    assert not list((Path(instance.root.root) / ".ontolake" / ".staging").glob("*"))


def test_anndata_as_h5ad_and_zarr(instance):
    import anndata

    adata = anndata.AnnData(
        X=np.arange(12, dtype=np.float32).reshape(4, 3),
        obs=pd.DataFrame({"cell_type": ["T", "B", "T", "NK"]}, index=[f"c{i}" for i in range(4)]),
    )
    h5ad = ol.Artifact.from_anndata(adata, key="scrna/x.h5ad").save()
    assert (h5ad.otype, h5ad.suffix, h5ad.n_observations) == ("AnnData", ".h5ad", 4)
    assert list(h5ad.load().obs["cell_type"]) == ["T", "B", "T", "NK"]
    backed = h5ad.open()
    assert backed.isbacked and backed.shape == (4, 3)
    backed.file.close()
    zarr = ol.Artifact.from_anndata(adata, key="scrna/x.zarr").save()
    assert (zarr.suffix, zarr.n_files is not None) == (".zarr", True)
    np.testing.assert_array_equal(zarr.load().X, adata.X)
    with pytest.raises(InvalidKeyError, match="suffix"):
        ol.Artifact.from_anndata(adata, key="scrna/x.parquet")


def test_mudata_and_spatialdata(instance):
    import anndata
    import mudata
    import spatialdata
    from spatialdata.models import PointsModel, TableModel

    rna = anndata.AnnData(X=np.ones((3, 2), dtype=np.float32))
    rna.obs_names = ["a", "b", "c"]
    mdata = mudata.MuData({"rna": rna})
    stored = ol.Artifact.from_mudata(mdata, key="multiome/x.h5mu").save()
    assert (stored.otype, stored.suffix) == ("MuData", ".h5mu")
    assert stored.load().mod["rna"].shape == (3, 2)

    points = PointsModel.parse(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}))
    table = TableModel.parse(anndata.AnnData(X=np.ones((2, 1), dtype=np.float32)))
    sdata = spatialdata.SpatialData(points={"spots": points}, tables={"table": table})
    spatial = ol.Artifact.from_spatialdata(sdata, key="visium/x.zarr").save()
    assert (spatial.otype, spatial.suffix) == ("SpatialData", ".zarr")
    assert set(spatial.load().points) == {"spots"}


def test_bad_input_raises_specific_errors_and_leaves_nothing(instance, tmp_path):
    with pytest.raises(PathNotFoundError, match=r"missing\.csv"):
        ol.Artifact(tmp_path / "missing.csv", key="x.csv")
    with pytest.raises(UnsupportedObjectError, match="set"):
        ol.Artifact({1, 2}, key="x.bin")
    with pytest.raises(InvalidDataError, match="column"):
        ol.Artifact.from_dataframe(pd.DataFrame({0: [1], "b": [2]}), key="t.parquet")
    with pytest.raises(UnsupportedObjectError):
        ol.Artifact.from_anndata(pd.DataFrame({"a": [1]}), key="x.h5ad")
    for key, rule in [
        ("/abs/x.csv", "absolute"),
        ("a/../x.csv", "parent"),
        ("a//x.csv", "empty-segment"),
        ("a\\x.csv", "backslash"),
        ("a/\x07.csv", "control-character"),
    ]:
        with pytest.raises(InvalidKeyError) as raised:
            ol.Artifact.from_dataframe(pd.DataFrame({"a": [1]}), key=key)
        assert raised.value.rule == rule
    assert ol.Artifact.filter(is_trashed=False).count() == 0
    assert managed_files(instance) == []
    assert not list((Path(instance.root.root) / ".ontolake" / ".staging").glob("*"))


def test_a_failed_save_leaves_neither_file_nor_row(instance, fasta, monkeypatch):
    from ontolake.registries import artifact_save

    def explode(session, instance, artifact, user_id):
        raise RuntimeError("disk vanished")

    original = ol.Artifact(fasta, key="raw/sample.fasta").save()
    fasta.write_text(">changed\n")
    monkeypatch.setattr(artifact_save, "_storage_id", explode)
    with pytest.raises(RuntimeError, match="disk vanished"):
        ol.Artifact(fasta, key="raw/sample.fasta").save()
    assert ol.Artifact.filter().count() == 1
    assert ol.Artifact.get(key="raw/sample.fasta") == original
    assert managed_files(instance) == [f"{original.uid}.fasta"]
    assert not list((Path(instance.root.root) / ".ontolake" / ".staging").glob("*"))


def test_a_failed_commit_undoes_the_placed_file(instance, fasta, monkeypatch):
    from sqlalchemy.orm import Session

    from ontolake.registries import artifact_save

    placed = []
    place = artifact_save._place
    commit = Session.commit

    def place_and_remember(root, artifact):
        placement = place(root, artifact)
        placed.append(Path(placement.final))
        return placement

    def refuse_after_placing(self):
        if placed:
            raise RuntimeError("commit refused")
        commit(self)

    artifact = ol.Artifact(fasta, key="raw/sample.fasta")
    monkeypatch.setattr(artifact_save, "_place", place_and_remember)
    monkeypatch.setattr(Session, "commit", refuse_after_placing)
    with pytest.raises(RuntimeError, match="commit refused"):
        artifact.save()
    monkeypatch.undo()
    assert placed and not placed[0].exists()  # the file was placed, then taken back
    assert ol.Artifact.filter().count() == 0
    assert managed_files(instance) == []


def test_content_changed_after_hashing_is_refused(instance, fasta):
    artifact = ol.Artifact(fasta, key="raw/sample.fasta")
    fasta.write_text(">r1\nACGTACGTACGT\n")
    with pytest.raises(InvalidDataError, match="changed after it was hashed"):
        artifact.save()
    assert ol.Artifact.filter().count() == 0
    assert managed_files(instance) == []
    assert not list((Path(instance.root.root) / ".ontolake" / ".staging").glob("*"))


def test_describe_prints_fields_storage_and_versions(instance, fasta, capsys):
    artifact = ol.Artifact(fasta, key="raw/sample.fasta", description="reads").save()
    label = ol.ULabel(name="batch 7").save()
    artifact.ulabels.append(label)
    artifact.save()
    artifact.describe()
    printed = capsys.readouterr().out
    for expected in ["Artifact", "raw/sample.fasta", "storage", "versions", "v1", "batch 7"]:
        assert expected in printed
    assert repr(artifact).count("\n") == 0
    assert ol.Artifact.filter(ulabels__name="batch 7").one() == artifact
    frame = ol.Artifact.filter().to_dataframe(include=["ulabels__name", "storage__root"])
    assert frame["ulabels__name"].tolist() == [["batch 7"]]
    assert frame["storage__root"].tolist() == [instance.root.root]
