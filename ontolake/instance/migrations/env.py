"""Alembic environment: runs migrations on the engine handed over by ontolake.instance.migrate.

Each migration runs in one transaction (``BEGIN IMMEDIATE`` on SQLite, ``READ COMMITTED`` on
PostgreSQL), so a failed upgrade leaves the schema as it was. On SQLite, foreign keys are off
while migrations run (and on again after), as SQLite asks for rebuilding a table: dropping
the old copy of a table must not cascade to the rows that refer to it.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from ontolake._faults import reached
from ontolake.registries.models import metadata

config = context.config
engine = config.attributes["engine"]
options: dict[str, Any] = {"ontolake_write": True}
if engine.dialect.name == "postgresql":
    options["isolation_level"] = "READ COMMITTED"

with engine.connect().execution_options(**options) as connection:
    sqlite = connection.dialect.name == "sqlite"
    driver = connection.connection.dbapi_connection
    if sqlite:  # outside a transaction: SQLite ignores this pragma inside one
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            transactional_ddl=True,
            on_version_apply=lambda **_: reached("migration.revision"),
        )
        with connection.begin():
            context.run_migrations()
            reached("migration.applied")
    finally:
        if sqlite:
            driver.execute("PRAGMA foreign_keys=ON")
