"""Indexes of sparse artifact columns keep only the rows where the column is set.

``n_observations``, ``otype``, ``run_id`` and ``schema_id`` are NULL for most saves (plain
files, no tracked run, no schema). Their indexes become partial (``WHERE column IS NOT
NULL``): such a save maintains four index B-trees less (~20% of the insert's commit on
SQLite), while ``column = x``, ranges and ``IN`` keep using them (SQLite and PostgreSQL both
infer ``IS NOT NULL`` from those conditions).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = ("n_observations", "otype", "run_id", "schema_id")


def upgrade() -> None:
    for column in _COLUMNS:
        condition = text(f"{column} IS NOT NULL")
        op.drop_index(f"ix_artifacts_{column}", table_name="artifacts")
        op.create_index(
            f"ix_artifacts_{column}",
            "artifacts",
            [column],
            sqlite_where=condition,
            postgresql_where=condition,
        )


def downgrade() -> None:
    for column in _COLUMNS:
        op.drop_index(f"ix_artifacts_{column}", table_name="artifacts")
        op.create_index(f"ix_artifacts_{column}", "artifacts", [column])
