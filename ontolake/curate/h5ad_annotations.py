"""Read an ``.h5ad`` file's annotations with h5py: frames, ``uns``, embeddings, matrices.

Checking a convention reads no matrix whole, and importing anndata costs more than reading
the annotations of a typical file. This reader understands anndata's on-disk encodings for
data frames (``dataframe``, ``categorical``, ``string-array``, ``array``,
``nullable-integer``, ``nullable-boolean``, ``nullable-string-array``) and for ``uns``
(``dict``, ``string``, ``numeric-scalar``, arrays); a frame in anything else (old files
without encoding attributes, other encodings) returns None and the caller falls back to
anndata. Embeddings are read a block of rows at a time, matrices are left on disk
(:func:`~ontolake.curate.cellxgene_matrix.h5_matrix`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontolake.curate.cellxgene_data import CellxgeneData, Embedding, embedding_of
from ontolake.curate.cellxgene_matrix import BLOCK_VALUES, h5_matrix

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Opaque", "read_h5ad_data"]

_MAPPINGS = ("obsm", "obsp", "varm", "varp")


class Opaque:
    """A ``uns`` value in an encoding this reader keeps closed (sparse, awkward …)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding

    def __len__(self) -> int:
        return 1

    def __repr__(self) -> str:
        return f"<{self.encoding}>"


class _Unsupported(Exception):
    """An encoding this reader does not handle."""


def read_h5ad_data(path: Path) -> CellxgeneData | None:
    """The parts of an ``.h5ad`` file the convention checks, or None for an unknown encoding.

    Raises:
        OSError: the file cannot be opened as HDF5.

    Example:
        >>> data = read_h5ad_data(Path("pbmc.h5ad"))
        >>> data.obs.columns.tolist(), data.var.index[:1].tolist(), data.x.format
        (['cell_type', 'n_genes'], ['ENSG00000290825'], 'dense')
    """
    import h5py

    with h5py.File(path, "r") as file:
        try:
            obs = _frame(file["obs"])
            var = _frame(file["var"])
            raw_var = _frame(file["raw/var"]) if "raw/var" in file else None
            uns = _dict(file["uns"]) if "uns" in file else {}
        except (_Unsupported, KeyError):
            return None
        embeddings = [_embedding(key, item) for key, item in file.get("obsm", {}).items()]
        empty = [
            (slot, key)
            for slot in _MAPPINGS
            for key, item in file.get(slot, {}).items()
            if isinstance(item, h5py.Dataset) and item.size == 0
        ]
        layers = list(file.get("layers", {}))
        version = _text(file.attrs.get("encoding-version", ""))
    return CellxgeneData(
        obs=obs,
        var=var,
        uns=uns,
        raw_var=raw_var,
        embeddings=embeddings,
        empty_arrays=empty,
        x=h5_matrix(path, "X", "X"),
        raw_x=h5_matrix(path, "raw/X", "raw.X") if raw_var is not None else None,
        layers=[
            matrix
            for key in layers
            if (matrix := h5_matrix(path, f"layers/{key}", f"layers['{key}']")) is not None
        ],
        encoding_version=version,
    )


def _embedding(key: str, item: Any) -> Embedding:
    import h5py

    if not isinstance(item, h5py.Dataset):
        kinds = {"dataframe": "DataFrame", "csr_matrix": "csr_matrix", "csc_matrix": "csc_matrix"}
        return Embedding(key, kinds.get(_encoding(item), _encoding(item) or "group"))
    if item.ndim == 0:
        return Embedding(key, "ndarray", (), item.dtype.name)
    step = max(1, BLOCK_VALUES // max(1, int(item.size // max(1, item.shape[0]))))
    blocks = (item[start : start + step] for start in range(0, max(1, item.shape[0]), step))
    return embedding_of(key, blocks, "ndarray")


def _dict(group: Any) -> dict[str, Any]:
    return {key: _uns_value(item) for key, item in group.items()}


def _uns_value(item: Any) -> Any:
    import h5py

    encoding = _encoding(item)
    if isinstance(item, h5py.Dataset):
        if encoding == "string":
            return _text(item[()])
        if encoding == "string-array":
            return item.asstr()[()]
        return item[()]
    if encoding in ("dict", ""):
        return _dict(item)
    try:
        return _frame(item) if encoding == "dataframe" else _column(item)
    except _Unsupported:
        return Opaque(encoding)


def _encoding(item: Any) -> str:
    value = item.attrs.get("encoding-type", "")
    return _text(value)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _frame(group: Any) -> pd.DataFrame:
    import pandas as pd

    if _encoding(group) != "dataframe":
        raise _Unsupported(group.name)
    index = pd.Index(_values(group[_text(group.attrs["_index"])]))
    columns = {_text(name): _column(group[_text(name)]) for name in group.attrs["column-order"]}
    return pd.DataFrame(columns, index=index)


def _values(dataset: Any) -> Any:
    encoding = _encoding(dataset)
    if encoding == "string-array":
        return dataset.asstr()[()]
    if encoding == "array":
        return dataset[()]
    raise _Unsupported(dataset.name)


def _column(item: Any) -> Any:
    import numpy as np
    import pandas as pd

    encoding = _encoding(item)
    if encoding in ("string-array", "array"):
        return _values(item)
    if encoding == "categorical":
        categories = _values(item["categories"])
        return pd.Categorical.from_codes(
            item["codes"][()], categories, ordered=bool(item.attrs.get("ordered", False))
        )
    if encoding in ("nullable-integer", "nullable-boolean", "nullable-string-array"):
        values = _values(item["values"])
        mask = item["mask"][()].astype(bool)
        kinds = {"nullable-integer": "Int64", "nullable-boolean": "boolean"}
        array = pd.array(values, dtype=kinds.get(encoding, "string"))
        array[np.asarray(mask)] = pd.NA
        return array
    raise _Unsupported(item.name)
