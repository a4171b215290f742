"""Parquet and CSV/TSV files validated one column at a time.

:func:`~ontolake.curate.engine.check_frame` reads a table through a small read-only surface,
:class:`ColumnSource`: ``columns``, ``index``, ``len()``, ``table[name]`` — which a pandas
DataFrame has too — and ``load()``, the whole DataFrame. Two file sources implement it, each
column read alone, checked and dropped before the next:

- :class:`ParquetColumns`: column names and row count from the file's metadata, the index
  from its pandas metadata (read once); string columns of categorical features read
  dictionary-encoded, so their distinct values are the categories.
- :class:`CsvColumns`: column names from the header, each column parsed alone by
  ``pandas.read_csv(usecols=[position])`` — the C parser infers a column's dtype from that
  column only, so it is the dtype of a full read; the index (the first column, when
  ``to_csv`` wrote it: see :func:`with_written_index`) and the row count from one pass.

The whole DataFrame (:func:`read_table`) is read only when something needs it (``load()``:
``curator.dataset``, ``standardize``, ``add_new_from``, saving, a column converted by dtype
coercion, dataframe-level pandera checks); from then on every column comes from it.

A column name that appears twice in a file (:func:`duplicated_columns`) keeps its name in the
DataFrame, twice, as a DataFrame built in Python would (pandas' CSV reader renames the second
``x.1``): the curator reports it. Such a file is read whole. A UTF-8 byte order mark is not
part of the first column's name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ontolake.errors import InvalidDataError, PathNotFoundError, UnsupportedObjectError

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.registries.schema import Schema

__all__ = [
    "ColumnSource",
    "CsvColumns",
    "ParquetColumns",
    "dictionary_columns",
    "duplicated_columns",
    "read_header",
    "read_table",
    "with_written_index",
]

READERS = (".parquet", ".csv", ".tsv")


class ColumnSource(Protocol):
    """A table :func:`~ontolake.curate.engine.check_frame` reads column by column."""

    @property
    def columns(self) -> pd.Index[Any]:
        """The column names, in order."""

    @property
    def index(self) -> pd.Index[Any]:
        """The row labels."""

    def __len__(self) -> int:
        """The number of rows."""

    def __getitem__(self, name: str) -> pd.Series[Any]:
        """One column, with ``index`` as its index."""

    def load(self) -> pd.DataFrame:
        """The whole table as a DataFrame."""


def dictionary_columns(schema: Schema) -> set[str]:
    """The columns of ``schema`` worth reading as categoricals: categorical, not lists.

    Columns with pandera checks are left out: a check sees the column as pandas would read it.
    """
    checked = {name for name, checks in schema.live_checks().items() if checks}
    return {
        feature.name
        for feature in schema.members
        if feature.parsed_dtype.is_categorical
        and not feature.parsed_dtype.is_list
        and feature.name not in checked
    }


@contextmanager
def _reading(path: Path, kind: str) -> Iterator[None]:
    """Any error reading ``path`` as an ``InvalidDataError`` naming the file."""
    try:
        yield
    except InvalidDataError:
        raise
    except Exception as error:
        raise InvalidDataError(f"{path}: cannot be read as {kind}: {error}") from None


def _separator(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


def read_header(path: Path) -> list[str]:
    """The column names of a CSV or TSV file, as written in its first row.

    Example:
        >>> read_header(Path("cells.csv"))
        ['', 'cell_type', 'n_genes']
    """
    import csv
    import sys

    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            return next(csv.reader(handle, delimiter=_separator(path)), [])
    finally:
        csv.field_size_limit(limit)


def duplicated_columns(path: Path) -> list[str]:
    r"""The column names that appear more than once in a CSV, TSV or parquet file, in order.

    Unnamed columns (an empty header cell) are not counted: they have no name to repeat.

    Example:
        >>> _ = Path("twice.csv").write_text("cell_type,n_genes,cell_type\nT cell,1,B cell\n")
        >>> duplicated_columns(Path("twice.csv"))
        ['cell_type']
    """
    suffix = path.suffix.lower()
    if not path.is_file() or suffix not in READERS:
        return []
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        with _reading(path, "parquet"):
            names = pq.read_schema(path).names
    else:
        names = read_header(path)
    counts = Counter(name for name in names if name)
    return [name for name, count in counts.items() if count > 1]


def _has_written_index(columns: Iterable[Any], index_name: str | None = None) -> bool:
    first = next(iter(columns), None)
    if first is None:
        return False
    return str(first).startswith("Unnamed: 0") or (index_name is not None and first == index_name)


def with_written_index(table: pd.DataFrame, index_name: str | None = None) -> pd.DataFrame:
    """``table`` read from CSV, its first column the index if it is the one pandas wrote.

    ``to_csv`` writes the index as a first column, with no header (``read_csv`` names it
    ``Unnamed: 0``) or with the index's name: a first column called ``index_name`` (the
    schema's index) is the index too.

    Example:
        >>> table = pd.DataFrame({"barcode": ["AAAC-1"], "n_genes": [1200]})
        >>> with_written_index(table, "barcode").index
        Index(['AAAC-1'], dtype='object', name='barcode')
    """
    if _has_written_index(table.columns, index_name):
        import pandas as pd

        first = table.columns[0]  # by position: the name may appear again (a duplicate)
        index = pd.Index(table.iloc[:, 0]).rename(first if first == index_name else None)
        table = table.iloc[:, 1:].set_axis(index, axis=0)
    return table


def read_table(path: Path, index_name: str | None = None) -> pd.DataFrame:
    """A parquet, CSV or TSV file as a DataFrame; a clear error naming the file otherwise.

    A CSV/TSV file's first column is its index when pandas wrote it so (see
    :func:`with_written_index`; ``index_name``: the name the schema gives the index).

    Example:
        >>> read_table(Path("cells.parquet")).shape, read_table(Path("cells.csv")).shape
        ((4, 2), (4, 2))
    """
    import pandas as pd

    from ontolake._files import require_file_or_folder

    if not path.exists():
        raise PathNotFoundError(f"{path}: no such file.")
    require_file_or_folder(path)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise UnsupportedObjectError(
            f"{path}: cannot read {suffix or 'files without a suffix'} as a table; "
            f"use {', '.join(READERS)}."
        )
    twice = duplicated_columns(path)
    with _reading(path, suffix[1:]):
        if suffix == ".parquet" and twice:  # pandas' reader refuses them; Arrow's file reads
            import pyarrow.parquet as pq

            with pq.ParquetFile(path) as file:
                return file.read(use_pandas_metadata=True).to_pandas()
        if suffix == ".parquet":
            return pd.read_parquet(path)
        table = pd.read_csv(path, sep=_separator(path))
    if twice:  # the names as written, not pandas' "x.1"
        names = read_header(path)
        if len(names) == len(table.columns):
            pairs = zip(names, table.columns, strict=True)
            table.columns = pd.Index(
                [name if name in twice else read for name, read in pairs], dtype=object
            )
    return with_written_index(table, index_name)


class _FileColumns:
    """What the file sources share: the loaded frame, once read, answers everything."""

    path: Path
    _columns: pd.Index[Any]

    def __init__(self, index_name: str | None = None) -> None:
        self._n_rows = 0
        self._index: pd.Index[Any] | None = None
        self._frame: pd.DataFrame | None = None
        self._index_name = index_name
        """The schema's name of the index (a CSV column of that name is the index)."""

    @property
    def loaded(self) -> bool:
        """Whether the whole DataFrame has been read (``load()``)."""
        return self._frame is not None

    @property
    def columns(self) -> pd.Index[Any]:
        """The column names (index columns left out), read without reading the rows."""
        return self._columns if self._frame is None else self._frame.columns

    @property
    def index(self) -> pd.Index[Any]:
        """The index the whole file would have, read once."""
        if self._frame is not None:
            return self._frame.index
        if self._index is None:
            self._index = self._read_index()
        return self._index

    def __len__(self) -> int:
        return self._n_rows if self._frame is None else len(self._frame)

    def __getitem__(self, name: str) -> pd.Series[Any]:
        """Column ``name``, read alone from the file (or taken from the loaded frame)."""
        if self._frame is not None:
            return self._frame[name]
        if name not in self._columns:
            raise KeyError(name)
        series = self._read_column(name)
        series.index = self.index
        return series

    def load(self) -> pd.DataFrame:
        """The whole file as a DataFrame (:func:`read_table`), read once and kept."""
        if self._frame is None:
            self._frame = read_table(self.path, self._index_name)
            self._index = None
        return self._frame

    def _read_index(self) -> pd.Index[Any]:
        raise NotImplementedError

    def _read_column(self, name: str) -> pd.Series[Any]:
        raise NotImplementedError


