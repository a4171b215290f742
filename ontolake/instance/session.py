"""The connected instance: engine, sessions and storage root, and which one is current.

Everything that reads or writes metadata asks :func:`current_instance` for the connection;
nothing here knows the registries (creating an instance and registering its storage and
users is :mod:`ontolake.instance.setup`, one layer up). Nothing runs at import: the last used
instance is connected on first use, and that first connection says once on stderr which
instance it is and where the choice came from (``ONTOLAKE_INSTANCE`` or the saved default),
unless ``ol.settings.quiet`` (``ONTOLAKE_QUIET=1``). ``ONTOLAKE_INSTANCE`` overrides the
saved default for its own process only: nothing is remembered while it is set.

Example:
    >>> with current_instance().read() as session:
    ...     session.get_bind().dialect.name
    'sqlite'
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ontolake._urls import mask_url
from ontolake.errors import ConfigurationError
from ontolake.instance.locate import is_embedded, resolve_target
from ontolake.instance.relocate import settle_default_storage
from ontolake.instance.selection import announce, implicit_instance
from ontolake.instance.settings import InstanceLocation, settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, scoped_session

    from ontolake.storage.root import StorageRoot

__all__ = [
    "HOST",
    "Instance",
    "activate",
    "connect",
    "current_instance",
    "disconnect",
    "locate",
    "staging_owner",
]

_lock = threading.Lock()
HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:63] or "host"
"""This machine, as named in staging files."""
_STAGING_TAG = re.compile(r"(?P<pid>\d+)@(?P<host>[A-Za-z0-9-]+)~")
_current: Instance | None = None


class Instance:
    """A connected instance: its engine, sessions and default storage root.

    Example:
        >>> import ontolake as ol
        >>> instance = ol.connect("./data")
        >>> instance.db_description  # doctest: +ELLIPSIS
        'sqlite database .../data/.ontolake/ontolake.db'
    """

    def __init__(self, storage_root: str, db_url: str) -> None:
        from sqlalchemy.orm import configure_mappers, scoped_session, sessionmaker

        from ontolake.instance.engine import create_db_engine
        from ontolake.storage.root import StorageRoot

        # map the registries imported so far once, here, rather than in the first query
        # (registries/base.py completes the set of models just before); none: nothing to do
        configure_mappers()
        self.root: StorageRoot = StorageRoot(storage_root)
        self.db_url = db_url
        self.engine: Engine = create_db_engine(db_url)
        self._sessions: scoped_session[Session] = scoped_session(
            sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        )
        self.memo: dict[str, int] = {}
        """Ids the registries look up once per connection (the user, the default storage)."""
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        self.engine.dispose(close=False)
        self._sessions.registry.clear()

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def db_description(self) -> str:
        """The database, named for messages (passwords masked)."""
        return self.describe_database(self.engine, self.db_url)

    @staticmethod
    def describe_database(engine: Engine, db_url: str) -> str:
        """A database named for messages: its file for SQLite, its masked URL otherwise."""
        if engine.dialect.name == "sqlite":
            return f"sqlite database {db_url.removeprefix('sqlite:///')}"
        return f"database {mask_url(db_url)}"

    @property
    def session(self) -> Session:
        """This thread's session (objects stay attached, so relationships load lazily)."""
        return self._sessions()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; driver errors become ontolake errors."""
        from ontolake.instance.engine import database_errors

        with database_errors(self.db_description):
            yield self.session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error."""
        from ontolake.instance.engine import begin_write, database_errors

        session = self.session
        with database_errors(self.db_description):
            try:
                begin_write(session)
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def staging_path(self, token: str, suffix: str) -> str:
        """A local path to write an object to before it is saved.

        The name starts with this process's id and host (see :func:`staging_owner`), so
        ``curate doctor --fix`` removes leftovers of dead processes but not live saves.
        """
        from ontolake.storage.root import make_folder

        token = f"{os.getpid()}@{HOST}~{token}"
        if self.root.is_local:
            path = self.root.staging_path(token, suffix)
        else:
            from ontolake.storage.cache import cache_dir

            path = str(cache_dir() / "staging" / f"{token}{suffix}")
        make_folder(os.path.dirname(path))  # noqa: PTH120 - str ops: on every save
        return path

    def close(self) -> None:
        """Close sessions and connections."""
        self._sessions.remove()
        self.engine.dispose()

    def __repr__(self) -> str:
        db = "sqlite" if self.dialect == "sqlite" else mask_url(self.db_url)
        return f"Instance(storage={mask_url(self.root.root)!r}, db={db!r})"


