"""SQLAlchemy engines for SQLite and PostgreSQL, and the translation of driver errors.

Reads run outside explicit transactions (SQLite autocommit statements, PostgreSQL
``AUTOCOMMIT``), so a long-lived session never pins an old snapshot. Writes run in a
transaction opened by :func:`begin_write`: ``BEGIN IMMEDIATE`` on SQLite (the write lock is
taken up front, so two writers queue on the busy timeout instead of failing on upgrade) and
``READ COMMITTED`` on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ontolake._urls import is_secret_name, mask_text
from ontolake.errors import (
    DatabaseError,
    DatabaseLockedError,
    DatabaseUnavailableError,
    DoesNotExistError,
    IntegrityError,
    InvalidDataError,
    MissingDependencyError,
    PermissionDeniedError,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "SQLITE_LOWER",
    "begin_write",
    "create_db_engine",
    "database_errors",
    "lock_names",
]

BUSY_TIMEOUT_SECONDS = float(os.environ.get("ONTOLAKE_BUSY_TIMEOUT", "30"))
_WRITE_OPTION = "ontolake_write"
SQLITE_LOWER = "ontolake_lower"
"""SQLite function lowering text with Python's ``str.lower`` (SQLite's own folds only ASCII)."""


def _python_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def create_db_engine(url: str) -> Engine:
    """Create an engine for a ``sqlite:///`` or ``postgresql://`` URL.

    Raises:
        ConfigurationError: ``url`` is not a database URL ontolake can use (see
            :mod:`ontolake.instance.db_url`).

    Example:
        >>> engine = create_db_engine("sqlite:///:memory:")
        >>> engine.dialect.name
        'sqlite'
    """
    from sqlalchemy import create_engine, event

    from ontolake.instance.db_url import parse_db_url

    parsed = parse_db_url(url)
    if parsed.drivername == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

        @event.listens_for(engine, "connect")
        def _configure(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
            cursor = dbapi_connection.cursor()
            for pragma in (
                "journal_mode=WAL",
                "synchronous=NORMAL",
                "foreign_keys=ON",
                "case_sensitive_like=ON",
                f"busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}",
            ):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()
            dbapi_connection.create_function(SQLITE_LOWER, 1, _python_lower, deterministic=True)

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            if connection.get_execution_options().get(_WRITE_OPTION):
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    try:
        import psycopg  # noqa: F401
    except ImportError as error:
        raise MissingDependencyError(
            "PostgreSQL instances need the driver psycopg: pip install 'ontolake[postgres]'"
        ) from error
    # secret options (?password=, ?sslpassword=) go to the driver, not into the engine's URL,
    # which SQLAlchemy shows in reprs and logs with only its own password field masked
    hidden = {key: value for key, value in parsed.query.items() if is_secret_name(key)}
    return create_engine(
        parsed.difference_update_query(hidden).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=True,
        connect_args={"connect_timeout": 10, **hidden},
    )


def begin_write(session: Session) -> None:
    """Open a database write transaction on ``session``.

    When earlier reads left the session's transaction open (reads run in autocommit, so no
    database transaction is open), the transaction is begun on that same connection, so
    changes to loaded objects are flushed inside it rather than before it.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    if session.in_transaction():
        statement = "BEGIN ISOLATION LEVEL READ COMMITTED" if postgres else "BEGIN IMMEDIATE"
        session.connection().exec_driver_sql(statement)
        return
    options: dict[str, Any] = {_WRITE_OPTION: True}
    if postgres:
        options["isolation_level"] = "READ COMMITTED"
    session.connection(execution_options=options)


