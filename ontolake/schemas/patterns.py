"""Pattern checks from schema files, run by a linear-time engine (RE2, through pyarrow).

A schema file is shared, untrusted input: with Python's backtracking ``re`` a pattern such
as ``(a+)+$`` takes exponential time on a value like ``"aaaa…!"`` and validation never ends.
Pattern checks read from a schema file or the database (``str_matches``, ``str_contains``)
are therefore rebuilt as pandera checks that match with RE2, whose time grows linearly with
the value, so every engine applying them (the curators, ``curate validate`` and the pandera
schema of ``to_pandera()``) is bounded. RE2 has no backreferences or lookaround: a pattern
using them is refused when the schema is read, with a message saying so. The checks keep
pandera's names and statistics, so they save and load as the built-in ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ontolake.errors import InvalidDataError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["PATTERN_CHECKS", "linear_pattern_check", "matches"]

PATTERN_CHECKS: dict[str, Callable[[str], str]] = {
    "str_matches": lambda pattern: f"^(?:{pattern})",
    "str_contains": lambda pattern: pattern,
}
"""Pandera checks that take a pattern → the RE2 search pattern with the same meaning.

``str_matches`` matches at the start of the value (as ``re.match``); ``str_contains``
anywhere in it (as ``re.search``).
"""


def matches(values: pd.Series[Any], pattern: str) -> pd.Series[bool]:
    r"""Whether each value is a string in which the RE2 ``pattern`` is found (``re.search``).

    Values that are not strings (numbers, missing values) do not match.

    Example:
        >>> import pandas as pd
        >>> matches(pd.Series(["S001", "x", None, 7]), r"^S\d+").tolist()
        [True, False, False, False]
    """
    import pandas as pd
    import pyarrow.compute as pc

    found = pc.fill_null(pc.match_substring_regex(_strings(values), pattern), False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


def linear_pattern_check(name: str, pattern: Any, **options: Any) -> Any:
    """The pandera check ``name`` (a key of :data:`PATTERN_CHECKS`) matching with RE2.

    Args:
        name: ``"str_matches"`` or ``"str_contains"``.
        pattern: the pattern, as written in the schema file.
        options: other pandera check options (``ignore_na``, ``error``).

    Raises:
        InvalidDataError: the pattern is not a string, or RE2 cannot run it (a backreference,
            a lookaround or a syntax error).

    Example:
        >>> import pandas as pd
        >>> check = linear_pattern_check("str_matches", "(a+)+$")
        >>> check.name, check.statistics
        ('str_matches', {'pattern': '(a+)+$'})
        >>> bool(check(pd.Series(["a" * 60 + "!"])).check_passed)  # at once
        False
    """
    import pandera.pandas as pa

    if not isinstance(pattern, str):
        raise InvalidDataError(
            f"{name}: pattern must be a string, got {type(pattern).__name__} {pattern!r}."
        )
    search = PATTERN_CHECKS[name](pattern)
    _require_linear(name, pattern, search)
    return pa.Check(
        lambda values: matches(values, search),
        name=name,
        error=f"{name}('{pattern}')",
        statistics={"pattern": pattern},
        **options,
    )


def _require_linear(name: str, pattern: str, search: str) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array([""]), search)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        reason = str(error).removeprefix("Invalid regular expression: ").splitlines()[0]
        raise InvalidDataError(
            f"{name}: pattern '{pattern}' cannot be run in linear time ({reason}): patterns "
            "from schema files are matched with RE2, which has no backreferences or "
            "lookaround; rewrite the pattern without them."
        ) from None


def _strings(values: pd.Series[Any]) -> pa.Array:
    """``values`` as an Arrow string array; values that are not strings become null."""
    import pyarrow as pa

    try:
        return pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array(
            [value if isinstance(value, str) else None for value in values],
            type=pa.large_string(),
        )
