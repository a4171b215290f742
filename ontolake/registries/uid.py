"""Random base62 uids; artifact uids are a 12-character stem plus a 4-character version suffix."""

from __future__ import annotations

import secrets

__all__ = ["BASE62", "STEM_LENGTH", "VERSION_LENGTH", "new_uid", "version_suffix"]

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
STEM_LENGTH = 12
_TO_BASE62 = bytes.maketrans(bytes(range(248)), BASE62.encode() * 4)
_UNEVEN = bytes(range(248, 256))
VERSION_LENGTH = 4


def new_uid(length: int = 12) -> str:
    """A random base62 string (62**12 ≈ 3e21 values for the default length).

    Random bytes below 248 (4 * 62) map evenly onto the 62 characters; the others are
    dropped, so every character is uniform.

    Example:
        >>> len(new_uid(16))
        16
    """
    characters = b""
    while len(characters) < length:  # 8 spare bytes: a second draw is rare
        characters += secrets.token_bytes(length + 8).translate(_TO_BASE62, _UNEVEN)
    return characters[:length].decode()


def version_suffix(version: int) -> str:
    """The 4-character base62 suffix of version number ``version`` (1 → ``"0001"``).

    Example:
        >>> version_suffix(1), version_suffix(62)
        ('0001', '0010')
    """
    if not 0 < version < 62**VERSION_LENGTH:
        raise ValueError(f"version must be between 1 and {62**VERSION_LENGTH - 1}, got {version}")
    digits = []
    for _ in range(VERSION_LENGTH):
        version, remainder = divmod(version, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits))
