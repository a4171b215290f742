"""Bio registries: sources, ontology-backed entities with synonyms and parents, genes.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

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


def _registry_columns(table: str) -> Iterator[SchemaItem]:
    """Columns every registry has: id, uid, created_at, created_by."""
    yield sa.Column("id", sa.Integer(), nullable=False)
    yield sa.Column("uid", sa.String(length=20), nullable=False)
    yield sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)
    yield sa.Column("created_by_id", sa.Integer(), nullable=True)
    yield sa.ForeignKeyConstraint(
        ["created_by_id"], ["users.id"], name=f"fk_{table}_created_by_id_users"
    )
    yield sa.PrimaryKeyConstraint("id", name=f"pk_{table}")
    yield sa.UniqueConstraint("uid", name=f"uq_{table}_uid")


def _source_link(table: str) -> Iterator[SchemaItem]:
    yield sa.Column("source_id", sa.Integer(), nullable=True)
    yield sa.ForeignKeyConstraint(
        ["source_id"], ["sources.id"], name=f"fk_{table}_source_id_sources", ondelete="SET NULL"
    )


def _indexes(table: str, *columns: str) -> None:
    for column in ("created_at", "created_by_id", *columns):
        op.create_index(f"ix_{table}_{column}", table, [column])


def _create_term_table(table: str) -> None:
    gene_columns: list[SchemaItem] = []
    gene_indexes: tuple[str, ...] = ()
    if table == "genes":
        gene_columns = [
            sa.Column("symbol", sa.String(length=255), nullable=True),
            sa.Column("stable_id", sa.String(length=128), nullable=True),
            sa.Column("biotype", sa.String(length=64), nullable=True),
            sa.Column("organism_id", sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(
                ["organism_id"],
                ["organisms.id"],
                name="fk_genes_organism_id_organisms",
                ondelete="SET NULL",
            ),
        ]
        gene_indexes = ("symbol", "stable_id", "biotype", "organism_id")
    op.create_table(
        table,
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("ontology_id", sa.String(length=128), nullable=True),
        sa.Column("abbr", sa.String(length=64), nullable=True),
        sa.Column("synonyms", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_obsolete", sa.Boolean(), nullable=False),
        sa.Column("replaced_by", sa.String(length=1024), nullable=True),
        sa.Column("is_trashed", sa.Boolean(), nullable=False),
        *gene_columns,
        *_source_link(table),
        *_registry_columns(table),
        sa.UniqueConstraint("ontology_id", name=f"uq_{table}_ontology_id"),
    )
    _indexes(table, "name", "abbr", "source_id", *gene_indexes)
    op.create_table(
        f"{table}_synonyms",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=1024), nullable=False),
        sa.Column("folded", sa.String(length=1024), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            [f"{table}.id"],
            name=f"fk_{table}_synonyms_record_id_{table}",
            ondelete="CASCADE",
        ),
    )
    for column in ("record_id", "text", "folded"):
        op.create_index(f"ix_{table}_synonyms_{column}", f"{table}_synonyms", [column])
    op.create_table(
        f"{table}_parents",
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            [f"{table}.id"],
            name=f"fk_{table}_parents_child_id_{table}",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            [f"{table}.id"],
            name=f"fk_{table}_parents_parent_id_{table}",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("child_id", "parent_id", "relation", name=f"pk_{table}_parents"),
    )
    op.create_index(f"ix_{table}_parents_parent_id", f"{table}_parents", ["parent_id"])


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("organism", sa.String(length=64), nullable=True),
        sa.Column("location", sa.String(length=2048), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.Column("n_terms", sa.Integer(), nullable=True),
        sa.Column("currently_used", sa.Boolean(), nullable=False),
        *_registry_columns("sources"),
        sa.UniqueConstraint(
            "entity", "name", "version", "organism", name="uq_sources_entity_name_version_organism"
        ),
    )
    _indexes("sources", "entity", "name", "version", "organism", "hash")
    for table in TERM_TABLES:
        _create_term_table(table)
    op.create_table(
        "proteins",
        sa.Column("name", sa.String(length=1024), nullable=True),
        sa.Column("uniprotkb_id", sa.String(length=32), nullable=True),
        sa.Column("gene_symbol", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_trashed", sa.Boolean(), nullable=False),
        *_source_link("proteins"),
        *_registry_columns("proteins"),
        sa.UniqueConstraint("uniprotkb_id", name="uq_proteins_uniprotkb_id"),
    )
    _indexes("proteins", "name", "gene_symbol", "source_id")
    op.create_table(
        "cell_markers",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("gene_symbol", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_trashed", sa.Boolean(), nullable=False),
        *_registry_columns("cell_markers"),
        sa.UniqueConstraint("name", name="uq_cell_markers_name"),
    )
    _indexes("cell_markers", "gene_symbol")


def downgrade() -> None:
    for table in ("cell_markers", "proteins", *reversed(TERM_TABLES)):
        if table in TERM_TABLES:
            op.drop_table(f"{table}_parents")
            op.drop_table(f"{table}_synonyms")
        op.drop_table(table)
    op.drop_table("sources")
