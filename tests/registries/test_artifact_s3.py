"""Artifacts on S3 (moto's HTTP server through s3fs): save, cache, load, version, delete.

Instances here keep their default storage in a fresh moto bucket and their metadata in a
SQLite file or a real PostgreSQL database; URLs in other buckets are registered in place
from a local instance. Nothing about S3 is mocked: every object is listed, read and removed
through s3fs against the running server.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ontolake as ol
from ontolake.errors import (
    HashMismatchError,
    OntolakeError,
    PathNotFoundError,
    StorageCredentialsError,
    UnsafePathError,
)

pytestmark = pytest.mark.s3

SYSTEM_FILES = {"instance.json"}


def fresh_s3fs():
    """A new s3fs filesystem, sharing no cached listings with ontolake's, to see what is stored."""
    import s3fs

    return s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False)


def managed_objects(instance) -> list[str]:
    """Names of the objects below ``<root>/.ontolake/`` (folders listed file by file)."""
    prefix = f"{instance.root.root}/.ontolake/"
    fs = fresh_s3fs()
    found = fs.find(prefix.removeprefix("s3://"))
    names = [path.removeprefix(prefix.removeprefix("s3://")) for path in found]
    return sorted(name for name in names if name not in SYSTEM_FILES)


def cache_folder() -> Path:
    return Path(os.environ["ONTOLAKE_CACHE_DIR"])


