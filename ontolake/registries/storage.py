"""Storage locations: local folders and fsspec URLs (``s3://bucket/prefix``) holding artifacts."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ontolake.registries.base import Registry

__all__ = ["Storage"]


class Storage(Registry):
    """A storage root; the instance's default root holds its managed files.

    Example:
        >>> import ontolake as ol
        >>> ol.Storage.filter(is_default=True).one().root  # doctest: +ELLIPSIS
        '.../data'
    """

    __tablename__ = "storages"
    _search_fields: ClassVar[tuple[str, ...]] = ("root", "description")
    _repr_fields: ClassVar[tuple[str, ...]] = ("root", "type")

    root: Mapped[str] = mapped_column(String(1024), unique=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    region: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(2048))
    is_default: Mapped[bool] = mapped_column(default=False)