def lock_names(session: Session, *names: str, shared: bool = False) -> None:
    """Serialise writers on ``names`` until the current write transaction ends.

    On PostgreSQL, takes a transaction-scoped advisory lock per name (in sorted order, so
    two writers never wait on each other crosswise); ``shared`` locks only exclude an
    exclusive holder of the same name. On SQLite this is a no-op: ``BEGIN IMMEDIATE``
    already gives each write transaction the whole database.

    Example:
        >>> from ontolake.instance.session import current_instance
        >>> with current_instance().write() as session:  # on SQLite: nothing to do
        ...     lock_names(session, "artifact-key:raw/sample.fasta")
    """
    if session.get_bind().dialect.name != "postgresql" or not names:
        return
    from sqlalchemy import bindparam, text

    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    statement = text(f"SELECT {function}(:key)").bindparams(bindparam("key"))
    connection = session.connection()
    for name in sorted(set(names)):
        connection.execute(statement, {"key": _lock_key(name)})


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for an advisory lock name."""
    import hashlib

    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def database_errors(description: str) -> Iterator[None]:
    """Translate driver errors into ontolake errors that name ``description`` and the fix.

    Example:
        >>> with database_errors("sqlite database ./data/.ontolake/ontolake.db"):
        ...     pass
    """
    from sqlalchemy import exc
    from sqlalchemy.orm import exc as orm_exc

    try:
        yield
    except (orm_exc.ObjectDeletedError, orm_exc.StaleDataError) as error:
        raise DoesNotExistError(
            f"{_deleted_record(error)} was deleted (by another process, or permanently) while "
            "this one held it; nothing was written. Fetch it again (Registry.get(...)) or "
            "create it anew, and retry."
        ) from error
    except exc.IntegrityError as error:
        raise IntegrityError(
            f"{description} refused the write: {_first_line(error.orig)}"
        ) from error
    except exc.DBAPIError as error:
        raise translate_dbapi_error(error, description) from error
    except UnicodeEncodeError as error:  # the driver encodes text: a lone surrogate fails
        bad = str(error.object[error.start : error.end]).encode("unicode_escape").decode()
        raise InvalidDataError(
            f"{description} cannot take text holding '{bad}', half of a surrogate pair and "
            "not a character: pass valid Unicode (decode bytes with errors='replace')."
        ) from None


def _deleted_record(error: Exception) -> str:
    """The record an ``ObjectDeletedError`` (by class) or ``StaleDataError`` (by table) is about."""
    import re

    named = re.search(r"<(\w+) at 0x|on table '(\w+)'", str(error))
    if named is None:
        return "A record"
    return f"A {named[1]}" if named[1] else f"A record of table {named[2]!r}"


def translate_dbapi_error(error: Any, description: str) -> DatabaseError:
    """Map a SQLAlchemy ``DBAPIError`` to the matching ontolake error."""
    message = _first_line(error.orig)
    lowered = message.lower()
    sqlstate = getattr(error.orig, "sqlstate", None)
    if "database is locked" in lowered or "database table is locked" in lowered:
        return DatabaseLockedError(
            f"{description} stayed locked by another writer for more than "
            f"{BUSY_TIMEOUT_SECONDS:g} s. Wait for the other process to finish and retry, or raise "
            "the timeout with ONTOLAKE_BUSY_TIMEOUT=<seconds>."
        )
    if (
        sqlstate in {"28P01", "28000"}
        or "authentication failed" in lowered
        or "no password supplied" in lowered
    ):
        return PermissionDeniedError(
            f"{description} refused the credentials: {message}. Check the user name and "
            "password in the database URL, or give the password in PGPASSWORD or ~/.pgpass."
        )
    if sqlstate == "42501" or "permission denied" in lowered or "readonly database" in lowered:
        return PermissionDeniedError(
            f"{description} does not allow this operation for the connected role: {message}. "
            "Connect with a role that may write (read-only roles can only query and load)."
        )
    if (
        error.connection_invalidated
        or sqlstate in {"08001", "08006", "57P03"}
        or any(
            marker in lowered
            for marker in (
                "connection refused",
                "could not connect",
                "unable to open database",
                "timeout",
            )
        )
    ):
        return DatabaseUnavailableError(
            f"Cannot reach {description}: {message}. Check that the server is running and the URL "
            "is right (see `curate info`)."
        )
    return DatabaseError(f"{description} failed: {message}")


def _first_line(error: object) -> str:
    return mask_text(str(error).strip().splitlines()[0] if str(error).strip() else repr(error))
