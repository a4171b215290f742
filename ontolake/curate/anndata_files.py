"""Read and write the parts of AnnData files: ``obs``, ``var``, ``uns`` and the dtype of ``X``.

Checking a file reads its annotations, never ``X``: :func:`read_parts` for an ``.h5ad`` file
or ``.zarr`` folder, :func:`read_store` and :func:`parts_of_group` for AnnData nested in a
MuData or SpatialData. A curated file is written back by replacing only its tables
(:func:`rewrite_frames`), everything else copied byte for byte.

Files written by anndata before 0.7 store ``obs`` and ``var`` as HDF5 compound datasets (or
zarr structured arrays) with their categories in ``uns``. They are read by anndata's own
reader (``X`` stays on disk for ``.h5ad``), and written whole, in the current layout.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ontolake.errors import (
    InvalidDataError,
    OntolakeError,
    PathNotFoundError,
    UnsupportedObjectError,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AnnDataParts",
    "parts_of_group",
    "read_parts",
    "read_store",
    "rewrite_anndata",
    "rewrite_frames",
    "write_anndata",
]

T = TypeVar("T")

_WRITER = {"AnnData": "anndata", "MuData": "mudata", "SpatialData": "spatialdata"}


class AnnDataParts:
    """``obs``, ``var``, ``uns`` and the dtype of ``X`` of an AnnData (in memory or on disk)."""

    def __init__(
        self,
        obs: pd.DataFrame,
        var: pd.DataFrame,
        uns: Mapping[str, Any],
        x_dtype: str | None,
        adata: Any = None,
        *,
        legacy: bool = False,
    ) -> None:
        self.obs = obs
        self.var = var
        self.uns = dict(uns)
        self.x_dtype = x_dtype
        self.adata = adata
        self.legacy = legacy

    @classmethod
    def of(cls, adata: Any) -> AnnDataParts:
        """The parts of an in-memory AnnData (its obs and var frames, not copies)."""
        x = adata.X
        return cls(adata.obs, adata.var, adata.uns, None if x is None else str(x.dtype), adata)


def read_parts(path: Path, *, slot: str = "") -> AnnDataParts:
    """Read ``obs``, ``var`` and ``uns`` of an ``.h5ad`` file or ``.zarr`` folder, never ``X``.

    A ``.zarr`` folder in the layout of anndata < 0.7 is the exception: anndata reads it whole.

    Raises:
        PathNotFoundError: no such file.
        InvalidDataError: the file is truncated, corrupt or not an AnnData (names the file).

    Example:
        >>> parts = read_parts(Path("pbmc.h5ad"))  # obs, var and uns; never X
        >>> parts.obs.shape, parts.var.index[0], parts.x_dtype
        ((3, 2), 'ENSG00000290825', 'float32')
    """
    if path.suffix.lower() not in (".h5ad", ".zarr"):
        raise UnsupportedObjectError(
            f"{path}: AnnData files end in .h5ad or .zarr, not {path.suffix.lower()!r}."
        )
    try:
        return read_store(path, parts_of_group, kind="AnnData", slot=slot, legacy=True)
    except _LegacyLayout:
        return _read_legacy(path)


class _LegacyLayout(Exception):
    """An AnnData in the layout of anndata < 0.7 (obs/var as compound datasets).

    A signal between the readers of this module: :func:`read_store` turns it into an
    :class:`InvalidDataError` unless :func:`read_parts` asked to read such files itself.
    """


def _read_legacy(path: Path) -> AnnDataParts:
    """The annotations of a legacy AnnData, read by anndata (``X`` stays on disk for .h5ad)."""
    import anndata

    try:
        if path.suffix.lower() == ".h5ad":
            adata = anndata.read_h5ad(path, backed="r")
            try:
                x_dtype = None if adata.X is None else str(adata.X.dtype)
                obs, var, uns = adata.obs.copy(), adata.var.copy(), dict(adata.uns)
            finally:
                adata.file.close()
        else:
            adata = anndata.read_zarr(path)
            x_dtype = None if adata.X is None else str(adata.X.dtype)
            obs, var, uns = adata.obs, adata.var, dict(adata.uns)
    except Exception as error:
        raise InvalidDataError(
            f"{path}: stored in the layout of anndata < 0.7, which anndata "
            f"{anndata.__version__} cannot read either ({type(error).__name__}: {error}); "
            "re-write it with the anndata that wrote it."
        ) from None
    return AnnDataParts(obs, var, uns, x_dtype, legacy=True)


def read_store(
    path: Path, reader: Callable[[Any], T], *, kind: str, slot: str = "", legacy: bool = False
) -> T:
    """Open an HDF5 file (``.h5ad``, ``.h5mu``) or a ``.zarr`` folder and read it with ``reader``.

    ``reader`` receives the root group (``h5py`` or ``zarr``); every error it raises while the
    file is read becomes an :class:`InvalidDataError` naming the file (and ``slot``). An
    AnnData in the legacy layout (which :func:`read_parts` reads another way when it passes
    ``legacy=True``) is an :class:`InvalidDataError` too.

    Raises:
        PathNotFoundError: no such file.
        UnsupportedObjectError: neither HDF5 nor zarr.
        InvalidDataError: the file is truncated, corrupt or not a ``kind``.

    Example:
        >>> read_store(Path("multiome.h5mu"), lambda group: list(group["mod"]), kind="MuData")
        ['rna']
    """
    from anndata.io import read_elem  # noqa: F401  (anndata's readers, before opening files)

    where = f"{path}{f' ({slot})' if slot else ''}"
    if not path.exists():
        raise PathNotFoundError(f"{path}: no such file or folder.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".h5ad", ".h5mu"):
            import h5py

            with h5py.File(path, "r") as file:
                return reader(file)
        if suffix == ".zarr":
            import zarr

            return reader(zarr.open_group(str(path), mode="r"))
    except OntolakeError:
        raise
    except _LegacyLayout as error:
        if legacy:
            raise
        raise InvalidDataError(
            f"{where}: the AnnData at {error} is stored in the layout of anndata < 0.7, which "
            f"ontolake reads only in .h5ad and .zarr files; re-write the {kind} with a current "
            f"{_WRITER[kind]}."
        ) from None
    except Exception as error:  # h5py, zarr and anndata raise many types for a bad file
        raise InvalidDataError(
            f"{where}: cannot be read as {kind} ({type(error).__name__}: {error}); check that "
            f"the file is complete and was written by {_WRITER[kind]}."
        ) from None
    raise UnsupportedObjectError(f"{path}: {kind} files end in .h5ad, .h5mu or .zarr.")


def rewrite_frames(source: Path, target: Path, frames: Mapping[str, Any]) -> Path:
    """Copy an HDF5 file (``.h5ad``/``.h5mu``) or a ``.zarr`` folder, replacing only some tables.

    ``frames`` maps group paths (``obs``, ``mod/rna/var``, ``tables/table/obs``) to
    DataFrames; everything else, X included, is copied byte for byte. In an HDF5 file, a
    rewritten table keeps the compression of the one it replaces (``gzip`` and its level);
    in zarr, its arrays get anndata's default compressor. A zarr store whose metadata was
    consolidated is consolidated again.

    Example:
        >>> obs = read_parts(Path("pbmc.h5ad")).obs.assign(n_genes=0)
        >>> rewrite_frames(Path("pbmc.h5ad"), Path("zeroed.h5ad"), {"obs": obs})
        PosixPath('zeroed.h5ad')
        >>> read_parts(Path("zeroed.h5ad")).obs["n_genes"].tolist()
        [0, 0, 0]
    """
    from anndata.io import write_elem

    same = target.resolve() == source.resolve()
    if source.suffix.lower() == ".zarr":
        import zarr

        if not same:
            shutil.copytree(source, target)
        consolidated = _is_consolidated(target)
        group: Any = zarr.open_group(str(target), mode="r+", use_consolidated=False)
        _replace(group, frames, write_elem, lambda element: {})
        if consolidated:
            zarr.consolidate_metadata(str(target))
        return target
    import h5py

    if not same:
        shutil.copyfile(source, target)
    with h5py.File(target, "r+") as file:
        _replace(file, frames, write_elem, _hdf5_compression)
    return target


def _replace(
    group: Any,
    frames: Mapping[str, Any],
    write_elem: Callable[..., None],
    options: Callable[[Any], dict[str, Any]],
) -> None:
    """Write each frame over the element at its key, with ``dataset_kwargs`` of the old one.

    ``options`` gives them, from the element being replaced.
    """
    for key, frame in frames.items():
        if key in group:
            kept = options(group[key])
            del group[key]
            write_elem(group, key, frame, dataset_kwargs=kept)


def _hdf5_compression(element: Any) -> dict[str, Any]:
    """The compression of the first compressed dataset inside an HDF5 group (or none)."""
    import h5py

    found: dict[str, Any] = {}

    def visit(_name: str, item: Any) -> bool | None:
        if isinstance(item, h5py.Dataset) and item.compression is not None:
            found.update(compression=item.compression, compression_opts=item.compression_opts)
            return True
        return None

    if isinstance(element, h5py.Group):
        element.visititems(visit)
    return found


def _is_consolidated(store: Path) -> bool:
    """Whether a zarr folder has consolidated metadata (``.zmetadata`` or in ``zarr.json``)."""
    import json

    if (store / ".zmetadata").is_file():
        return True
    root = store / "zarr.json"
    if not root.is_file():
        return False
    return json.loads(root.read_text(encoding="utf-8")).get("consolidated_metadata") is not None


def write_anndata(adata: Any, target: Path) -> Path:
    """Write an AnnData as ``.h5ad`` or as a ``.zarr`` folder, as ``target``'s suffix says.

    Raises:
        UnsupportedObjectError: any other suffix.

    Example:
        >>> import anndata as ad
        >>> write_anndata(ad.read_h5ad("pbmc.h5ad"), Path("pbmc.zarr"))
        PosixPath('pbmc.zarr')
    """
    suffix = target.suffix.lower()
    if suffix == ".h5ad":
        adata.write_h5ad(target)
    elif suffix == ".zarr":
        adata.write_zarr(target)
    else:
        raise UnsupportedObjectError(f"{target}: write an AnnData as .h5ad or .zarr.")
    return target


def rewrite_anndata(source: Path, target: Path, parts: AnnDataParts) -> Path:
    """Write the AnnData file ``source`` to ``target`` with the ``obs`` and ``var`` of ``parts``.

    In the same format, only the two tables are replaced (:func:`rewrite_frames`). A legacy
    layout, or a change of format (``.h5ad`` to ``.zarr`` or back), is read whole by anndata
    and written in the current layout; a target that is the source is replaced only once the
    new file is complete.

    Raises:
        UnsupportedObjectError: ``target`` ends in neither ``.h5ad`` nor ``.zarr``.

    Example:
        >>> parts = read_parts(Path("pbmc.h5ad"))
        >>> parts.obs["n_genes"] = [10, 20, 30]
        >>> rewrite_anndata(Path("pbmc.h5ad"), Path("pbmc.zarr"), parts)  # a new format: whole
        PosixPath('pbmc.zarr')
        >>> read_parts(Path("pbmc.zarr")).obs["n_genes"].tolist()
        [10, 20, 30]
    """
    import anndata

    suffix = target.suffix.lower()
    if suffix not in (".h5ad", ".zarr"):
        raise UnsupportedObjectError(f"{target}: write an AnnData as .h5ad or .zarr.")
    if not parts.legacy and source.suffix.lower() == suffix:
        return rewrite_frames(source, target, {"obs": parts.obs, "var": parts.var})
    if source.suffix.lower() == ".h5ad":
        adata = anndata.read_h5ad(source)
    else:
        adata = anndata.read_zarr(source)
    adata.obs = parts.obs
    adata.var = parts.var
    if target.resolve() != source.resolve():
        return write_anndata(adata, target)
    staged = target.with_name(f".{target.stem}.writing{target.suffix}")
    write_anndata(adata, staged)
    if target.is_dir():
        shutil.rmtree(target)
    staged.replace(target)
    return target


def parts_of_group(group: Any) -> AnnDataParts:
    """``obs``, ``var``, ``uns`` and the dtype of ``X`` of an AnnData stored in ``group``.

    ``group`` is the root of an ``.h5ad`` file or an AnnData nested in a container (a MuData
    modality ``mod/<name>``, a SpatialData table ``tables/<name>``); ``X`` is never read.

    Example:
        >>> import h5py
        >>> with h5py.File("multiome.h5mu") as mudata_file:
        ...     parts = parts_of_group(mudata_file["mod/rna"])
        >>> parts.obs["cell_type"].tolist()
        ['T cell', 'T-cell', 'B cell']
    """
    import pandas as pd
    from anndata.io import read_elem

    for key in ("obs", "var"):
        if key not in group:
            raise KeyError(f"no {key!r} group")
    obs, var = read_elem(group["obs"]), read_elem(group["var"])
    if not (isinstance(obs, pd.DataFrame) and isinstance(var, pd.DataFrame)):
        raise _LegacyLayout(group.name)
    uns = read_elem(group["uns"]) if "uns" in group else {}
    return AnnDataParts(obs, var, uns, _x_dtype(group))


def _x_dtype(group: Any) -> str | None:
    if "X" not in group:
        return None
    x = group["X"]
    if hasattr(x, "dtype"):
        return str(x.dtype)
    if "data" in x:
        return str(x["data"].dtype)
    return None
