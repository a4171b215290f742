"""The schema-version check of a connection: one cheap query, without loading Alembic.

``SCHEMA_REVISION`` is the head revision this version of ontolake expects (the newest
migration in ``instance/migrations/versions``); connecting compares it with the revision
recorded in the database. Migrating lives one layer up, in :mod:`ontolake.instance.migrate`.

Example:
    >>> from ontolake.instance.engine import create_db_engine
    >>> check_schema(create_db_engine("sqlite:///:memory:"), "a new database")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ontolake.errors.SchemaVersionError: a new database has no ontolake schema: create ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ontolake.errors import SchemaVersionError

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["SCHEMA_REVISION", "check_schema", "current_revision", "newer_schema_error"]

SCHEMA_REVISION = "0010"


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, or None when it has none."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if value is None else str(value)


def check_schema(engine: Engine, description: str) -> None:
    """Raise ``SchemaVersionError`` unless the database is at ``SCHEMA_REVISION``."""
    from ontolake.instance.engine import database_errors

    with database_errors(description):
        revision = current_revision(engine)
    if revision == SCHEMA_REVISION:
        return
    if revision is None:
        raise SchemaVersionError(
            f"{description} has no ontolake schema: create the instance with ol.init()."
        )
    if revision < SCHEMA_REVISION:
        raise SchemaVersionError(
            f"{description} is at schema revision {revision}, older than this ontolake "
            f"({SCHEMA_REVISION}): run `curate migrate` to upgrade it (back up the database first)."
        )
    raise newer_schema_error(description, revision)


def newer_schema_error(description: str, revision: str) -> SchemaVersionError:
    """The error for a database migrated by a newer ontolake than this one."""
    return SchemaVersionError(
        f"{description} is at schema revision {revision}, newer than this ontolake "
        f"({SCHEMA_REVISION}): upgrade ontolake (pip install -U ontolake)."
    )
