"""Artifacts: versioned files, folders and in-memory objects, stored in any fsspec storage.

Constructing an artifact hashes its content (streamed) and, for in-memory objects, serialises
it to a staging file; ``save()`` (see :mod:`ontolake.registries.artifact_save`) places the
file and inserts the row atomically. Reading back (``cache``/``load``/``open``) lives in
:mod:`ontolake.registries.artifact_access`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ontolake.registries.artifact_access import ArtifactAccess
from ontolake.registries.base import Registry, Trashable
from ontolake.registries.links import (
    artifact_project,
    artifact_record,
    artifact_ulabel,
    collection_artifact,
    run_input_artifact,
)
from ontolake.registries.relations import Related
from ontolake.registries.save import refuse_deleted
from ontolake.registries.versioning import Versioned, latest_index
from ontolake.storage.keys import KEY_FORMS

if TYPE_CHECKING:
    from typing_extensions import Self

    from ontolake.curate.base import Curator
    from ontolake.registries.bio.entities import (
        CellLine,
        CellType,
        DevelopmentalStage,
        Disease,
        Ethnicity,
        ExperimentalFactor,
        Gene,
        Organism,
        Pathway,
        Phenotype,
        Tissue,
    )
    from ontolake.registries.collection import Collection
    from ontolake.registries.feature_values import FeatureManager
    from ontolake.registries.labels import Project, Record, ULabel
    from ontolake.registries.lineage import Run, Transform
    from ontolake.registries.schema import Schema
    from ontolake.registries.storage_location import Storage

__all__ = ["Artifact"]

# one latest, non-trashed managed artifact per key
_LATEST_PER_KEY = "is_latest AND NOT is_trashed AND NOT in_place AND key IS NOT NULL"


def _bio_link(table: str) -> Any:
    """A many-to-many link to a bio registry, through its ``artifact_<table>`` table."""
    return relationship(secondary=f"artifact_{table}", back_populates="artifacts")


_SPARSE_COLUMNS = ("n_observations", "otype", "run_id", "schema_id")
"""Artifact columns that are NULL for most saves (plain files, no tracked run, no schema)."""


def _sparse_index(column: str) -> Index:
    """``ix_artifacts_<column>`` over the rows where ``column`` is set.

    Rows with NULL are left out of the index, so saving them maintains one index less, while
    ``column = x``, ``column > x`` and ``column IN (...)`` still use it (both databases infer
    ``column IS NOT NULL`` from them); ``column IS NULL`` scans.
    """
    condition = text(f"{column} IS NOT NULL")
    return Index(
        f"ix_artifacts_{column}", column, sqlite_where=condition, postgresql_where=condition
    )


class Artifact(ArtifactAccess, Versioned, Trashable, Registry):
    """A file, folder or in-memory object (DataFrame, AnnData, MuData, SpatialData) with metadata.

    Args:
        data: a local path, an fsspec URL (registered in place, not copied) or an object.
        key: a virtual path such as ``"raw/sample.fasta"``; new content under an existing key
            becomes its next version.
        description: free text.
        revises: an artifact this one is a new version of (for artifacts without a key).

    Example:
        >>> import ontolake as ol
        >>> cells = ol.Artifact("cells.csv", key="tables/cells.csv", description="cells").save()
        >>> cells.version, cells.is_latest, cells.suffix, cells.size
        (1, True, '.csv', 82)
    """

    __tablename__ = "artifacts"
    __table_args__ = (
        latest_index("artifacts"),
        Index(
            "uq_artifacts_latest_per_key",
            "key",
            unique=True,
            sqlite_where=text(_LATEST_PER_KEY),
            postgresql_where=text(_LATEST_PER_KEY),
        ),
        *(_sparse_index(column) for column in _SPARSE_COLUMNS),
    )
    _search_fields: ClassVar[tuple[str, ...]] = ("key", "description")
    _repr_fields: ClassVar[tuple[str, ...]] = (
        "key",
        "suffix",
        "otype",
        "size",
        "version",
        "is_latest",
    )

    key: Mapped[str | None] = mapped_column(
        String(1024), index=True, info={"unicode_forms": KEY_FORMS}
    )
    description: Mapped[str | None] = mapped_column(Text)
    suffix: Mapped[str] = mapped_column(String(64), default="", index=True)
    size: Mapped[int | None] = mapped_column(BigInteger, index=True)
    hash: Mapped[str | None] = mapped_column(String(64), index=True)
    n_files: Mapped[int | None]
    n_observations: Mapped[int | None] = mapped_column(BigInteger)
    otype: Mapped[str | None] = mapped_column(String(32))
    in_place: Mapped[bool] = mapped_column(default=False)
    storage_id: Mapped[int] = mapped_column(ForeignKey("storages.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    schema_id: Mapped[int | None] = mapped_column(ForeignKey("schemas.id", ondelete="SET NULL"))
    """The schema a curator validated the content against (None: not curated)."""

    storage: Mapped[Storage] = relationship()
    run: Mapped[Run | None] = relationship(back_populates="outputs", foreign_keys=[run_id])
    transform: Mapped[Transform | None] = relationship(
        secondary="runs",
        primaryjoin="Artifact.run_id == Run.id",
        secondaryjoin="Run.transform_id == Transform.id",
        viewonly=True,
    )
    """The transform whose run made this artifact (``filter(transform=t)`` works too)."""
    schema: Mapped[Schema | None] = relationship(back_populates="artifacts")
    ulabels: Mapped[Related[ULabel]] = relationship(
        secondary=artifact_ulabel, back_populates="artifacts"
    )
    records: Mapped[Related[Record]] = relationship(
        secondary=artifact_record, back_populates="artifacts"
    )
    projects: Mapped[Related[Project]] = relationship(
        secondary=artifact_project, back_populates="artifacts"
    )
    collections: Mapped[Related[Collection]] = relationship(
        secondary=collection_artifact, back_populates="artifacts"
    )
    input_of_runs: Mapped[Related[Run]] = relationship(
        secondary=run_input_artifact, back_populates="inputs"
    )
    # bio annotations: the link tables ``artifact_<table>`` are built with each bio registry
    organisms: Mapped[Related[Organism]] = _bio_link("organisms")
    cell_types: Mapped[Related[CellType]] = _bio_link("cell_types")
    cell_lines: Mapped[Related[CellLine]] = _bio_link("cell_lines")
    tissues: Mapped[Related[Tissue]] = _bio_link("tissues")
    diseases: Mapped[Related[Disease]] = _bio_link("diseases")
    phenotypes: Mapped[Related[Phenotype]] = _bio_link("phenotypes")
    pathways: Mapped[Related[Pathway]] = _bio_link("pathways")
    experimental_factors: Mapped[Related[ExperimentalFactor]] = _bio_link("experimental_factors")
    developmental_stages: Mapped[Related[DevelopmentalStage]] = _bio_link("developmental_stages")
    ethnicities: Mapped[Related[Ethnicity]] = _bio_link("ethnicities")
    genes: Mapped[Related[Gene]] = _bio_link("genes")

    def __init__(
        self,
        data: Any = None,
        *,
        key: str | None = None,
        description: str | None = None,
        revises: Artifact | None = None,
        run: Run | None = None,
        **fields: Any,
    ) -> None:
        if run is not None:  # by id when saved: a plain column keeps the fast insert path
            fields.update({"run_id": run.id} if run.id is not None else {"run": run})
        if data is None:
            super().__init__(key=key, description=description, **fields)
            return
        from ontolake.registries.artifact_content import prepare_content

        if revises is not None and key is None:
            key = revises.key
        content = prepare_content(data, key)
        super().__init__(
            key=content.key,
            description=description,
            suffix=content.suffix,
            size=content.size,
            hash=content.hash,
            n_files=content.n_files,
            n_observations=content.n_observations,
            otype=content.otype,
            in_place=content.in_place,
            **fields,
        )
        self._content = content
        self._revises = revises
        self._curation: Curator | None = None
        """The curator ``save()`` validates with (``from_dataframe(..., schema=...)``)."""

    # ---- constructors per object type -----------------------------------------------------
    @classmethod
    def from_dataframe(
        cls,
        df: Any,
        *,
        key: str | None = None,
        description: str | None = None,
        revises: Artifact | None = None,
        schema: Schema | str | None = None,
    ) -> Artifact:
        """An artifact from a pandas DataFrame, stored as parquet.

        With ``schema`` (a Schema, a saved schema's name or a built-in such as
        ``"valid_features"``), ``save()`` validates first and stores the artifact with its
        labels, feature values and schema link in one transaction; invalid data raises
        :class:`~ontolake.errors.ValidationError` and nothing is written.

        Example:
            >>> table = ol.Artifact.from_dataframe(df, key="tables/cells.parquet").save()
            >>> table.otype, table.n_observations
            ('DataFrame', 4)
            >>> try:  # "T-cell" and "unknown cell" are not valid cell types
            ...     ol.Artifact.from_dataframe(df, key="t.parquet", schema="valid_features").save()
            ... except ol.errors.ValidationError as error:
            ...     print(error.report.summary().splitlines()[0])
            dataset is not valid: 1 issue(s)
            >>> ol.Artifact.filter(key="t.parquet").exists()  # nothing was written
            False
            >>> valid = df[df["cell_type"].isin(["T cell", "B cell"])]
            >>> saved = ol.Artifact.from_dataframe(valid, key="t.parquet", schema="valid_features")
            >>> saved.save().n_observations
            2
        """
        artifact = cls._from_object(df, "DataFrame", key, description, revises)
        if schema is not None:
            from ontolake.curate.dataframe import DataFrameCurator

            artifact._curation = DataFrameCurator(df, schema)
        return artifact

    @classmethod
    def from_anndata(
        cls,
        adata: Any,
        *,
        key: str | None = None,
        description: str | None = None,
        revises: Artifact | None = None,
        schema: Schema | str | None = None,
    ) -> Artifact:
        """An artifact from an AnnData, stored as ``.h5ad`` (or ``.zarr`` when the key says so).

        ``schema`` works as in :meth:`from_dataframe` (e.g.
        ``"ensembl_gene_ids_and_valid_features_in_obs"``).

        Example:
            >>> import anndata as ad
            >>> adata = ad.read_h5ad("pbmc.h5ad")
            >>> saved = ol.Artifact.from_anndata(adata, key="scrna/pbmc.h5ad").save()
            >>> saved.otype, saved.suffix, saved.n_observations
            ('AnnData', '.h5ad', 3)
        """
        artifact = cls._from_object(adata, "AnnData", key, description, revises)
        if schema is not None:
            from ontolake.curate.anndata import AnnDataCurator

            artifact._curation = AnnDataCurator(adata, schema)
        return artifact

    @classmethod
    def from_mudata(
        cls,
        mdata: Any,
        *,
        key: str | None = None,
        description: str | None = None,
        revises: Artifact | None = None,
    ) -> Artifact:
        """An artifact from a MuData, stored as ``.h5mu``.

        Example:
            >>> import mudata as md
            >>> mdata = md.read_h5mu("multiome.h5mu")
            >>> saved = ol.Artifact.from_mudata(mdata, key="multiome/x.h5mu").save()
            >>> saved.otype, saved.suffix, saved.n_observations
            ('MuData', '.h5mu', 3)
        """
        return cls._from_object(mdata, "MuData", key, description, revises)

    @classmethod
    def from_spatialdata(
        cls,
        sdata: Any,
        *,
        key: str | None = None,
        description: str | None = None,
        revises: Artifact | None = None,
    ) -> Artifact:
        """An artifact from a SpatialData, stored as a ``.zarr`` folder.

        Example:
            >>> import spatialdata as sd
            >>> sdata = sd.read_zarr("visium.zarr")
            >>> saved = ol.Artifact.from_spatialdata(sdata, key="visium/x.zarr").save()
            >>> saved.otype, saved.suffix, saved.n_files > 1
            ('SpatialData', '.zarr', True)
        """
        return cls._from_object(sdata, "SpatialData", key, description, revises)

    @classmethod
    def _from_object(
        cls,
        obj: Any,
        otype: str,
        key: str | None,
        description: str | None,
        revises: Artifact | None,
    ) -> Artifact:
        from ontolake.errors import UnsupportedObjectError
        from ontolake.storage.formats import detect_otype

        if isinstance(obj, (str, Path)) or detect_otype(obj) != otype:
            raise UnsupportedObjectError(
                f"Artifact.from_{otype.lower()}() needs a {otype}, got {type(obj).__name__}; "
                "use ol.Artifact(path_or_object) for other inputs."
            )
        return cls(obj, key=key, description=description, revises=revises)

    # ---- links and lineage ----------------------------------------------------------------
    @property
    def features(self) -> FeatureManager:
        """This artifact's feature values: ``add_values``, ``get_values``, ``remove_values``.

        Example:
            >>> artifact.features.add_values({"gc_content": 0.55, "experiment_date": "2025-10-24"})
            >>> artifact.features.get_values()
            {'experiment_date': datetime.date(2025, 10, 24), 'gc_content': 0.55}
        """
        from ontolake.registries.feature_values import FeatureManager

        return FeatureManager(self)

    def view_lineage(self, path: str | Path | None = None, *, downstream: bool = False) -> str:
        """The runs, transforms and inputs that made this artifact, as Graphviz DOT text.

        Args:
            path: also write the graph there: a picture for ``.svg``/``.png``/``.pdf``
                (drawn by Graphviz when installed, else an SVG drawn in Python: see
                ``ontolake._graphviz``), the DOT text for ``.dot``.
            downstream: also show the runs that read this artifact and what they made.

        Example:
            >>> result = ol.Artifact.get(key="results/x.parquet")
            >>> dot = result.view_lineage("lineage.svg")  # lineage.dot without Graphviz
            >>> dot.splitlines()[0]
            'digraph lineage {'
        """
        from ontolake.lineage.graph import view_lineage

        return view_lineage(self, path, downstream=downstream)

    # ---- writes ---------------------------------------------------------------------------
    def save(self) -> Self:
        """Store the content and insert the row atomically; return the stored artifact.

        Content that is already stored is not stored twice: the existing artifact is returned.

        Example:
            >>> cells = ol.Artifact("cells.csv", key="tables/cells.csv").save()
            >>> cells.key, cells.version
            ('tables/cells.csv', 1)
            >>> again = ol.Artifact("sample.fasta", key="raw/copy.fasta").save()  # stored already
            >>> again.key, again.uid == artifact.uid
            ('raw/sample.fasta', True)
        """
        from ontolake.registries.artifact_save import save_artifacts

        refuse_deleted([self])
        curation = getattr(self, "_curation", None)  # loaded artifacts skip __init__
        if curation is not None:
            from ontolake.curate.saving import store_curated

            curation.validate()
            return store_curated(curation, self)  # type: ignore[return-value]
        return save_artifacts([self])[0]  # type: ignore[return-value]
