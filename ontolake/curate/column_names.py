"""Close column names: ``CellType`` or ``cell type`` for a missing ``cell_type``.

Names are compared by their words, whatever the spelling: camelCase, underscores, hyphens,
dots, spaces and case are ignored (``CellType``, ``cell-type`` and ``Cell Type`` all read
``celltype``). Failing that, the closest name whose letters are at least
:data:`CLOSE_RATIO` alike (``cell_types``, ``celltyp``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["CLOSE_RATIO", "close_column", "name_words"]

CLOSE_RATIO = 0.8
"""The least ``difflib`` ratio of two normalised names for them to count as close."""

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^0-9a-z]+")


def name_words(name: str) -> str:
    """A column name reduced to its lower-case letters and digits, words run together.

    Example:
        >>> [name_words(n) for n in ("CellType", "cell_type", "Cell Type", "HTTPStatus")]
        ['celltype', 'celltype', 'celltype', 'httpstatus']
    """
    return _SEPARATORS.sub("", _CAMEL.sub(" ", name).casefold())


def close_column(name: str, columns: Sequence[str]) -> str | None:
    """The column of ``columns`` that most likely means ``name``, or None.

    The same words win first; then the highest ratio (at least :data:`CLOSE_RATIO`); equal
    ones in the order of ``columns``.

    Example:
        >>> close_column("cell_type", ["donor", "CellType"])
        'CellType'
        >>> close_column("cell_type", ["cell_types", "tissue"])
        'cell_types'
        >>> close_column("cell_type", ["donor", "tissue"]) is None
        True
    """
    import difflib

    wanted = name_words(name)
    best: tuple[float, int] | None = None
    for position, column in enumerate(columns):
        words = name_words(column)
        ratio = 1.0 if words == wanted else difflib.SequenceMatcher(None, wanted, words).ratio()
        if ratio >= CLOSE_RATIO and (best is None or ratio > best[0]):
            best = (ratio, position)
    return None if best is None else columns[best[1]]
