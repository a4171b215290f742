"""Curate MuData: each modality's AnnData slots (``rna:obs``, ``rna:var.T``) plus ``obs``/``uns``.

Each modality is checked by the AnnData logic (:class:`ontolake.curate.anndata.AnnDataSlots`)
with its slots prefixed by the modality name. From an ``.h5mu`` path only the ``obs``,
``var`` and ``uns`` groups are read; no ``X`` is loaded.
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
    import pandas as pd

    from ontolake.registries.artifact import Artifact
    from ontolake.registries.schema import Schema

__all__ = ["MuDataCurator", "MuDataParts", "read_mudata"]

_TOP_SLOTS = ("obs", "uns")


class MuDataParts:
    """The global ``obs``/``uns`` and the parts of each modality of a MuData.

    ``names`` are all the modalities of the MuData, also those not read.
    """

    def __init__(
        self,
        top: AnnDataParts,
        modalities: Mapping[str, AnnDataParts],
        mdata: Any = None,
        names: list[str] | None = None,
    ) -> None:
        self.top = top
        self.modalities = dict(modalities)
        self.mdata = mdata
        self.names = list(self.modalities) if names is None else list(names)

    @classmethod
    def of(cls, mdata: Any) -> MuDataParts:
        """The parts of an in-memory MuData (its frames, not copies)."""
        top = AnnDataParts(mdata.obs, mdata.var, mdata.uns, None)
        modalities = {name: AnnDataParts.of(adata) for name, adata in mdata.mod.items()}
        return cls(top, modalities, mdata)


def read_mudata(path: Path, modalities: list[str] | None = None) -> MuDataParts:
    """Read the global ``obs``/``uns`` and each modality's ``obs``/``var``/``uns`` of a MuData.

    Args:
        path: an ``.h5mu`` file (or a MuData ``.zarr`` folder).
        modalities: the modalities to read (all when None); ``X`` is never read.

    Raises:
        PathNotFoundError: no such file.
        InvalidDataError: truncated, corrupt or not a MuData (names the file).

    Example:
        >>> read_mudata(Path("multiome.h5mu")).modalities["rna"].obs["cell_type"].tolist()
        ['T cell', 'T-cell', 'B cell']
    """
    if path.suffix.lower() not in (".h5mu", ".zarr"):
        raise UnsupportedObjectError(
            f"{path}: MuData files end in .h5mu or .zarr, not {path.suffix.lower()!r}."
        )

    def reader(group: Any) -> MuDataParts:
        from anndata.io import read_elem

        if "mod" not in group:
            raise KeyError("no 'mod' group: not a MuData")
        stored = list(group["mod"].keys())
        names = stored if modalities is None else modalities
        found = {name: parts_of_group(group["mod"][name]) for name in names if name in stored}
        import pandas as pd

        obs = read_elem(group["obs"]) if "obs" in group else pd.DataFrame()
        uns = read_elem(group["uns"]) if "uns" in group else {}
        return MuDataParts(AnnDataParts(obs, pd.DataFrame(), uns, None), found, names=stored)

    return read_store(path, reader, kind="MuData")


class MuDataCurator(PartsCurator):
    """Validate, standardize and save a MuData against a composite schema.

    Slots: ``<modality>:<AnnData slot>`` (``rna:obs``, ``rna:var``, ``rna:var.T``,
    ``rna:uns``), checked per modality exactly as :class:`AnnDataCurator` checks an AnnData,
    and the global ``obs`` (table) and ``uns`` (dataset-level feature values). A modality the
    schema names but the data lacks is a failure.

    Args:
        dataset: a ``mudata.MuData``, a path to an ``.h5mu`` file (``X`` is never read), or a
            saved MuData ``Artifact``.
        schema: a Schema with ``otype="MuData"`` and slots.
        features: more dataset-level feature values.
        name: the variable name used in the report's suggested next steps.

    Example:
        >>> import ontolake as ol
        >>> multiome = ol.Schema.get(name="multiome")  # slot "rna:obs": "obs of scRNA"
        >>> curator = ol.curate.MuDataCurator("multiome.h5mu", multiome)
        >>> curator.non_validated
        {'rna:obs:cell_type': ['T-cell']}
        >>> curator.standardize("rna:obs:cell_type")
        {'rna:obs:cell_type': {'T-cell': 'T cell'}}
        >>> curator.validate()  # valid: None
        >>> curator.write("multiome.fixed.h5mu")
        PosixPath('multiome.fixed.h5mu')
    """

    otypes: ClassVar[tuple[str | None, ...]] = ("MuData",)

    def __init__(
        self,
        dataset: Any,
        schema: Schema | str,
        *,
        features: Mapping[str, Any] | None = None,
        name: str = "curator",
    ) -> None:
        super().__init__(schema, features=features, name=name)
        data, by_modality, top = self._open_container(
            dataset,
            type_name="MuData",
            files="an .h5mu path",
            slots_hint="a MuData schema names obs, uns or '<modality>:<slot>' "
            "(ol.Schema(otype='MuData', slots={'rna:obs': ...})).",
            of=MuDataParts.of,
            read=read_mudata,
        )
        self._data: MuDataParts = data
        first: list[Part] = []
        if top:
            first.append(AnnDataSlots(self._data.top, top, allowed=_TOP_SLOTS, container="MuData"))
        self._attach_parts(
            by_modality,
            self._data.modalities,
            kind="modality",
            container="MuData",
            first=first,
            available=self._data.names,
        )

    @property
    def dataset(self) -> Any:
        """The MuData (None when curating a file: see ``obs`` and ``modalities``)."""
        return self._data.mdata

    @property
    def obs(self) -> pd.DataFrame:
        """The global ``obs`` table."""
        return self._data.top.obs

    @property
    def modalities(self) -> dict[str, AnnDataParts]:
        """The ``obs``/``var``/``uns`` of each modality read (by modality name)."""
        return self._data.modalities

    def write(self, path: str | Path) -> Path:
        """Write the curated MuData to ``path`` (``.h5mu``); from a file, X is copied as is.

        Example:
            >>> curator = ol.curate.MuDataCurator("multiome.h5mu", ol.Schema.get(name="multiome"))
            >>> _ = curator.standardize()
            >>> curator.write("multiome.fixed.h5mu")
            PosixPath('multiome.fixed.h5mu')
            >>> read_mudata(Path("multiome.fixed.h5mu")).modalities["rna"].obs["cell_type"].tolist()
            ['T cell', 'T cell', 'B cell']
        """
        target = Path(path)
        if self._data.mdata is not None:
            self._data.mdata.write(target)
            return target
        assert self._path is not None
        if self._path.suffix.lower() != ".h5mu" or target.suffix.lower() != ".h5mu":
            raise UnsupportedObjectError("Writing a curated file needs .h5mu in and out.")
        frames = {"obs": self._data.top.obs}
        for modality, parts in self._data.modalities.items():
            frames[f"mod/{modality}/obs"] = parts.obs
            frames[f"mod/{modality}/var"] = parts.var
        return rewrite_frames(self._path, target, frames)

    def _new_artifact(self, key: str | None, description: str | None) -> Artifact:
        from ontolake.registries.artifact import Artifact

        if self._data.mdata is not None:
            return Artifact.from_mudata(self._data.mdata, key=key, description=description)
        assert self._path is not None
        return self._file_artifact(
            self._path, changed=self.changed, write=self.write, key=key, description=description
        )