class ParquetColumns(_FileColumns):
    """A parquet file as a :class:`ColumnSource`: one column in memory at a time.

    Args:
        path: the parquet file (opened now: a corrupt file raises ``InvalidDataError``).
        dictionary: columns to read dictionary-encoded (as pandas categoricals) when they
            hold strings — see :func:`dictionary_columns`.

    Example:
        >>> source = ParquetColumns(Path("cells.parquet"), {"cell_type"})
        >>> len(source), list(source.columns)
        (4, ['cell_type', 'n_genes'])
    """

    def __init__(self, path: Path, dictionary: Iterable[str] = ()) -> None:
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        super().__init__()
        self.path = path
        with _reading(path, "parquet"), pq.ParquetFile(path) as file:
            schema = file.schema_arrow
            self._n_rows = int(file.metadata.num_rows)
        metadata = schema.pandas_metadata or {}
        index_columns = {c for c in metadata.get("index_columns", []) if isinstance(c, str)}
        names = [name for name in schema.names if name not in index_columns]
        self._columns = pd.Index(names, dtype=object)
        if len(set(schema.names)) < len(schema.names):  # columns cannot be read by name
            self.load()
        wanted = set(dictionary)
        self._dictionary = {
            field.name
            for field in schema
            if field.name in wanted
            and (pa.types.is_string(field.type) or pa.types.is_large_string(field.type))
        }

    def _read_index(self) -> pd.Index[Any]:
        """The index pandas would restore (a RangeIndex costs nothing)."""
        import pandas as pd
        import pyarrow.parquet as pq

        table = pq.read_table(self.path, columns=[], use_pandas_metadata=True)
        index = table.to_pandas().index
        return index if len(index) == self._n_rows else pd.RangeIndex(self._n_rows)

    def _read_column(self, name: str) -> pd.Series[Any]:
        import pyarrow.parquet as pq

        table = pq.read_table(
            self.path,
            columns=[name],
            read_dictionary=[name] if name in self._dictionary else None,
        )
        series = table.to_pandas(self_destruct=True)[name]
        del table
        return series


