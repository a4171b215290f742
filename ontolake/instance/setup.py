"""Creating instances: a default storage root plus a metadata database, wired together.

``init`` migrates a new database, registers the default storage and the creating user, and
writes the marker ``<root>/.ontolake/instance.json`` (see :mod:`ontolake.instance.locate`).
Connecting and the current instance belong to the session provider,
:mod:`ontolake.instance.session`, one layer down (it never loads the registries); their
names are re-exported here, so earlier imports keep working.

Example:
    >>> from ontolake.instance import session, setup
    >>> setup.current_instance is session.current_instance
    True
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontolake._atomic import missing_folders, write_text_atomic
from ontolake._faults import reached
from ontolake._urls import without_credentials
from ontolake.errors import ConfigurationError
from ontolake.instance.db_url import normalize_db_url
from ontolake.instance.locate import MARKER as MARKER
from ontolake.instance.locate import SQLITE_FILE as SQLITE_FILE
from ontolake.instance.locate import is_embedded, sqlite_path
from ontolake.instance.session import HOST as HOST
from ontolake.instance.session import Instance as Instance
from ontolake.instance.session import activate
from ontolake.instance.session import connect as connect
from ontolake.instance.session import current_instance as current_instance
from ontolake.instance.session import disconnect as disconnect
from ontolake.instance.session import locate as locate
from ontolake.instance.session import staging_owner as staging_owner
from ontolake.instance.settings import InstanceLocation

if TYPE_CHECKING:
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
    created_sqlite = db_url.startswith("sqlite") and not sqlite_path(db_url).exists()
    created_folder = not root.exists(root.join(".ontolake"))
    instance: Instance | None = None
    try:
        from ontolake.instance.engine import database_errors
        from ontolake.instance.migrate import upgrade

        root.check_writable()
        root.fs.makedirs(root.join(".ontolake"), exist_ok=True)
        reached("init.folder")
        instance = Instance(root.root, db_url)
        with database_errors(instance.db_description):
            upgrade(instance.engine)
        reached("init.migrated")
        _register_default_storage(instance)
        reached("init.registered")
        _write_marker(root, db_url)
        reached("init.marked")
    except BaseException:
        if instance is not None:
            instance.close()
        # cleaning up must never hide the error (OSError: StorageError too)
        if created_sqlite:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with suppress(OSError):
                    Path(str(sqlite_path(db_url)) + suffix).unlink(missing_ok=True)
        if created_folder:
            with suppress(OSError):
                root.remove(root.join(".ontolake"))
        for folder in created_folders:  # deepest first; only if left empty
            with suppress(OSError):
                folder.rmdir()
        raise
    location = InstanceLocation(root.root, None if db is None else db_url)
    return activate(instance, location, remember=remember)


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
    """Register the default storage (once: an init that crashed may have done it)."""
    from sqlalchemy import select

    from ontolake.registries.storage_location import Storage
    from ontolake.registries.user import current_user_id

    with instance.write() as session:
        registered = select(Storage.id).where(Storage.root == instance.root.root)
        if session.execute(registered).scalar() is None:
            session.add(
                Storage(
                    root=instance.root.root,
                    type=instance.root.protocol,
                    is_default=True,
                    created_by_id=None,
                )
            )
    current_user_id(instance)  # register the creating user now


def _write_marker(root: StorageRoot, db_url: str) -> None:
    marker: dict[str, Any] = {"format": 1}
    marker["db"] = (
        "sqlite"
        if db_url.startswith("sqlite") and is_embedded(root, db_url)
        else without_credentials(db_url, keep_user=True)
    )
    text = json.dumps(marker, indent=2)
    if root.is_local:  # whole or not at all: a process killed while writing leaves no marker
        write_text_atomic(root.join(MARKER), text)
    else:  # an object store's PUT is atomic
        root.fs.pipe_file(root.join(MARKER), text.encode("utf-8"))
