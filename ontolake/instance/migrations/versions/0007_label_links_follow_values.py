"""Label links follow categorical feature values (``direct`` flag, links of stored values).

Each artifact ↔ label link table gains ``direct``: True for a link made as such (every link
stored so far), False for one that exists because a categorical feature value of the
artifact holds the label. Values stored before this revision get their links here, so a
curated save made earlier shows in ``artifact.cell_types`` and ``filter(cell_types=...)``
like a new one. Values whose label no longer exists get no link.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# registry (as values name it), link table, its label column, the registry's table; as in
# ontolake.registries.links and ontolake.registries.bio.term
LABEL_LINKS = (
    ("ULabel", "artifact_ulabel", "ulabel_id", "ulabels"),
    ("Record", "artifact_record", "record_id", "records"),
    ("Project", "artifact_project", "project_id", "projects"),
    ("bio.Organism", "artifact_organisms", "organism_id", "organisms"),
    ("bio.CellType", "artifact_cell_types", "cell_type_id", "cell_types"),
    ("bio.CellLine", "artifact_cell_lines", "cell_line_id", "cell_lines"),
    ("bio.Tissue", "artifact_tissues", "tissue_id", "tissues"),
    ("bio.Disease", "artifact_diseases", "disease_id", "diseases"),
    ("bio.Phenotype", "artifact_phenotypes", "phenotype_id", "phenotypes"),
    ("bio.Pathway", "artifact_pathways", "pathway_id", "pathways"),
    (
        "bio.ExperimentalFactor",
        "artifact_experimental_factors",
        "experimental_factor_id",
        "experimental_factors",
    ),
    (
        "bio.DevelopmentalStage",
        "artifact_developmental_stages",
        "developmental_stage_id",
        "developmental_stages",
    ),
    ("bio.Ethnicity", "artifact_ethnicities", "ethnicity_id", "ethnicities"),
    ("bio.Gene", "artifact_genes", "gene_id", "genes"),
)


def upgrade() -> None:
    for registry, table, column, labels in LABEL_LINKS:
        op.add_column(
            table, sa.Column("direct", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        op.execute(
            sa.text(
                f"INSERT INTO {table} (artifact_id, {column}, direct) "
                "SELECT DISTINCT v.artifact_id, v.cat_id, :derived "
                "FROM artifact_feature_values v "
                f"WHERE v.cat_registry = :registry AND v.cat_id IN (SELECT id FROM {labels}) "
                f"AND NOT EXISTS (SELECT 1 FROM {table} l WHERE l.artifact_id = v.artifact_id "
                f"AND l.{column} = v.cat_id)"
            ).bindparams(registry=registry, derived=False)
        )


def downgrade() -> None:
    for _, table, _, _ in reversed(LABEL_LINKS):
        # the links of values stay, as plain links (SQLite 3.35 or newer drops the column)
        op.drop_column(table, "direct")
