"""The terms an obsolete term points to (``consider``), and a schema's label scope.

An ontology marks a term obsolete with the terms that replace it (``replaced_by``) or that
a curator should consider instead (``consider``); ``inspect`` and the curators' reports
name both. A schema can scope the names of its ``itype`` to one organism (``organism``) and
can allow obsolete terms (``allow_obsolete``). Terms imported before this revision have no
``consider`` terms until their source is imported again.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _term_tables() -> list[str]:
    """The tables of the ontology registries: those with a ``replaced_by`` column."""
    inspector = sa.inspect(op.get_bind())
    return sorted(
        table
        for table in inspector.get_table_names()
        if "replaced_by" in {column["name"] for column in inspector.get_columns(table)}
    )


def upgrade() -> None:
    for table in _term_tables():
        op.add_column(table, sa.Column("consider", sa.String(length=1024), nullable=True))
    op.add_column("schemas", sa.Column("organism", sa.String(length=64), nullable=True))
    op.add_column(
        "schemas",
        sa.Column("allow_obsolete", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+): a batch rebuild would lose AUTOINCREMENT (0009)
    op.drop_column("schemas", "allow_obsolete")
    op.drop_column("schemas", "organism")
    for table in _term_tables():
        op.drop_column(table, "consider")
