"""Writing local files and folders whole or not at all: a temporary name beside, then a rename."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "atomic",
    "missing_folders",
    "write_bytes_atomic",
    "write_text_atomic",
    "written_path",
]


@contextlib.contextmanager
def atomic(target: Path) -> Iterator[Path]:
    r"""A temporary path next to ``target`` to write; renamed to ``target`` on success.

    Missing parent folders are created. On failure the temporary file or folder is removed,
    and so are the folders created for it (when empty): nothing partial is left behind. A
    folder replaces an old one through a backup name, put back if the rename fails.

    What replaces an existing file or folder keeps its permission bits, and its owner and
    group where the process may set them (so a private ``0600`` file stays private); inside
    a folder, so does every file or folder at the same relative path. A ``target`` that is
    a symbolic link is written through: the file it points to is replaced, the link stays.

    Example:
        >>> with atomic(Path("out/table.csv")) as temporary:
        ...     _ = temporary.write_text("a,b\n1,2\n")
        >>> Path("out/table.csv").read_text()
        'a,b\n1,2\n'
        >>> with atomic(Path("new/table.csv")) as temporary:
        ...     _ = temporary.write_text("a,b\n")
        ...     raise OSError("disk full")
        Traceback (most recent call last):
        OSError: disk full
        >>> Path("new").exists()  # nothing partial: neither the file nor its folder
        False
    """
    target = written_path(target)
    created = missing_folders(target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A short name keeps the suffix (writers choose formats by it) and fits any file system
    # whose names fit the target's.
    temporary = target.with_name(f".{secrets.token_hex(6)}.partial{target.suffix}")
    try:
        yield temporary
        _keep_permissions(target, temporary)
        _move_into_place(temporary, target)
    except BaseException:
        _remove(temporary)
        for folder in created:
            with contextlib.suppress(OSError):  # not empty: something else wrote there
                folder.rmdir()
        raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path``, creating missing parent folders; return the path.

    A reader sees the old file or the new one, never a part, and a failure leaves no partial
    file behind. A new file gets the permissions of the user's umask; a replaced file keeps
    its own.

    Example:
        >>> write_bytes_atomic("schemas/x.bin", b"GIF89a")
        PosixPath('schemas/x.bin')
        >>> Path("schemas/x.bin").read_bytes()
        b'GIF89a'
    """
    target = Path(path)
    with atomic(target) as temporary, open(temporary, "xb") as handle:
        handle.write(data)  # a new file: the user's umask applies, as for any file
    return target


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    r"""Write ``text`` as UTF-8 like :func:`write_bytes_atomic`.

    Example:
        >>> write_text_atomic("schemas/x.yaml", "name: x\n")
        PosixPath('schemas/x.yaml')
    """
    return write_bytes_atomic(path, text.encode("utf-8"))


def written_path(target: Path) -> Path:
    """Where writing ``target`` lands: the file a symbolic link points to, else ``target``.

    Example:
        >>> Path("link.csv").symlink_to("data/cells.csv")
        >>> written_path(Path("link.csv"))  # doctest: +ELLIPSIS
        PosixPath('.../data/cells.csv')
    """
    return target.resolve() if target.is_symlink() else target


def _keep_permissions(replaced: Path, new: Path) -> None:
    """Give ``new`` the mode (and owner, where allowed) of ``replaced``, if it exists.

    For folders, every path inside ``new`` that ``replaced`` has too gets its mode as well
    (deepest first, so a folder made read-only is not entered afterwards).
    """
    if not replaced.exists():
        return
    if new.is_dir() and replaced.is_dir():
        for folder, names, files in os.walk(new, topdown=False):
            for name in (*files, *names):
                inside = Path(folder, name)
                old = replaced / inside.relative_to(new)
                if not inside.is_symlink() and old.exists():
                    _copy_permissions(old, inside)
    _copy_permissions(replaced, new)


def _copy_permissions(source: Path, destination: Path) -> None:
    status = source.stat()
    if hasattr(os, "chown"):  # only root may give a file away; a group of one's own is fine
        for owner in (status.st_uid, -1):
            with contextlib.suppress(OSError):
                os.chown(destination, owner, status.st_gid)
                break
    destination.chmod(status.st_mode & 0o7777)


def missing_folders(folder: Path) -> list[Path]:
    """The folders ``mkdir(parents=True)`` would create, deepest first.

    Example:
        >>> missing_folders(Path("new/deep"))
        [PosixPath('new/deep'), PosixPath('new')]
    """
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    return missing


def _move_into_place(temporary: Path, target: Path) -> None:
    """Rename ``temporary`` to ``target``; a folder replaces an old one via a backup name."""
    if not (temporary.is_dir() and target.exists()):
        temporary.replace(target)
        return
    backup = target.with_name(f".{secrets.token_hex(6)}.replaced.{target.name}")
    target.replace(backup)
    try:
        temporary.replace(target)
    except BaseException:
        backup.replace(target)
        raise
    _remove(backup)


def _remove(path: Path) -> None:
    """Remove a file or folder if it is there; never raises (it runs while cleaning up)."""
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
