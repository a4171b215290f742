"""Links between artifacts and the ontology-backed bio registries (``artifact_<table>``).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# table and its link column, as in ontolake.registries.bio.entities
TERM_TABLES = (
    ("organisms", "organism_id"),
    ("cell_types", "cell_type_id"),
    ("cell_lines", "cell_line_id"),
    ("tissues", "tissue_id"),
    ("diseases", "disease_id"),
    ("phenotypes", "phenotype_id"),
    ("pathways", "pathway_id"),
    ("experimental_factors", "experimental_factor_id"),
    ("developmental_stages", "developmental_stage_id"),
    ("ethnicities", "ethnicity_id"),
    ("genes", "gene_id"),
)


def upgrade() -> None:
    for table, column in TERM_TABLES:
        name = f"artifact_{table}"
        op.create_table(
            name,
            sa.Column("artifact_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["artifact_id"],
                ["artifacts.id"],
                name=f"fk_{name}_artifact_id_artifacts",
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(  # short: the conventional name exceeds 63 characters
                [column], [f"{table}.id"], name=f"fk_{name}_{column}", ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("artifact_id", column, name=f"pk_{name}"),
        )
        op.create_index(f"ix_{name}_{column}", name, [column])


def downgrade() -> None:
    for table, _ in reversed(TERM_TABLES):
        op.drop_table(f"artifact_{table}")
