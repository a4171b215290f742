"""Matrices read block by block, and what one pass over a matrix tells the convention's rules.

A :class:`Matrix` is ``X``, ``raw.X`` or a layer, in an ``.h5ad`` file (read with h5py, a
block of rows at a time; a block of columns for CSC) or in memory. :meth:`Matrix.scan` reads
it once and keeps what the rules need: non-zero counts per row and column, column sums,
whether a non-zero value is negative or fractional, and (when asked) a digest of each row to
find cells with identical counts. No step holds more than one block in memory.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BLOCK_VALUES", "Matrix", "MatrixScan", "h5_matrix", "memory_matrix"]

BLOCK_VALUES = 1 << 22
"""About how many stored values one block holds (32 MB of float64)."""

_FORMATS = {"csr_matrix": "csr", "csc_matrix": "csc"}


@dataclass
class MatrixScan:
    """What one pass over a matrix found."""

    nnz: int
    """Non-zero values (explicitly stored zeros do not count)."""
    invalid_nonzero: bool
    """Some non-zero value is negative or not an integer."""
    row_nnz: Any
    """Non-zero values per row."""
    column_sums: Any
    """Sums per column (None unless asked for)."""
    column_nnz: Any
    """Non-zero values per column (None unless asked for)."""
    row_digests: list[bytes] | None
    """One 128-bit BLAKE2 digest per row (CSR and dense matrices, when asked), else None."""

    def has(self, *, digests: bool, columns: bool) -> bool:
        """Whether this scan holds what was asked for."""
        with_digests = self.row_digests is not None or not digests
        return with_digests and (self.column_sums is not None or not columns)


class Matrix:
    """``X``, ``raw.X`` or a layer: its name, shape, dtype, format and blocks.

    ``format`` is ``csr``, ``csc``, ``coo``, ``dense`` or ``unknown``. ``blocks()`` yields
    SciPy matrices or arrays: blocks of rows, or blocks of columns for CSC.

    Example:
        >>> import scipy.sparse as sp
        >>> matrix = memory_matrix("X", sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.5]])))
        >>> scan = matrix.scan(columns=True)
        >>> matrix.format, scan.nnz, scan.invalid_nonzero, scan.column_sums.tolist()
        ('csr', 2, True, [1.0, 2.5])
    """

    def __init__(
        self,
        name: str,
        shape: tuple[int, ...],
        dtype: Any,
        format: str,
        blocks: Callable[[], Iterator[Any]],
    ) -> None:
        self.name = name
        self.shape = shape
        self.dtype = np.dtype(dtype) if dtype is not None else None
        self.format = format
        self.blocks = blocks
        self._scan: MatrixScan | None = None

    def scan(self, *, digests: bool = False, columns: bool = False) -> MatrixScan:
        """Read the matrix once; again only to add row digests or column sums and counts.

        Column statistics cost a pass over every stored index, so they are computed only
        when asked for (``columns``); ``digests`` hashes each row (CSR and dense only).
        """
        cached = self._scan
        if cached is not None and cached.has(digests=digests, columns=columns):
            return cached
        if cached is not None:
            digests = digests or cached.row_digests is not None
            columns = columns or cached.column_sums is not None
        rows = digests and self.format in ("csr", "dense")
        scan = MatrixScan(
            0,
            False,
            np.zeros(self.shape[0], dtype=np.int64),
            np.zeros(self.shape[1], dtype=np.float64) if columns else None,
            np.zeros(self.shape[1], dtype=np.int64) if columns else None,
            [] if rows else None,
        )
        offset = 0
        for block in self.blocks():
            if self.format == "dense":
                offset = _add_dense(scan, np.asarray(block), offset)
            elif self.format == "csc":
                offset = _add_columns(scan, _without_zeros(block), offset)
            else:
                offset = _add_rows(scan, _without_zeros(block), offset)
        scan.nnz = int(scan.row_nnz.sum())
        self._scan = scan
        return scan


def _without_zeros(block: Any) -> Any:
    """The block without explicitly stored zeros (they are not values)."""
    if block.data.all():
        return block
    block = block.copy()
    block.eliminate_zeros()
    return block


def _add_dense(scan: MatrixScan, values: Any, offset: int) -> int:
    nonzero = values != 0
    scan.row_nnz[offset : offset + len(values)] = nonzero.sum(axis=1)
    if scan.column_sums is not None and scan.column_nnz is not None:
        scan.column_sums += values.sum(axis=0, dtype=np.float64)
        scan.column_nnz += nonzero.sum(axis=0)
    scan.invalid_nonzero = scan.invalid_nonzero or _invalid_counts(values[nonzero])
    if scan.row_digests is not None:
        scan.row_digests.extend(_digest(row) for row in values)
    return offset + len(values)


def _add_rows(scan: MatrixScan, block: Any, offset: int) -> int:
    height: int = block.shape[0]
    scan.row_nnz[offset : offset + height] = np.diff(block.indptr)
    if scan.column_sums is not None and scan.column_nnz is not None:
        indices = block.indices.astype(np.intp, copy=False)
        scan.column_nnz += np.bincount(indices, minlength=block.shape[1])
        scan.column_sums += np.bincount(indices, weights=block.data, minlength=block.shape[1])
    scan.invalid_nonzero = scan.invalid_nonzero or _invalid_counts(block.data)
    if scan.row_digests is not None:
        scan.row_digests.extend(_sparse_digests(block))
    return offset + height


def _add_columns(scan: MatrixScan, block: Any, offset: int) -> int:
    width: int = block.shape[1]
    counts = np.diff(block.indptr)
    scan.row_nnz += np.bincount(block.indices.astype(np.intp, copy=False), minlength=block.shape[0])
    if scan.column_sums is not None and scan.column_nnz is not None:
        scan.column_nnz[offset : offset + width] = counts
        sums = np.add.reduceat(np.append(block.data.astype(np.float64), 0.0), block.indptr[:-1])
        scan.column_sums[offset : offset + width] = sums * (counts > 0)
    scan.invalid_nonzero = scan.invalid_nonzero or _invalid_counts(block.data)
    return offset + width


def _invalid_counts(data: Any) -> bool:
    """Whether a value is negative or (for floats) not an integer."""
    if bool((data < 0).any()):
        return True
    return data.dtype.kind == "f" and bool((np.rint(data) != data).any())


def _digest(*parts: Any) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(np.ascontiguousarray(part).data)
    return digest.digest()


def _sparse_digests(block: Any) -> Iterator[bytes]:
    block.sort_indices()
    indptr, indices, data = block.indptr, block.indices, block.data
    for start, stop in itertools.pairwise(indptr):
        yield _digest(indices[start:stop], data[start:stop])


def _ranges(pointer: Any, count: int) -> Iterator[tuple[int, int]]:
    """Consecutive [start, stop) ranges of rows (or columns) holding ~BLOCK_VALUES values."""
    start = 0
    while start < count:
        limit = pointer[start] + BLOCK_VALUES
        stop = int(np.searchsorted(pointer, limit, side="right")) - 1
        stop = min(count, max(stop, start + 1))
        yield start, stop
        start = stop


def h5_matrix(path: Path, key: str, name: str) -> Matrix | None:
    """The matrix at ``key`` of an ``.h5ad`` file (None when there is none), read lazily."""
    import h5py

    with h5py.File(path, "r") as file:
        if key not in file:
            return None
        node = file[key]
        encoding = node.attrs.get("encoding-type", "")
        encoding = encoding.decode() if isinstance(encoding, bytes) else str(encoding)
        if isinstance(node, h5py.Dataset):
            shape, dtype = tuple(node.shape), node.dtype
            form = "dense" if node.ndim == 2 else "unknown"
        else:
            shape = tuple(int(n) for n in node.attrs.get("shape", (0, 0)))
            dtype = node["data"].dtype if "data" in node else None
            form = _FORMATS.get(encoding, "unknown")

    def blocks() -> Iterator[Any]:
        import scipy.sparse as sp

        with h5py.File(path, "r") as file:
            node = file[key]
            if form == "dense":
                step = max(1, BLOCK_VALUES // max(1, shape[1]))
                for start in range(0, shape[0], step):
                    yield node[start : start + step]
                return
            pointer = node["indptr"][()]
            by_column = form == "csc"
            count = shape[1] if by_column else shape[0]
            kind = sp.csc_matrix if by_column else sp.csr_matrix
            for start, stop in _ranges(pointer, count):
                first, last = int(pointer[start]), int(pointer[stop])
                part = (node["data"][first:last], node["indices"][first:last])
                block_shape = (shape[0], stop - start) if by_column else (stop - start, shape[1])
                yield kind((*part, pointer[start : stop + 1] - first), shape=block_shape)

    return Matrix(name, shape if len(shape) == 2 else (*shape, 0, 0)[:2], dtype, form, blocks)


def memory_matrix(name: str, value: Any) -> Matrix:
    """A matrix held by an in-memory (or backed) AnnData."""
    import scipy.sparse as sp

    form = getattr(value, "format", None)
    if isinstance(value, np.ndarray) or type(value).__name__ == "Dataset":
        form = "dense" if len(value.shape) == 2 else "unknown"
    elif sp.issparse(value) and form == "coo":
        value = value.tocsr()  # blocks of rows; the format stays coo for the encoding rule
    elif form not in ("csr", "csc"):
        form = "unknown"
    shape = tuple(value.shape) if hasattr(value, "shape") else (0, 0)
    by_column = form == "csc"

    def blocks() -> Iterator[Any]:
        if form == "unknown":
            return
        count = shape[1] if by_column else shape[0]
        step = max(1, BLOCK_VALUES // max(1, shape[0] if by_column else shape[1]))
        for start in range(0, count, step):
            yield value[:, start : start + step] if by_column else value[start : start + step]

    return Matrix(name, shape, getattr(value, "dtype", None), form, blocks)
