"""Association tables of the many-to-many links between registries, and writing links.

The links of artifacts to their labels (``artifact_ulabel``, ``artifact_record``,
``artifact_project`` and ``artifact_<table>`` of each bio registry) are *label links*: they
carry a ``direct`` flag and are registered in :data:`LABEL_LINKS` by the name the
categorical feature values use for the label's registry (``ULabel``, ``bio.CellType`` …);
:mod:`ontolake.registries.label_links` keeps them in step with those values.

Example:
    >>> link = LABEL_LINKS["bio.CellType"]  # artifacts ↔ cell types
    >>> link.table.name, link.label_column.name
    ('artifact_cell_types', 'cell_type_id')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, Table, true

from ontolake.registries.base import Base

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

__all__ = [
    "LABEL_LINKS",
    "LabelLink",
    "artifact_project",
    "artifact_record",
    "artifact_ulabel",
    "collection_artifact",
    "dialect_insert",
    "insert_links",
    "label_link",
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


@dataclass(frozen=True)
class LabelLink:
    """The link table of artifacts to the labels of one registry."""

    registry: str
    """The registry as categorical feature values name it (``cat_registry``)."""
    label_table: str
    """The registry's table (``cell_types`` …)."""
    table: Table
    label_column: Any
    """The label side of ``table`` (``cell_type_id`` …); the other side is ``artifact_id``."""


LABEL_LINKS: dict[str, LabelLink] = {}
"""Every label link by registry name (``ULabel``, ``Record``, ``Project``, ``bio.CellType`` …)."""


def label_link(
    name: str, label_table: str, label_column: str, registry: str, *, fk_name: str | None = None
) -> Table:
    """An artifact ↔ label link table, registered in :data:`LABEL_LINKS` under ``registry``.

    ``direct`` is True for a link made as such (``af.ulabels.add(label)``) and False for one
    that exists only because a categorical feature value of the artifact holds the label.
    """
    table = Table(
        name,
        Base.metadata,
        Column(
            "artifact_id", Integer, ForeignKey("artifacts.id", ondelete="CASCADE"), primary_key=True
        ),
        Column(
            label_column,
            Integer,
            ForeignKey(f"{label_table}.id", ondelete="CASCADE", name=fk_name),
            primary_key=True,
        ),
        Column("direct", Boolean, nullable=False, server_default=true()),
        Index(f"ix_{name}_{label_column}", label_column),
    )
    LABEL_LINKS[registry] = LabelLink(registry, label_table, table, table.c[label_column])
    return table


artifact_ulabel = label_link("artifact_ulabel", "ulabels", "ulabel_id", "ULabel")
artifact_record = label_link("artifact_record", "records", "record_id", "Record")
artifact_project = label_link("artifact_project", "projects", "project_id", "Project")
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
    info={"read_only": "a collection's artifacts are fixed per version: save a new version"},
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


def insert_links(
    session: Session,
    table: Table,
    pairs: Iterable[tuple[int, int]],
    columns: tuple[Any, Any] | None = None,
    *,
    direct: bool = True,
) -> None:
    """Link each ``(left id, right id)`` pair in ``table`` (idempotent), in the caller's session.

    ``columns`` name the two sides (default: the first two primary-key columns); other
    columns take their defaults. In a label link, a ``direct`` link is marked so also when it
    existed before only because a feature value holds the label; a link that is not
    ``direct`` leaves an existing one as it is.
    """
    left, right = columns or list(table.primary_key)[:2]
    rows: list[dict[str, Any]] = [
        {left.key: first, right.key: second} for first, second in dict.fromkeys(pairs)
    ]
    if not rows:
        return
    flagged = "direct" in table.c
    for row in rows if flagged else ():
        row["direct"] = direct
    statement = dialect_insert(session.get_bind().dialect.name)(table)
    if flagged and direct:
        statement = statement.on_conflict_do_update(
            index_elements=[left, right], set_={"direct": True}
        )
    else:
        statement = statement.on_conflict_do_nothing()
    session.connection().execute(statement, rows)  # one executemany


def dialect_insert(dialect: str) -> Any:
    """``insert`` with ``on_conflict_do_…`` for ``dialect`` (``"postgresql"``, else SQLite)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql as module
    else:
        from sqlalchemy.dialects import sqlite as module  # type: ignore[no-redef]
    return module.insert
