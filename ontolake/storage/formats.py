"""Per-format saving, describing, loading and streaming of artifact content.

In-memory objects are stored in one format each: a pandas DataFrame as ``.parquet``, an
AnnData as ``.h5ad`` (or ``.zarr``), a MuData as ``.h5mu`` and a SpatialData as ``.zarr``.
Object types are recognised by their class's module and name, so none of these libraries is
imported until it is needed.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from ontolake.errors import (
    InvalidDataError,
    InvalidKeyError,
    MissingDependencyError,
    OntolakeError,
    UnsupportedObjectError,
)
from ontolake.storage.keys import key_suffix
from ontolake.storage.root import is_storage_access_error, storage_errors

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

    from fsspec import AbstractFileSystem

__all__ = [
    "SUPPORTED_OTYPES",
    "default_suffix",
    "describe_file",
    "detect_otype",
    "load",
    "n_observations",
    "open_accessor",
    "write_object",
]

_OTYPE_OF_CLASS = {
    ("pandas", "DataFrame"): "DataFrame",
    ("anndata", "AnnData"): "AnnData",
    ("mudata", "MuData"): "MuData",
    ("spatialdata", "SpatialData"): "SpatialData",
}
SUPPORTED_OTYPES = tuple(_OTYPE_OF_CLASS.values())
_SUFFIXES_OF_OTYPE = {
    "DataFrame": (".parquet",),
    "AnnData": (".h5ad", ".zarr", ".anndata.zarr"),
    "MuData": (".h5mu",),
    "SpatialData": (".zarr", ".spatialdata.zarr"),
}
_EXTRA_OF_MODULE = {"spatialdata": "spatial", "mudata": "mudata"}
_DELIMITER_OF_TEXT_TABLE = {".csv": ",", ".csv.gz": ",", ".tsv": "\t", ".tsv.gz": "\t"}
_SPATIAL_ELEMENT_GROUPS = ("images", "labels", "points", "shapes")
_LOADABLE = ".parquet, .csv, .tsv, .h5ad, .h5mu, .json and AnnData or SpatialData .zarr"


def detect_otype(obj: Any) -> str:
    """The object type of ``obj``: DataFrame, AnnData, MuData or SpatialData.

    Subclasses count as their base class. No data library is imported.

    Raises:
        UnsupportedObjectError: ``obj`` is none of the supported types.

    Example:
        >>> import pandas as pd
        >>> detect_otype(pd.DataFrame({"a": [1]}))
        'DataFrame'
    """
    for cls in type(obj).__mro__:
        otype = _OTYPE_OF_CLASS.get((cls.__module__.split(".", 1)[0], cls.__name__))
        if otype is not None:
            return otype
    kind = type(obj)
    raise UnsupportedObjectError(
        f"Cannot store an object of type {kind.__module__}.{kind.__qualname__}: supported objects "
        "are a pandas DataFrame, an AnnData, a MuData and a SpatialData. To store a file or "
        "folder, pass its path or an fsspec URL such as 's3://bucket/file.csv'."
    )


def default_suffix(otype: str, key: str | None) -> str:
    """The suffix ``otype`` is stored with, following the key's suffix where it allows one.

    Raises:
        InvalidKeyError: (rule ``suffix``) the key ends in a suffix ``otype`` cannot be stored as.

    Example:
        >>> default_suffix("AnnData", "scrna/batch1.zarr")
        '.zarr'
        >>> default_suffix("DataFrame", None)
        '.parquet'
    """
    allowed = _SUFFIXES_OF_OTYPE[otype]
    suffix = key_suffix(key).lower() if key is not None else ""
    if not suffix:
        return allowed[0]
    if suffix in allowed:
        return suffix
    raise InvalidKeyError(
        f"Key {key!r} ends in {suffix!r}, but a {otype} is stored as {' or '.join(allowed)}: "
        f"use a key ending in {allowed[0]!r}, or one without a suffix.",
        rule="suffix",
    )


def write_object(obj: Any, otype: str, path: str, suffix: str) -> None:
    """Write ``obj`` (of type ``otype``) to the local ``path`` in the format of ``suffix``.

    Only errors about the object's contents become an ``InvalidDataError``: pyarrow refusing
    a DataFrame's values, or anndata failing on one element (its error names the key). Any
    other error comes from inside the writing libraries (spatialdata, ome-zarr, dask, zarr), not
    from the data: it is raised as it is, with a note naming the libraries' versions (Python
    3.11+).

    Raises:
        InvalidDataError: the object cannot be stored as it is (for example a DataFrame with
            non-string column names, or an AnnData column of mixed types).

    Example:
        >>> write_object(df, "DataFrame", "table.parquet", ".parquet")
        >>> load("table.parquet", ".parquet", "DataFrame").equals(df)
        True
    """
    kind = suffix.lower()
    if otype == "DataFrame":
        _check_column_names(obj)
    with storage_errors(path, remote=False):
        try:
            _write(obj, otype, kind, path)
        except (OntolakeError, OSError):
            raise
        except Exception as error:
            problem = _content_problem(error, otype)
            if problem is None:
                _note_library_versions(error, otype, kind)
                raise
            raise InvalidDataError(
                f"Could not write the {otype} as {kind}: {problem} ({type(error).__name__}: "
                f"{error}); make it storable (for example plain dtypes and string column names)."
            ) from error


_WRITING_LIBRARIES = {
    "DataFrame": ("pandas", "pyarrow"),
    "AnnData": ("anndata", "h5py", "zarr"),
    "MuData": ("mudata", "anndata", "h5py"),
    "SpatialData": ("spatialdata", "ome-zarr", "dask", "zarr", "anndata"),
}
_ANNDATA_KEY_NOTE = re.compile(
    r"Error raised while writing key '(?P<key>.*)' of .* to (?P<parent>\S*)$"
)


def _content_problem(error: Exception, otype: str) -> str | None:
    """What in the object's contents failed to write, or None for an error of a library.

    pyarrow's errors are about a DataFrame's values; anndata notes the key of the element it
    failed on. Nothing else can be blamed on the data.
    """
    if otype == "DataFrame":
        arrow = importlib.import_module("pyarrow")
        if isinstance(error, (arrow.ArrowException, ValueError, TypeError)):
            return "a column or the index holds values parquet cannot store"
        return None
    if otype not in ("AnnData", "MuData"):
        return None
    for note in getattr(error, "__notes__", ()):
        found = _ANNDATA_KEY_NOTE.match(str(note))
        if found is not None:
            parent, key = found.group("parent").rstrip("/"), found.group("key")
            return f"anndata could not write the element {parent}/{key}"
    return None


def _note_library_versions(error: Exception, otype: str, kind: str) -> None:
    """Add the versions of the writing libraries to ``error`` (shown under its message)."""
    from importlib import metadata

    versions = []
    for name in _WRITING_LIBRARIES.get(otype, ()):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    note = (
        f"ontolake: writing the {otype} as {kind} failed inside its libraries "
        f"({', '.join(versions)}), not because of its contents; ontolake's constraints.txt "
        "lists versions known to work together."
    )
    if sys.version_info >= (3, 11):
        error.add_note(note)


def _write(obj: Any, otype: str, kind: str, path: str) -> None:
    if otype == "DataFrame":
        _write_parquet(obj, path)
    elif otype == "AnnData" and kind.endswith(".zarr"):
        obj.write_zarr(path)
    elif otype == "AnnData":
        obj.write_h5ad(path)
    elif otype == "MuData":
        _import("mudata").write_h5mu(path, obj)
    else:
        _write_spatialdata(obj, path)


def _write_parquet(df: Any, path: str) -> None:
    """Write ``df`` as ``df.to_parquet(path, engine="pyarrow")`` does, byte for byte.

    pyarrow is called directly: pandas' wrapper costs as much as the writing for small
    tables. The same checks (string names of the index levels) and the same metadata
    (``df.attrs`` as ``PANDAS_ATTRS``) keep the file identical for every reader.
    """
    if df.attrs:  # pandas stores them in its own metadata key
        df.to_parquet(path, engine="pyarrow")
        return
    if not all(isinstance(name, str) for name in df.index.names if name is not None):
        raise ValueError("Index level names must be strings")
    pyarrow = _import("pyarrow")
    _import("pyarrow.parquet").write_table(
        pyarrow.Table.from_pandas(df), path, compression="snappy"
    )


def _write_spatialdata(sdata: Any, path: str) -> None:
    """Write ``sdata`` without leaving it backed by ``path`` (a staging location)."""
    _import("spatialdata")
    previous_path = sdata.path
    try:
        sdata.write(path)
    finally:
        sdata.path = previous_path


def _check_column_names(df: Any) -> None:
    not_strings = [name for name in df.columns if not isinstance(name, str)]
    if not_strings:
        shown = ", ".join(repr(name) for name in not_strings[:10])
        more = f" and {len(not_strings) - 10} more" if len(not_strings) > 10 else ""
        raise InvalidDataError(
            f"Parquet needs string column names, but these DataFrame columns are not strings: "
            f"{shown}{more}. Convert them first: df.columns = df.columns.astype(str)."
        )


def n_observations(obj: Any, otype: str) -> int | None:
    """The number of observations (rows, cells) of ``obj``; None when it is not defined.

    A SpatialData counts the observations of its table when it has exactly one.

    Example:
        >>> import pandas as pd
        >>> n_observations(pd.DataFrame({"a": [1, 2]}), "DataFrame")
        2
    """
    if otype == "DataFrame":
        return len(obj)
    if otype in ("AnnData", "MuData"):
        return int(obj.n_obs)
    if otype == "SpatialData" and len(obj.tables) == 1:
        return int(next(iter(obj.tables.values())).n_obs)
    return None


def describe_file(
    path: str, suffix: str, fs: AbstractFileSystem | None = None
) -> tuple[str | None, int | None]:
    """The object type and number of observations of a stored file, from metadata only.

    Parquet row counts come from the footer, AnnData and MuData counts from the length of the
    ``obs`` index; no matrix is read.

    Args:
        path: a local path, or a path in ``fs``.
        suffix: the file's suffix, as returned by :func:`~ontolake.storage.keys.key_suffix`.
        fs: the fsspec filesystem holding ``path``; None for the local filesystem.

    Returns:
        ``(otype, n_observations)``; ``(None, None)`` for formats without an object type.

    Raises:
        InvalidDataError: a file with a known suffix cannot be read as that format.

    Example:
        >>> describe_file("pbmc.h5ad", ".h5ad"), describe_file("cells.parquet", ".parquet")
        (('AnnData', 3), ('DataFrame', 4))
    """
    kind = suffix.lower()
    with storage_errors(path, remote=fs is not None), _unreadable_as(path, suffix):
        if kind == ".parquet":
            return "DataFrame", _parquet_rows(path, fs)
        if kind in (".h5ad", ".h5mu"):
            return ("AnnData" if kind == ".h5ad" else "MuData"), _h5_n_obs(path, fs)
        if kind.endswith(".zarr"):
            return _describe_zarr(path, fs)
    return None, None


@contextmanager
def _unreadable_as(path: str, suffix: str) -> Iterator[None]:
    """Turn a failure to parse ``path`` as ``suffix`` into an InvalidDataError."""
    try:
        yield
    except Exception as error:
        if isinstance(error, OntolakeError) or is_storage_access_error(error):
            raise
        raise InvalidDataError(
            f"{path} cannot be read as a {suffix} file ({type(error).__name__}: {error}): check "
            "that it is complete and that its suffix names its format."
        ) from error


def _parquet_rows(path: str, fs: AbstractFileSystem | None) -> int:
    dataset = importlib.import_module("pyarrow.dataset")
    return int(dataset.dataset(_fs_path(path, fs), filesystem=fs, format="parquet").count_rows())


def _h5_n_obs(path: str, fs: AbstractFileSystem | None) -> int:
    h5py = importlib.import_module("h5py")
    with ExitStack() as stack:
        source = path if fs is None else stack.enter_context(fs.open(path, "rb"))
        return _obs_count(stack.enter_context(h5py.File(source, "r")))


def _obs_count(group: Any) -> int:
    """Length of the ``obs`` index of an AnnData or MuData group (HDF5 or zarr)."""
    obs = group["obs"]
    index_name = obs.attrs.get("_index") if hasattr(obs, "attrs") else None
    if index_name is not None and not hasattr(obs, "dtype"):
        return int(obs[index_name].shape[0])
    return int(obs.shape[0])


def _describe_zarr(path: str, fs: AbstractFileSystem | None) -> tuple[str | None, int | None]:
    zarr_errors = importlib.import_module("zarr.errors")
    try:
        group = _open_zarr(path, fs)
    except zarr_errors.GroupNotFoundError as error:  # also a FileNotFoundError: not a lookup
        raise InvalidDataError(
            f"{path} is not a zarr group ({error}): a .zarr folder must hold a zarr store."
        ) from error
    attrs = dict(group.attrs)
    if attrs.get("encoding-type") == "anndata":
        return "AnnData", _obs_count(group)
    members = set(group.group_keys())
    if "spatialdata_attrs" in attrs or members & {*_SPATIAL_ELEMENT_GROUPS, "tables"}:
        tables = sorted(group["tables"].group_keys()) if "tables" in members else []
        n_obs = _obs_count(group["tables"][tables[0]]) if len(tables) == 1 else None
        return "SpatialData", n_obs
    if {"obs", "var"} <= set(group.keys()):  # anndata < 0.8 wrote no root attributes
        return "AnnData", _obs_count(group)
    return None, None


def _open_zarr(path: str, fs: AbstractFileSystem | None) -> Any:
    zarr = importlib.import_module("zarr")
    store = path if fs is None else fs.get_mapper(path)
    return zarr.open_group(store, mode="r")


def load(path: str, suffix: str, otype: str | None) -> Any:
    """Read the local file or folder ``path`` into memory.

    Returns:
        A pandas DataFrame (``.parquet``, ``.csv``, ``.tsv``), an AnnData (``.h5ad``, AnnData
        ``.zarr``), a MuData (``.h5mu``), a SpatialData (SpatialData ``.zarr``), or the parsed
        content of a ``.json`` file.

    Raises:
        UnsupportedObjectError: the format cannot be loaded into memory.
        MissingDependencyError: the optional library for the format is not installed.
        InvalidDataError: the content is not valid in its format (a ``.json`` or ``.csv``
            file is stored as bytes, unparsed: broken JSON, an empty or non-UTF-8 table).

    Example:
        >>> load("cells.parquet", ".parquet", "DataFrame").shape
        (4, 2)
    """
    try:
        return _load(path, suffix, otype)
    except OntolakeError:
        raise
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError …
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        if isinstance(error, RecursionError):
            reason = "it is nested too deeply to read"
        raise InvalidDataError(
            f"{path} cannot be read as a {suffix or 'suffix-less'} file "
            f"({type(error).__name__}: {reason}); it was stored as it was given. Use .cache() "
            "for its local path and read it with the tool of your choice, or save a corrected "
            "file as a new version."
        ) from None


def _load(path: str, suffix: str, otype: str | None) -> Any:
    kind = suffix.lower()
    with storage_errors(path, remote=False):
        if kind == ".parquet":
            return _import("pandas").read_parquet(path)
        if kind in _DELIMITER_OF_TEXT_TABLE:
            return _import("pandas").read_csv(path, sep=_DELIMITER_OF_TEXT_TABLE[kind])
        if kind == ".h5ad":
            return _import("anndata").read_h5ad(path)
        if kind == ".h5mu":
            return _import("mudata").read_h5mu(path)
        if kind == ".json":
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        if kind.endswith(".zarr"):
            return _load_zarr(path, kind, otype)
    raise UnsupportedObjectError(
        f"Cannot load a {suffix or 'suffix-less'} file into memory; load() reads {_LOADABLE}. "
        "Use .cache() to get a local path to the file and read it with the tool of your choice."
    )


def _load_zarr(path: str, kind: str, otype: str | None) -> Any:
    if otype == "SpatialData" or kind == ".spatialdata.zarr":
        return _import("spatialdata").read_zarr(path)
    if otype == "AnnData" or kind == ".anndata.zarr":
        return _import("anndata").read_zarr(path)
    raise UnsupportedObjectError(
        f"{path} is a zarr store that is neither an AnnData nor a SpatialData, so it cannot be "
        "loaded into memory: use .open() for a zarr group, or .cache() for its local path."
    )


def open_accessor(fs: AbstractFileSystem, path: str, suffix: str, otype: str | None) -> Any:
    """A streaming accessor to the content at ``path`` in ``fs``.

    Returns:
        A ``pyarrow.dataset.Dataset`` for ``.parquet``, a backed (read-only) AnnData for a local
        ``.h5ad``, a read-only zarr group for ``.zarr``, else a binary file object.

    Raises:
        UnsupportedObjectError: an ``.h5ad`` file that is not local (cache it first).

    Example:
        >>> from ontolake.storage.root import url_to_fs
        >>> fs, path = url_to_fs("memory://bucket/lake/.ontolake/3kd8.parquet")
        >>> fs.put("cells.parquet", path)
        >>> dataset = open_accessor(fs, path, ".parquet", "DataFrame")
        >>> dataset.to_table(columns=["n_genes"])["n_genes"].to_pylist()
        [1200, 800, 950, 400]
    """
    kind = suffix.lower()
    is_local = "file" in _protocols(fs)
    with storage_errors(path, remote=not is_local):
        if kind == ".parquet":
            dataset = importlib.import_module("pyarrow.dataset")
            return dataset.dataset(_fs_path(path, fs), filesystem=fs, format="parquet")
        if kind == ".h5ad":
            if not is_local:
                raise UnsupportedObjectError(
                    f"{path} is not local: an .h5ad file is opened backed from a local copy; "
                    "call .cache() first and open that path."
                )
            return _import("anndata").read_h5ad(path, backed="r")
        if kind.endswith(".zarr"):
            return _open_zarr(path, fs)
        return fs.open(path, "rb")


def _protocols(fs: AbstractFileSystem) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _fs_path(path: str, fs: AbstractFileSystem | None) -> str:
    """``path`` without its URL scheme, as pyarrow expects alongside a filesystem."""
    return path if fs is None else str(fs._strip_protocol(path))


def _import(module: str) -> ModuleType:
    """Import a data library, naming the extra to install when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        extra = _EXTRA_OF_MODULE.get(module)
        install = f"pip install 'ontolake[{extra}]'" if extra else f"pip install {module}"
        raise MissingDependencyError(
            f"Reading or writing this format needs {module!r}, which is not installed "
            f"({error}): {install}."
        ) from error