def staged_files() -> list[Path]:
    staging = cache_folder() / "staging"
    return sorted(staging.iterdir()) if staging.exists() else []


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def s3_instance(request, s3_bucket):
    """A fresh instance with its default storage at ``<bucket>/lake``, on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("s3_sqlite_instance")
    return ol.init(storage=f"{s3_bucket}/lake", db=request.getfixturevalue("postgres_url"))


@pytest.fixture
def s3_sqlite_instance(s3_bucket, tmp_path):
    """The same on a SQLite file only, for storage behaviour that no database changes."""
    (tmp_path / "meta").mkdir()
    return ol.init(storage=f"{s3_bucket}/lake", db=f"sqlite:///{tmp_path / 'meta' / 'ontolake.db'}")


@pytest.fixture
def fasta(tmp_path) -> Path:
    path = tmp_path / "inputs" / "sample.fasta"
    path.parent.mkdir()
    path.write_text(">r1\nACGT\n")
    return path


# ---- 1. an instance whose default storage is S3 ----------------------------------------------
def test_file_is_uploaded_under_its_uid_and_cached_once(s3_instance, fasta):
    artifact = ol.Artifact(fasta, key="raw/sample.fasta", description="reads").save()
    bucket_root = s3_instance.root.root
    assert artifact.path == f"{bucket_root}/.ontolake/{artifact.uid}.fasta"
    assert managed_objects(s3_instance) == [f"{artifact.uid}.fasta"]
    assert artifact.hash == hashlib.sha256(fasta.read_bytes()).hexdigest()
    assert artifact.size == fasta.stat().st_size == 9
    assert artifact.storage.root == bucket_root and artifact.storage.type == "s3"
    assert artifact.storage.is_default
    assert fresh_s3fs().cat(artifact.path) == fasta.read_bytes()

    cached = Path(artifact.cache())
    assert cached.is_relative_to(cache_folder())
    assert cached.read_text() == ">r1\nACGT\n"
    # Remove the remote object: a second cache() must not need it (no second download).
    fresh_s3fs().rm(artifact.path)
    assert ol.Artifact.get(key="raw/sample.fasta").cache() == str(cached)
    assert cached.read_text() == ">r1\nACGT\n"
    # ... while a fresh cache really has to download, and so fails now.
    (cached.parent / (cached.name + ".sha256")).unlink()
    cached.unlink()
    with pytest.raises(PathNotFoundError, match=artifact.uid):
        artifact.cache()
    assert not cached.exists()


def test_folder_is_uploaded_file_by_file_and_cached_as_a_folder(s3_instance, tmp_path):
    folder = tmp_path / "run42"
    (folder / "lane1").mkdir(parents=True)
    (folder / "lane1" / "a.txt").write_text("aa")
    (folder / "b.txt").write_text("b")
    artifact = ol.Artifact(folder, key="runs/run42").save()
    assert (artifact.n_files, artifact.size, artifact.suffix) == (2, 3, "")
    assert managed_objects(s3_instance) == [f"{artifact.uid}/b.txt", f"{artifact.uid}/lane1/a.txt"]
    cached = Path(artifact.cache())
    assert sorted(p.relative_to(cached).as_posix() for p in cached.rglob("*") if p.is_file()) == [
        "b.txt",
        "lane1/a.txt",
    ]
    assert (cached / "lane1" / "a.txt").read_text() == "aa"
    mtime = (cached / "b.txt").stat().st_mtime_ns
    fresh_s3fs().rm(artifact.path, recursive=True)
    assert artifact.cache() == str(cached)
    assert (cached / "b.txt").stat().st_mtime_ns == mtime


def test_dataframe_round_trips_and_opens_as_a_dataset(s3_instance):
    import pyarrow.dataset

    df = pd.DataFrame({"sample": ["s1", "s2"], "gc": [0.4, 0.6]})
    artifact = ol.Artifact.from_dataframe(df, key="tables/gc.parquet").save()
    assert (artifact.otype, artifact.suffix, artifact.n_observations) == (
        "DataFrame",
        ".parquet",
        2,
    )
    assert managed_objects(s3_instance) == [f"{artifact.uid}.parquet"]
    stored = fresh_s3fs().cat(artifact.path)
    assert artifact.hash == hashlib.sha256(stored).hexdigest()
    assert artifact.size == len(stored)
    assert staged_files() == []  # the serialised staging copy is gone after the upload
    pd.testing.assert_frame_equal(ol.Artifact.get(key="tables/gc.parquet").load(), df)
    dataset = artifact.open()
    assert isinstance(dataset, pyarrow.dataset.Dataset)
    assert dataset.to_table(columns=["gc"]).column("gc").to_pylist() == [0.4, 0.6]


def test_anndata_round_trips_through_the_cache(s3_instance):
    import anndata

    adata = anndata.AnnData(
        X=np.arange(12, dtype=np.float32).reshape(4, 3),
        obs=pd.DataFrame({"cell_type": ["T", "B", "T", "NK"]}, index=[f"c{i}" for i in range(4)]),
    )
    artifact = ol.Artifact.from_anndata(adata, key="scrna/x.h5ad").save()
    assert (artifact.otype, artifact.suffix, artifact.n_observations) == ("AnnData", ".h5ad", 4)
    assert managed_objects(s3_instance) == [f"{artifact.uid}.h5ad"]
    stored = fresh_s3fs().cat(artifact.path)
    assert (artifact.hash, artifact.size) == (hashlib.sha256(stored).hexdigest(), len(stored))
    loaded = artifact.load()
    assert list(loaded.obs["cell_type"]) == ["T", "B", "T", "NK"]
    np.testing.assert_array_equal(loaded.X, adata.X)
    backed = artifact.open()
    assert backed.isbacked and backed.shape == (4, 3)
    assert Path(backed.filename).is_relative_to(cache_folder())
    backed.file.close()


def test_versions_trash_and_permanent_delete(s3_instance, fasta):
    first = ol.Artifact(fasta, key="raw/sample.fasta").save()
    fasta.write_text(">r1\nACGTTT\n")
    second = ol.Artifact(fasta, key="raw/sample.fasta").save()
    assert (first.version, second.version, second.is_latest) == (1, 2, True)
    assert second.stem_uid == first.stem_uid
    assert [(a.uid, a.version, a.is_latest) for a in second.versions] == [
        (first.uid, 1, False),
        (second.uid, 2, True),
    ]
    assert managed_objects(s3_instance) == sorted([f"{first.uid}.fasta", f"{second.uid}.fasta"])
    assert Path(second.cache()).read_text() == ">r1\nACGTTT\n"

    second.delete()  # to the trash: the object stays, v1 is latest again
    assert ol.Artifact.get(key="raw/sample.fasta") == first
    assert f"{second.uid}.fasta" in managed_objects(s3_instance)
    assert ol.Artifact.filter(is_trashed=True).one() == second

    second.delete(permanent=True)
    assert managed_objects(s3_instance) == [f"{first.uid}.fasta"]
    assert ol.Artifact.filter(uid=second.uid, is_trashed__in=[True, False]).count() == 0
    assert [a.version for a in first.versions] == [1]

    first.delete(permanent=True)  # the latest, not trashed first
    assert managed_objects(s3_instance) == []
    assert ol.Artifact.filter(is_trashed__in=[True, False]).count() == 0


# ---- 2. a failed save leaves neither object nor row ------------------------------------------
def test_a_save_failing_after_the_upload_leaves_neither_object_nor_row(
    s3_instance, fasta, monkeypatch
):
    from sqlalchemy.orm import Session

    from ontolake.registries import artifact_save

    original = ol.Artifact(fasta, key="raw/sample.fasta").save()
    uploaded: list[str] = []
    real_place, real_commit = artifact_save._place, Session.commit

    def place_and_check(root, artifact):
        placement = real_place(root, artifact)
        assert fresh_s3fs().exists(placement.final)  # really uploaded
        uploaded.append(placement.final)
        return placement

    def commit_unless_uploaded(self):
        if uploaded:  # the commit closing the transaction that uploaded something
            raise RuntimeError("connection lost at commit")
        real_commit(self)

    fasta.write_text(">changed\n")
    with monkeypatch.context() as patch:  # not monkeypatch.undo(): that resets the cache dir too
        patch.setattr(artifact_save, "_place", place_and_check)
        patch.setattr(Session, "commit", commit_unless_uploaded)
        with pytest.raises(RuntimeError, match="connection lost"):
            ol.Artifact(fasta, key="raw/sample.fasta").save()
        assert len(uploaded) == 1
        uploaded.clear()
        with pytest.raises(RuntimeError, match="connection lost"):
            ol.Artifact.from_dataframe(pd.DataFrame({"a": [1, 2]}), key="tables/a.parquet").save()
        assert len(uploaded) == 1
    assert managed_objects(s3_instance) == [f"{original.uid}.fasta"]
    assert ol.Artifact.filter(is_trashed__in=[True, False]).count() == 1
    assert ol.Artifact.get(key="raw/sample.fasta") == original
    assert original.versions.count() == 1
    assert staged_files() == []
    # the same content saves fine afterwards, as version 2
    assert ol.Artifact(fasta, key="raw/sample.fasta").save().version == 2


def test_a_bulk_save_failing_on_the_second_upload_removes_the_first(
    s3_sqlite_instance, fasta, monkeypatch
):
    from ontolake.registries import artifact_save

    real_place = artifact_save._place
    calls: list[str] = []

    def fail_second(root, artifact):
        calls.append(artifact.uid)
        if len(calls) == 2:
            raise RuntimeError("bucket went away")
        return real_place(root, artifact)

    first = ol.Artifact(fasta, key="raw/sample.fasta")
    second = ol.Artifact.from_dataframe(pd.DataFrame({"a": [1]}), key="tables/a.parquet")
    with monkeypatch.context() as patch:
        patch.setattr(artifact_save, "_place", fail_second)
        with pytest.raises(RuntimeError, match="bucket went away"):
            ol.save([first, second])
    assert len(calls) == 2
    assert managed_objects(s3_sqlite_instance) == []
    assert ol.Artifact.filter(is_trashed__in=[True, False]).count() == 0
    assert staged_files() == []


def test_a_failed_permanent_delete_keeps_the_object(s3_sqlite_instance, fasta, monkeypatch):
    """README: a permanent delete removes the file only after the commit, so a failed delete
    leaves row and object both in place."""
    from ontolake.registries import delete

    artifact = ol.Artifact(fasta, key="raw/sample.fasta").save()

    def fail(session, model, stems):
        raise RuntimeError("connection lost inside the delete transaction")

    with monkeypatch.context() as patch:
        patch.setattr(delete, "settle_latest", fail)
        with pytest.raises(RuntimeError, match="connection lost"):
            artifact.delete(permanent=True)
    assert ol.Artifact.get(key="raw/sample.fasta") == artifact  # the row survived ...
    assert managed_objects(s3_sqlite_instance) == [f"{artifact.uid}.fasta"], (
        "BUG (ontolake/registries/artifact_save.py, delete_artifact_files): on remote storage "
        "the object is removed before the delete transaction, so a failed transaction leaves "
        "a row whose object is gone"
    )
    assert Path(artifact.cache()).read_text() == ">r1\nACGT\n"


def test_what_is_uploaded_is_what_was_hashed(s3_sqlite_instance, fasta):
    """A source edited between Artifact(...) and save() must not be stored under the old hash."""
    artifact = ol.Artifact(fasta, key="raw/sample.fasta")  # hashes ">r1\nACGT\n"
    fasta.write_text(">r1\nACGT and more\n")
    try:
        saved = artifact.save()
    except OntolakeError:  # refusing the changed source is fine too, if it leaves nothing
        assert ol.Artifact.filter(is_trashed__in=[True, False]).count() == 0
        assert managed_objects(s3_sqlite_instance) == []
        return
    stored = fresh_s3fs().cat(saved.path)
    assert (hashlib.sha256(stored).hexdigest(), len(stored)) == (saved.hash, saved.size), (
        "BUG (ontolake/registries/artifact_save.py, _place/_stage): the source is read again at "
        "save time without checking it against the hash taken at construction, so the stored "
        "object does not match its row and every later cache() raises HashMismatchError"
    )


# ---- 3. registering a URL in place from a local instance ------------------------------------
def test_a_url_is_registered_in_place_and_hash_checked_on_cache(
    sqlite_instance, s3_bucket, monkeypatch, tmp_path
):
    url = f"{s3_bucket}/raw/reads.fastq.gz"
    content = b"\x1f\x8b fake gzip of reads"
    fs = fresh_s3fs()
    fs.pipe(url, content)

    artifact = ol.Artifact(url).save()
    assert (artifact.key, artifact.suffix, artifact.in_place) == (
        "raw/reads.fastq.gz",
        ".fastq.gz",
        True,
    )
    assert (artifact.hash, artifact.size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert artifact.path == url
    # nothing was copied: not into the bucket, not into the local storage
    assert fs.find(s3_bucket.removeprefix("s3://")) == [url.removeprefix("s3://")]
    local_managed = Path(sqlite_instance.root.root) / ".ontolake"
    assert not [p for p in local_managed.iterdir() if p.suffix == ".gz"]
    # a new Storage record for the bucket root; the default storage is untouched
    assert artifact.storage.root == s3_bucket and artifact.storage.type == "s3"
    assert not artifact.storage.is_default
    assert sorted(s.root for s in ol.Storage.filter()) == sorted(
        [sqlite_instance.root.root, s3_bucket]
    )
    assert ol.Artifact.get(key="raw/reads.fastq.gz") == artifact

    cached = Path(artifact.cache())
    assert cached.is_relative_to(cache_folder()) and cached.read_bytes() == content

    # the remote object changes after registration: a fresh cache refuses the new content
    fs.pipe(url, b"other content")
    monkeypatch.setenv("ONTOLAKE_CACHE_DIR", str(tmp_path / "fresh-cache"))
    with pytest.raises(HashMismatchError, match=artifact.hash):
        ol.Artifact.get(key="raw/reads.fastq.gz").cache()
    fresh = tmp_path / "fresh-cache"
    assert not [p for p in fresh.rglob("*") if p.is_file()]

    # deleting the record never deletes data ontolake does not manage
    artifact.delete(permanent=True)
    assert ol.Artifact.filter(is_trashed__in=[True, False]).count() == 0
    assert fs.cat(url) == b"other content"


def test_a_folder_with_objects_named_with_dot_dot_is_refused_in_place_and_on_cache(
    sqlite_instance, s3_bucket, monkeypatch, tmp_path
):
    """Object stores take any key; a '..' in one must not place a copy outside the folder."""
    fs = fresh_s3fs()
    folder = f"{s3_bucket}/runs/run7"
    fs.pipe(f"{folder}/a.txt", b"a")
    fs.pipe(f"{folder}/../../escaped.txt", b"evil")  # a literal key, listed under the folder

    with pytest.raises(UnsafePathError, match=r"run7/\.\./\.\./escaped\.txt"):
        ol.Artifact(folder)
    assert ol.Artifact.filter().count() == 0

    # registered while clean; the object appears afterwards: the download refuses it
    fs.rm(f"{folder}/../../escaped.txt")
    artifact = ol.Artifact(folder).save()
    fs.pipe(f"{folder}/../../escaped.txt", b"evil")
    cache = tmp_path / "cache"
    monkeypatch.setenv("ONTOLAKE_CACHE_DIR", str(cache))
    with pytest.raises(UnsafePathError, match="rename or remove that object"):
        artifact.cache()
    assert not [p for p in tmp_path.rglob("escaped.txt")]
    assert not [p for p in cache.rglob("*") if p.is_file()]

    fs.rm(f"{folder}/../../escaped.txt")
    cached = Path(artifact.cache())
    assert [p.name for p in cached.rglob("*") if p.is_file()] == ["a.txt"]


# ---- 4. refused credentials -----------------------------------------------------------------
def test_refused_credentials_name_the_url_and_leave_no_row(
    sqlite_instance, s3_bad_credentials, tmp_path
):
    url = f"{s3_bad_credentials}/raw/reads.fastq.gz"
    before = ol.Artifact.filter(is_trashed__in=[True, False]).count()
    with pytest.raises(StorageCredentialsError) as raised:
        ol.Artifact(url).save()
    message = str(raised.value)
    assert url in message
    assert "AWS_ACCESS_KEY_ID" in message and "FSSPEC_S3_ENDPOINT_URL" in message
    assert ol.Artifact.filter(is_trashed__in=[True, False]).count() == before
    assert ol.Storage.filter().count() == 1
    # creating an instance there fails the same way and leaves no database behind
    db_file = tmp_path / "other.db"
    with pytest.raises(
        StorageCredentialsError, match=re.escape(f"{s3_bad_credentials}/lake") + ".*AWS_PROFILE"
    ):
        ol.init(storage=f"{s3_bad_credentials}/lake", db=f"sqlite:///{db_file}")
    assert not db_file.exists()


def test_saving_to_s3_with_refused_credentials_leaves_no_row(s3_instance, fasta, request):
    stored = ol.Artifact.from_dataframe(pd.DataFrame({"a": [1]}), key="tables/ok.parquet").save()
    bucket = request.getfixturevalue("s3_bad_credentials")  # keys go bad from here on
    assert s3_instance.root.root.startswith(bucket)
    for make in (
        lambda: ol.Artifact(fasta, key="raw/sample.fasta"),
        lambda: ol.Artifact.from_dataframe(pd.DataFrame({"a": [2]}), key="tables/b.parquet"),
    ):
        with pytest.raises(StorageCredentialsError) as raised:
            make().save()
        message = str(raised.value)
        assert f"{s3_instance.root.root}/.ontolake/" in message
        assert "access was refused" in message and "AWS_ACCESS_KEY_ID" in message
    assert ol.Artifact.filter(is_trashed__in=[True, False]).count() == 1
    assert staged_files() == []
    # reading back is refused the same way, and leaves nothing in the cache
    with pytest.raises(
        StorageCredentialsError, match=re.escape(stored.path) + ".*AWS_ACCESS_KEY_ID"
    ):
        stored.cache()
    assert not [p for p in cache_folder().rglob("*") if p.is_file()]


# ---- 5. the command line --------------------------------------------------------------------
def test_curate_load_prints_a_local_cached_path(s3_instance, fasta, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from ontolake.cli import main
    from ontolake.instance.setup import disconnect

    artifact = ol.Artifact(fasta, key="raw/sample.fasta").save()
    disconnect()  # the command reconnects to the last used instance, as a new shell would
    result = CliRunner().invoke(main, ["load", "--key", "raw/sample.fasta"])
    assert result.exit_code == 0, result.output
    printed = Path(result.stdout.strip())
    cache_folder_before = cache_folder()
    assert printed.is_relative_to(cache_folder_before)
    assert printed.name == f"{artifact.uid}.fasta"
    assert printed.read_text() == ">r1\nACGT\n"

    # another machine: no settings, an empty cache, the instance named by its S3 URL
    disconnect()
    monkeypatch.setenv("ONTOLAKE_CONFIG_DIR", str(tmp_path / "other-config"))
    monkeypatch.setenv("ONTOLAKE_CACHE_DIR", str(tmp_path / "other-cache"))
    monkeypatch.setenv("ONTOLAKE_INSTANCE", s3_instance.root.root)
    result = CliRunner().invoke(main, ["load", "--key", "raw/sample.fasta"])
    assert result.exit_code == 0, result.output
    elsewhere = Path(result.stdout.strip())
    assert elsewhere == tmp_path / "other-cache" / printed.relative_to(cache_folder_before)
    assert elsewhere.read_text() == ">r1\nACGT\n"
