"""A parquet file validated one column at a time.

:func:`~ontolake.curate.engine.check_frame` reads a table through a small read-only surface,
:class:`ColumnSource`: ``columns``, ``index``, ``len()``, ``table[name]`` — which a pandas
DataFrame has too — and ``load()``, the whole DataFrame. :class:`ParquetColumns` implements
it over a parquet file: column names and row count come from the file's metadata, the index
from its pandas metadata (read once), and each column is read alone — string columns of
categorical features dictionary-encoded, so their distinct values are the categories — then
checked and dropped before the next. The whole DataFrame is read only when something needs
it (``load()``: ``curator.dataset``, ``standardize``, ``add_new_from``, saving, a column
converted by dtype coercion, dataframe-level pandera checks); from then on every column
comes from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ontolake.errors import InvalidDataError

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.registries.schema import Schema

__all__ = ["ColumnSource", "ParquetColumns", "dictionary_columns"]


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


class ParquetColumns:
    """A parquet file as a :class:`ColumnSource`: one column in memory at a time.

    Args:
        path: the parquet file (opened now: a corrupt file raises ``InvalidDataError``).
        dictionary: columns to read dictionary-encoded (as pandas categoricals) when they
            hold strings — see :func:`dictionary_columns`.

    Example:
        >>> source = ParquetColumns(Path("cells.parquet"), {"cell_type"})  # doctest: +SKIP
        >>> len(source), list(source.columns)  # doctest: +SKIP
        (4, ['cell_type', 'n_genes'])
    """

    def __init__(self, path: Path, dictionary: Iterable[str] = ()) -> None:
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = path
        try:
            with pq.ParquetFile(path) as file:
                schema = file.schema_arrow
                self._n_rows = int(file.metadata.num_rows)
        except Exception as error:
            raise InvalidDataError(f"{path}: cannot be read as parquet: {error}") from None
        metadata = schema.pandas_metadata or {}
        index_columns = {c for c in metadata.get("index_columns", []) if isinstance(c, str)}
        names = [name for name in schema.names if name not in index_columns]
        self._columns = pd.Index(names, dtype=object)
        wanted = set(dictionary)
        self._dictionary = {
            field.name
            for field in schema
            if field.name in wanted
            and (pa.types.is_string(field.type) or pa.types.is_large_string(field.type))
        }
        self._index: pd.Index[Any] | None = None
        self._frame: pd.DataFrame | None = None

    @property
    def loaded(self) -> bool:
        """Whether the whole DataFrame has been read (``load()``)."""
        return self._frame is not None

    @property
    def columns(self) -> pd.Index[Any]:
        """The column names (index columns left out), from the file's metadata."""
        return self._columns if self._frame is None else self._frame.columns

    @property
    def index(self) -> pd.Index[Any]:
        """The index pandas would restore (read once; a RangeIndex costs nothing)."""
        if self._frame is not None:
            return self._frame.index
        if self._index is None:
            import pandas as pd
            import pyarrow.parquet as pq

            table = pq.read_table(self.path, columns=[], use_pandas_metadata=True)
            index = table.to_pandas().index
            self._index = index if len(index) == self._n_rows else pd.RangeIndex(self._n_rows)
        return self._index

    def __len__(self) -> int:
        return self._n_rows if self._frame is None else len(self._frame)

    def __getitem__(self, name: str) -> pd.Series[Any]:
        """Column ``name``, read alone from the file (or taken from the loaded frame)."""
        if self._frame is not None:
            return self._frame[name]
        if name not in self._columns:
            raise KeyError(name)
        import pyarrow.parquet as pq

        table = pq.read_table(
            self.path,
            columns=[name],
            read_dictionary=[name] if name in self._dictionary else None,
        )
        series = table.to_pandas(self_destruct=True)[name]
        del table
        series.index = self.index
        return series

    def load(self) -> pd.DataFrame:
        """The whole file as a DataFrame, read once and kept."""
        if self._frame is None:
            import pandas as pd

            try:
                self._frame = pd.read_parquet(self.path)
            except Exception as error:
                raise InvalidDataError(f"{self.path}: cannot be read as parquet: {error}") from None
            self._index = None
        return self._frame
