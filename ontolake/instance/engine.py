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

from ontolake._urls import mask_url
from ontolake.errors import (
    DatabaseError,
    DatabaseLockedError,
    DatabaseUnavailableError,
    IntegrityError,
    MissingDependencyError,
    PermissionDeniedError,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

__all__ = ["BUSY_TIMEOUT_SECONDS", "begin_write", "create_db_engine", "database_errors"]

BUSY_TIMEOUT_SECONDS = float(os.environ.get("ONTOLAKE_BUSY_TIMEOUT", "30"))
_WRITE_OPTION = "ontolake_write"


def create_db_engine(url: str) -> Engine:
    """Create an engine for a ``sqlite:///`` or ``postgresql://`` URL.

    Example:
        >>> engine = create_db_engine("sqlite:///:memory:")
        >>> engine.dialect.name
        'sqlite'
    """
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
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

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            if connection.get_execution_options().get(_WRITE_OPTION):
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql"):
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        try:
            import psycopg  # noqa: F401
        except ImportError as error:
            raise MissingDependencyError(
                "PostgreSQL instances need the driver psycopg: pip install 'ontolake[postgres]'"
            ) from error
        return create_engine(
            url,
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10},
        )
    raise DatabaseUnavailableError(
        f"Unsupported database URL {mask_url(url)!r}: use 'sqlite:///path' or 'postgresql://user@host/db'."
    )


def begin_write(session: Session) -> None:
    """Open a write transaction on ``session`` (call before the first statement)."""
    options: dict[str, Any] = {_WRITE_OPTION: True}
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        options["isolation_level"] = "READ COMMITTED"
    session.connection(execution_options=options)


@contextmanager
def database_errors(description: str) -> Iterator[None]:
    """Translate driver errors into ontolake errors that name ``description`` and the fix.

    Example:
        >>> with database_errors("sqlite database ./data/.ontolake/ontolake.db"):
        ...     pass
    """
    from sqlalchemy import exc

    try:
        yield
    except exc.IntegrityError as error:
        raise IntegrityError(
            f"{description} refused the write: {_first_line(error.orig)}"
        ) from error
    except exc.DBAPIError as error:
        raise translate_dbapi_error(error, description) from error


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
    return mask_url(str(error).strip().splitlines()[0] if str(error).strip() else repr(error))
