"""Ids and uids are never given out twice (retired version uids, SQLite ``AUTOINCREMENT``).

A version deleted for good leaves its uid in ``retired_versions``, and its family numbers
new versions after it, so a uid always names the same content. On SQLite, a table with a
plain integer primary key gives a new row the highest id plus one, which is the id of a
row just deleted: a reference kept elsewhere (a label held by an object in memory, a
process that read it before) would then name a different record. Every such table is
rebuilt here with ``AUTOINCREMENT``, as SQLite's documentation describes (new table, copy,
drop, rename, indexes again; foreign keys are off while migrations run). PostgreSQL
sequences never go back: nothing to do there.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_PRIMARY_KEY = re.compile(r",\s*CONSTRAINT (\w+) PRIMARY KEY \(id\)")
_ID_COLUMN = re.compile(r"(^|\n)(\s*)id INTEGER NOT NULL,")


def upgrade() -> None:
    op.create_table(
        "retired_versions",
        sa.Column("registry", sa.String(64), nullable=False),
        sa.Column("uid", sa.String(20), nullable=False),
        sa.Column("stem_uid", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("registry", "uid", name="pk_retired_versions"),
    )
    op.create_index(
        "ix_retired_versions_registry_stem_uid", "retired_versions", ["registry", "stem_uid"]
    )
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        tables = connection.execute(
            sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ).all()
        for name, ddl in tables:
            if _PRIMARY_KEY.search(ddl) and "AUTOINCREMENT" not in ddl:
                _rebuild_with_autoincrement(connection, name, ddl)


def _rebuild_with_autoincrement(connection: sa.Connection, name: str, ddl: str) -> None:
    constraint = _PRIMARY_KEY.search(ddl)
    assert constraint is not None
    column = rf"\1\2id INTEGER NOT NULL CONSTRAINT {constraint[1]} PRIMARY KEY AUTOINCREMENT,"
    rebuilt, found = _ID_COLUMN.subn(column, _PRIMARY_KEY.sub("", ddl, count=1), count=1)
    assert found == 1, f"unexpected definition of {name}"
    prefix = f"CREATE TABLE {name} ("
    assert rebuilt.startswith(prefix), f"unexpected definition of {name}"
    staging = f"{name}__rebuild"
    indexes = connection.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :name"),
        {"name": name},
    ).scalars()
    index_ddl = [statement for statement in indexes if statement is not None]
    connection.exec_driver_sql(f"CREATE TABLE {staging} (" + rebuilt.removeprefix(prefix))
    connection.exec_driver_sql(f"INSERT INTO {staging} SELECT * FROM {name}")
    connection.exec_driver_sql(f"DROP TABLE {name}")
    connection.exec_driver_sql(f"ALTER TABLE {staging} RENAME TO {name}")
    for statement in index_ddl:
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    # the tables keep AUTOINCREMENT: ids that were never reused stay valid at any revision
    op.drop_index("ix_retired_versions_registry_stem_uid", table_name="retired_versions")
    op.drop_table("retired_versions")
