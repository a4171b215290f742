"""Collections: versioned, ordered groups of artifacts (e.g. the batches of one dataset)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ontolake.registries.base import Registry, Trashable
from ontolake.registries.links import collection_artifact, project_collection
from ontolake.registries.relations import Related
from ontolake.registries.versioning import Versioned, latest_index
from ontolake.storage.keys import KEY_FORMS, key_spellings, validate_key

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ontolake.registries.artifact import Artifact
    from ontolake.registries.labels import Project
    from ontolake.registries.lineage import Run

__all__ = ["Collection"]


class Collection(Versioned, Trashable, Registry):
    """An ordered, versioned group of artifacts under a key.

    Example:
        >>> import ontolake as ol
        >>> tables = ol.Artifact.filter(suffix=".parquet").order_by("key").to_list()
        >>> collection = ol.Collection(key="tables/all", artifacts=tables).save()
        >>> collection.version, [artifact.key for artifact in collection.artifacts]
        (1, ['results/x.parquet', 'tables/x.parquet'])
    """

    __tablename__ = "collections"
    __table_args__ = (latest_index("collections"),)
    _search_fields: ClassVar[tuple[str, ...]] = ("key", "description")
    _repr_fields: ClassVar[tuple[str, ...]] = ("key", "version", "is_latest")

    key: Mapped[str] = mapped_column(String(1024), index=True, info={"unicode_forms": KEY_FORMS})
    description: Mapped[str | None] = mapped_column(Text)
    hash: Mapped[str | None] = mapped_column(String(64), index=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), index=True
    )

    artifacts: Mapped[Related[Artifact]] = relationship(
        secondary=collection_artifact,
        back_populates="collections",
        order_by=collection_artifact.c.position,
    )
    run: Mapped[Run | None] = relationship()
    projects: Mapped[Related[Project]] = relationship(
        secondary=project_collection, back_populates="collections"
    )

    @validates("key")
    def _valid_key(self, _field: str, key: str) -> str:
        """Collection keys follow the artifact key rules and are stored in NFC."""
        return validate_key(key)

    def find_predecessor(self, session: Session) -> Collection | None:
        """The latest collection under the same key (stored in NFC, or NFD by older versions)."""
        from sqlalchemy import select

        return session.execute(
            select(Collection).where(
                Collection.key.in_(key_spellings(self.key)),
                Collection.is_latest.is_(True),
                Collection.is_trashed.is_(False),
            )
        ).scalar_one_or_none()

    def after_flush(self, session: Session) -> None:
        """Record the artifacts' order and the collection's hash (over its members' hashes)."""
        import hashlib

        from sqlalchemy import update

        for position, artifact in enumerate(self.artifacts):
            session.execute(
                update(collection_artifact)
                .where(
                    collection_artifact.c.collection_id == self.id,
                    collection_artifact.c.artifact_id == artifact.id,
                )
                .values(position=position)
            )
        digest = hashlib.sha256("\n".join(a.hash or a.uid for a in self.artifacts).encode())
        self.hash = digest.hexdigest()
