from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ontolake.errors import InvalidDataError, PathNotFoundError
from ontolake.storage.hashing import CHUNK_SIZE, Digest, hash_file, hash_folder, hash_path
from ontolake.storage.root import StorageRoot

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def _write_files(folder: Path, files: dict[str, bytes]) -> Path:
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return folder


FILES = {"a.txt": b"abc", "sub/b.txt": b"hello", "sub/deeper/c.bin": b"\x00\x01"}


def test_a_file_hash_is_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    assert hash_file(str(path)) == Digest(hash=ABC_SHA256, size=3, n_files=None)
    assert hash_path(path) == hash_file(path)


def test_a_file_larger_than_one_chunk_hashes_like_its_whole_content(tmp_path: Path) -> None:
    content = b"0123456789" * (CHUNK_SIZE // 10 + 7)
    path = tmp_path / "big.bin"
    path.write_bytes(content)
    digest = hash_file(path)
    assert digest.hash == hashlib.sha256(content).hexdigest()
    assert digest.size == len(content) > CHUNK_SIZE


def test_a_folder_hash_covers_relative_paths_and_file_hashes(tmp_path: Path) -> None:
    folder = _write_files(tmp_path / "folder", FILES)
    lines = "".join(
        f"{relative}\0{hashlib.sha256(FILES[relative]).hexdigest()}\n" for relative in sorted(FILES)
    )
    digest = hash_folder(folder)
    assert digest.hash == hashlib.sha256(lines.encode()).hexdigest()
    assert digest.size == sum(len(content) for content in FILES.values())
    assert digest.n_files == 3
    assert hash_path(str(folder)) == digest


def test_a_folder_hash_does_not_depend_on_creation_order(tmp_path: Path) -> None:
    forward = _write_files(tmp_path / "forward", FILES)
    backward = _write_files(tmp_path / "backward", dict(reversed(list(FILES.items()))))
    assert hash_folder(forward) == hash_folder(backward)


CHANGES = {
    "rename": lambda folder: (folder / "a.txt").rename(folder / "a2.txt"),
    "move": lambda folder: (folder / "sub/b.txt").rename(folder / "b.txt"),
    "edit": lambda folder: (folder / "sub/b.txt").write_bytes(b"hellO"),
    "add-empty-file": lambda folder: (folder / "new.txt").write_bytes(b""),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_folder_hash_changes_with_any_change(tmp_path: Path, change) -> None:
    folder = _write_files(tmp_path / "folder", FILES)
    before = hash_folder(folder)
    change(folder)
    assert hash_folder(folder).hash != before.hash


@pytest.mark.parametrize("layout", ["empty", "only-empty-subfolders"])
def test_an_empty_folder_cannot_be_saved(tmp_path: Path, layout: str) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    if layout == "only-empty-subfolders":
        (folder / "a" / "b").mkdir(parents=True)
    with pytest.raises(InvalidDataError, match=r"Folder .* is empty, nothing to save"):
        hash_path(folder)


@pytest.mark.parametrize("hasher", [hash_file, hash_folder, hash_path])
def test_a_missing_path_raises_path_not_found(tmp_path: Path, hasher) -> None:
    with pytest.raises(PathNotFoundError) as raised:
        hasher(tmp_path / "missing")
    assert isinstance(raised.value, FileNotFoundError)
    assert "missing" in str(raised.value)


@pytest.mark.s3
def test_a_folder_on_s3_hashes_like_the_same_folder_on_disk(tmp_path: Path, s3_bucket: str) -> None:
    folder = _write_files(tmp_path / "folder.zarr", FILES)
    root = StorageRoot(s3_bucket)
    destination = root.join("lake", "folder.zarr")
    root.upload(str(folder), destination)
    root.upload(str(folder / "a.txt"), root.join("a.txt"))
    assert hash_path(destination, root.fs) == hash_folder(folder)
    assert hash_path(root.join("a.txt"), root.fs) == Digest(ABC_SHA256, 3, None)
    with pytest.raises(PathNotFoundError):
        hash_path(root.join("missing.txt"), root.fs)


SPECIAL_FILES = """
import sys
from ontolake.errors import UnsupportedObjectError
from ontolake.storage.hashing import copy_file_hashed, hash_file, hash_path
for index, path in enumerate(sys.argv[1:]):
    for read in (hash_file, hash_path, lambda p: copy_file_hashed(p, f"copy{index}")):
        try:
            read(path)
        except UnsupportedObjectError as error:
            print(error)
"""


def test_hashing_refuses_a_fifo_or_device_at_once(tmp_path: Path) -> None:
    """Opening a fifo waits for a writer and /dev/zero never ends: both are refused."""
    import os
    import subprocess
    import sys

    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "zero.bin").symlink_to("/dev/zero")
    paths = ["pipe.csv", "zero.bin", "/dev/zero"]
    result = subprocess.run(
        [sys.executable, "-c", SPECIAL_FILES, *paths],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    kinds = ["a named pipe (fifo)", "a character device", "a character device"]
    assert result.stdout.splitlines() == [
        f"{path}: {kind}, not a regular file or folder: give a file."
        for path, kind in zip(paths, kinds, strict=True)
        for _read in range(3)
    ]
    assert not list(tmp_path.glob("copy*"))
