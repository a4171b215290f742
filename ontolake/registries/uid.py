"""Random base62 uids; artifact uids are a 12-character stem plus a 4-character version suffix."""

from __future__ import annotations

import secrets

__all__ = ["BASE62", "STEM_LENGTH", "VERSION_LENGTH", "new_uid", "version_suffix"]

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
STEM_LENGTH = 12
VERSION_LENGTH = 4


def new_uid(length: int = 12) -> str:
    """A random base62 string (62**12 ≈ 3e21 values for the default length).

    Example:
        >>> len(new_uid(16))
        16
    """
    number = int.from_bytes(secrets.token_bytes(length), "big")  # 8 random bits per character
    characters = []
    for _ in range(length):
        number, remainder = divmod(number, 62)
        characters.append(BASE62[remainder])
    return "".join(characters)


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
