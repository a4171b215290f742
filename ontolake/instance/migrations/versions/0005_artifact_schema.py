"""The schema an artifact was curated against (``artifacts.schema_id``).

Deleting a schema unlinks its artifacts (``ON DELETE SET NULL``) instead of being refused:
a schema is a definition, like a run is provenance (``artifacts.run_id`` behaves the same),
and the artifact's own annotations — its feature values — stay. Refusing would chain
deletions (a feature is refused while a schema lists it, so fixing a feature would first
mean deleting every artifact ever curated with it).

The column is added in place on both databases (SQLite takes a named foreign key inline in
``ADD COLUMN``; rebuilding the artifacts table would cascade into its link tables), so
existing rows keep their values and get NULL.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE artifacts ADD COLUMN schema_id INTEGER "
        "CONSTRAINT fk_artifacts_schema_id_schemas REFERENCES schemas (id) ON DELETE SET NULL"
    )
    op.create_index("ix_artifacts_schema_id", "artifacts", ["schema_id"])


def downgrade() -> None:
    op.drop_index("ix_artifacts_schema_id", table_name="artifacts")
    # drops the foreign key with the column (SQLite 3.35 or newer)
    op.execute("ALTER TABLE artifacts DROP COLUMN schema_id")
