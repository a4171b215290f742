"""Association tables of the many-to-many links between registries."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, Table

from ontolake.registries.base import Base

__all__ = [
    "artifact_project",
    "artifact_record",
    "artifact_ulabel",
    "collection_artifact",
    "project_collection",
    "project_record",
    "project_run",
    "project_transform",
    "record_parent",
    "run_input_artifact",
    "ulabel_parent",
]


def _link(name: str, left: str, right: str) -> Table:
    """A two-column link table with a composite primary key and an index on the right side."""
    left_column = f"{left}_id"
    right_column = f"{right}_id"
    return Table(
        name,
        Base.metadata,
        Column(
            left_column,
            Integer,
            ForeignKey(f"{left}s.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column(
            right_column,
            Integer,
            ForeignKey(f"{right}s.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Index(f"ix_{name}_{right_column}", right_column),
    )


artifact_ulabel = _link("artifact_ulabel", "artifact", "ulabel")
artifact_record = _link("artifact_record", "artifact", "record")
artifact_project = _link("artifact_project", "artifact", "project")
project_transform = _link("project_transform", "project", "transform")
project_run = _link("project_run", "project", "run")
project_record = _link("project_record", "project", "record")
project_collection = _link("project_collection", "project", "collection")
run_input_artifact = _link("run_input_artifact", "run", "artifact")

collection_artifact = Table(
    "collection_artifact",
    Base.metadata,
    Column(
        "collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "artifact_id", Integer, ForeignKey("artifacts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("position", Integer, nullable=False, default=0),
    Index("ix_collection_artifact_artifact_id", "artifact_id"),
)


def _hierarchy(name: str, table: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column(
            "child_id", Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True
        ),
        Column(
            "parent_id", Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True
        ),
        Index(f"ix_{name}_parent_id", "parent_id"),
    )


record_parent = _hierarchy("record_parent", "records")
ulabel_parent = _hierarchy("ulabel_parent", "ulabels")
