"""The local cache of remote content: downloaded once, verified by hash, reused afterwards.

Each cached file or folder ``<cache_dir>/<cache_key>`` has a sidecar
``<cache_dir>/<cache_key>.sha256`` holding ``"<sha256> <size>"``, written after the download
was verified, so later calls only compare sizes instead of hashing again.

Stored content of a local instance is read where it lies (:func:`verified_local`); it is
hashed on the first read and a sidecar in the cache records its hash with its size and
modification time, so a later read hashes again only when the file was changed.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ontolake._fsspec import storage_errors
from ontolake.errors import HashMismatchError
from ontolake.storage.hashing import Digest, hash_path, list_files
from ontolake.storage.keys import validate_key

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

__all__ = ["cache_dir", "cache_remote", "verified_local"]

SIDECAR_SUFFIX = ".sha256"


def cache_dir() -> Path:
    """The folder of the local cache of remote content.

    It is ``$ONTOLAKE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ontolake``, else
    ``~/.cache/ontolake``.

    Example:
        >>> import os
        >>> os.environ["ONTOLAKE_CACHE_DIR"] = "/srv/ontolake-cache"
        >>> cache_dir()
        PosixPath('/srv/ontolake-cache')
    """
    if configured := os.environ.get("ONTOLAKE_CACHE_DIR"):
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ontolake"


def cache_remote(fs: AbstractFileSystem, path: str, expected_hash: str, cache_key: str) -> str:
    r"""A local copy of the file or folder ``path`` in ``fs``, downloaded once and verified.

    Args:
        fs: the fsspec filesystem holding ``path``.
        path: the remote file or folder.
        expected_hash: the SHA-256 recorded for the content (see :mod:`~ontolake.storage.hashing`).
        cache_key: where to keep the copy, relative to :func:`cache_dir`.

    Returns:
        The local path of the verified copy.

    Raises:
        HashMismatchError: the downloaded content does not match ``expected_hash`` (the
            download is deleted).
        PathNotFoundError: nothing exists at ``path``.

    Example:
        >>> from ontolake.storage.hashing import hash_file
        >>> from ontolake.storage.root import url_to_fs
        >>> fs, path = url_to_fs("memory://bucket/lake/.ontolake/3kd8.fasta")
        >>> fs.put("sample.fasta", path)
        >>> local = cache_remote(fs, path, hash_file("sample.fasta").hash, "Stor1234/3kd8.fasta")
        >>> local == str(cache_dir() / "Stor1234" / "3kd8.fasta"), open(local).readline()
        (True, '>read1\n')
    """
    validate_key(cache_key)
    target = cache_dir() / cache_key
    with storage_errors(str(target), remote=False):
        sidecar = target.with_name(target.name + SIDECAR_SUFFIX)
        if _is_verified_copy(target, sidecar, expected_hash):
            return str(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        download = target.with_name(f".{target.name}.{secrets.token_hex(8)}.download")
        try:
            _download(fs, path, download)
            digest = hash_path(download)
            if digest.hash != expected_hash:
                raise HashMismatchError(
                    f"The content downloaded from {path} has SHA-256 {digest.hash}, but "
                    f"{expected_hash} was recorded when it was saved: the stored content was "
                    "changed or corrupted. The download was deleted; restore the original "
                    "content or save it again as a new artifact."
                )
            _move_into_place(download, target)
        finally:
            _remove_local(download)
        _write_sidecar(sidecar, digest)
    return str(target)


def verified_local(path: str, expected_hash: str, cache_key: str, what: str) -> str:
    """``path``, a local stored file or folder, once it is known to still hold ``expected_hash``.

    The content is hashed when no sidecar ``<cache_dir>/<cache_key>.sha256`` records that
    hash with the current size and modification time (a first read, or a file changed since).

    Args:
        path: the stored file or folder.
        expected_hash: the SHA-256 recorded when it was saved.
        cache_key: where to keep the sidecar, relative to :func:`cache_dir`.
        what: what ``path`` holds, for the message (``artifact 3kd8Qm2LxPa90000``).

    Raises:
        HashMismatchError: the content changed since it was saved.

    Example:
        >>> from ontolake.storage.hashing import hash_file
        >>> expected = hash_file("sample.fasta").hash
        >>> verified_local("sample.fasta", expected, "local/sample.fasta", "sample")
        'sample.fasta'
    """
    validate_key(cache_key)
    target = Path(path)
    sidecar = cache_dir() / (cache_key + SIDECAR_SUFFIX)
    with storage_errors(path, remote=False):
        size, modified = _fingerprint(target)
        recorded = _read_sidecar(sidecar)
        if recorded == _Recorded(expected_hash, size, modified):
            return path
        digest = hash_path(target)
        if digest.hash != expected_hash:
            raise HashMismatchError(
                f"The stored content of {what} at {path} has SHA-256 {digest.hash}, but "
                f"{expected_hash} was recorded when it was saved: it was changed in place "
                "(cache() of a local artifact is the stored file; copy it before editing). "
                "Run `curate doctor`, then restore the original content or save the edited "
                "copy as a new version."
            )
        sidecar.parent.mkdir(parents=True, exist_ok=True)
        _write_sidecar(sidecar, _Recorded(expected_hash, size, modified))
    return path


def _fingerprint(path: Path) -> tuple[int, int]:
    """Total size and latest modification time (ns) of a file or of the files of a folder."""
    if not path.is_dir():
        status = path.stat()
        return status.st_size, status.st_mtime_ns
    size = modified = 0
    for directory, _, names in os.walk(path, followlinks=True):
        for name in names:
            status = Path(directory, name).stat()
            size += status.st_size
            modified = max(modified, status.st_mtime_ns)
    return size, modified


def _download(fs: AbstractFileSystem, path: str, destination: Path) -> None:
    """Copy the remote file or folder ``path`` to ``destination``.

    A folder is copied file by file to the names its listing gives, each checked to stay
    inside the folder (:func:`~ontolake.storage.hashing.list_files`).
    """
    with storage_errors(path, remote=True):
        if not fs.isdir(path):
            fs.get_file(path, str(destination))
            return
    files = list_files(path, fs)
    with storage_errors(path, remote=True):
        fs.get(
            [full for _relative, full in files],
            [str(destination / relative) for relative, _full in files],
        )


def _is_verified_copy(target: Path, sidecar: Path, expected_hash: str) -> bool:
    """Whether ``target`` holds the content of ``expected_hash``, hashing only if unrecorded."""
    if not target.exists():
        return False
    recorded = _read_sidecar(sidecar)
    if recorded is not None and recorded.hash == expected_hash:
        return recorded.size == _local_size(target)
    digest = hash_path(target)
    if digest.hash != expected_hash:
        return False
    _write_sidecar(sidecar, digest)
    return True


class _Recorded(NamedTuple):
    """What a sidecar records: the hash and size, and for stored local content its mtime."""

    hash: str
    size: int
    modified: int | None = None


def _read_sidecar(sidecar: Path) -> _Recorded | None:
    try:
        recorded_hash, recorded_size, *modified = sidecar.read_text(encoding="utf-8").split()
        return _Recorded(recorded_hash, int(recorded_size), *(int(m) for m in modified[:1]))
    except (OSError, ValueError):
        return None


def _write_sidecar(sidecar: Path, recorded: Digest | _Recorded) -> None:
    fields = [recorded.hash, str(recorded.size)]
    if isinstance(recorded, _Recorded) and recorded.modified is not None:
        fields.append(str(recorded.modified))
    temporary = sidecar.with_name(f".{sidecar.name}.{secrets.token_hex(8)}")
    temporary.write_text(" ".join(fields) + "\n", encoding="utf-8")
    temporary.replace(sidecar)


def _local_size(path: Path) -> int:
    if not path.is_dir():
        return path.stat().st_size
    return sum(
        Path(directory, name).stat().st_size
        for directory, _, names in os.walk(path, followlinks=True)
        for name in names
    )


def _move_into_place(download: Path, target: Path) -> None:
    """Replace ``target`` with ``download``; a folder another process placed first is kept."""
    _remove_local(target)
    try:
        download.replace(target)
    except OSError:
        if not (download.is_dir() and target.is_dir()):
            raise


def _remove_local(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
