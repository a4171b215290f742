from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from ontolake.errors import (
    InvalidKeyError,
    PathNotFoundError,
    StorageCredentialsError,
    StorageError,
    StorageNotWritableError,
)
from ontolake.storage.root import StorageRoot, storage_errors, url_to_fs

BACKENDS = ["local", pytest.param("s3", marks=pytest.mark.s3)]


@pytest.fixture(params=BACKENDS)
def root(request: pytest.FixtureRequest, tmp_path: Path) -> StorageRoot:
    if request.param == "local":
        return StorageRoot(str(tmp_path / "lake"))
    return StorageRoot(f"{request.getfixturevalue('s3_bucket')}/lake")


@pytest.fixture
def source_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "source.zarr"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    return folder


def _read(root: StorageRoot, path: str) -> bytes:
    with root.fs.open(path, "rb") as handle:
        return bytes(handle.read())


def test_a_local_root_is_an_absolute_path_without_trailing_slash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for location in ["data/", "./data", f"file://{tmp_path}/data", str(tmp_path / "data")]:
        root = StorageRoot(location)
        assert root.root == str(tmp_path / "data")
        assert (root.protocol, root.is_local) == ("local", True)
    assert StorageRoot(tmp_path / "data").root == str(tmp_path / "data")


def test_a_url_root_keeps_its_protocol_without_trailing_slash() -> None:
    root = StorageRoot("s3://bucket/prefix/")
    assert (root.root, root.protocol, root.is_local) == ("s3://bucket/prefix", "s3", False)
    assert StorageRoot("gs://bucket").root == "gs://bucket"
    assert StorageRoot("memory://lake").protocol == "memory"


def test_a_url_without_bucket_is_rejected() -> None:
    with pytest.raises(StorageError, match="names no bucket"):
        StorageRoot("s3://")


def test_paths_under_the_root() -> None:
    root = StorageRoot("s3://bucket/lake")
    assert root.join("raw", "x.csv") == "s3://bucket/lake/raw/x.csv"
    assert root.join(".ontolake/instance.json") == "s3://bucket/lake/.ontolake/instance.json"
    assert root.managed_path("3kd8Qm2LxPa90000", ".h5ad") == (
        "s3://bucket/lake/.ontolake/3kd8Qm2LxPa90000.h5ad"
    )
    assert root.staging_path("tok", ".csv") == "s3://bucket/lake/.ontolake/.staging/tok.csv"
    assert StorageRoot("/").join("x") == "/x"


def test_check_writable_creates_a_local_root_and_leaves_no_probe(tmp_path: Path) -> None:
    root = StorageRoot(str(tmp_path / "new" / "lake"))
    root.check_writable()
    assert Path(root.root).is_dir()
    assert list(Path(root.root).iterdir()) == []


@pytest.mark.s3
def test_check_writable_on_s3_leaves_no_probe(s3_bucket: str) -> None:
    root = StorageRoot(f"{s3_bucket}/lake")
    root.check_writable()
    assert root.fs.find(s3_bucket) == []


def test_a_root_that_is_a_file_is_not_writable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageNotWritableError, match="is a file, not a folder"):
        StorageRoot(str(tmp_path / "file")).check_writable()


def test_a_root_where_folders_cannot_be_created_is_not_writable() -> None:
    # sysfs refuses new folders even to root, like a folder without write permission.
    with pytest.raises(StorageNotWritableError, match="/sys/ontolake-lake"):
        StorageRoot("/sys/ontolake-lake").check_writable()


@pytest.mark.s3
def test_a_missing_bucket_is_not_writable(s3_bucket: str) -> None:
    with pytest.raises(StorageNotWritableError, match="does not exist; create it"):
        StorageRoot(f"{s3_bucket}-missing/lake").check_writable()


def test_upload_finalise_and_remove_a_file(root: StorageRoot, tmp_path: Path) -> None:
    source = tmp_path / "sample.fasta"
    source.write_bytes(b">seq\nACGT\n")
    staged = root.staging_path("tok", ".fasta")
    final = root.managed_path("uid", ".fasta")
    root.upload(str(source), staged)
    assert _read(root, staged) == b">seq\nACGT\n"
    root.finalise(staged, final)
    assert not root.exists(staged)
    assert _read(root, final) == b">seq\nACGT\n"
    assert source.exists()
    root.remove(final)
    assert not root.exists(final)
    root.remove(final)  # removing what is gone is fine


def test_upload_finalise_and_remove_a_folder(root: StorageRoot, source_folder: Path) -> None:
    staged = root.staging_path("tok", ".zarr")
    final = root.managed_path("uid", ".zarr")
    root.upload(str(source_folder), staged)
    root.finalise(staged, final)
    assert _read(root, f"{final}/a.txt") == b"a"
    assert _read(root, f"{final}/sub/b.txt") == b"b"
    assert not root.exists(f"{staged}/a.txt")
    root.remove(final)
    assert not root.exists(f"{final}/sub/b.txt")
    assert not root.exists(final)


