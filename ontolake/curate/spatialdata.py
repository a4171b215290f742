"""Curate SpatialData: each table's AnnData slots (``table:obs``, ``table:var.T``) and ``attrs``.

Each table is checked by the AnnData logic (:class:`ontolake.curate.anndata.AnnDataSlots`)
with its slots prefixed by the table name; ``attrs`` holds dataset-level feature values.
From a ``.zarr`` path only the root attributes and the tables' ``obs``, ``var`` and ``uns``
are read: no image, label, point or shape element and no ``X`` is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ontolake.curate.anndata import AnnDataSlots
from ontolake.curate.anndata_files import AnnDataParts, parts_of_group, read_store, rewrite_frames
from ontolake.curate.parts import Part, PartsCurator
from ontolake.errors import UnsupportedObjectError

if TYPE_CHECKING:
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.schema import Schema

__all__ = ["SPATIALDATA_ATTRS", "SpatialDataCurator", "SpatialDataParts", "read_spatialdata"]

SPATIALDATA_ATTRS = "spatialdata_attrs"
"""The root attribute spatialdata writes into every ``.zarr`` store (format and version)."""


class SpatialDataParts:
    """The ``attrs`` and the parts of each table of a SpatialData.

    ``names`` are all the tables of the SpatialData, also those not read.
    """

    def __init__(
        self,
        attrs: Mapping[str, Any],
        tables: Mapping[str, AnnDataParts],
        sdata: Any = None,
        names: list[str] | None = None,
    ) -> None:
        self.attrs = dict(attrs)
        self.tables = dict(tables)
        self.sdata = sdata
        self.names = list(self.tables) if names is None else list(names)

    @classmethod
    def of(cls, sdata: Any) -> SpatialDataParts:
        """The parts of an in-memory SpatialData (its tables' frames, not copies)."""
        tables = {name: AnnDataParts.of(table) for name, table in sdata.tables.items()}
        return cls(sdata.attrs, tables, sdata)


def read_spatialdata(path: Path, tables: list[str] | None = None) -> SpatialDataParts:
    """Read the ``attrs`` and each table's ``obs``/``var``/``uns`` of a SpatialData ``.zarr``.

    Args:
        path: a ``.zarr`` folder written by spatialdata.
        tables: the tables to read (all when None); elements and ``X`` are never read.

    Raises:
        PathNotFoundError: no such folder.
        InvalidDataError: missing metadata, corrupt, or not a SpatialData (names the folder).

    Example:
        >>> read_spatialdata(Path("visium.zarr")).tables["table"].obs["cell_type"].tolist()
        ['T cell', 'T-cell', 'B cell']
    """
    if path.suffix.lower() != ".zarr":
        raise UnsupportedObjectError(
            f"{path}: SpatialData is stored in .zarr folders, not {path.suffix.lower()!r}."
        )

    def reader(group: Any) -> SpatialDataParts:
        attrs = dict(group.attrs)
        if SPATIALDATA_ATTRS not in attrs:
            raise KeyError(f"no {SPATIALDATA_ATTRS!r} attribute: not a SpatialData")
        attrs.pop(SPATIALDATA_ATTRS)
        if "tables" not in group:
            return SpatialDataParts(attrs, {})
        stored = list(group["tables"].keys())
        names = stored if tables is None else tables
        found = {name: parts_of_group(group["tables"][name]) for name in names if name in stored}
        return SpatialDataParts(attrs, found, names=stored)

    return read_store(path, reader, kind="SpatialData")


def is_spatialdata(path: Path) -> bool:
    """Whether ``path`` is a ``.zarr`` folder written by spatialdata (its root attributes say).

    Example:
        >>> is_spatialdata(Path("visium.zarr")), is_spatialdata(Path("reads"))
        (True, False)
    """
    if path.suffix.lower() != ".zarr" or not path.is_dir():
        return False
    try:
        import zarr

        return SPATIALDATA_ATTRS in zarr.open_group(str(path), mode="r").attrs
    except Exception:  # unreadable: the AnnData reader reports it with the file name
        return False


class SpatialDataCurator(PartsCurator):
    """Validate, standardize and save a SpatialData against a composite schema.

    Slots: ``<table>:<AnnData slot>`` (``table:obs``, ``table:var.T`` …), checked per table
    exactly as :class:`AnnDataCurator` checks an AnnData, and ``attrs`` (dataset-level
    feature values). A table the schema names but the data lacks is a failure.

    Args:
        dataset: a ``spatialdata.SpatialData``, a path to its ``.zarr`` folder (only attrs
            and the tables' annotations are read), or a saved SpatialData ``Artifact``.
        schema: a Schema with ``otype="SpatialData"`` and slots.
        features: more dataset-level feature values.
        name: the variable name used in the report's suggested next steps.

    Example:
        >>> import ontolake as ol
        >>> visium = ol.Schema.get(name="visium")  # slot "table:obs": "obs of scRNA"
        >>> curator = ol.curate.SpatialDataCurator("visium.zarr", visium)
        >>> curator.non_validated
        {'table:obs:cell_type': ['T-cell']}
        >>> curator.standardize("table:obs:cell_type")
        {'table:obs:cell_type': {'T-cell': 'T cell'}}
        >>> curator.validate()  # valid: None
    """

    otypes: ClassVar[tuple[str | None, ...]] = ("SpatialData",)

    def __init__(
        self,
        dataset: Any,
        schema: Schema | str,
        *,
        features: Mapping[str, Any] | None = None,
        name: str = "curator",
    ) -> None:
        super().__init__(schema, features=features, name=name)
        data, by_table, top = self._open_container(
            dataset,
            type_name="SpatialData",
            files="a .zarr path",
            slots_hint="a SpatialData schema names attrs or '<table>:<slot>' "
            "(ol.Schema(otype='SpatialData', slots={'table:obs': ...})).",
            of=SpatialDataParts.of,
            read=read_spatialdata,
        )
        self._data: SpatialDataParts = data
        attrs = {"uns" if slot == "attrs" else slot: component for slot, component in top.items()}
        import pandas as pd

        first: list[Part] = []
        if attrs:
            annotations = AnnDataParts(pd.DataFrame(), pd.DataFrame(), self._data.attrs, None)
            first.append(
                AnnDataSlots(
                    annotations, attrs, uns_name="attrs", allowed=("uns",), container="SpatialData"
                )
            )
        self._attach_parts(
            by_table,
            self._data.tables,
            kind="table",
            container="SpatialData",
            first=first,
            available=self._data.names,
        )

    @property
    def dataset(self) -> Any:
        """The SpatialData (None when curating a folder: see ``tables`` and ``attrs``)."""
        return self._data.sdata

    @property
    def tables(self) -> dict[str, AnnDataParts]:
        """The ``obs``/``var``/``uns`` of each table read (by table name)."""
        return self._data.tables

    @property
    def attrs(self) -> dict[str, Any]:
        """The SpatialData's ``attrs``."""
        return self._data.attrs

    def write(self, path: str | Path) -> Path:
        """Write the curated SpatialData to a ``.zarr`` folder; from a folder, it is copied.

        Example:
            >>> curator = ol.curate.SpatialDataCurator("visium.zarr", ol.Schema.get(name="visium"))
            >>> _ = curator.standardize()
            >>> curator.write("visium.fixed.zarr")
            PosixPath('visium.fixed.zarr')
            >>> fixed = read_spatialdata(Path("visium.fixed.zarr"))
            >>> fixed.tables["table"].obs["cell_type"].tolist()
            ['T cell', 'T cell', 'B cell']
        """
        target = Path(path)
        if target.suffix.lower() != ".zarr":
            raise UnsupportedObjectError("SpatialData is written to a .zarr folder.")
        if self._data.sdata is not None:
            self._data.sdata.write(target, overwrite=True)
            return target
        assert self._path is not None
        frames = {}
        for table, parts in self._data.tables.items():
            frames[f"tables/{table}/obs"] = parts.obs
            frames[f"tables/{table}/var"] = parts.var
        return rewrite_frames(self._path, target, frames)

    def _new_artifact(self, key: str | None, description: str | None) -> Artifact:
        from ontolake.registries.artifact import Artifact

        if self._data.sdata is not None:
            return Artifact.from_spatialdata(self._data.sdata, key=key, description=description)
        assert self._path is not None
        return self._file_artifact(
            self._path, changed=self.changed, write=self.write, key=key, description=description
        )
