"""Creating and connecting instances: a default storage root plus a metadata database.

An instance is marked by ``<root>/.ontolake/instance.json``, which names its database without
credentials (everyone who reads the storage reads it: connecting by storage takes the
password from this user's settings, ``PGPASSWORD`` or ``~/.pgpass``). With local storage and
no database URL, the database is SQLite at ``<root>/.ontolake/ontolake.db``. Nothing runs
at import: the last used instance is connected on first use, and that first connection says
once on stderr which instance it is and where the choice came from (``ONTOLAKE_INSTANCE`` or
the saved default), unless ``ol.settings.quiet`` (``ONTOLAKE_QUIET=1``). ``ONTOLAKE_INSTANCE``
overrides the saved default for its own process only: nothing is remembered while it is set.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontolake._atomic import missing_folders
from ontolake._urls import mask_url, without_credentials
from ontolake.errors import (
    ConfigurationError,
    InstanceNotFoundError,
    OntolakeError,
)
from ontolake.instance.db_url import is_database_url, normalize_db_url
from ontolake.instance.selection import announce, implicit_instance
from ontolake.instance.settings import InstanceLocation, settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, scoped_session

    from ontolake.registries.storage import Storage
    from ontolake.storage.root import StorageRoot

__all__ = [
    "Instance",
    "connect",
    "current_instance",
    "disconnect",
    "init",
    "locate",
    "staging_owner",
]

logger = logging.getLogger("ontolake")

MARKER = ".ontolake/instance.json"
SQLITE_FILE = ".ontolake/ontolake.db"
_lock = threading.Lock()
HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:63] or "host"
"""This machine, as named in staging files."""
_STAGING_TAG = re.compile(r"(?P<pid>\d+)@(?P<host>[A-Za-z0-9-]+)~")
_current: Instance | None = None


class Instance:
    """A connected instance: its engine, sessions, default storage and current user.

    Example:
        >>> import ontolake as ol
        >>> instance = ol.connect("./data")
        >>> instance.db_description  # doctest: +ELLIPSIS
        'sqlite database .../data/.ontolake/ontolake.db'
    """

    def __init__(self, storage_root: str, db_url: str) -> None:
        from sqlalchemy.orm import configure_mappers, scoped_session, sessionmaker

        import ontolake.registries.models  # noqa: F401  (map every registry before querying)
        from ontolake.instance.engine import create_db_engine
        from ontolake.storage.root import StorageRoot

        configure_mappers()  # once, here, rather than in the first query
        self.root: StorageRoot = StorageRoot(storage_root)
        self.db_url = db_url
        self.engine: Engine = create_db_engine(db_url)
        self._sessions: scoped_session[Session] = scoped_session(
            sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        )
        self._user_id: int | None = None
        self._storage_id: int | None = None
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

    @property
    def user_id(self) -> int:
        """The id of the OS user of this process, registered on first write."""
        if self._user_id is None:
            self._user_id = self._ensure_user()
        return self._user_id

    def _ensure_user(self) -> int:
        from sqlalchemy import select

        from ontolake.errors import IntegrityError
        from ontolake.registries.user import User, current_login

        handle = current_login()
        with self.read() as session:
            existing = session.execute(select(User.id).where(User.handle == handle)).scalar()
        if existing is not None:
            return int(existing)
        try:
            with self.write() as session:
                user = User(handle=handle, name=handle)
                session.add(user)
                session.flush()
                return user.id
        except IntegrityError:  # another process registered the same login first
            with self.read() as session:
                return int(
                    session.execute(select(User.id).where(User.handle == handle)).scalar_one()
                )

    @property
    def default_storage_id(self) -> int:
        """The id of the default storage's record (looked up once)."""
        if self._storage_id is None:
            from sqlalchemy import select

            from ontolake.registries.storage import Storage

            with self.read() as session:
                self._storage_id = int(
                    session.execute(
                        select(Storage.id).where(Storage.root == self.root.root)
                    ).scalar_one()
                )
        return self._storage_id

    @property
    def default_storage(self) -> Storage:
        """The storage record of the default root."""
        from sqlalchemy import select

        from ontolake.registries.storage import Storage

        with self.read() as session:
            return session.execute(
                select(Storage).where(Storage.root == self.root.root)
            ).scalar_one()

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


