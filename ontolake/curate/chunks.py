r"""A CSV or TSV file read in chunks of rows, each column with the dtype of a whole read.

:class:`CsvChunks` hands :func:`~ontolake.curate.engine.check_frame` the file as DataFrames
of at most ``chunk_rows`` rows (``pandas.read_csv(chunksize=...)``, the parser a whole read
uses), so a file larger than memory is validated holding one chunk at a time.

A whole read is itself made of blocks: pandas' parser infers dtypes over blocks of rows (a
power of two, 2**20 values or fewer: :func:`block_rows`) and concatenates them, so a column
of integers with a word after the first block holds Python ints and strings. Chunks are a
whole number of such blocks, so each is what the whole read holds at its place, and a
column whose chunks disagree gets their common dtype (``float64`` for integers and numbers,
``object`` otherwise), as the concatenation of a whole read gives it. Chunks smaller than a
block (for tests) cover a file of at most one block, where a whole read infers each column
over all its rows: a column whose chunks disagree then gets the dtype of that inference —
``float64`` for numbers, ``object`` for booleans with missing values, the values as written
(strings) otherwise. Each pass records the dtypes; if a column's differ, the caller reads the
chunks again with the dtypes settled (:attr:`CsvChunks.settled` is False). A file whose
columns agree in every chunk is read once.

Example:
    >>> _ = Path("ids.csv").write_text("sample\n1\n2\ns3\n")
    >>> source = CsvChunks(Path("ids.csv"), chunk_rows=2)
    >>> [list(chunk["sample"]) for chunk in source.chunks()], source.settled
    ([[1, 2], ['s3']], False)
    >>> [list(chunk["sample"]) for chunk in source.chunks()], source.settled
    ([['1', '2'], ['s3']], True)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontolake.curate.columns import _reading, _separator, read_table, with_written_index

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CHUNK_CELLS", "CsvChunks", "block_rows"]

CHUNK_CELLS = 2**21
"""About how many values (rows times columns) one chunk holds: ~2 million, some 100 MB of
strings, whatever the width of the table."""


def _next_chunk(reader: Any) -> pd.DataFrame | None:
    """The next chunk of ``reader``; no DtypeWarning, since the chunks' dtypes are reconciled."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        return next(reader, None)


def block_rows(width: int) -> int:
    """The rows pandas' CSV parser infers dtypes over at once, for ``width`` columns.

    Example:
        >>> block_rows(4), block_rows(10)
        (131072, 65536)
    """
    heuristic = 2**20 // max(1, width)
    rows = 1
    while rows * 2 < heuristic:
        rows *= 2
    return rows


_NUMBERS = frozenset({"int", "float"})
_BOOLEANS = frozenset({"bool", "boolean object"})


def _kind(series: pd.Series[Any]) -> str:
    """What a chunk's column holds, as far as reconciling dtypes goes."""
    import pandas as pd

    types = pd.api.types
    if bool(series.isna().all()):
        return "empty"
    if types.is_bool_dtype(series):
        return "bool"
    if types.is_integer_dtype(series):
        return "int"
    if types.is_float_dtype(series):
        return "float"
    if series.dtype == object:
        inferred = types.infer_dtype(series, skipna=True)
        return "boolean object" if inferred == "boolean" else "text"
    return str(series.dtype)


def _whole_read_dtype(kinds: set[str]) -> str:
    """The dtype a whole read gives a column whose chunks hold ``kinds`` (``str``: as written).

    Example:
        >>> _whole_read_dtype({"int", "float"}), _whole_read_dtype({"bool", "empty"})
        ('float64', 'object')
        >>> _whole_read_dtype({"int", "text"})
        'str'
    """
    held = kinds - {"empty"}
    if held and held <= _NUMBERS:
        return "float64"  # integers with a number or a missing value are numbers
    if held and held <= _BOOLEANS:
        return "object"  # True, False and NaN
    if held == {"text"}:
        return "object"
    return "str"


