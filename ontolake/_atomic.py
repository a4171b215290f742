"""Writing local files and folders whole or not at all: a temporary name beside, then a rename."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic", "write_bytes_atomic", "write_text_atomic"]


@contextlib.contextmanager
def atomic(target: Path) -> Iterator[Path]:
    r"""A temporary path next to ``target`` to write; renamed to ``target`` on success.

    Missing parent folders are created. On failure the temporary file or folder is removed,
    and so are the folders created for it (when empty): nothing partial is left behind. A
    folder replaces an old one through a backup name, put back if the rename fails.

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
    created = _missing_folders(target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A short name keeps the suffix (writers choose formats by it) and fits any file system
    # whose names fit the target's.
    temporary = target.with_name(f".{secrets.token_hex(6)}.partial{target.suffix}")
    try:
        yield temporary
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
    with atomic(target) as temporary:
        with open(temporary, "xb") as handle:  # the user's umask applies, as for any file
            handle.write(data)
        if target.exists():
            temporary.chmod(target.stat().st_mode & 0o7777)  # a replaced file keeps its mode
    return target


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    r"""Write ``text`` as UTF-8 like :func:`write_bytes_atomic`.

    Example:
        >>> write_text_atomic("schemas/x.yaml", "name: x\n")
        PosixPath('schemas/x.yaml')
    """
    return write_bytes_atomic(path, text.encode("utf-8"))


def _missing_folders(folder: Path) -> list[Path]:
    """The folders ``mkdir(parents=True)`` would create, deepest first."""
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