def init(
    storage: str | os.PathLike[str], db: str | None = None, *, remember: bool = True
) -> Instance:
    """Create an instance (or connect to the one already there) and make it current.

    Args:
        storage: the default storage root: a local folder or an fsspec URL (``s3://bucket/p``).
        db: a database URL; None means SQLite inside ``<storage>/.ontolake/`` (local only).
        remember: make it the instance later sessions auto-connect to (never while
            ``ONTOLAKE_INSTANCE`` is set: that variable speaks for its own process only).

    Example:
        >>> import ontolake as ol
        >>> ol.init(storage="./lake")  # doctest: +ELLIPSIS
        Instance(storage='.../lake', db='sqlite')

        A team's instance:

        >>> # needs the S3 bucket and the PostgreSQL server
        >>> ol.init(storage="s3://bucket/lake", db="postgresql://me@host/lake")  # doctest: +SKIP
    """
    from ontolake.storage.root import StorageRoot

    root = StorageRoot(str(storage))
    if root.exists(root.join(MARKER)):
        logger.info("an instance already exists at %s; connecting to it", root.root)
        return connect(root.root, db=db, remember=remember)
    db_url = _default_db_url(root, db)
    created_folders = missing_folders(Path(root.root)) if root.is_local else []
    created_sqlite = db_url.startswith("sqlite") and not _sqlite_path(db_url).exists()
    created_folder = not root.exists(root.join(".ontolake"))
    instance: Instance | None = None
    try:
        from ontolake.instance.engine import database_errors
        from ontolake.instance.migrate import upgrade

        root.check_writable()
        root.fs.makedirs(root.join(".ontolake"), exist_ok=True)
        instance = Instance(root.root, db_url)
        with database_errors(instance.db_description):
            upgrade(instance.engine)
        _register_default_storage(instance)
        _write_marker(root, db_url)
    except BaseException:
        if instance is not None:
            instance.close()
        # cleaning up must never hide the error (OSError: StorageError too)
        if created_sqlite:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with suppress(OSError):
                    Path(str(_sqlite_path(db_url)) + suffix).unlink(missing_ok=True)
        if created_folder:
            with suppress(OSError):
                root.remove(root.join(".ontolake"))
        for folder in created_folders:  # deepest first; only if left empty
            with suppress(OSError):
                folder.rmdir()
        raise
    location = InstanceLocation(root.root, None if db is None else db_url)
    return _activate(instance, location, remember=remember)


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
    from ontolake.instance.migrate import check_schema

    storage_root, db_url, location, origin = _resolve(target, db)
    instance = Instance(storage_root, db_url)
    try:
        check_schema(instance.engine, instance.db_description)
    except BaseException:
        instance.close()
        raise
    if origin:
        announce(storage_root, db_url, origin)
    return _activate(instance, location, remember=remember)


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
        return (*_resolve_target(str(target), db), origin)
    except ConfigurationError as error:
        if not origin:
            raise
        raise type(error)(f"{origin}: {error}") from None


def _resolve_target(target: str, db: str | None) -> tuple[str, str, InstanceLocation]:
    if db is None and is_database_url(target):
        db_url = normalize_db_url(target)
        storage_root = _storage_of_database(db_url)
        return storage_root, db_url, InstanceLocation(storage_root, db_url)
    storage_root, db_url = _read_marker(target, db)
    remembered = None if db_url.startswith("sqlite") else db_url
    return storage_root, db_url, InstanceLocation(storage_root, remembered)


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


def _activate(instance: Instance, location: InstanceLocation, *, remember: bool) -> Instance:
    global _current
    if _current is not None and _current is not instance:
        _current.close()
    _current = instance
    if remember and not settings.instance_overridden:
        settings.remember(location)
    return instance


def _sqlite_path(db_url: str) -> Path:
    return Path(db_url.removeprefix("sqlite:///"))


