"""Refusing paths that are not files or folders: a fifo, a device or a socket never ends.

Reading ``/dev/zero`` (or a link to it named ``x.csv``) fills memory, and opening a fifo waits
for a writer that may never come. Inputs are checked before they are opened.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from ontolake.errors import UnsupportedObjectError

__all__ = ["open_regular_file", "require_file_or_folder"]

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (fifo)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def require_file_or_folder(path: str | os.PathLike[str], what: str = "") -> None:
    """Raise unless ``path`` (a link: what it points to) is a regular file or a folder.

    A missing path passes: the caller says what is missing in its own words.

    Args:
        path: the local path to check.
        what: how the path was given, for the message (``--schema``).

    Raises:
        UnsupportedObjectError: ``path`` is a fifo, a device or a socket.

    Example:
        >>> require_file_or_folder("/dev/null")
        Traceback (most recent call last):
        ontolake.errors.UnsupportedObjectError: /dev/null: a character device, not a regular file or folder: give a file.
    """  # noqa: E501
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    raise _refusal(path, mode, what)


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for reading in binary mode if it is a regular file (or a link to one).

    The check is made on the opened file (opening never blocks, even on a fifo), so a path
    swapped for a fifo or device after an earlier check is refused too.

    Raises:
        UnsupportedObjectError: ``path`` is a fifo, a device or a socket.
        OSError: it cannot be opened (``FileNotFoundError`` when missing,
            ``IsADirectoryError`` for a folder).

    Example:
        >>> with open_regular_file("/dev/zero") as handle:
        ...     handle.read(1)
        Traceback (most recent call last):
        ontolake.errors.UnsupportedObjectError: /dev/zero: a character device, not a regular file or folder: give a file.
    """  # noqa: E501
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(mode):
            raise _refusal(path, mode)
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _refusal(path: str | os.PathLike[str], mode: int, what: str = "") -> UnsupportedObjectError:
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    given = f"{what} {os.fspath(path)}" if what else os.fspath(path)
    return UnsupportedObjectError(f"{given}: {kind}, not a regular file or folder: give a file.")
