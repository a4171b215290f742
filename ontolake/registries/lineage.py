"""Transforms (scripts, notebooks, functions, pipelines) and their Runs.

These are the registries that ``ontolake.lineage`` fills; they live here with the other
models so that queries such as ``Artifact.filter(run__transform__key="x.py")`` work anywhere.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ontolake.registries.base import Registry, Trashable
from ontolake.registries.links import project_run, project_transform, run_input_artifact
from ontolake.registries.relations import Related
from ontolake.registries.versioning import Versioned, latest_index

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ontolake.registries.artifact import Artifact
    from ontolake.registries.feature_values import FeatureManager
    from ontolake.registries.labels import Project

__all__ = ["Run", "Transform"]


class Transform(Versioned, Trashable, Registry):
    """Code that makes data: a script, notebook, function or pipeline, versioned by key.

    Example:
        >>> import ontolake as ol
        >>> transform = ol.Transform.filter(key="train.py").order_by("-version").first()
        >>> transform.version, transform.kind, transform.source_code.splitlines()[0]
        (1, 'script', 'import ontolake as ol')
    """

    __tablename__ = "transforms"
    __table_args__ = (latest_index("transforms"),)
    _search_fields: ClassVar[tuple[str, ...]] = ("key", "description")
    _repr_fields: ClassVar[tuple[str, ...]] = ("key", "kind", "version", "is_latest")

    key: Mapped[str] = mapped_column(String(1024), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="script", index=True)
    description: Mapped[str | None] = mapped_column(Text)
    source_code: Mapped[str | None] = mapped_column(Text)
    hash: Mapped[str | None] = mapped_column(String(64), index=True)
    reference: Mapped[str | None] = mapped_column(String(1024))

    runs: Mapped[Related[Run]] = relationship(back_populates="transform")
    projects: Mapped[Related[Project]] = relationship(
        secondary=project_transform, back_populates="transforms"
    )

    def find_predecessor(self, session: Session) -> Transform | None:
        """The latest transform with the same key, which a new source supersedes."""
        from sqlalchemy import select

        return session.execute(
            select(Transform).where(Transform.key == self.key, Transform.is_latest.is_(True))
        ).scalar_one_or_none()


class Run(Registry):
    """One execution of a transform, with its parameters, environment, status and log.

    Example:
        >>> [(run.transform.key, run.status) for run in ol.Run.filter(params__lr=0.01)]
        [('train.py', 'completed')]
    """

    __tablename__ = "runs"
    _uid_length: ClassVar[int] = 16
    _search_fields: ClassVar[tuple[str, ...]] = ("status",)
    _repr_fields: ClassVar[tuple[str, ...]] = ("status", "started_at")

    transform_id: Mapped[int] = mapped_column(ForeignKey("transforms.id"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(index=True)
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="started", index=True)
    params: Mapped[dict[str, Any] | None]
    environment: Mapped[dict[str, Any] | None]
    log_artifact_id: Mapped[int | None] = mapped_column(
        ForeignKey("artifacts.id", ondelete="SET NULL", use_alter=True)
    )
    report_artifact_id: Mapped[int | None] = mapped_column(
        ForeignKey("artifacts.id", ondelete="SET NULL", use_alter=True)
    )
    initiated_by_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), index=True
    )

    transform: Mapped[Transform] = relationship(back_populates="runs")
    initiated_by_run: Mapped[Run | None] = relationship(remote_side="Run.id")
    outputs: Mapped[Related[Artifact]] = relationship(
        back_populates="run", foreign_keys="Artifact.run_id"
    )
    inputs: Mapped[Related[Artifact]] = relationship(
        secondary=run_input_artifact, back_populates="input_of_runs"
    )
    log_artifact: Mapped[Artifact | None] = relationship(foreign_keys=[log_artifact_id])
    report_artifact: Mapped[Artifact | None] = relationship(foreign_keys=[report_artifact_id])
    projects: Mapped[Related[Project]] = relationship(secondary=project_run, back_populates="runs")

    @property
    def features(self) -> FeatureManager:
        """This run's feature values: ``add_values``, ``get_values``, ``remove_values``.

        Example:
            >>> _ = ol.Feature(name="learning_rate", dtype=float).save()
            >>> run = ol.Run.get(transform__key="train.py")
            >>> run.features.add_values({"learning_rate": 0.01})
            >>> ol.Run.filter(learning_rate=0.01).count()
            1
        """
        from ontolake.registries.feature_values import FeatureManager

        return FeatureManager(self)

    @property
    def log(self) -> str | None:
        """The captured stdout/stderr of a tracked script (None when nothing was printed)."""
        if self.log_artifact is None:
            return None
        return Path(self.log_artifact.cache()).read_text(encoding="utf-8", errors="replace")

    def view_lineage(self, path: str | Path | None = None, *, downstream: bool = False) -> str:
        """This run's transform, inputs and outputs (and upstream runs), as Graphviz DOT text.

        Args:
            path: also write the graph there: a picture for ``.svg``/``.png``/``.pdf``
                (drawn by Graphviz when installed, else an SVG drawn in Python: see
                ``ontolake._graphviz``), the DOT text for ``.dot``.
            downstream: also show the runs that read this run's outputs, and so on.

        Example:
            >>> dot = ol.Run.filter(transform__key="train.py").first().view_lineage()
            >>> "results/x.parquet" in dot and "tables/x.parquet" in dot
            True
        """
        from ontolake.lineage.graph import view_lineage

        return view_lineage(self, path, downstream=downstream)
