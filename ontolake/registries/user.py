"""Users: who created a record, taken from the operating-system login (no account needed)."""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from ontolake.errors import IntegrityError
from ontolake.registries.base import Base, RecordVerbs, utcnow
from ontolake.registries.uid import new_uid

if TYPE_CHECKING:
    from ontolake.instance.session import Instance

__all__ = ["User", "current_login", "current_user_id"]


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


def current_user_id(instance: Instance) -> int:
    """The id of this process's user in ``instance``, registered on first use (looked up once).

    Call it before a write transaction, not inside one: registering is a write of its own.

    Example:
        >>> from ontolake.instance.session import current_instance
        >>> ol.User.get(id=current_user_id(current_instance())).handle == current_login()
        True
    """
    if (found := instance.memo.get("user_id")) is None:
        found = instance.memo["user_id"] = _ensure_user(instance, current_login())
    return found


def _ensure_user(instance: Instance, handle: str) -> int:
    with instance.read() as session:
        existing = session.execute(select(User.id).where(User.handle == handle)).scalar()
    if existing is not None:
        return int(existing)
    try:
        with instance.write() as session:
            user = User(handle=handle, name=handle)
            session.add(user)
            session.flush()
            return user.id
    except IntegrityError:  # another process registered the same login first
        with instance.read() as session:
            return int(session.execute(select(User.id).where(User.handle == handle)).scalar_one())
