"""Storage locations: local folders and fsspec URLs (``s3://bucket/prefix``) holding artifacts.

The registry of storage roots, one of which is an instance's default; the roots themselves
(reading and writing files) are :mod:`ontolake.storage`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from ontolake.registries.base import Registry

if TYPE_CHECKING:
    from ontolake.instance.session import Instance

__all__ = ["Storage", "default_storage_id"]


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


def default_storage_id(instance: Instance) -> int:
    """The id of the record of ``instance``'s default storage root (looked up once).

    Example:
        >>> from ontolake.instance.session import current_instance
        >>> instance = current_instance()
        >>> Storage.get(id=default_storage_id(instance)).root == instance.root.root
        True
    """
    if (found := instance.memo.get("default_storage_id")) is None:
        with instance.read() as session:
            found = int(
                session.execute(
                    select(Storage.id).where(Storage.root == instance.root.root)
                ).scalar_one()
            )
        instance.memo["default_storage_id"] = found
    return found
