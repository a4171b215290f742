"""Sources: which ontology (and version) a bio registry's records were imported from."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ontolake.registries.base import Registry

__all__ = ["Source"]


class Source(Registry):
    """An ontology or gene table, pinned by name, version and content hash.

    Example:
        >>> import ontolake as ol
        >>> ol.bio.Source.filter(entity="CellType", currently_used=True).one()
        ... # doctest: +ELLIPSIS
        Source(uid='...', entity='CellType', name='cl', version='v2026-03-26')
    """

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("entity", "name", "version", "organism"),)
    _search_fields: ClassVar[tuple[str, ...]] = ("name", "entity", "version")
    _repr_fields: ClassVar[tuple[str, ...]] = ("entity", "name", "version", "organism")

    entity: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(64), index=True)
    organism: Mapped[str | None] = mapped_column(String(64), index=True)
    location: Mapped[str] = mapped_column(String(2048))
    format: Mapped[str] = mapped_column(String(32))
    hash: Mapped[str | None] = mapped_column(String(64), index=True)
    n_terms: Mapped[int | None]
    currently_used: Mapped[bool] = mapped_column(default=False)
