"""Where an instance is: the marker in its storage, its database, and the way back from one.

An instance is marked by ``<root>/.ontolake/instance.json``, which names its database without
credentials (everyone who reads the storage reads it: connecting by storage takes the
password from this user's settings, ``PGPASSWORD`` or ``~/.pgpass``). With local storage and
no database URL, the database is SQLite at ``<root>/.ontolake/ontolake.db``. A database URL
leads back to the storage root registered as its default storage.

Example:
    >>> storage_root, db_url, location = resolve_target("./data", None)
    >>> db_url.endswith("data/.ontolake/ontolake.db"), location.db
    (True, None)
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ontolake._atomic import write_text_atomic
from ontolake._fsspec import storage_errors
from ontolake._urls import mask_text, mask_url, without_credentials
from ontolake.errors import ConfigurationError, InstanceNotFoundError, OntolakeError
from ontolake.instance.db_url import is_database_url, normalize_db_url
from ontolake.instance.settings import InstanceLocation, settings

if TYPE_CHECKING:
    from ontolake.storage.root import StorageRoot

__all__ = ["MARKER", "SQLITE_FILE", "is_embedded", "resolve_target", "sqlite_path"]

MARKER = ".ontolake/instance.json"
"""The file marking a storage root as an instance's (relative to the root)."""
SQLITE_FILE = ".ontolake/ontolake.db"
"""The database of an instance with local storage and no database URL (relative to the root)."""


def resolve_target(target: str, db: str | None) -> tuple[str, str, InstanceLocation]:
    """The storage root, database URL and location to remember of the instance ``target`` names.

    ``target`` is a storage root (read its marker) or, when ``db`` is None, a database URL
    (look up its default storage).

    Raises:
        InstanceNotFoundError: nothing at ``target`` is an ontolake instance.
        ConfigurationError: its marker is damaged or a database URL cannot be used.
    """
    if db is None and is_database_url(target):
        db_url = normalize_db_url(target)
        storage_root = _storage_of_database(db_url)
        return storage_root, db_url, InstanceLocation(storage_root, db_url)
    storage_root, db_url = _read_marker(target, db)
    remembered = None if db_url.startswith("sqlite") else db_url
    return storage_root, db_url, InstanceLocation(storage_root, remembered)


def sqlite_path(db_url: str) -> Path:
    """The file of a ``sqlite:///`` URL, also one written as a URI (``file:…?uri=true``).

    Example:
        >>> sqlite_path("sqlite:///lake/.ontolake/ontolake.db").name
        'ontolake.db'
        >>> str(sqlite_path("sqlite:///file:/data/my%20lake.sqlite?uri=true&mode=rwc"))
        '/data/my lake.sqlite'
    """
    database = db_url.removeprefix("sqlite:///").split("?", 1)[0]
    if database.startswith("file:"):
        database = unquote(database.removeprefix("file:"))
        if database.startswith("//"):  # file://host/path: the path after the authority
            database = "/" + database[2:].partition("/")[2]
    return Path(database)


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
    db_url = normalize_db_url(recorded)
    if without_credentials(db_url, keep_user=True) != db_url:  # written by an older version
        _move_password(root, marker_path, marker, db_url)
        return root.root, db_url
    return root.root, settings.password_for(recorded) or db_url


def _move_password(
    root: StorageRoot, marker_path: str, marker: dict[str, Any], db_url: str
) -> None:
    """Move the password of an old marker's ``db_url`` into the user's private settings.

    Before markers named the database without credentials, everyone who reads the storage
    read the password. It is kept in the settings file first, so a failure in between loses
    nothing; the marker is then rewritten whole (its permission bits kept). Said once on
    stderr, without the secret.
    """
    settings.keep_password(db_url)
    text = json.dumps({**marker, "db": without_credentials(db_url, keep_user=True)}, indent=2)
    try:
        if root.is_local:
            write_text_atomic(marker_path, text)
        else:  # an object store replaces an object whole
            with storage_errors(marker_path, remote=True), root.fs.open(marker_path, "w") as out:
                out.write(text)
    except (OSError, OntolakeError) as error:
        said = (
            f"{marker_path} holds the database password, readable by everyone who reads the "
            f"storage, and cannot be rewritten ({mask_text(str(error))}): remove the password "
            f'from its "db" value'
        )
    else:
        said = (
            f"moved the database password out of {marker_path} (anyone who reads the storage "
            f"reads it) into {settings.settings_file} (readable by you only)"
        )
    print(f"ontolake: {said}", file=sys.stderr, flush=True)


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


def is_embedded(root: StorageRoot, db_url: str) -> bool:
    """Whether ``db_url`` is the SQLite file inside ``root``'s ``.ontolake/`` folder.

    Example:
        >>> from ontolake.storage.root import StorageRoot
        >>> root = StorageRoot("./data")
        >>> is_embedded(root, "sqlite:///" + root.join(SQLITE_FILE)), is_embedded(root, "sqlite:///x.db")
        (True, False)
    """
    return root.is_local and str(sqlite_path(db_url)) == root.join(SQLITE_FILE)
