"""Initial schema: the core registries and their link tables.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


_RUN_ARTIFACT_LINKS = (
    ("fk_runs_log_artifact_id_artifacts", "log_artifact_id"),
    ("fk_runs_report_artifact_id_artifacts", "report_artifact_id"),
)


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _runs_to_artifacts_inline() -> list[sa.ForeignKeyConstraint]:
    """runs and artifacts refer to each other: SQLite takes the keys inline (it cannot add
    them later), PostgreSQL adds them once both tables exist."""
    if _is_postgres():
        return []
    return [
        sa.ForeignKeyConstraint([column], ["artifacts.id"], name=name, ondelete="SET NULL")
        for name, column in _RUN_ARTIFACT_LINKS
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=8), nullable=False),
        sa.Column("handle", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("handle", name=op.f("uq_users_handle")),
        sa.UniqueConstraint("uid", name=op.f("uq_users_uid")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_name"), ["name"], unique=False)

    op.create_table(
        "projects",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_type", sa.Boolean(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=True),
        sa.Column("is_trashed", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_projects_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["projects.id"],
            name=op.f("fk_projects_type_id_projects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("name", name=op.f("uq_projects_name")),
        sa.UniqueConstraint("uid", name=op.f("uq_projects_uid")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_projects_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_projects_type_id"), ["type_id"], unique=False)

    op.create_table(
        "records",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_type", sa.Boolean(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=True),
        sa.Column("is_trashed", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_records_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["records.id"],
            name=op.f("fk_records_type_id_records"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("uid", name=op.f("uq_records_uid")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_records_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_records_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_records_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_records_type_id"), ["type_id"], unique=False)

    op.create_table(
        "storages",
        sa.Column("root", sa.String(length=1024), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=2048), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_storages_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storages")),
        sa.UniqueConstraint("root", name=op.f("uq_storages_root")),
        sa.UniqueConstraint("uid", name=op.f("uq_storages_uid")),
    )
    with op.batch_alter_table("storages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storages_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_storages_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_storages_type"), ["type"], unique=False)

    op.create_table(
        "transforms",
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source_code", sa.Text(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=1024), nullable=True),
        sa.Column("stem_uid", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("revises_id", sa.Integer(), nullable=True),
        sa.Column("is_trashed", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_transforms_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revises_id"],
            ["transforms.id"],
            name=op.f("fk_transforms_revises_id_transforms"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transforms")),
        sa.UniqueConstraint("uid", name=op.f("uq_transforms_uid")),
    )
    with op.batch_alter_table("transforms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transforms_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_transforms_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_transforms_hash"), ["hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_transforms_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_transforms_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_transforms_stem_uid"), ["stem_uid"], unique=False)
        batch_op.create_index(
            "uq_transforms_latest_per_stem",
            ["stem_uid"],
            unique=True,
            sqlite_where=sa.text("is_latest"),
            postgresql_where=sa.text("is_latest"),
        )

    op.create_table(
        "ulabels",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_type", sa.Boolean(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=True),
        sa.Column("is_trashed", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_ulabels_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["ulabels.id"],
            name=op.f("fk_ulabels_type_id_ulabels"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ulabels")),
        sa.UniqueConstraint("uid", name=op.f("uq_ulabels_uid")),
    )
    with op.batch_alter_table("ulabels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ulabels_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ulabels_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ulabels_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_ulabels_type_id"), ["type_id"], unique=False)

    op.create_table(
        "project_record",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_record_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_project_record_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "record_id", name=op.f("pk_project_record")),
    )
    with op.batch_alter_table("project_record", schema=None) as batch_op:
        batch_op.create_index("ix_project_record_record_id", ["record_id"], unique=False)

    op.create_table(
        "project_transform",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("transform_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_transform_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transform_id"],
            ["transforms.id"],
            name=op.f("fk_project_transform_transform_id_transforms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "transform_id", name=op.f("pk_project_transform")),
    )
    with op.batch_alter_table("project_transform", schema=None) as batch_op:
        batch_op.create_index("ix_project_transform_transform_id", ["transform_id"], unique=False)

    op.create_table(
        "record_parent",
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["records.id"],
            name=op.f("fk_record_parent_child_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["records.id"],
            name=op.f("fk_record_parent_parent_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("child_id", "parent_id", name=op.f("pk_record_parent")),
    )
    with op.batch_alter_table("record_parent", schema=None) as batch_op:
        batch_op.create_index("ix_record_parent_parent_id", ["parent_id"], unique=False)

    op.create_table(
        "runs",
        sa.Column("transform_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "environment",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("log_artifact_id", sa.Integer(), nullable=True),
        sa.Column("report_artifact_id", sa.Integer(), nullable=True),
        sa.Column("initiated_by_run_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_runs_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["initiated_by_run_id"],
            ["runs.id"],
            name=op.f("fk_runs_initiated_by_run_id_runs"),
            ondelete="SET NULL",
        ),
        *_runs_to_artifacts_inline(),
        sa.ForeignKeyConstraint(
            ["transform_id"], ["transforms.id"], name=op.f("fk_runs_transform_id_transforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("uid", name=op.f("uq_runs_uid")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_finished_at"), ["finished_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_runs_initiated_by_run_id"), ["initiated_by_run_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_runs_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_transform_id"), ["transform_id"], unique=False)

    op.create_table(
        "ulabel_parent",
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["ulabels.id"],
            name=op.f("fk_ulabel_parent_child_id_ulabels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["ulabels.id"],
            name=op.f("fk_ulabel_parent_parent_id_ulabels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("child_id", "parent_id", name=op.f("pk_ulabel_parent")),
    )
    with op.batch_alter_table("ulabel_parent", schema=None) as batch_op:
        batch_op.create_index("ix_ulabel_parent_parent_id", ["parent_id"], unique=False)

    op.create_table(
        "artifacts",
        sa.Column("key", sa.String(length=1024), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("suffix", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.Column("n_files", sa.Integer(), nullable=True),
        sa.Column("n_observations", sa.BigInteger(), nullable=True),
        sa.Column("otype", sa.String(length=32), nullable=True),
        sa.Column("in_place", sa.Boolean(), nullable=False),
        sa.Column("storage_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("stem_uid", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("revises_id", sa.Integer(), nullable=True),
        sa.Column("is_trashed", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_artifacts_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revises_id"],
            ["artifacts.id"],
            name=op.f("fk_artifacts_revises_id_artifacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_artifacts_run_id_runs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["storage_id"], ["storages.id"], name=op.f("fk_artifacts_storage_id_storages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifacts")),
        sa.UniqueConstraint("uid", name=op.f("uq_artifacts_uid")),
    )
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_artifacts_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_artifacts_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_artifacts_hash"), ["hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifacts_key"), ["key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_artifacts_n_observations"), ["n_observations"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_artifacts_otype"), ["otype"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifacts_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifacts_size"), ["size"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifacts_stem_uid"), ["stem_uid"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifacts_storage_id"), ["storage_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifacts_suffix"), ["suffix"], unique=False)
        batch_op.create_index(
            "uq_artifacts_latest_per_key",
            ["key"],
            unique=True,
            sqlite_where=sa.text(
                "is_latest AND NOT is_trashed AND NOT in_place AND key IS NOT NULL"
            ),
            postgresql_where=sa.text(
                "is_latest AND NOT is_trashed AND NOT in_place AND key IS NOT NULL"
            ),
        )
        batch_op.create_index(
            "uq_artifacts_latest_per_stem",
            ["stem_uid"],
            unique=True,
            sqlite_where=sa.text("is_latest"),
            postgresql_where=sa.text("is_latest"),
        )

    if _is_postgres():
        for name, column in _RUN_ARTIFACT_LINKS:
            op.create_foreign_key(name, "runs", "artifacts", [column], ["id"], ondelete="SET NULL")
    op.create_table(
        "collections",
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("stem_uid", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("revises_id", sa.Integer(), nullable=True),
        sa.Column("is_trashed", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_collections_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revises_id"],
            ["collections.id"],
            name=op.f("fk_collections_revises_id_collections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_collections_run_id_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.UniqueConstraint("uid", name=op.f("uq_collections_uid")),
    )
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collections_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_collections_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_collections_hash"), ["hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_collections_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_collections_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collections_stem_uid"), ["stem_uid"], unique=False)
        batch_op.create_index(
            "uq_collections_latest_per_stem",
            ["stem_uid"],
            unique=True,
            sqlite_where=sa.text("is_latest"),
            postgresql_where=sa.text("is_latest"),
        )

    op.create_table(
        "project_run",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_run_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_project_run_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", "run_id", name=op.f("pk_project_run")),
    )
    with op.batch_alter_table("project_run", schema=None) as batch_op:
        batch_op.create_index("ix_project_run_run_id", ["run_id"], unique=False)

    op.create_table(
        "artifact_project",
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_artifact_project_artifact_id_artifacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_artifact_project_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("artifact_id", "project_id", name=op.f("pk_artifact_project")),
    )
    with op.batch_alter_table("artifact_project", schema=None) as batch_op:
        batch_op.create_index("ix_artifact_project_project_id", ["project_id"], unique=False)

    op.create_table(
        "artifact_record",
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_artifact_record_artifact_id_artifacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_artifact_record_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("artifact_id", "record_id", name=op.f("pk_artifact_record")),
    )
    with op.batch_alter_table("artifact_record", schema=None) as batch_op:
        batch_op.create_index("ix_artifact_record_record_id", ["record_id"], unique=False)

    op.create_table(
        "artifact_ulabel",
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("ulabel_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_artifact_ulabel_artifact_id_artifacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ulabel_id"],
            ["ulabels.id"],
            name=op.f("fk_artifact_ulabel_ulabel_id_ulabels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("artifact_id", "ulabel_id", name=op.f("pk_artifact_ulabel")),
    )
    with op.batch_alter_table("artifact_ulabel", schema=None) as batch_op:
        batch_op.create_index("ix_artifact_ulabel_ulabel_id", ["ulabel_id"], unique=False)

    op.create_table(
        "collection_artifact",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_collection_artifact_artifact_id_artifacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_artifact_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "collection_id", "artifact_id", name=op.f("pk_collection_artifact")
        ),
    )
    with op.batch_alter_table("collection_artifact", schema=None) as batch_op:
        batch_op.create_index("ix_collection_artifact_artifact_id", ["artifact_id"], unique=False)

    op.create_table(
        "project_collection",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_project_collection_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_collection_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "collection_id", name=op.f("pk_project_collection")),
    )
    with op.batch_alter_table("project_collection", schema=None) as batch_op:
        batch_op.create_index(
            "ix_project_collection_collection_id", ["collection_id"], unique=False
        )

    op.create_table(
        "run_input_artifact",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_run_input_artifact_artifact_id_artifacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_run_input_artifact_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "artifact_id", name=op.f("pk_run_input_artifact")),
    )
    with op.batch_alter_table("run_input_artifact", schema=None) as batch_op:
        batch_op.create_index("ix_run_input_artifact_artifact_id", ["artifact_id"], unique=False)


def downgrade() -> None:
    if _is_postgres():
        for name, _column in _RUN_ARTIFACT_LINKS:
            op.drop_constraint(name, "runs", type_="foreignkey")
    with op.batch_alter_table("run_input_artifact", schema=None) as batch_op:
        batch_op.drop_index("ix_run_input_artifact_artifact_id")

    op.drop_table("run_input_artifact")
    with op.batch_alter_table("project_collection", schema=None) as batch_op:
        batch_op.drop_index("ix_project_collection_collection_id")

    op.drop_table("project_collection")
    with op.batch_alter_table("collection_artifact", schema=None) as batch_op:
        batch_op.drop_index("ix_collection_artifact_artifact_id")

    op.drop_table("collection_artifact")
    with op.batch_alter_table("artifact_ulabel", schema=None) as batch_op:
        batch_op.drop_index("ix_artifact_ulabel_ulabel_id")

    op.drop_table("artifact_ulabel")
    with op.batch_alter_table("artifact_record", schema=None) as batch_op:
        batch_op.drop_index("ix_artifact_record_record_id")

    op.drop_table("artifact_record")
    with op.batch_alter_table("artifact_project", schema=None) as batch_op:
        batch_op.drop_index("ix_artifact_project_project_id")

    op.drop_table("artifact_project")
    with op.batch_alter_table("project_run", schema=None) as batch_op:
        batch_op.drop_index("ix_project_run_run_id")

    op.drop_table("project_run")
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_collections_latest_per_stem",
            sqlite_where=sa.text("is_latest"),
            postgresql_where=sa.text("is_latest"),
        )
        batch_op.drop_index(batch_op.f("ix_collections_stem_uid"))
        batch_op.drop_index(batch_op.f("ix_collections_run_id"))
        batch_op.drop_index(batch_op.f("ix_collections_key"))
        batch_op.drop_index(batch_op.f("ix_collections_hash"))
        batch_op.drop_index(batch_op.f("ix_collections_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_collections_created_at"))

    op.drop_table("collections")
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_artifacts_latest_per_stem",
            sqlite_where=sa.text("is_latest"),
            postgresql_where=sa.text("is_latest"),
        )
        batch_op.drop_index(
            "uq_artifacts_latest_per_key",
            sqlite_where=sa.text(
                "is_latest AND NOT is_trashed AND NOT in_place AND key IS NOT NULL"
            ),
            postgresql_where=sa.text(
                "is_latest AND NOT is_trashed AND NOT in_place AND key IS NOT NULL"
            ),
        )
        batch_op.drop_index(batch_op.f("ix_artifacts_suffix"))
        batch_op.drop_index(batch_op.f("ix_artifacts_storage_id"))
        batch_op.drop_index(batch_op.f("ix_artifacts_stem_uid"))
        batch_op.drop_index(batch_op.f("ix_artifacts_size"))
        batch_op.drop_index(batch_op.f("ix_artifacts_run_id"))
        batch_op.drop_index(batch_op.f("ix_artifacts_otype"))
        batch_op.drop_index(batch_op.f("ix_artifacts_n_observations"))
        batch_op.drop_index(batch_op.f("ix_artifacts_key"))
        batch_op.drop_index(batch_op.f("ix_artifacts_hash"))
        batch_op.drop_index(batch_op.f("ix_artifacts_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_artifacts_created_at"))

    op.drop_table("artifacts")
    with op.batch_alter_table("ulabel_parent", schema=None) as batch_op:
        batch_op.drop_index("ix_ulabel_parent_parent_id")

    op.drop_table("ulabel_parent")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_transform_id"))
        batch_op.drop_index(batch_op.f("ix_runs_status"))
        batch_op.drop_index(batch_op.f("ix_runs_started_at"))
        batch_op.drop_index(batch_op.f("ix_runs_initiated_by_run_id"))
        batch_op.drop_index(batch_op.f("ix_runs_finished_at"))
        batch_op.drop_index(batch_op.f("ix_runs_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_runs_created_at"))

    op.drop_table("runs")
    with op.batch_alter_table("record_parent", schema=None) as batch_op:
        batch_op.drop_index("ix_record_parent_parent_id")

    op.drop_table("record_parent")
    with op.batch_alter_table("project_transform", schema=None) as batch_op:
        batch_op.drop_index("ix_project_transform_transform_id")

    op.drop_table("project_transform")
    with op.batch_alter_table("project_record", schema=None) as batch_op:
        batch_op.drop_index("ix_project_record_record_id")

    op.drop_table("project_record")
    with op.batch_alter_table("ulabels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ulabels_type_id"))
        batch_op.drop_index(batch_op.f("ix_ulabels_name"))
        batch_op.drop_index(batch_op.f("ix_ulabels_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_ulabels_created_at"))

    op.drop_table("ulabels")
    with op.batch_alter_table("transforms", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_transforms_latest_per_stem",
            sqlite_where=sa.text("is_latest"),
            postgresql_where=sa.text("is_latest"),
        )
        batch_op.drop_index(batch_op.f("ix_transforms_stem_uid"))
        batch_op.drop_index(batch_op.f("ix_transforms_kind"))
        batch_op.drop_index(batch_op.f("ix_transforms_key"))
        batch_op.drop_index(batch_op.f("ix_transforms_hash"))
        batch_op.drop_index(batch_op.f("ix_transforms_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_transforms_created_at"))

    op.drop_table("transforms")
    with op.batch_alter_table("storages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storages_type"))
        batch_op.drop_index(batch_op.f("ix_storages_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_storages_created_at"))

    op.drop_table("storages")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_records_type_id"))
        batch_op.drop_index(batch_op.f("ix_records_name"))
        batch_op.drop_index(batch_op.f("ix_records_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_records_created_at"))

    op.drop_table("records")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_type_id"))
        batch_op.drop_index(batch_op.f("ix_projects_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_projects_created_at"))

    op.drop_table("projects")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_name"))
        batch_op.drop_index(batch_op.f("ix_users_created_at"))

    op.drop_table("users")
