"""Refusing paths that are not files or folders: a fifo, a device or a socket never ends.

Reading ``/dev/zero`` (or a link to it named ``x.csv``) fills memory, and opening a fifo waits
for a writer that may never come. Inputs are checked before they are opened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ontolake.errors import UnsupportedObjectError

__all__ = ["require_file_or_folder"]

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
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    given = f"{what} {os.fspath(path)}" if what else os.fspath(path)
    raise UnsupportedObjectError(f"{given}: {kind}, not a regular file or folder: give a file.")