class CsvColumns(_FileColumns):
    """A CSV or TSV file (``.tsv``: tab-separated) as a :class:`ColumnSource`.

    Every read is ``pandas.read_csv`` with ``nrows`` or ``usecols``: the header now (a file
    that is not CSV raises ``InvalidDataError``), the first column once for the row count and
    the index (see :func:`with_written_index`), then one read per column asked for. A read of
    selected columns does not notice rows with more fields than the header, which a whole read
    refuses: a streaming pass of pyarrow (one column, a block in memory) looks for them first;
    if it finds one or cannot tell, the file is read whole, and pandas gives its verdict. So is
    a file whose first row has one field more than the header (``read_csv``'s implicit index).

    Example:
        >>> source = CsvColumns(Path("cells.csv"))
        >>> len(source), list(source.columns)
        (4, ['cell_type', 'n_genes'])
    """

    def __init__(self, path: Path, index_name: str | None = None) -> None:
        import pandas as pd

        super().__init__(index_name)
        self.path = path
        self._sep = _separator(path)
        with _reading(path, self._kind):
            head = pd.read_csv(path, sep=self._sep, nrows=1)
        self._header = list(head.columns)
        first = 1 if _has_written_index(self._header, index_name) else 0
        self._columns = pd.Index(self._header[first:], dtype=object)
        implicit_index = not isinstance(head.index, pd.RangeIndex)
        if (
            implicit_index
            or duplicated_columns(path)
            or not _rows_fit(path, self._sep, len(self._header))
        ):
            self.load()
        else:
            self._index = self._read_index()
            self._n_rows = len(self._index)

    @property
    def _kind(self) -> str:
        return self.path.suffix.lower()[1:]

    def _read_index(self) -> pd.Index[Any]:
        """The index of a whole read: from the first column, read alone."""
        import pandas as pd

        with _reading(self.path, self._kind):
            first = pd.read_csv(self.path, sep=self._sep, usecols=[0])
        # a RangeIndex if pandas did not write one
        return with_written_index(first, self._index_name).index

    def _read_column(self, name: str) -> pd.Series[Any]:
        import pandas as pd

        position = self._header.index(name)
        with _reading(self.path, self._kind):
            column = pd.read_csv(self.path, sep=self._sep, usecols=[position])
        return column[name]


def _rows_fit(path: Path, sep: str, width: int) -> bool:
    """Whether no row of a CSV file has more than ``width`` fields (its header's).

    pyarrow streams the file in 64 KiB blocks (larger ones raise its peak memory, ~60 MB for
    a 300 MB file with its 1 MiB default), converting nothing (one column kept as bytes).
    False too when pyarrow cannot tell: it refuses some files pandas reads, and rows longer
    than a block.
    """
    import pyarrow as pa
    import pyarrow.csv as csv

    names = [f"f{i}" for i in range(width)]

    def invalid(row: Any) -> str:  # pandas fills short rows with missing values
        return "skip" if row.actual_columns < row.expected_columns else "error"

    try:
        reader = csv.open_csv(
            path,
            read_options=csv.ReadOptions(
                skip_rows=1, column_names=names, use_threads=False, block_size=1 << 16
            ),
            parse_options=csv.ParseOptions(
                delimiter=sep, newlines_in_values=True, invalid_row_handler=invalid
            ),
            convert_options=csv.ConvertOptions(
                include_columns=names[:1], column_types={names[0]: pa.binary()}
            ),
        )
        for _batch in reader:
            pass
    except Exception:
        return False
    return True
