"""Users: who created a record, taken from the operating-system login (no account needed)."""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import ClassVar

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ontolake.registries.base import Base, RecordVerbs, utcnow
from ontolake.registries.uid import new_uid

__all__ = ["User", "current_login"]


def current_login() -> str:
    """The operating-system login of this process (``ONTOLAKE_USER`` overrides)."""
    import os

    return os.environ.get("ONTOLAKE_USER") or getpass.getuser()


class User(RecordVerbs, Base):
    """A person or service account that writes to the instance, keyed by its login handle.

    Users have no ``created_by``: they are the root of authorship.

    Example:
        >>> import ontolake as ol
        >>> me = ol.User.get(handle=current_login())  # registered on the first write
        >>> me.name == me.handle == artifact.created_by.handle
        True
    """

    __tablename__ = "users"
    _search_fields: ClassVar[tuple[str, ...]] = ("handle", "name")
    _repr_fields: ClassVar[tuple[str, ...]] = ("handle", "name")

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(8), unique=True, default=lambda: new_uid(8))
    handle: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
