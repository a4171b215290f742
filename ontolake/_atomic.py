"""Writing a local file whole or not at all: a temporary file beside it, then a rename."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_bytes_atomic", "write_text_atomic"]


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path``, creating missing parent folders; return the path.

    The bytes go to a temporary file in the same folder, which then replaces ``path`` in one
    rename: a reader sees the old file or the new one, never a part, and a failure leaves no
    partial file behind. A new file gets the permissions of the user's umask; a replaced
    file keeps its own.

    Example:
        >>> write_bytes_atomic("schemas/x.bin", b"...")  # doctest: +SKIP
        PosixPath('schemas/x.bin')
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temporary, "xb") as handle:  # the user's umask applies, as for any file
            handle.write(data)
        if target.exists():
            temporary.chmod(target.stat().st_mode & 0o7777)  # a replaced file keeps its mode
        os.replace(temporary, target)  # noqa: PTH105
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    r"""Write ``text`` as UTF-8 like :func:`write_bytes_atomic`.

    Example:
        >>> write_text_atomic("schemas/x.yaml", "name: x\\n")  # doctest: +SKIP
        PosixPath('schemas/x.yaml')
    """
    return write_bytes_atomic(path, text.encode("utf-8"))
