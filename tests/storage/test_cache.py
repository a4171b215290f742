from __future__ import annotations

from pathlib import Path

import pytest

from ontolake.errors import (
    HashMismatchError,
    InvalidKeyError,
    PathNotFoundError,
    StorageCredentialsError,
)
from ontolake.storage.cache import cache_dir, cache_remote
from ontolake.storage.hashing import hash_path
from ontolake.storage.root import StorageRoot

BACKENDS = ["local", pytest.param("s3", marks=pytest.mark.s3)]


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ONTOLAKE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(params=BACKENDS)
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> StorageRoot:
    """Where the "remote" content lives: a local folder read through fsspec, or S3."""
    if request.param == "local":
        return StorageRoot(str(tmp_path / "remote"))
    return StorageRoot(f"{request.getfixturevalue('s3_bucket')}/lake")


def _publish(remote: StorageRoot, tmp_path: Path, name: str, content: bytes) -> tuple[str, str]:
    """Store ``content`` remotely; return its path and hash."""
    source = tmp_path / "sources" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(content)
    path = remote.join(name)
    remote.upload(str(source), path)
    return path, hash_path(source).hash


def _publish_folder(remote: StorageRoot, tmp_path: Path) -> tuple[str, str]:
    source = tmp_path / "sources" / "store.zarr"
    (source / "obs").mkdir(parents=True)
    (source / "zarr.json").write_text('{"node_type": "group"}')
    (source / "obs" / "index").write_bytes(b"cell1cell2")
    path = remote.join("store.zarr")
    remote.upload(str(source), path)
    return path, hash_path(source).hash


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONTOLAKE_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("ONTOLAKE_CACHE_DIR")
    assert cache_dir() == tmp_path / "xdg" / "ontolake"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "ontolake"


def test_a_file_is_downloaded_and_verified(
    remote: StorageRoot, tmp_path: Path, isolated_cache: Path
) -> None:
    path, expected = _publish(remote, tmp_path, "x.csv", b"a,b\n1,2\n")
    local = cache_remote(remote.fs, path, expected, "storage1/uid1.csv")
    assert local == str(isolated_cache / "storage1" / "uid1.csv")
    assert Path(local).read_bytes() == b"a,b\n1,2\n"
    assert sorted(p.name for p in Path(local).parent.iterdir()) == ["uid1.csv", "uid1.csv.sha256"]


def test_a_verified_copy_is_not_downloaded_again(remote: StorageRoot, tmp_path: Path) -> None:
    path, expected = _publish(remote, tmp_path, "x.csv", b"a,b\n1,2\n")
    first = cache_remote(remote.fs, path, expected, "storage1/uid1.csv")
    remote.remove(path)
    assert not remote.exists(path)
    assert cache_remote(remote.fs, path, expected, "storage1/uid1.csv") == first


def test_a_copy_without_sidecar_is_rehashed_instead_of_downloaded(
    remote: StorageRoot, tmp_path: Path
) -> None:
    path, expected = _publish(remote, tmp_path, "x.csv", b"a,b\n1,2\n")
    local = Path(cache_remote(remote.fs, path, expected, "storage1/uid1.csv"))
    Path(f"{local}.sha256").unlink()
    remote.remove(path)
    assert not remote.exists(path)
    assert cache_remote(remote.fs, path, expected, "storage1/uid1.csv") == str(local)
    assert Path(f"{local}.sha256").exists()


def test_a_copy_whose_size_changed_is_downloaded_again(remote: StorageRoot, tmp_path: Path) -> None:
    path, expected = _publish(remote, tmp_path, "x.csv", b"a,b\n1,2\n")
    local = Path(cache_remote(remote.fs, path, expected, "storage1/uid1.csv"))
    local.write_bytes(b"a,b\n1,2\n3,4\n")
    assert cache_remote(remote.fs, path, expected, "storage1/uid1.csv") == str(local)
    assert local.read_bytes() == b"a,b\n1,2\n"


def test_content_that_does_not_match_its_hash_is_rejected_and_deleted(
    remote: StorageRoot, tmp_path: Path, isolated_cache: Path
) -> None:
    path, _ = _publish(remote, tmp_path, "x.csv", b"tampered\n")
    with pytest.raises(HashMismatchError, match="changed or corrupted") as raised:
        cache_remote(remote.fs, path, "0" * 64, "storage1/uid1.csv")
    assert path in str(raised.value)
    assert list((isolated_cache / "storage1").iterdir()) == []


def test_a_folder_is_downloaded_once(remote: StorageRoot, tmp_path: Path) -> None:
    path, expected = _publish_folder(remote, tmp_path)
    local = Path(cache_remote(remote.fs, path, expected, "storage1/uid2.zarr"))
    assert (local / "obs" / "index").read_bytes() == b"cell1cell2"
    assert hash_path(local).hash == expected
    remote.remove(path)
    assert not remote.exists(path)
    assert cache_remote(remote.fs, path, expected, "storage1/uid2.zarr") == str(local)


def test_a_changed_folder_copy_is_replaced(remote: StorageRoot, tmp_path: Path) -> None:
    path, expected = _publish_folder(remote, tmp_path)
    local = Path(cache_remote(remote.fs, path, expected, "storage1/uid2.zarr"))
    (local / "extra.txt").write_text("not part of the artifact")
    assert cache_remote(remote.fs, path, expected, "storage1/uid2.zarr") == str(local)
    assert not (local / "extra.txt").exists()
    assert hash_path(local).hash == expected


def test_missing_remote_content_raises_path_not_found(
    remote: StorageRoot, isolated_cache: Path
) -> None:
    with pytest.raises(PathNotFoundError):
        cache_remote(remote.fs, remote.join("missing.csv"), "0" * 64, "storage1/uid1.csv")
    assert list((isolated_cache / "storage1").iterdir()) == []


def test_a_cache_key_cannot_leave_the_cache_folder(remote: StorageRoot, tmp_path: Path) -> None:
    path, expected = _publish(remote, tmp_path, "x.csv", b"a\n")
    with pytest.raises(InvalidKeyError):
        cache_remote(remote.fs, path, expected, "../outside.csv")


@pytest.mark.s3
def test_refused_credentials_are_reported_and_nothing_is_cached(
    s3_bad_credentials: str, isolated_cache: Path
) -> None:
    remote = StorageRoot(s3_bad_credentials)
    with pytest.raises(StorageCredentialsError, match="access was refused"):
        cache_remote(remote.fs, remote.join("x.csv"), "0" * 64, "storage1/uid1.csv")
    assert list((isolated_cache / "storage1").iterdir()) == []
