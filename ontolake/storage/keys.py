"""Artifact keys: virtual relative paths such as ``raw/sample.fasta``, and their suffixes.

A key names where an artifact appears in the instance's virtual file tree. It is a relative
POSIX path of non-empty segments: no leading ``/``, no URL scheme or Windows drive, no ``.``
or ``..`` segments, no empty segments (so no ``a//b`` and no trailing ``/``: a key names a
file or a folder by its name alone), no backslashes, no control characters, at most 1024
characters.
"""

from __future__ import annotations

import re

from ontolake.errors import InvalidKeyError

__all__ = ["MAX_KEY_LENGTH", "key_suffix", "validate_key"]

MAX_KEY_LENGTH = 1024

_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
_SUFFIX_PART = re.compile(r"[A-Za-z0-9_+\-]+")
_COMPRESSION_SUFFIXES = frozenset({".gz", ".bz2", ".xz", ".zst"})
_ZARR_FLAVOURS = frozenset({".ome", ".anndata", ".spatialdata"})


def validate_key(key: str) -> str:
    """Check that ``key`` is a valid artifact key and return it unchanged.

    Args:
        key: a virtual relative path such as ``"raw/sample.fasta"``.

    Returns:
        The key itself.

    Raises:
        InvalidKeyError: naming the broken rule in ``rule``: ``empty``, ``too-long``,
            ``control-character``, ``backslash``, ``absolute``, ``parent``, ``dot-segment``
            or ``empty-segment``.

    Example:
        >>> validate_key("raw/sample.fasta")
        'raw/sample.fasta'
        >>> validate_key("../secret.txt")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ontolake.errors.InvalidKeyError: Key '../secret.txt' breaks rule 'parent': ...
    """
    broken = _broken_rule(key)
    if broken is not None:
        rule, advice = broken
        raise InvalidKeyError(f"Key {key!r} breaks rule {rule!r}: {advice}", rule=rule)
    return key


def _broken_rule(key: str) -> tuple[str, str] | None:
    """The first rule ``key`` breaks with advice on what to do, or None for a valid key."""
    if not key:
        return "empty", "a key must name a file or folder, such as 'raw/sample.fasta'."
    if len(key) > MAX_KEY_LENGTH:
        return "too-long", f"it has {len(key)} characters; use at most {MAX_KEY_LENGTH}."
    if _CONTROL_CHARACTER.search(key):
        return "control-character", "remove control characters such as newlines and tabs."
    if "\\" in key:
        return "backslash", "separate folders with '/', not '\\'."
    if key.startswith("/") or _URL_SCHEME.match(key) or _WINDOWS_DRIVE.match(key):
        return "absolute", (
            "a key is a path relative to the storage root, such as 'raw/sample.fasta'; drop "
            "the leading '/', URL scheme or drive (to register a URL in place, pass it as the "
            "data and omit key=)."
        )
    segments = key.split("/")
    if ".." in segments:
        return "parent", "a key cannot point outside the storage root; remove the '..' segments."
    if "." in segments:
        return "dot-segment", "remove the '.' segments ('a/./b' is written 'a/b')."
    if "" in segments:
        return "empty-segment", "remove repeated and trailing '/' ('a//b/' is written 'a/b')."
    return None


def key_suffix(name: str) -> str:
    """The file suffix of a key or path, including known two-part suffixes.

    Two-part suffixes are a compression suffix after another suffix (``.tar.gz``,
    ``.fastq.gz``, ``.csv.bz2``) and the zarr flavours ``.ome.zarr``, ``.anndata.zarr`` and
    ``.spatialdata.zarr``. A trailing ``/`` is ignored, and a name that only starts with a dot
    (``.bashrc``) has no suffix.

    Args:
        name: a key, a local path or a URL.

    Returns:
        The suffix with its leading dot, or ``""`` when there is none.

    Example:
        >>> key_suffix("raw/reads.fastq.gz")
        '.fastq.gz'
        >>> key_suffix("images/slide.ome.zarr/")
        '.ome.zarr'
        >>> key_suffix(".bashrc")
        ''
    """
    base = name.rstrip("/").rsplit("/", 1)[-1].lstrip(".")
    parts = base.split(".")[1:]
    if not parts or not _SUFFIX_PART.fullmatch(parts[-1]):
        return ""
    last = f".{parts[-1]}"
    if len(parts) >= 2 and _SUFFIX_PART.fullmatch(parts[-2]):
        previous = f".{parts[-2]}"
        is_compressed = last.lower() in _COMPRESSION_SUFFIXES
        is_zarr_flavour = last.lower() == ".zarr" and previous.lower() in _ZARR_FLAVOURS
        if is_compressed or is_zarr_flavour:
            return previous + last
    return last
