"""Masking credentials in URLs before they reach a message, a repr or a log."""

from __future__ import annotations

import re

__all__ = ["mask_url"]

_USERINFO = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<secret>[^@/\s]*)@"
)


def mask_url(text: str) -> str:
    """Replace the password of every ``scheme://user:password@host`` in ``text`` with ``***``.

    Example:
        >>> mask_url("postgresql://me:secret@db:5432/lake")
        'postgresql://me:***@db:5432/lake'
    """
    return _USERINFO.sub(lambda match: f"{match['scheme']}{match['user']}:***@", text)
