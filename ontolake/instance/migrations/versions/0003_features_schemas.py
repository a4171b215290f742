"""Features, their typed value tables for artifacts, runs and records, and schemas.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import SchemaItem

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OWNERS = (("artifact", "artifacts"), ("run", "runs"), ("record", "records"))
VALUE_COLUMNS = ("value_int", "value_float", "value_str", "value_bool", "value_datetime", "cat_id")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


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


def _indexes(table: str, *columns: str) -> None:
    for column in ("created_at", "created_by_id", *columns):
        op.create_index(f"ix_{table}_{column}", table, [column])


def _create_value_table(owner: str, owner_table: str) -> None:
    table = f"{owner}_feature_values"
    owner_id = f"{owner}_id"
    op.create_table(
        table,
        sa.Column(owner_id, sa.Integer(), nullable=False),
        sa.Column("feature_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value_int", sa.BigInteger(), nullable=True),
        sa.Column("value_float", sa.Double(), nullable=True),
        sa.Column("value_str", sa.Text(), nullable=True),
        sa.Column("value_bool", sa.Boolean(), nullable=True),
        sa.Column("value_datetime", sa.DateTime(timezone=True), nullable=True),
        sa.Column("value_json", JSON, nullable=True),
        sa.Column("cat_id", sa.Integer(), nullable=True),
        sa.Column("cat_registry", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            [owner_id],
            [f"{owner_table}.id"],
            name=f"fk_{table}_{owner_id}_{owner_table}",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feature_id"],
            ["features.id"],
            name=f"fk_{table}_feature_id_features",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(owner_id, "feature_id", "position", name=f"pk_{table}"),
    )
    op.create_index(f"ix_{table}_feature_id", table, ["feature_id", owner_id])
    for column in VALUE_COLUMNS:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            f"ix_{table}_{column}",
            table,
            ["feature_id", column, owner_id],
            sqlite_where=where,
            postgresql_where=where,
        )


def upgrade() -> None:
    op.create_table(
        "features",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("dtype", sa.String(length=1024), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column("nullable", sa.Boolean(), nullable=False),
        sa.Column("coerce", sa.Boolean(), nullable=False),
        sa.Column("default_value", JSON, nullable=True),
        sa.Column("cat_filters", JSON, nullable=True),
        *_registry_columns("features"),
        sa.UniqueConstraint("name", name="uq_features_name"),
    )
    _indexes("features", "dtype")
    for owner, owner_table in OWNERS:
        _create_value_table(owner, owner_table)
    op.create_table(
        "schemas",
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("otype", sa.String(length=32), nullable=True),
        sa.Column("itype", sa.String(length=255), nullable=True),
        sa.Column("dtype", sa.String(length=1024), nullable=True),
        sa.Column("n_members", sa.Integer(), nullable=True),
        sa.Column("minimal_set", sa.Boolean(), nullable=False),
        sa.Column("maximal_set", sa.Boolean(), nullable=False),
        sa.Column("ordered_set", sa.Boolean(), nullable=False),
        sa.Column("coerce_dtype", sa.Boolean(), nullable=False),
        sa.Column("flexible", sa.Boolean(), nullable=False),
        sa.Column("index_feature_id", sa.Integer(), nullable=True),
        sa.Column("checks", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["index_feature_id"], ["features.id"], name="fk_schemas_index_feature_id_features"
        ),
        *_registry_columns("schemas"),
        sa.UniqueConstraint("hash", name="uq_schemas_hash"),
    )
    _indexes("schemas", "name", "otype", "itype", "index_feature_id")
    op.create_table(
        "schema_feature",
        sa.Column("schema_id", sa.Integer(), nullable=False),
        sa.Column("feature_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("checks", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["schema_id"],
            ["schemas.id"],
            name="fk_schema_feature_schema_id_schemas",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feature_id"], ["features.id"], name="fk_schema_feature_feature_id_features"
        ),
        sa.PrimaryKeyConstraint("schema_id", "feature_id", name="pk_schema_feature"),
    )
    op.create_index("ix_schema_feature_feature_id", "schema_feature", ["feature_id"])
    op.create_table(
        "schema_component",
        sa.Column("composite_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=255), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["composite_id"],
            ["schemas.id"],
            name="fk_schema_component_composite_id_schemas",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["component_id"], ["schemas.id"], name="fk_schema_component_component_id_schemas"
        ),
        sa.PrimaryKeyConstraint("composite_id", "slot", name="pk_schema_component"),
    )
    op.create_index("ix_schema_component_component_id", "schema_component", ["component_id"])


def downgrade() -> None:
    op.drop_table("schema_component")
    op.drop_table("schema_feature")
    op.drop_table("schemas")
    for owner, _ in reversed(OWNERS):
        op.drop_table(f"{owner}_feature_values")
    op.drop_table("features")
