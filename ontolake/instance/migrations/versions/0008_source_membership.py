"""Which terms each imported source version holds (``<table>_sources``).

A feature pinned to a source version takes the terms of that version, also after a newer
version became current. Terms imported before this revision belong to the source they were
last imported from (their ``source_id``), with their obsolete flag.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# as in ontolake.registries.bio.entities (the OntologyTerm registries)
TERM_TABLES = (
    "organisms",
    "cell_types",
    "cell_lines",
    "tissues",
    "diseases",
    "phenotypes",
    "pathways",
    "experimental_factors",
    "developmental_stages",
    "ethnicities",
    "genes",
)


def upgrade() -> None:
    for table in TERM_TABLES:
        name = f"{table}_sources"
        op.create_table(
            name,
            sa.Column("source_id", sa.Integer(), nullable=False),
            sa.Column("record_id", sa.Integer(), nullable=False),
            sa.Column("is_obsolete", sa.Boolean(), nullable=False),
            sa.ForeignKeyConstraint(
                ["source_id"],
                ["sources.id"],
                name=f"fk_{name}_source_id_sources",
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["record_id"],
                [f"{table}.id"],
                name=f"fk_{name}_record_id_{table}",
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("source_id", "record_id", name=f"pk_{name}"),
        )
        op.create_index(f"ix_{name}_record_id", name, ["record_id"])
        op.execute(
            sa.text(
                f"INSERT INTO {name} (source_id, record_id, is_obsolete) "
                f"SELECT source_id, id, is_obsolete FROM {table} WHERE source_id IS NOT NULL"
            )
        )


def downgrade() -> None:
    for table in reversed(TERM_TABLES):
        op.drop_table(f"{table}_sources")
