"""Artifact keys: virtual relative paths such as ``raw/sample.fasta``, and their suffixes.

A key names where an artifact appears in the instance's virtual file tree. It is a relative
POSIX path of non-empty segments: no leading ``/``, no URL scheme or Windows drive, no ``.``
or ``..`` segments, no empty segments (so no ``a//b`` and no trailing ``/``: a key names a
file or a folder by its name alone), no backslashes, at most 1024 characters. A key is text
a person reads and types: it holds no control characters (C0 and C1, such as newlines or the
terminal escape U+009B), no invisible formatting characters (bidirectional overrides such as
U+202E, zero-width characters, line and paragraph separators) and no lone surrogates, and it
is stored in Unicode normal form NFC, so the composed and decomposed spellings of one name
(``été`` typed on Linux or read from a macOS file name) are one key. Keys stored before
normalisation may be in NFD: queries look for both spellings (:data:`KEY_FORMS`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from ontolake.errors import InvalidKeyError

__all__ = ["KEY_FORMS", "MAX_KEY_LENGTH", "key_spellings", "key_suffix", "validate_key"]

MAX_KEY_LENGTH = 1024
KEY_FORMS: tuple[Literal["NFC", "NFD"], ...] = ("NFC", "NFD")
"""The normal forms a stored key may be in: NFC since keys are normalised, NFD for keys an
earlier version stored as given (a macOS file name). A key column lists them in its
``info["unicode_forms"]`` and lookups on it match each spelling."""

_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
_REFUSED_CATEGORIES = {
    "Cc": "control-character",
    "Cf": "invisible-character",
    "Zl": "invisible-character",
    "Zp": "invisible-character",
    "Cs": "surrogate",
}
"""Unicode categories a key may not hold → the rule they break."""
_DEFAULT_IGNORABLE = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
"""Unicode's default-ignorable code points outside the refused categories (fillers,
variation selectors, tags): invisible, so refused as ``invisible-character`` too."""
_CATEGORY_ADVICE = {
    "control-character": "remove control characters such as newlines, tabs and terminal escapes.",
    "invisible-character": (
        "remove it: invisible formatting characters (bidirectional overrides, zero-width "
        "characters, line separators) make a key look like another one."
    ),
    "surrogate": (
        "a lone surrogate is not text (a file name decoded with errors='surrogateescape'?); "
        "give the key as valid Unicode."
    ),
}
_SUFFIX_PART = re.compile(r"[A-Za-z0-9_+\-]+")
_COMPRESSION_SUFFIXES = frozenset({".gz", ".bz2", ".xz", ".zst"})
_ZARR_FLAVOURS = frozenset({".ome", ".anndata", ".spatialdata"})


def key_spellings(key: str) -> list[str]:
    """The spellings a stored key equal to ``key`` may have, NFC first (no repeats).

    Example:
        >>> len(key_spellings("raw/\u00e9t\u00e9.csv")), key_spellings("raw/sample.fasta")
        (2, ['raw/sample.fasta'])
    """
    return list(dict.fromkeys(unicodedata.normalize(form, key) for form in KEY_FORMS))


def validate_key(key: str) -> str:
    """Check that ``key`` is a valid artifact key and return it in normal form NFC.

    Args:
        key: a virtual relative path such as ``"raw/sample.fasta"``.

    Returns:
        The key in NFC (unchanged for a key already in NFC, such as any ASCII key).

    Raises:
        InvalidKeyError: naming the broken rule in ``rule``: ``empty``, ``too-long``,
            ``control-character``, ``invisible-character``, ``surrogate``, ``backslash``,
            ``absolute``, ``parent``, ``dot-segment`` or ``empty-segment``. The message
            shows the key escaped (``repr``), so it never moves a terminal's cursor.

    Example:
        >>> validate_key("raw/sample.fasta")
        'raw/sample.fasta'
        >>> validate_key("raw/e\u0301te\u0301.csv") == "raw/\u00e9t\u00e9.csv"  # NFD → NFC
        True
        >>> validate_key("../secret.txt")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ontolake.errors.InvalidKeyError: Key '../secret.txt' breaks rule 'parent': ...
    """
    broken = _refused_character(key)
    if broken is None:
        key = unicodedata.normalize("NFC", key)
        broken = _broken_rule(key)
    if broken is not None:
        rule, advice = broken
        raise InvalidKeyError(f"Key {key!r} breaks rule {rule!r}: {advice}", rule=rule)
    return key


def _refused_character(key: str) -> tuple[str, str] | None:
    """The rule broken by the first character ``key`` may not hold, naming that character."""
    if key.isascii() and key.isprintable():
        return None  # the common case, at once
    for position, character in enumerate(key):
        rule = _REFUSED_CATEGORIES.get(unicodedata.category(character))
        code = ord(character)
        if rule is None and any(low <= code <= high for low, high in _DEFAULT_IGNORABLE):
            rule = "invisible-character"
        if rule is not None:
            name = unicodedata.name(character, "")
            shown = f"U+{ord(character):04X}{f' {name}' if name else ''}"
            return rule, f"it holds {shown} at position {position}; {_CATEGORY_ADVICE[rule]}"
    return None


def _broken_rule(key: str) -> tuple[str, str] | None:
    """The first rule ``key`` breaks with advice on what to do, or None for a valid key."""
    if not key:
        return "empty", "a key must name a file or folder, such as 'raw/sample.fasta'."
    if len(key) > MAX_KEY_LENGTH:
        return "too-long", f"it has {len(key)} characters; use at most {MAX_KEY_LENGTH}."
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
