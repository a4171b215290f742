"""Labels: ULabel (free-form labels), Record (typed records) and Project."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ontolake.registries.base import Registry, Trashable
from ontolake.registries.links import (
    artifact_project,
    artifact_record,
    artifact_ulabel,
    project_collection,
    project_record,
    project_run,
    project_transform,
    record_parent,
    ulabel_parent,
)
from ontolake.registries.relations import Related

if TYPE_CHECKING:
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.collection import Collection
    from ontolake.registries.feature_values import FeatureManager
    from ontolake.registries.lineage import Run, Transform

__all__ = ["Project", "Record", "ULabel"]


class _Typed:
    """Mixin for ``is_type``/``type`` grouping, e.g. a Record type "Sample" and its records."""

    is_type: Mapped[bool] = mapped_column(default=False)

    @declared_attr
    def type_id(cls) -> Mapped[int | None]:
        table = cls.__tablename__  # type: ignore[attr-defined]
        return mapped_column(ForeignKey(f"{table}.id", ondelete="SET NULL"), index=True)


class ULabel(_Typed, Trashable, Registry):
    """A free-form label to annotate artifacts, e.g. an experiment or a batch.

    Example:
        >>> import ontolake as ol
        >>> batch = ol.ULabel(name="batch 8").save()
        >>> artifact.ulabels.add(batch)
        >>> batch.artifacts.count()
        1
    """

    __tablename__ = "ulabels"
    _search_fields: ClassVar[tuple[str, ...]] = ("name", "description")

    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[ULabel | None] = relationship(
        remote_side="ULabel.id", foreign_keys="ULabel.type_id"
    )
    parents: Mapped[Related[ULabel]] = relationship(
        secondary=ulabel_parent,
        primaryjoin="ULabel.id == ulabel_parent.c.child_id",
        secondaryjoin="ULabel.id == ulabel_parent.c.parent_id",
        back_populates="children",
    )
    children: Mapped[Related[ULabel]] = relationship(
        secondary=ulabel_parent,
        primaryjoin="ULabel.id == ulabel_parent.c.parent_id",
        secondaryjoin="ULabel.id == ulabel_parent.c.child_id",
        back_populates="parents",
    )
    artifacts: Mapped[Related[Artifact]] = relationship(
        secondary=artifact_ulabel, back_populates="ulabels"
    )


class Record(_Typed, Trashable, Registry):
    """A typed record, e.g. a sample of the Record type "Sample".

    Example:
        >>> donor = ol.Record(name="Donor", is_type=True).save()
        >>> ol.Record(name="D1", type=donor).save().type.name
        'Donor'
        >>> [record.name for record in ol.Record.filter(type__name="Donor")]
        ['D1']
    """

    __tablename__ = "records"
    _search_fields: ClassVar[tuple[str, ...]] = ("name", "description")

    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[Record | None] = relationship(
        remote_side="Record.id", foreign_keys="Record.type_id"
    )
    parents: Mapped[Related[Record]] = relationship(
        secondary=record_parent,
        primaryjoin="Record.id == record_parent.c.child_id",
        secondaryjoin="Record.id == record_parent.c.parent_id",
        back_populates="children",
    )
    children: Mapped[Related[Record]] = relationship(
        secondary=record_parent,
        primaryjoin="Record.id == record_parent.c.parent_id",
        secondaryjoin="Record.id == record_parent.c.child_id",
        back_populates="parents",
    )
    artifacts: Mapped[Related[Artifact]] = relationship(
        secondary=artifact_record, back_populates="records"
    )
    projects: Mapped[Related[Project]] = relationship(
        secondary=project_record, back_populates="records"
    )

    @property
    def features(self) -> FeatureManager:
        """This record's feature values: ``add_values``, ``get_values``, ``remove_values``.

        Example:
            >>> _ = ol.Feature(name="concentration_mg_ml", dtype=float).save()
            >>> sample = ol.Record.get(name="P53mutant1")
            >>> sample.features.add_values({"concentration_mg_ml": 1.5})
            >>> sample.features.get_values()
            {'concentration_mg_ml': 1.5}
        """
        from ontolake.registries.feature_values import FeatureManager

        return FeatureManager(self)


class Project(_Typed, Trashable, Registry):
    """A project grouping artifacts, transforms, runs, records and collections.

    Example:
        >>> ol.Project(name="Drug screen").save()  # doctest: +ELLIPSIS
        Project(uid='...', name='Drug screen')
    """

    __tablename__ = "projects"
    _search_fields: ClassVar[tuple[str, ...]] = ("name", "description")

    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[Project | None] = relationship(
        remote_side="Project.id", foreign_keys="Project.type_id"
    )
    artifacts: Mapped[Related[Artifact]] = relationship(
        secondary=artifact_project, back_populates="projects"
    )
    transforms: Mapped[Related[Transform]] = relationship(
        secondary=project_transform, back_populates="projects"
    )
    runs: Mapped[Related[Run]] = relationship(secondary=project_run, back_populates="projects")
    records: Mapped[Related[Record]] = relationship(
        secondary=project_record, back_populates="projects"
    )
    collections: Mapped[Related[Collection]] = relationship(
        secondary=project_collection, back_populates="projects"
    )
