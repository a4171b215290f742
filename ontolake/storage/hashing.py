r"""Content hashes of files and folders, local or in any fsspec filesystem.

A file's hash is the SHA-256 of its bytes. A folder's hash is the SHA-256 of one line
``f"{relative_posix_path}\0{file_sha256}\n"`` per file, sorted by path: it changes when a
file is renamed, added, removed or edited, and not with the order files are listed in.

Symbolic links in a local folder are followed only while they stay inside it: a link to a
file or folder inside is stored as a copy of what it points to (as ``shutil.copytree``
copies it), while a link pointing outside the folder, a dangling link, a link to one of
its own parent folders (a loop) and special files (FIFOs, sockets, devices) are refused
with :class:`~ontolake.errors.UnsafePathError` naming the link and its target, so saving a
folder never reads, or copies into storage, anything outside it. A single local file is
checked once opened: hashing or copying a fifo or device raises
:class:`~ontolake.errors.UnsupportedObjectError` at once instead of waiting forever.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ontolake._files import open_regular_file
from ontolake._fsspec import storage_errors
from ontolake._progress import progress
from ontolake.errors import InvalidDataError, PathNotFoundError, StorageError, UnsafePathError

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

__all__ = [
    "CHUNK_SIZE",
    "Digest",
    "copy_file_hashed",
    "hash_file",
    "hash_folder",
    "hash_path",
    "list_files",
    "list_local_files",
]

CHUNK_SIZE = 8 * 1024 * 1024


@dataclass(frozen=True)
class Digest:
    """The hash and size of a file or folder.

    Attributes:
        hash: SHA-256 hex digest.
        size: total number of bytes.
        n_files: number of files for a folder, None for a single file.
    """

    hash: str
    size: int
    n_files: int | None


def hash_file(path: str | os.PathLike[str], fs: AbstractFileSystem | None = None) -> Digest:
    """Stream the file at ``path`` through SHA-256 in 8 MiB chunks.

    Args:
        path: a local path, or a path in ``fs``.
        fs: the fsspec filesystem holding ``path``; None for the local filesystem.

    Raises:
        PathNotFoundError: nothing exists at ``path``.
        UnsupportedObjectError: the local ``path`` is a fifo, a device or a socket.

    Example:
        >>> digest = hash_file("sample.fasta")
        >>> digest.hash[:16], digest.size, digest.n_files
        ('3691f7ca153ceb3d', 34, None)
    """
    location = str(path)
    sha256 = hashlib.sha256()
    size = 0
    with (
        storage_errors(location, remote=fs is not None),
        _open(location, fs) as handle,
        progress(f"hashing {location}", total=_size(handle), unit="bytes") as step,
    ):
        while chunk := handle.read(CHUNK_SIZE):
            sha256.update(chunk)
            size += len(chunk)
            step.advance(len(chunk))
    return Digest(hash=sha256.hexdigest(), size=size, n_files=None)


def hash_folder(path: str | os.PathLike[str], fs: AbstractFileSystem | None = None) -> Digest:
    """Hash every file below the folder ``path`` into one digest.

    Args:
        path: a local folder, or a folder (prefix) in ``fs``.
        fs: the fsspec filesystem holding ``path``; None for the local filesystem.

    Raises:
        PathNotFoundError: nothing exists at ``path``.
        InvalidDataError: the folder holds no files.

    Example:
        >>> digest = hash_folder("reads")  # reads/a.fasta and reads/b.fasta
        >>> digest.hash[:16], digest.size, digest.n_files
        ('d44228514eeee4fa', 34, 2)
    """
    location = str(path)
    files = list_files(location, fs)
    if not files:
        raise InvalidDataError(f"Folder {location!r} is empty, nothing to save: add files to it.")
    sha256 = hashlib.sha256()
    size = 0
    with progress(f"hashing {location}", total=len(files), unit="files") as step:
        for relative, full in files:
            digest = hash_file(full, fs)
            size += digest.size
            sha256.update(f"{relative}\0{digest.hash}\n".encode())
            step.advance()
    return Digest(hash=sha256.hexdigest(), size=size, n_files=len(files))


def copy_file_hashed(source: str | os.PathLike[str], destination: str) -> Digest:
    """Copy the local file ``source`` to the new local file ``destination``, hashing as it goes.

    The file is read once: the digest is that of the bytes written to ``destination``.
    Parent folders are created as needed; existing content is never overwritten, and a
    failed copy leaves nothing at ``destination``.

    Raises:
        PathNotFoundError: nothing exists at ``source``.
        StorageError: something already exists at ``destination``, or the copy failed.

    Example:
        >>> copied = copy_file_hashed("sample.fasta", "staging/Xq.fasta")
        >>> copied == hash_file("staging/Xq.fasta") == hash_file("sample.fasta")
        True
    """
    location = str(source)
    sha256 = hashlib.sha256()
    size = 0
    with (
        storage_errors(f"{destination} (copy of {location})", remote=False),
        open_regular_file(location) as reader,
    ):
        writer = _create(destination)
        try:
            total = _size(reader)
            with writer, progress(f"copying {location}", total=total, unit="bytes") as step:
                while chunk := reader.read(CHUNK_SIZE):
                    sha256.update(chunk)
                    writer.write(chunk)
                    size += len(chunk)
                    step.advance(len(chunk))
        except BaseException:
            with suppress(OSError):
                os.unlink(destination)  # noqa: PTH108 - os, not Path: on every save
            raise
    return Digest(hash=sha256.hexdigest(), size=size, n_files=None)


def _create(path: str) -> BinaryIO:
    """Open the new file ``path`` for writing, creating its parent folders if needed."""
    try:
        try:
            return open(path, "xb")
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)  # noqa: PTH103, PTH120
            return open(path, "xb")
    except FileExistsError as error:
        if not os.path.lexists(path):
            raise  # a file is in the way of a parent folder
        raise StorageError(
            f"{path} already exists, and stored content is never overwritten: remove it "
            "first or copy to a new location."
        ) from error


def hash_path(path: str | os.PathLike[str], fs: AbstractFileSystem | None = None) -> Digest:
    """Hash a file with :func:`hash_file` or a folder with :func:`hash_folder`.

    Example:
        >>> hash_path("sample.fasta").n_files, hash_path("reads").n_files
        (None, 2)
    """
    if _is_folder(str(path), fs):
        return hash_folder(path, fs)
    return hash_file(path, fs)


def _size(handle: BinaryIO) -> int | None:
    """The size of an open local or fsspec file, if it tells."""
    size = getattr(handle, "size", None)
    if isinstance(size, int):
        return size
    try:
        return os.fstat(handle.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        return None


def _open(path: str, fs: AbstractFileSystem | None) -> BinaryIO:
    if fs is None:
        return open_regular_file(path)
    handle: BinaryIO = fs.open(path, "rb", block_size=CHUNK_SIZE)
    return handle


def _is_folder(path: str, fs: AbstractFileSystem | None) -> bool:
    if fs is None:
        return os.path.isdir(path)  # noqa: PTH112 - os, not Path: on every save
    with storage_errors(path, remote=True):
        return bool(fs.isdir(path))


def _exists(path: str, fs: AbstractFileSystem | None) -> bool:
    if fs is None:
        return Path(path).exists()
    with storage_errors(path, remote=True):
        return bool(fs.exists(path))


def list_files(folder: str, fs: AbstractFileSystem | None) -> list[tuple[str, str]]:
    r"""Sorted ``(relative POSIX path, full path)`` of every file below ``folder``.

    Raises:
        UnsafePathError: a local symbolic link leaves the folder (see
            :func:`list_local_files`), or a remote object's name has ``..``, ``.`` or empty
            segments or a backslash.
        PathNotFoundError: nothing exists at ``folder``.
        InvalidDataError: ``folder`` is a file.

    Example:
        >>> from ontolake.storage.root import url_to_fs
        >>> fs, folder = url_to_fs("memory://bucket/reads")
        >>> fs.pipe({f"{folder}/b.fasta": b">r2\n", f"{folder}/a.fasta": b">r1\n"})
        >>> list_files(folder, fs)
        [('a.fasta', '/bucket/reads/a.fasta'), ('b.fasta', '/bucket/reads/b.fasta')]
    """
    if not _is_folder(folder, fs):
        if _exists(folder, fs):
            raise InvalidDataError(f"{folder!r} is a file, not a folder: use hash_file().")
        raise PathNotFoundError(f"No file or folder at {folder!r}: check the path or URL.")
    if fs is None:
        files = list_local_files(folder)
    else:
        base = fs._strip_protocol(folder).rstrip("/")
        with storage_errors(folder, remote=True):
            found = fs.find(folder, withdirs=False)
        files = [(_contained(full[len(base) + 1 :], folder), full) for full in found]
    return sorted(files)


def _contained(relative: str, folder: str) -> str:
    """``relative`` (an object's name below a remote folder) if it stays inside the folder.

    Object stores allow any key, including ``a/../../x``; a copy of such a folder made by
    joining names onto a local path would land outside it.
    """
    segments = relative.split("/")
    if "\\" in relative or any(segment in ("", ".", "..") for segment in segments):
        raise UnsafePathError(
            f"{folder.rstrip('/')}/{relative} is in the folder {folder!r} under a name with "
            "'..', '.' or empty segments or a backslash, which would place its copy outside "
            "the folder: rename or remove that object."
        )
    return relative


def list_local_files(folder: str) -> list[tuple[str, str]]:
    """``(relative POSIX path, full path)`` of every file below the local ``folder``.

    Links to files and folders inside ``folder`` are followed (listed as what they point to).

    Raises:
        UnsafePathError: a symbolic link points outside ``folder``, nowhere, or to one of its
            own parent folders; or an entry is neither a file nor a folder.

    Example:
        >>> sorted(list_local_files("reads"))
        [('a.fasta', 'reads/a.fasta'), ('b.fasta', 'reads/b.fasta')]
    """
    root = os.path.realpath(folder)
    files: list[tuple[str, str]] = []
    pending: list[tuple[str, str, frozenset[str]]] = [(folder, "", frozenset({root}))]
    while pending:
        directory, relative, parents = pending.pop()
        with storage_errors(directory, remote=False), os.scandir(directory) as entries:
            listed = list(entries)
        for entry in listed:
            name = f"{relative}{entry.name}"
            real = os.path.realpath(entry.path) if entry.is_symlink() else None
            if real is not None:
                _check_link(folder, root, entry.path, real)
            if entry.is_dir():
                real = real or os.path.realpath(entry.path)
                if real in parents:
                    raise UnsafePathError(
                        f"{entry.path!r} is a symbolic link to {real!r}, a folder it is inside "
                        "of (a loop): remove the link or replace it with the files it should "
                        "hold."
                    )
                pending.append((entry.path, f"{name}/", parents | {real}))
            elif entry.is_file():
                files.append((name, entry.path))
            else:
                raise UnsafePathError(
                    f"{entry.path!r} in the folder {folder!r} is not a regular file or folder "
                    "(a FIFO, socket or device): remove it before saving the folder."
                )
    return sorted(files)


def _check_link(folder: str, root: str, link: str, target: str) -> None:
    """Refuse a link in ``folder`` (real path ``root``) that leaves it or points nowhere."""
    if target != root and not target.startswith(root.rstrip(os.sep) + os.sep):
        raise UnsafePathError(
            f"{link!r} is a symbolic link to {target!r}, outside the folder {folder!r}: "
            "nothing outside a folder is saved with it; copy the target into the folder or "
            "remove the link."
        )
    if not os.path.exists(target):  # noqa: PTH110
        raise UnsafePathError(
            f"{link!r} is a symbolic link to {target!r}, which does not exist (a dangling "
            "link or a loop of links): remove the link or restore its target."
        )
