"""Alembic environment: runs migrations on the engine handed over by ontolake.instance.migrate.

Each migration runs in one transaction (``BEGIN IMMEDIATE`` on SQLite, ``READ COMMITTED`` on
PostgreSQL), so a failed upgrade leaves the schema as it was.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from ontolake.registries.models import metadata

config = context.config
engine = config.attributes["engine"]
options: dict[str, Any] = {"ontolake_write": True}
if engine.dialect.name == "postgresql":
    options["isolation_level"] = "READ COMMITTED"

with engine.connect().execution_options(**options) as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
    )
    with connection.begin():
        context.run_migrations()
