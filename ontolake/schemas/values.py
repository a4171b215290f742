"""Feature values checked against their dtype: Python values of the kind, or what was expected.

ISO date and datetime strings are always accepted for ``date``/``datetime``; lossy or
textual conversions (``"3"`` → 3, ``2.0`` → 2, a datetime → its date, numbers → str) only
when the feature coerces. numpy and pandas scalars become plain Python values.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

__all__ = ["MAX_DICT_DEPTH", "MAX_STR_BYTES", "coerce_scalar", "is_missing"]

MAX_STR_BYTES = 2000
MAX_DICT_DEPTH = 100
"""How many levels of dicts and lists a dict value may nest (JSON readers stop near 1000)."""
"""Longest string value a ``str`` feature holds (UTF-8 bytes), so that it can be indexed."""


def is_missing(value: Any) -> bool:
    """Whether ``value`` is None, NaN or a pandas missing marker."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)  # NaN, NaT and pd.NA compare unequal to themselves
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    """Numpy scalars as Python scalars; pandas Timestamps as datetimes."""
    module = type(value).__module__
    if module.startswith("numpy") and hasattr(value, "item"):
        return value.item()
    if module.startswith("pandas") and hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    return value


def coerce_scalar(kind: str, value: Any, *, coerce: bool = False) -> Any:
    """``value`` as a Python value of ``kind``, or a ``ValueError`` saying what was expected.

    ISO date and datetime strings are always accepted for ``date``/``datetime``; lossy or
    textual conversions (``"3"`` → 3, ``2.0`` → 2, a datetime → its date, numbers → str)
    only with ``coerce``. Categorical values are left to the registry lookup.

    Example:
        >>> coerce_scalar("date", "2025-10-24")
        datetime.date(2025, 10, 24)
        >>> coerce_scalar("int", "3", coerce=True)
        3
    """
    value = _plain(value)
    checker = _CHECKERS.get(kind)
    if checker is None:
        return value
    result = checker(value, coerce)
    if result is _INVALID:
        shown = repr(value) if len(repr(value)) < 80 else repr(value)[:77] + "..."
        hint = "" if coerce else " (define the feature with coerce=True to convert)"
        raise ValueError(f"expected {_EXPECTED[kind]}, got {type(value).__name__} {shown}{hint}")
    return result


_INVALID = object()
_EXPECTED = {
    "int": "an integer",
    "float": "a number",
    "num": "a number",
    "str": "a string",
    "bool": "True or False",
    "date": "a date or an ISO date string",
    "datetime": "a datetime or an ISO datetime string",
    "dict": "a JSON-serialisable dict with string keys",
}


def _int(value: Any, coerce: bool) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if coerce and isinstance(value, float) and value.is_integer():
        return int(value)
    if coerce and isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return _INVALID
    return _INVALID


def _float(value: Any, coerce: bool) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if coerce and isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return _INVALID
    return _INVALID


def _num(value: Any, coerce: bool) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if coerce and isinstance(value, str):
        parsed = _int(value, True)
        return parsed if parsed is not _INVALID else _float(value, True)
    return _INVALID


def _str(value: Any, coerce: bool) -> Any:
    if not isinstance(value, str):
        if not (coerce and isinstance(value, (int, float, bool, date))):
            return _INVALID
        value = value.isoformat() if isinstance(value, date) else str(value)
    if len(value.encode("utf-8")) > MAX_STR_BYTES:
        raise ValueError(
            f"strings hold at most {MAX_STR_BYTES} bytes (got {len(value.encode('utf-8'))}): "
            "use a dict feature for long text"
        )
    return value


_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


def _bool(value: Any, coerce: bool) -> Any:
    if isinstance(value, bool):
        return value
    if coerce and isinstance(value, int) and value in (0, 1):
        return bool(value)
    if coerce and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return _INVALID


def _date(value: Any, coerce: bool) -> Any:
    if isinstance(value, datetime):
        return value.date() if coerce else _INVALID
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            if coerce:
                parsed = _datetime(value, False)
                return parsed.date() if isinstance(parsed, datetime) else _INVALID
            return _INVALID
    return _INVALID


def _datetime(value: Any, coerce: bool) -> Any:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return (
            datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
            if coerce
            else _INVALID
        )
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return _INVALID
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return _INVALID


def _dict(value: Any, coerce: bool) -> Any:
    if not isinstance(value, dict):
        return _INVALID
    if _nests_deeper(value, MAX_DICT_DEPTH):
        raise ValueError(
            f"dicts nest at most {MAX_DICT_DEPTH} levels of dicts and lists (this one nests "
            "deeper, or contains itself): flatten it, or store it as a JSON artifact"
        )
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return _INVALID
    loaded = json.loads(text)
    if loaded != value or any(not isinstance(key, str) for key in value):
        return _INVALID  # non-string keys or tuples would not come back as given
    return loaded


def _nests_deeper(value: Any, limit: int) -> bool:
    """Whether dicts and lists in ``value`` nest more than ``limit`` levels (no recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


_CHECKERS: dict[str, Any] = {
    "int": _int,
    "float": _float,
    "num": _num,
    "str": _str,
    "bool": _bool,
    "date": _date,
    "datetime": _datetime,
    "dict": _dict,
}