def staging_owner(name: str) -> tuple[int, str] | None:
    """The process id and host that wrote a staging file named ``name`` (None if untagged).

    Example:
        >>> staging_owner("4242@lab-pc~Xq81.csv")
        (4242, 'lab-pc')
    """
    match = _STAGING_TAG.match(name)
    return None if match is None else (int(match["pid"]), match["host"])


def connect(
    target: str | os.PathLike[str] | None = None,
    db: str | None = None,
    *,
    remember: bool = True,
) -> Instance:
    """Connect to an existing instance by storage root or database URL and make it current.

    With no argument, connect to ``ONTOLAKE_INSTANCE`` or else the last used instance, and
    say once on stderr which one and why (unless ``ol.settings.quiet``). ``remember`` is
    ignored while ``ONTOLAKE_INSTANCE`` is set: the saved default stays as it was.

    Example:
        >>> import ontolake as ol
        >>> ol.connect("./data")  # doctest: +ELLIPSIS
        Instance(storage='.../data', db='sqlite')
    """
    from ontolake.instance.schema_version import check_schema

    storage_root, db_url, location, origin = _resolve(target, db)
    instance = Instance(storage_root, db_url)
    try:
        check_schema(instance.engine, instance.db_description)
        settle_default_storage(instance, embedded=is_embedded(instance.root, db_url))
    except BaseException:
        instance.close()
        raise
    if origin:
        announce(storage_root, db_url, origin)
    return activate(instance, location, remember=remember)


def _resolve(
    target: str | os.PathLike[str] | None, db: str | None
) -> tuple[str, str, InstanceLocation, str]:
    """The storage root, database URL, remembered location and origin of an instance.

    The origin says where an instance chosen implicitly (``target`` None) came from:
    ``$ONTOLAKE_INSTANCE`` or the saved default; it is empty for an explicit ``target``.
    """
    origin = ""
    if target is None:
        location, origin = implicit_instance()
        target, db = location.storage or location.db, location.db if location.storage else None
    try:
        return (*resolve_target(str(target), db), origin)
    except ConfigurationError as error:
        if not origin:
            raise
        raise type(error)(f"{origin}: {error}") from None


def locate(target: str | os.PathLike[str] | None = None) -> tuple[Engine, str]:
    """The database engine and description of an instance, without checking its schema.

    For ``curate migrate``, which must open instances whose schema is out of date.

    Example:
        >>> engine, description = locate("./data")
        >>> engine.dialect.name, description.endswith("data/.ontolake/ontolake.db")
        ('sqlite', True)
    """
    from ontolake.instance.engine import create_db_engine

    storage_root, db_url, _location, origin = _resolve(target, None)
    if origin:
        announce(storage_root, db_url, origin)
    engine = create_db_engine(db_url)
    description = Instance.describe_database(engine, db_url)
    return engine, description


def current_instance() -> Instance:
    """The connected instance, auto-connecting to the last used one on first use."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                connect()
    assert _current is not None
    return _current


def disconnect() -> None:
    """Close the current instance's connections; the next use connects again."""
    global _current
    if _current is not None:
        _current.close()
        _current = None


def activate(instance: Instance, location: InstanceLocation, *, remember: bool) -> Instance:
    """Make ``instance`` the current one (closing the one before) and, if asked, remember it.

    Nothing is remembered while ``ONTOLAKE_INSTANCE`` is set.
    """
    global _current
    if _current is not None and _current is not instance:
        _current.close()
    _current = instance
    if remember and not settings.instance_overridden:
        settings.remember(location)
    return instance
