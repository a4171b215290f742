"""Versioned registries (Artifact, Collection, Transform): a family of versions shares a uid stem.

A record's ``uid`` is its 12-character stem followed by the 4-character base62 version number,
so the unique index on ``uid`` also forbids two records claiming the same version. A partial
unique index keeps exactly one ``is_latest`` record per stem. The uids of versions deleted for
good stay in :data:`retired_versions`, and a new version is numbered after them too: a uid is
never given to other content.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, func, select, update
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from ontolake.registries.base import Base
from ontolake.registries.uid import STEM_LENGTH, new_uid, version_suffix

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ontolake.registries.query.queryset import QuerySet

__all__ = ["Versioned", "latest_index", "retired_versions"]

retired_versions = Table(
    "retired_versions",
    Base.metadata,
    Column("registry", String(64), primary_key=True),
    Column("uid", String(20), primary_key=True),
    Column("stem_uid", String(STEM_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_retired_versions_registry_stem_uid", "registry", "stem_uid"),
)
"""The uids of versions deleted for good, by registry table (never given out again)."""


def latest_index(table: str) -> Index:
    """The partial unique index allowing one ``is_latest`` record per stem in ``table``."""
    from sqlalchemy import text

    return Index(
        f"uq_{table}_latest_per_stem",
        "stem_uid",
        unique=True,
        sqlite_where=text("is_latest"),
        postgresql_where=text("is_latest"),
    )


class Versioned:
    """Mixin: ``stem_uid``, ``version`` (1, 2, …), ``is_latest`` and ``revises``."""

    _uid_length: ClassVar[int] = 16

    id: Mapped[int]
    uid: Mapped[str]
    stem_uid: Mapped[str] = mapped_column(String(STEM_LENGTH), index=True)
    version: Mapped[int] = mapped_column(default=1)
    is_latest: Mapped[bool] = mapped_column(default=True)

    @declared_attr
    def revises_id(cls) -> Mapped[int | None]:
        """The id of the version this record supersedes."""
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id", ondelete="SET NULL"))  # type: ignore[attr-defined]

    @property
    def versions(self) -> QuerySet[Any]:
        """Every version of this record, oldest first.

        Example:
            >>> latest = ol.Artifact.from_dataframe(df, key="tables/x.parquet").save()
            >>> latest.versions.to_dataframe()[["key", "version", "is_latest"]]
            ... # doctest: +NORMALIZE_WHITESPACE
                             key  version  is_latest
            id
            2   tables/x.parquet        1      False
            4   tables/x.parquet        2       True
        """
        from ontolake.registries.query.queryset import QuerySet

        return (
            QuerySet(type(self), include_trashed=True)
            .filter(stem_uid=self.stem_uid)
            .order_by("version")
        )

    def assign_version(self, session: Session, revises: Versioned | None) -> Versioned | None:
        """Give this new record its stem, version number and uid inside a write transaction.

        Returns the record it supersedes (now ``is_latest=False``), or None for a first version.
        """
        model = type(self)
        previous = revises if revises is not None else self.find_predecessor(session)
        if previous is None:
            self.stem_uid = new_uid(STEM_LENGTH)
            self.version = 1
        else:
            self.stem_uid = previous.stem_uid
            table = model.__table__  # type: ignore[attr-defined]
            connection = session.connection()
            retired = retired_versions.c
            highest = connection.execute(
                select(
                    select(func.max(table.c.version))
                    .where(table.c.stem_uid == previous.stem_uid)
                    .scalar_subquery(),
                    select(func.max(retired.version))
                    .where(retired.registry == table.name, retired.stem_uid == previous.stem_uid)
                    .scalar_subquery(),
                )
            ).one()
            self.version = max(int(number or 0) for number in highest) + 1
            connection.execute(
                update(table)
                .where(table.c.stem_uid == previous.stem_uid, table.c.is_latest.is_(True))
                .values(is_latest=False)
            )
            for record in list(session.identity_map.values()):
                if isinstance(record, model) and record.stem_uid == previous.stem_uid:
                    set_committed_value(record, "is_latest", False)
        self.uid = self.stem_uid + version_suffix(self.version)
        self.is_latest = True
        self.revises_id = previous.id if previous is not None else None
        return previous

    def find_predecessor(self, session: Session) -> Versioned | None:
        """The latest record this one is a new version of (by key); None when it starts a family."""
        return None
