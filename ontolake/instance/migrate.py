"""Schema migrations (Alembic, shipped in the package).

The check a connection makes (is the database at ``SCHEMA_REVISION``?) lives in
:mod:`ontolake.instance.schema_version`, so connecting never loads Alembic; its names are
re-exported here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ontolake.errors import SchemaVersionError
from ontolake.instance.schema_version import SCHEMA_REVISION as SCHEMA_REVISION
from ontolake.instance.schema_version import check_schema as check_schema
from ontolake.instance.schema_version import current_revision as current_revision
from ontolake.instance.schema_version import newer_schema_error

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["SCHEMA_REVISION", "check_schema", "current_revision", "downgrade", "upgrade"]

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


def _refuse_unknown_revision(engine: Engine) -> None:
    """Refuse, with the fix, a database at a revision this ontolake ships no migration for.

    Alembic would fail with "Can't locate revision" and a traceback instead.
    """
    from alembic.script import ScriptDirectory

    from ontolake.instance.session import Instance

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
        raise newer_schema_error(description, revision)
    raise SchemaVersionError(
        f"{description} is at schema revision {revision}, which this ontolake "
        f"({SCHEMA_REVISION}) has no migration for: restore the database from a backup."
    )