def test_finalise_can_move_content_back(root: StorageRoot, tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_text("a\n1\n")
    staged = root.staging_path("tok", ".csv")
    final = root.managed_path("uid", ".csv")
    root.upload(str(source), staged)
    root.finalise(staged, final)
    root.finalise(final, staged)
    assert (root.exists(staged), root.exists(final)) == (True, False)


def test_uploading_a_missing_source_leaves_nothing(root: StorageRoot, tmp_path: Path) -> None:
    destination = root.staging_path("tok", ".csv")
    with pytest.raises(PathNotFoundError, match=r"missing\.csv"):
        root.upload(str(tmp_path / "missing.csv"), destination)
    assert not root.exists(destination)


def test_upload_never_overwrites_stored_content(root: StorageRoot, tmp_path: Path) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("first")
    second.write_text("second")
    destination = root.managed_path("uid", ".csv")
    root.upload(str(first), destination)
    with pytest.raises(StorageError, match="never overwritten"):
        root.upload(str(second), destination)
    assert _read(root, destination) == b"first"


def test_fs_writes_need_no_folders_and_are_found_at_joined_paths(root: StorageRoot) -> None:
    marker = root.join(".ontolake", "instance.json")
    assert not root.exists(marker)
    with root.fs.open(marker, "w") as handle:
        handle.write('{"format": 1}')
    assert root.exists(marker)
    assert _read(root, marker) == b'{"format": 1}'


def test_url_to_fs_returns_the_filesystem_and_path() -> None:
    fs, path = url_to_fs("memory://lake/table.parquet")
    assert "memory" in fs.protocol
    assert path == "/lake/table.parquet"


def test_url_to_fs_rejects_an_unknown_protocol() -> None:
    with pytest.raises(StorageError, match="unknown storage protocol 'nosuchfs'"):
        url_to_fs("nosuchfs://bucket/x")


def _raise_inside(error: Exception, description: str, remote: bool | None = None) -> None:
    with storage_errors(description, remote=remote):
        raise error


@pytest.mark.parametrize(
    ("error", "description", "expected", "advice"),
    [
        (FileNotFoundError("gone"), "/data/x.csv", PathNotFoundError, "check the path"),
        (PermissionError("denied"), "/data", StorageNotWritableError, "fix its permissions"),
        (OSError(30, "Read-only file system"), "/data", StorageNotWritableError, "permissions"),
        (PermissionError("denied"), "s3://bucket/lake", StorageCredentialsError, "AWS_PROFILE"),
        (
            ClientError({"Error": {"Code": "InvalidAccessKeyId", "Message": "no"}}, "PutObject"),
            "s3://bucket/lake",
            StorageCredentialsError,
            "AWS_ACCESS_KEY_ID",
        ),
        (
            ClientError({"Error": {"Code": "SignatureDoesNotMatch"}}, "GetObject"),
            "s3://bucket/lake",
            StorageCredentialsError,
            "credentials",
        ),
        (NoCredentialsError(), "s3://bucket/lake", StorageCredentialsError, "credentials"),
        (
            EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
            "s3://bucket/lake",
            StorageError,
            "endpoint URL, network",
        ),
        (OSError(28, "No space left on device"), "/data", StorageError, "has space"),
    ],
)
def test_storage_errors_become_ontolake_errors_that_say_what_to_do(
    error: Exception, description: str, expected: type[StorageError], advice: str
) -> None:
    with pytest.raises(expected, match=advice) as raised:
        _raise_inside(error, description)
    assert type(raised.value) is expected
    assert str(raised.value).startswith(description)
    assert raised.value.__cause__ is error


def test_storage_errors_can_be_told_the_location_is_remote() -> None:
    with pytest.raises(StorageCredentialsError):
        _raise_inside(PermissionError("denied"), "upload of x.csv", remote=True)


def test_storage_errors_leave_other_errors_alone() -> None:
    ontolake_error = InvalidKeyError("bad key", rule="empty")
    with pytest.raises(InvalidKeyError) as raised:
        _raise_inside(ontolake_error, "/data")
    assert raised.value is ontolake_error
    with pytest.raises(KeyError):
        _raise_inside(KeyError("not about storage"), "/data")


@pytest.mark.s3
def test_reading_a_missing_object_on_s3_raises_path_not_found(s3_bucket: str) -> None:
    root = StorageRoot(s3_bucket)
    with pytest.raises(PathNotFoundError, match=r"missing\.txt"), storage_errors(root.root):
        root.fs.cat_file(root.join("missing.txt"))


@pytest.mark.s3
def test_refused_s3_credentials_say_how_to_fix_them(s3_bad_credentials: str) -> None:
    root = StorageRoot(f"{s3_bad_credentials}/lake")
    with pytest.raises(StorageCredentialsError, match="AWS_ACCESS_KEY_ID") as raised:
        root.check_writable()
    assert root.root in str(raised.value)
    with pytest.raises(StorageCredentialsError):
        root.exists(root.join("anything"))
