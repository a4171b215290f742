"""The parts of an AnnData the CELLxGENE convention checks, from a file or from memory.

:class:`CellxgeneData` holds the frames (``obs``, ``var``, ``raw.var``), ``uns``, what each
embedding of ``obsm`` is (:class:`Embedding`: type, shape, dtype, infinite and NaN values),
the zero-size arrays of ``obsm``/``obsp``/``varm``/``varp``, and the matrices as
:class:`~ontolake.curate.cellxgene_matrix.Matrix` objects that read block by block.
:func:`ontolake.curate.h5ad_annotations.read_h5ad_data` reads it from an ``.h5ad`` file with
h5py; :func:`anndata_data` takes it from an AnnData object.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ontolake.curate.cellxgene_matrix import Matrix, memory_matrix

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CellxgeneData", "Embedding", "anndata_data", "embedding_of"]

_MAPPINGS = ("obsm", "obsp", "varm", "varp")


@dataclass(frozen=True)
class Embedding:
    """What one ``obsm`` entry is: a NumPy array or not, its shape, dtype and values.

    Example:
        >>> fact = embedding_of("X_umap", [np.array([[0.0, np.nan], [1.0, 2.0]])], "ndarray")
        >>> fact.numeric, fact.any_nan, fact.all_nan, fact.any_inf
        (True, True, False, False)
    """

    key: str
    type_name: str
    """``ndarray`` for a NumPy array, else the type (``DataFrame``, ``csr_matrix`` …)."""
    shape: tuple[int, ...] = ()
    dtype: str = ""
    numeric: bool = False
    any_inf: bool = False
    any_nan: bool = False
    all_nan: bool = False


def embedding_of(key: str, blocks: Iterable[Any], type_name: str) -> Embedding:
    """The facts of an embedding read as blocks of rows (a NumPy array when ``ndarray``)."""
    shape: tuple[int, ...] = ()
    dtype = ""
    numeric = any_inf = any_nan = False
    all_nan = True
    rows = 0
    for block in blocks:
        values = np.asarray(block)
        dtype = values.dtype.name
        rows += values.shape[0] if values.ndim else 0
        shape = (rows, *values.shape[1:])
        numeric = np.issubdtype(values.dtype, np.integer) or np.issubdtype(
            values.dtype, np.floating
        )
        if not numeric:
            all_nan = False
            continue
        nan = np.isnan(values) if np.issubdtype(values.dtype, np.floating) else None
        any_inf = any_inf or bool(np.isinf(values).any())
        any_nan = any_nan or bool(nan is not None and nan.any())
        all_nan = all_nan and bool(nan is not None and nan.all())
    return Embedding(key, type_name, shape, dtype, numeric, any_inf, any_nan, all_nan)


@dataclass
class CellxgeneData:
    """Everything of a dataset the convention's rules read (matrices stay block-wise)."""

    obs: pd.DataFrame
    var: pd.DataFrame
    uns: dict[str, Any]
    raw_var: pd.DataFrame | None = None
    embeddings: list[Embedding] = field(default_factory=list)
    empty_arrays: list[tuple[str, str]] = field(default_factory=list)
    """(slot, key) of each zero-size array in obsm, obsp, varm and varp."""
    x: Matrix | None = None
    raw_x: Matrix | None = None
    layers: list[Matrix] = field(default_factory=list)
    encoding_version: str | None = None
    """The file's ``encoding-version`` (None for an object in memory: nothing to check)."""


def anndata_data(adata: Any) -> CellxgeneData:
    """The parts of an AnnData in memory (or opened backed): nothing is copied."""
    import pandas as pd

    embeddings = []
    for key, value in adata.obsm.items():
        name = "ndarray" if isinstance(value, np.ndarray) else type(value).__name__
        blocks = [value] if isinstance(value, np.ndarray) else []
        embeddings.append(embedding_of(key, blocks, name) if blocks else Embedding(key, name))
    empty = [
        (slot, str(key))
        for slot in _MAPPINGS
        for key, value in getattr(adata, slot).items()
        if isinstance(value, np.ndarray) and not value.size
    ]
    raw = adata.raw
    return CellxgeneData(
        obs=adata.obs,
        var=adata.var,
        uns=dict(adata.uns),
        raw_var=pd.DataFrame(raw.var) if raw is not None else None,
        embeddings=embeddings,
        empty_arrays=empty,
        x=memory_matrix("X", adata.X) if adata.X is not None else None,
        raw_x=memory_matrix("raw.X", raw.X) if raw is not None else None,
        layers=[memory_matrix(f"layers['{key}']", value) for key, value in adata.layers.items()],
    )
