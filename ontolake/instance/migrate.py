"""Schema migrations (Alembic, shipped in the package) and the schema-version check.

``SCHEMA_REVISION`` is the head revision this version of ontolake expects; connecting to an
instance compares it with the revision recorded in the database in one cheap query, without
loading Alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ontolake.errors import SchemaVersionError

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["SCHEMA_REVISION", "check_schema", "current_revision", "upgrade"]

SCHEMA_REVISION = "0009"
_MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config(engine: Engine) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database of ``engine`` to ``revision`` (default: the newest).

    Example:
        >>> from ontolake.instance.engine import create_db_engine
        >>> engine = create_db_engine("sqlite:///new.db")
        >>> upgrade(engine)
        >>> current_revision(engine) == SCHEMA_REVISION
        True
    """
    from alembic import command

    _refuse_unknown_revision(engine)
    command.upgrade(_alembic_config(engine), revision)  # type: ignore[arg-type]


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database of ``engine`` back to ``revision``."""
    from alembic import command

    _refuse_unknown_revision(engine)
    command.downgrade(_alembic_config(engine), revision)  # type: ignore[arg-type]


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
    raise _newer_schema(description, revision)


def _newer_schema(description: str, revision: str) -> SchemaVersionError:
    return SchemaVersionError(
        f"{description} is at schema revision {revision}, newer than this ontolake "
        f"({SCHEMA_REVISION}): upgrade ontolake (pip install -U ontolake)."
    )


def _refuse_unknown_revision(engine: Engine) -> None:
    """Refuse, with the fix, a database at a revision this ontolake ships no migration for.

    Alembic would fail with "Can't locate revision" and a traceback instead.
    """
    from alembic.script import ScriptDirectory

    from ontolake.instance.setup import Instance

    revision = current_revision(engine)
    if revision is None:
        return
    known = {script.revision for script in ScriptDirectory(str(_MIGRATIONS)).walk_revisions()}
    if revision in known:
        return
    description = Instance.describe_database(
        engine, engine.url.render_as_string(hide_password=True)
    )
    if revision > SCHEMA_REVISION:
        raise _newer_schema(description, revision)
    raise SchemaVersionError(
        f"{description} is at schema revision {revision}, which this ontolake "
        f"({SCHEMA_REVISION}) has no migration for: restore the database from a backup."
    )
