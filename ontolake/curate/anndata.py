"""Curate AnnData: ``obs``, ``var``, the ``var`` index (``var.T``) and ``uns``, from memory or file.

From a path (``.h5ad`` or ``.zarr``) only ``obs``, ``var`` and ``uns`` are read (see
:mod:`ontolake.curate.anndata_files`); ``X`` stays on disk (its dtype is read from the file's
metadata), so a file far larger than memory is validated in the time it takes to read its
annotations. Files in the layout of anndata < 0.7 are read too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ontolake.curate.anndata_files import (
    AnnDataParts,
    read_parts,
    rewrite_anndata,
    write_anndata,
)
from ontolake.curate.base import Curator, NameList, Table
from ontolake.curate.report import Issue, ValidationReport
from ontolake.errors import InvalidDataError, UnsupportedObjectError

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.registries.artifact import Artifact
    from ontolake.registries.schema import Schema

__all__ = ["ANNDATA_SLOTS", "AnnDataCurator", "AnnDataSlots"]

ANNDATA_SLOTS = ("obs", "var", "var.T", "uns")
"""The slots of an AnnData (also of each MuData modality and SpatialData table)."""


class AnnDataSlots:
    """The checks of one AnnData's slots: shared by AnnData, MuData modalities and tables.

    Given the parts of an AnnData and the component schemas of its slots (``obs``, ``var``,
    ``var.T``, ``uns``), it lists the tables and name lists a curator checks, runs the checks
    beyond them (``X``'s dtype, required ``uns`` keys, unknown slots) and reads the
    dataset-level values of ``uns``. Report slots are prefixed (``rna:obs`` for a MuData
    modality, ``table:obs`` for a SpatialData table).

    Args:
        parts: the AnnData's obs, var, uns and X dtype.
        components: component schema by unprefixed slot.
        prefix: prepended to every reported slot (``"rna:"``).
        uns_name: what ``uns`` is called in reports (``"attrs"`` for SpatialData).
        allowed: the slots this container has.
        container: what the container is called in messages.

    Example:
        >>> import anndata as ad
        >>> parts = AnnDataParts.of(ad.read_h5ad("pbmc.h5ad"))
        >>> part = AnnDataSlots(parts, {"obs": schema}, prefix="rna:")
        >>> [table.slot for table in part.tables()]
        ['rna:obs']
    """

    def __init__(
        self,
        parts: AnnDataParts,
        components: Mapping[str, Schema],
        *,
        prefix: str = "",
        uns_name: str = "uns",
        allowed: tuple[str, ...] = ANNDATA_SLOTS,
        container: str = "AnnData",
    ) -> None:
        self.parts = parts
        self.components = dict(components)
        self.prefix = prefix
        self.uns_name = uns_name
        self.allowed = allowed
        self.container = container
        self.changed = False

    def slot(self, slot: str) -> str:
        """``slot`` as reported (prefixed; ``uns`` renamed)."""
        return f"{self.prefix}{self.uns_name if slot == 'uns' else slot}"

    def tables(self) -> list[Table]:
        """The ``obs`` and ``var`` tables the schema covers."""
        tables = []
        for slot, component in self.components.items():
            if slot in ("obs", "var"):
                frame = self.parts.obs if slot == "obs" else self.parts.var
                tables.append(Table(self.slot(slot), frame, component))
        return tables

    def name_lists(self) -> list[NameList]:
        """The ``var`` index, when ``var.T`` names an itype."""
        component = self.components.get("var.T")
        if component is None or component.itype is None:
            return []
        return [
            NameList(
                self.slot("var.T"),
                self.parts.var.index,
                component.itype,
                self.set_var,
                component.name_scope,
            )
        ]

    def set_var(self, names: list[str]) -> None:
        """Replace the ``var`` index (of the AnnData too, when in memory)."""
        import pandas as pd

        index = pd.Index(names, name=self.parts.var.index.name)
        if self.parts.adata is not None:
            self.parts.adata.var_names = index
            self.parts.var = self.parts.adata.var
        else:
            self.parts.var.index = index
        self.changed = True

    def check(self, report: ValidationReport) -> None:
        """Unknown slots, ``X``'s dtype against ``var.T``, required ``uns`` keys."""
        from ontolake.schemas.dtypes import parse_dtype

        for slot in self.components:
            if slot not in self.allowed:
                report.add(
                    Issue(self.slot(slot), None, "slot", f"{self.container} has no slot {slot!r}")
                )
        var_t = self.components.get("var.T")
        if var_t is not None:
            component = var_t
            if component.itype is None and component.dtype is None and not component.members:
                report.add(
                    Issue(
                        self.slot("var.T"),
                        None,
                        "slot",
                        "slot var.T names neither an itype nor a dtype: nothing could be checked",
                    )
                )
            if component.dtype is not None:
                kind = parse_dtype(component.dtype).kind
                x_dtype = self.parts.x_dtype
                numeric = x_dtype is not None and x_dtype.startswith(("int", "uint", "float"))
                ok = x_dtype is not None and (
                    numeric and (kind in ("num", "float") or x_dtype.startswith(("int", "uint")))
                )
                if not ok:
                    report.add(
                        Issue(
                            self.slot("var.T"),
                            "X",
                            "dtype",
                            f"X must hold {component.dtype} values, found {x_dtype or 'no X'}",
                        )
                    )
        uns = self.components.get("uns")
        if uns is not None:
            component = uns
            report.slots[self.slot("uns")] = len(self.parts.uns)
            for feature in component.members:
                if component.minimal_set and feature.name not in self.parts.uns:
                    report.add(
                        Issue(
                            self.slot("uns"),
                            feature.name,
                            "missing_column",
                            f"{self.uns_name} has no {feature.name!r} ({feature.dtype})",
                        )
                    )

    def dataset_value_slots(self) -> dict[str, str]:
        """The reported slot (``uns``, ``attrs``, ``rna:uns``) of each dataset-level value."""
        return dict.fromkeys(self.dataset_values(), self.slot("uns"))

    def dataset_values(self) -> dict[str, Any]:
        """The values in ``uns`` of the features its component schema names."""
        component = self.components.get("uns")
        if component is None:
            return {}
        return {
            feature.name: _plain(self.parts.uns[feature.name])
            for feature in component.members
            if feature.name in self.parts.uns
        }


class AnnDataCurator(Curator):
    """Validate, standardize and save an AnnData against a composite schema.

    Slots: ``obs`` and ``var`` (tables), ``var.T`` (the ``var`` index against an itype such
    as ``ol.bio.Gene.ensembl_gene_id``, and ``X``'s dtype against the slot's ``dtype``) and
    ``uns`` (dataset-level feature values).

    Args:
        dataset: an ``anndata.AnnData``, a path to an ``.h5ad`` file or ``.zarr`` folder
            (``X`` is never read), or a saved AnnData ``Artifact``.
        schema: a Schema with ``otype="AnnData"`` and slots.
        features: more dataset-level feature values.

    Example:
        >>> import ontolake as ol
        >>> scrna = ol.Schema.get(name="scRNA")  # obs: "obs of scRNA"; var.T: Gene ids
        >>> curator = ol.curate.AnnDataCurator("pbmc.h5ad", scrna)
        >>> curator.non_validated
        {'obs:cell_type': ['T-cell']}
        >>> curator.standardize("obs:cell_type")
        {'obs:cell_type': {'T-cell': 'T cell'}}
        >>> curator.validate()  # valid: None
        >>> curator.save_artifact(key="scrna/pbmc.h5ad").n_observations
        3
    """

    otypes: ClassVar[tuple[str | None, ...]] = ("AnnData",)
    _slots: ClassVar[tuple[str, ...]] = ANNDATA_SLOTS

    def __init__(
        self,
        dataset: Any,
        schema: Schema | str,
        *,
        features: Mapping[str, Any] | None = None,
        name: str = "curator",
        prefix: str = "",
    ) -> None:
        super().__init__(schema, features=features, name=name)
        schema = self.schema  # resolved from a name, if one was given
        self._artifact: Artifact | None = None
        self._path: Path | None = None
        self._changed = False
        self._prefix = prefix
        if type(dataset).__name__ == "AnnData":
            self._parts = AnnDataParts.of(dataset)
        elif type(dataset).__name__ == "Artifact" and hasattr(dataset, "cache"):
            self._artifact = dataset
            self._source = str(dataset.key or dataset.uid)
            self._path = Path(dataset.cache())
            self._parts = read_parts(self._path)
        elif isinstance(dataset, (str, Path)):
            self._path = Path(dataset)
            self._source = str(dataset)
            self._parts = read_parts(self._path)
        else:
            raise UnsupportedObjectError(
                f"AnnDataCurator takes an AnnData, an .h5ad/.zarr path or an Artifact, got "
                f"{type(dataset).__name__}."
            )
        if not schema.slots:
            raise InvalidDataError(
                f"Schema {schema.name or '(unnamed)'} has no slots: an AnnData schema names "
                "obs, var, var.T or uns (ol.Schema(otype='AnnData', slots={'obs': ...}))."
            )
        self._part = AnnDataSlots(self._parts, schema.slots, prefix=prefix)

    @property
    def dataset(self) -> Any:
        """The AnnData (None when curating a file: see ``obs`` and ``var``)."""
        return self._parts.adata

    @property
    def obs(self) -> pd.DataFrame:
        """The ``obs`` table being curated."""
        return self._parts.obs

    @property
    def var(self) -> pd.DataFrame:
        """The ``var`` table being curated."""
        return self._parts.var

    def _tables(self) -> list[Table]:
        return self._part.tables()

    def _name_lists(self) -> list[NameList]:
        return self._part.name_lists()

    def _set_column(self, table: Table, column: str, series: pd.Series[Any]) -> None:
        table.frame[column] = series
        self._changed = True

    def standardize(self, key: str | None = None) -> dict[str, dict[str, str]]:
        """See :meth:`ontolake.curate.base.Curator.standardize`.

        Example:
            >>> import anndata as ad
            >>> adata = ad.read_h5ad("pbmc.h5ad")
            >>> adata.var_names = [adata.var_names[0].lower(), *adata.var_names[1:]]
            >>> curator = ol.curate.AnnDataCurator(adata, ol.Schema.get(name="scRNA"))
            >>> curator.standardize("var.T")
            {'var.T': {'ensg00000290825': 'ENSG00000290825'}}
        """
        mapping = super().standardize(key)
        self._changed = self._changed or self._part.changed
        return mapping

    def _extra_checks(self, report: ValidationReport) -> None:
        self._part.check(report)

    def _dataset_values(self) -> dict[str, Any]:
        return self._part.dataset_values()

    def _dataset_value_slots(self) -> dict[str, str]:
        return self._part.dataset_value_slots()

    # ---- writing --------------------------------------------------------------------------
    def write(self, path: str | Path) -> Path:
        """Write the curated AnnData to ``path`` (``.h5ad`` or ``.zarr``).

        From a file in the same format, only ``obs`` and ``var`` are rewritten and everything
        else is copied as is; a legacy file, or a change of format, is read and written whole
        by anndata (in the current layout).

        Example:
            >>> import anndata as ad
            >>> curator = ol.curate.AnnDataCurator("pbmc.h5ad", ol.Schema.get(name="scRNA"))
            >>> curator.standardize()
            {'obs:cell_type': {'T-cell': 'T cell'}}
            >>> curator.write("pbmc.standardized.h5ad")
            PosixPath('pbmc.standardized.h5ad')
            >>> ad.read_h5ad("pbmc.standardized.h5ad").obs["cell_type"].tolist()
            ['T cell', 'T cell', 'B cell']
        """
        target = Path(path)
        if self._parts.adata is not None:
            return write_anndata(self._parts.adata, target)
        assert self._path is not None
        return rewrite_anndata(self._path, target, self._parts)

    def _new_artifact(self, key: str | None, description: str | None) -> Artifact:
        from ontolake.registries.artifact import Artifact

        if self._parts.adata is not None:
            return Artifact.from_anndata(self._parts.adata, key=key, description=description)
        assert self._path is not None
        return self._file_artifact(
            self._path, changed=self._changed, write=self.write, key=key, description=description
        )

    def save_artifact(
        self,
        key: str | None = None,
        *,
        description: str | None = None,
        artifact: Artifact | None = None,
    ) -> Artifact:
        """Validate, then save the AnnData as an artifact with its labels and uns values.

        See :meth:`ontolake.curate.base.Curator.save_artifact`.

        Example:
            >>> curator = ol.curate.AnnDataCurator("pbmc.h5ad", ol.Schema.get(name="scRNA"))
            >>> _ = curator.standardize()
            >>> saved = curator.save_artifact(key="scrna/pbmc.h5ad")
            >>> saved.otype, saved.schema.name, saved.features.get_values()
            ('AnnData', 'scRNA', {'cell_type': ['B cell', 'T cell']})
        """
        if artifact is None and self._artifact is not None and not self._changed:
            artifact = self._artifact
        return super().save_artifact(key, description=description, artifact=artifact)


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return value.item()
    if hasattr(value, "tolist") and type(value).__module__.startswith("numpy"):
        return value.tolist()
    return value