class CsvChunks:
    """A CSV or TSV file (``.tsv``: tab-separated) as chunks of rows for validation.

    Args:
        path: the file.
        index_name: the schema's name of the index: a first column of that name (or the
            unnamed one ``to_csv`` writes) is the index, as in a whole read
            (:func:`~ontolake.curate.columns.with_written_index`).
        chunk_rows: rows per chunk; by default about :data:`CHUNK_CELLS` values, a whole
            number of :func:`block_rows`.
    """

    def __init__(
        self, path: Path, index_name: str | None = None, chunk_rows: int | None = None
    ) -> None:
        import pandas as pd

        self.path = path
        self._sep = _separator(path)
        self._index_name = index_name
        with _reading(path, self._kind):
            header = pd.read_csv(path, sep=self._sep, nrows=1)
        self._columns: pd.Index[Any] = with_written_index(header, index_name).columns
        self.implicit_index = not isinstance(header.index, pd.RangeIndex)
        """Whether the first row has one field more than the header (``read_csv`` makes the
        first column the index): such a file is better read whole."""
        width = len(header.columns) + (1 if self.implicit_index else 0)
        self._block = block_rows(width)
        self.chunk_rows = chunk_rows or self._block * max(1, CHUNK_CELLS // (width * self._block))
        self._frame: pd.DataFrame | None = None
        self._dtypes: dict[str, str] = {}
        """Columns read with another dtype than pandas infers per chunk (a whole read's)."""
        self.settled = True
        """Whether the last pass gave every column the dtype of a whole read."""

    @property
    def _kind(self) -> str:
        return self.path.suffix.lower()[1:]

    @property
    def columns(self) -> pd.Index[Any]:
        """The column names (the index column left out), from the header."""
        return self._columns if self._frame is None else self._frame.columns

    @property
    def loaded(self) -> bool:
        """Whether the whole DataFrame has been read (``load()``)."""
        return self._frame is not None

    def load(self) -> pd.DataFrame:
        """The whole file as a DataFrame (:func:`~ontolake.curate.columns.read_table`), kept.

        From then on it is the one chunk :meth:`chunks` gives (changes to it included).
        """
        if self._frame is None:
            self._frame = read_table(self.path, self._index_name)
        return self._frame

    def chunks(self) -> Iterator[pd.DataFrame]:
        """The chunks of the file, in order (a new pass over the file each call).

        Raises:
            InvalidDataError: the file cannot be read as CSV (naming it and the reason).
        """
        import pandas as pd

        if self._frame is not None:
            self.settled = True
            yield self._frame
            return
        planned = dict(self._dtypes)
        strings = {name: str for name, dtype in planned.items() if dtype == "str"}
        casts = {name: dtype for name, dtype in planned.items() if dtype != "str"}
        dtypes: dict[str, set[str]] = {}
        kinds: dict[str, set[str]] = {}
        rows = 0
        with _reading(self.path, self._kind):
            reader = pd.read_csv(
                self.path, sep=self._sep, chunksize=self.chunk_rows, dtype=strings or None
            )
            with reader:
                while (chunk := _next_chunk(reader)) is not None:
                    rows += len(chunk)
                    for name, dtype in casts.items():
                        chunk[name] = chunk[name].astype(dtype)
                    for name in chunk.columns:
                        dtypes.setdefault(str(name), set()).add(str(chunk[name].dtype))
                        kinds.setdefault(str(name), set()).add(_kind(chunk[name]))
                    yield with_written_index(chunk, self._index_name)
        differ = {name for name, seen in dtypes.items() if len(seen) > 1}
        # a pass with a plan reads every planned column one way: two passes at most
        self.settled = bool(planned) or not differ
        if not self.settled and rows <= self._block:
            self._dtypes = {name: _whole_read_dtype(kinds[name]) for name in differ}
        elif not self.settled:  # the common dtype, as concatenating a whole read's blocks
            self._dtypes = {
                name: str(pd.concat([pd.Series(dtype=dtype) for dtype in dtypes[name]]).dtype)
                for name in differ
            }
