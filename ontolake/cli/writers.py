"""Writing a standardized file in the shape of its input, atomically.

``curate standardize`` changes only the values it maps. Everything else keeps its shape:

- CSV/TSV: streamed row by row with the ``csv`` module; only the mapped cells change. The
  header, the index column (written by pandas, or implicit), every other cell's text, the
  delimiter, the line ending and a UTF-8 byte order mark stay as they were (quotes are
  written only where needed).
- parquet: the Arrow table is rewritten with the same schema and metadata (so the pandas
  index and dtypes, categoricals included), each column with its codec and the same row
  group size.
- ``.h5ad``, ``.h5mu``, SpatialData ``.zarr``: the curator's own ``write``: ``X`` and every
  other element is copied as is and only ``obs``/``var`` are rewritten.

The result is written to a hidden temporary file (or folder) next to the destination and
renamed into place, so a failure leaves no partial output; folders created for it are
removed again on failure.

Example:
    >>> curator = ol.curate.DataFrameCurator("cells.csv", schema)
    >>> mapping = curator.standardize()
    >>> mapping
    {'cell_type': {'T-cell': 'T cell'}}
    >>> write_standardized(curator, Path("cells.csv"), Path("fixed/cells.csv"), mapping)
    PosixPath('fixed/cells.csv')
    >>> print(Path("fixed/cells.csv").read_text())  # only c2's cell type changed
    ,cell_type,n_genes
    c1,T cell,1200
    c2,T cell,800
    c3,B cell,950
    c4,unknown cell,400
    <BLANKLINE>
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["FORMATS", "unwritable", "write_standardized"]

Mapping_ = Mapping[str, Mapping[str, str]]
"""``{column: {given: canonical}}``, as ``Curator.standardize()`` returns it."""


def _write_delimited(curator: Any, source: Path, target: Path, mapping: Mapping_) -> None:
    """Rewrite a CSV/TSV file with only the mapped cells changed."""
    import codecs
    import csv
    import sys

    delimiter = "\t" if source.suffix.lower() == ".tsv" else ","
    with source.open("rb") as probe:
        first = probe.readline()
    terminator = "\r\n" if first.endswith(b"\r\n") else "\n"
    encoding = "utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8"
    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        with (
            source.open(newline="", encoding=encoding) as reading,
            target.open("w", newline="", encoding=encoding) as writing,
        ):
            rows = csv.reader(reading, delimiter=delimiter)
            out = csv.writer(writing, delimiter=delimiter, lineterminator=terminator)
            header = next(rows, None)
            if header is None:
                return
            out.writerow(header)
            changes = {
                header.index(column): values
                for column, values in mapping.items()
                if column in header
            }
            for row in rows:
                shift = 1 if len(row) == len(header) + 1 else 0  # an implicit index column
                for position, values in changes.items():
                    cell = position + shift
                    if cell < len(row) and row[cell] in values:
                        row[cell] = values[row[cell]]
                out.writerow(row)
    finally:
        csv.field_size_limit(limit)


_CODECS = {"UNCOMPRESSED": "none", "LZ4_RAW": "lz4"}
"""Parquet metadata codec names that pyarrow's writer spells differently."""


def _write_parquet(curator: Any, source: Path, target: Path, mapping: Mapping_) -> None:
    """Rewrite a parquet file with the mapped columns replaced, in its schema and codecs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetFile(source) as file:
        table = file.read()
        metadata = file.metadata
    frame = curator.dataset
    for column in mapping:
        position = table.schema.get_field_index(column)
        field = table.schema.field(position)
        table = table.set_column(
            position, field, pa.Array.from_pandas(frame[column], type=field.type)
        )
    codecs: dict[str, str] = {}
    if metadata.num_row_groups:
        group = metadata.row_group(0)
        for index in range(group.num_columns):
            chunk = group.column(index)
            codecs[chunk.path_in_schema] = _CODECS.get(chunk.compression, chunk.compression)
    pq.write_table(
        table,
        target,
        compression=codecs or "snappy",
        row_group_size=metadata.row_group(0).num_rows if metadata.num_row_groups else None,
    )


def _write_with_curator(curator: Any, source: Path, target: Path, mapping: Mapping_) -> None:
    """An AnnData, MuData or SpatialData file: the curator copies it and rewrites obs/var."""
    curator.write(target)


FORMATS: dict[str, Callable[[Any, Path, Path, Mapping_], None]] = {
    ".csv": _write_delimited,
    ".tsv": _write_delimited,
    ".parquet": _write_parquet,
    ".h5ad": _write_with_curator,
    ".h5mu": _write_with_curator,
    ".zarr": _write_with_curator,
}
"""How each format is written, by suffix."""


_FOLDERS = (".zarr",)
"""The formats stored as folders; the others are single files."""


def unwritable(source: Path) -> str | None:
    """Why ``standardize`` cannot write ``source`` in its own format; None when it can.

    Example:
        >>> unwritable(Path("cells.csv")) is None
        True
        >>> unwritable(Path("cells.xlsx"))
        'cells.xlsx: standardize writes .csv, .tsv, .parquet, .h5ad, .h5mu, .zarr files.'
    """
    suffix = source.suffix.lower()
    if suffix not in FORMATS:
        return f"{source}: standardize writes {', '.join(FORMATS)} files."
    if source.is_dir() and suffix not in _FOLDERS:
        return (
            f"{source}: a folder (a partitioned dataset); standardize writes single {suffix} files."
        )
    return None


def write_standardized(curator: Any, source: Path, target: Path, mapping: Mapping_) -> Path:
    """Write ``curator``'s standardized data, read from ``source``, to ``target`` atomically.

    With an empty ``mapping`` the input is copied as it is (or, for ``target == source``,
    left untouched). Missing folders are created, and removed again if the write fails.

    Raises:
        UnsupportedObjectError: the format has no writer (or the curator refuses it).

    Example:
        >>> curator = ol.curate.DataFrameCurator("cells.parquet", schema)
        >>> mapping = curator.standardize()
        >>> write_standardized(curator, Path("cells.parquet"), Path("fixed.parquet"), mapping)
        PosixPath('fixed.parquet')
        >>> pd.read_parquet("fixed.parquet")["cell_type"].tolist()
        ['T cell', 'T cell', 'B cell', 'unknown cell']
    """
    from ontolake.errors import UnsupportedObjectError

    reason = unwritable(source)
    if reason is not None:
        raise UnsupportedObjectError(reason)
    writer = FORMATS[source.suffix.lower()]
    same = target.exists() and source.resolve() == target.resolve()
    if same and not mapping:
        return target
    from ontolake._atomic import atomic

    with atomic(target) as temporary:
        if mapping:
            writer(curator, source, temporary, mapping)
        elif source.is_dir():
            shutil.copytree(source, temporary)
        else:
            shutil.copy2(source, temporary)
    return target