def _default_db_url(root: StorageRoot, db: str | None) -> str:
    if db is not None:
        return normalize_db_url(db)
    if not root.is_local:
        raise ConfigurationError(
            f"Storage {root.root!r} is remote, so its metadata needs a shared database: pass "
            "db='postgresql://user@host/db' (or db='sqlite:///local.db' for a single user)."
        )
    return f"sqlite:///{root.join(SQLITE_FILE)}"


def _register_default_storage(instance: Instance) -> None:
    from ontolake.registries.storage import Storage

    with instance.write() as session:
        session.add(
            Storage(
                root=instance.root.root,
                type=instance.root.protocol,
                is_default=True,
                created_by_id=None,
            )
        )
    instance.user_id  # noqa: B018  (register the creating user now)


def _write_marker(root: StorageRoot, db_url: str) -> None:
    marker: dict[str, Any] = {"format": 1}
    marker["db"] = (
        "sqlite"
        if db_url.startswith("sqlite") and _inside(root, db_url)
        else without_credentials(db_url, keep_user=True)
    )
    with root.fs.open(root.join(MARKER), "w") as handle:
        handle.write(json.dumps(marker, indent=2))


def _inside(root: StorageRoot, db_url: str) -> bool:
    return root.is_local and str(_sqlite_path(db_url)) == root.join(SQLITE_FILE)


def _read_marker(target: str, db: str | None) -> tuple[str, str]:
    from ontolake.storage.root import StorageRoot, storage_errors

    root = StorageRoot(target)
    marker_path = root.join(MARKER)
    with storage_errors(root.root):
        if not root.exists(root.root):
            raise InstanceNotFoundError(
                f"{root.root!r} does not exist: create an instance there with `curate init "
                f"--storage {shlex.quote(root.root)}` (Python: ol.init(storage={root.root!r}))."
            )
        if not root.exists(marker_path):
            raise InstanceNotFoundError(
                f"{root.root!r} holds no ontolake instance: create one with "
                f"ol.init(storage={root.root!r}) or `curate init --storage {root.root}`."
            )
        try:
            text = root.read_text(marker_path)
        except UnicodeDecodeError as error:
            reason = f"not UTF-8 text: {error.reason} at byte {error.start}"
            raise _damaged(marker_path, reason) from None
        marker = _parse_marker(text, marker_path)
    if db is not None:
        return root.root, normalize_db_url(db)
    recorded = str(marker.get("db", "sqlite"))
    if recorded == "sqlite":
        return root.root, f"sqlite:///{root.join(SQLITE_FILE)}"
    return root.root, settings.password_for(recorded) or normalize_db_url(recorded)


def _parse_marker(text: str, where: str) -> dict[str, Any]:
    """The content of an instance marker; a one-line error naming the file if it is damaged."""
    try:
        marker = json.loads(text)
    except ValueError as error:
        reason = f"not JSON: {error}"
    except RecursionError:
        reason = "not JSON: nested too deeply"
    else:
        if isinstance(marker, dict):
            return marker
        reason = f"a JSON {type(marker).__name__}, not an object"
    raise _damaged(where, reason)


def _damaged(where: str, reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"{where} is damaged ({reason}); it marks an ontolake instance and holds "
        '{"format": 1, "db": "sqlite"} (for another database, "db" is its URL without the '
        "password): restore it from a backup, or write that content back."
    )


def _storage_of_database(db_url: str) -> str:
    from sqlalchemy import text

    from ontolake.instance.engine import create_db_engine, database_errors

    engine = create_db_engine(db_url)
    try:
        with database_errors(f"database {mask_url(db_url)}"), engine.connect() as connection:
            root = connection.execute(
                text("SELECT root FROM storages WHERE is_default")
            ).scalar_one_or_none()
    except OntolakeError:
        raise
    except Exception as error:
        raise InstanceNotFoundError(
            f"{mask_url(db_url)} holds no ontolake instance ({error}); create one with "
            "ol.init(storage=..., db=...)."
        ) from error
    finally:
        engine.dispose()
    if root is None:
        raise InstanceNotFoundError(f"{mask_url(db_url)} has no default storage registered.")
    return str(root)
