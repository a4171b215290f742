"""Read an ``.h5ad`` file's annotations (``obs``, ``var`` index, ``uns`` scalars) with h5py.

Checking a convention reads no matrix, and importing anndata costs more than reading the
annotations of a typical file. This reader understands anndata's on-disk encodings for
data frames (``dataframe``, ``categorical``, ``string-array``, ``array``,
``nullable-integer``, ``nullable-boolean``, ``nullable-string-array``); anything else (old
files without encoding attributes, other encodings) returns None and the caller falls back
to anndata.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["H5adAnnotations", "read_h5ad_annotations"]


class H5adAnnotations:
    """``obs`` as a DataFrame, the ``var`` index and column names, and ``uns``.

    ``uns`` holds the scalars it has read; nested groups appear as empty dicts.
    """

    def __init__(
        self, obs: pd.DataFrame, var_index: list[str], var_columns: list[str], uns: dict[str, Any]
    ) -> None:
        self.obs = obs
        self.var_index = var_index
        self.var_columns = var_columns
        self.uns = uns


class _Unsupported(Exception):
    """An encoding this reader does not handle."""


def read_h5ad_annotations(path: Path) -> H5adAnnotations | None:
    """The annotations of an ``.h5ad`` file, or None when an encoding is not understood.

    Raises:
        OSError: the file cannot be opened as HDF5.

    Example:
        >>> annotations = read_h5ad_annotations(Path("pbmc.h5ad"))
        >>> annotations.obs.columns.tolist(), annotations.var_index[:1]
        (['cell_type', 'n_genes'], ['ENSG00000290825'])
    """
    import h5py

    with h5py.File(path, "r") as file:
        try:
            obs = _frame(file["obs"])
            var_group = file["var"]
            var_index = [str(v) for v in _values(var_group[var_group.attrs["_index"]])]
            var_columns = [_text(name) for name in var_group.attrs["column-order"]]
            uns: dict[str, Any] = {}
            for key, item in file.get("uns", {}).items():
                if isinstance(item, h5py.Dataset):
                    value = item[()]
                    uns[key] = _text(value) if _encoding(item) == "string" else value
                else:
                    uns[key] = {}
        except (_Unsupported, KeyError):
            return None
    return H5adAnnotations(obs, var_index, var_columns, uns)


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
