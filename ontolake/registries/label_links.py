"""Label links kept in step with categorical feature values, in the writer's transaction.

An artifact's labels live in two shapes: categorical feature values (which feature holds
which label: ``af.features.get_values()``, ``filter(cell_type="T cell")``) and label links
(which labels annotate it: ``af.cell_types``, ``t_cell.artifacts``,
``filter(cell_types__name="T cell")``). The values are the source; the links follow from
them by one rule, and every write of either goes through this module in the same
transaction:

- a link exists while a categorical value of the artifact holds the label, or while it was
  made ``direct`` (``af.cell_types.add(t_cell)``, ``append`` + ``save``);
- writing values links their labels (:func:`link_values`); replacing or removing values
  unlinks the labels no value holds any more, unless linked directly
  (:func:`release_labels`);
- removing a link (``af.cell_types.remove``, ``set``, ``clear``) removes the values that
  hold the label (:func:`drop_held_values`), so no value is left without its link;
- permanently deleting a label deletes the values that hold it; deleting a feature
  re-checks the links its values held (:func:`unlink_deleted`).

Artifacts, their labels and their values cascade in the database (foreign keys).

Example:
    >>> artifact.features.add_values({"cell_type": "T cell"})  # the value links its label
    >>> [cell_type.name for cell_type in artifact.cell_types.all()]
    ['T cell']
    >>> artifact.features.remove_values("cell_type")  # 1 value removed
    1
    >>> artifact.cell_types.count()  # no value holds the label any more
    0
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, tuple_

from ontolake.registries.links import LABEL_LINKS, dialect_insert

if TYPE_CHECKING:
    from sqlalchemy import Executable, Table
    from sqlalchemy.orm import Session

    from ontolake.registries.features import Feature

__all__ = [
    "drop_held_values",
    "id_chunks",
    "label_registries",
    "link_values",
    "release_labels",
    "unlink_deleted",
]

_CHUNK = 10_000


def label_registries(features: Iterable[Feature]) -> set[str]:
    """The registries with label links among the targets of categorical ``features``.

    Example:
        >>> label_registries(ol.Feature.filter(name__in=["cell_type", "n_genes"]))
        {'bio.CellType'}
    """
    found: set[str] = set()
    for feature in features:
        dtype = feature.parsed_dtype
        if dtype.is_categorical:
            found.update(target.registry for target in dtype.targets)
    return found & LABEL_LINKS.keys()


def link_values(
    session: Session, artifact_ids: Collection[int], features: Iterable[Feature]
) -> None:
    """Link ``artifact_ids`` to the labels their values of ``features`` hold now.

    One ``INSERT … SELECT`` from the value table per registry and 10,000 artifacts; links
    that exist stay as they are (a direct link stays direct).
    """
    features = list(features)
    feature_ids = [feature.id for feature in features]
    dialect = session.get_bind().dialect.name
    for registry in sorted(label_registries(features)):
        statement = _link_statement(registry, dialect)
        for chunk in id_chunks(artifact_ids):
            session.execute(statement, {"ids": chunk, "features": feature_ids})


def release_labels(
    session: Session, artifact_ids: Collection[int], registries: Iterable[str] | None = None
) -> None:
    """Unlink the labels of ``artifact_ids`` that no value holds any more, unless direct.

    Args:
        session: a session inside a write transaction.
        artifact_ids: the artifacts whose values were replaced or removed.
        registries: the registries whose values changed (default: every label registry).
    """
    for registry in sorted(LABEL_LINKS.keys() if registries is None else registries):
        if registry in LABEL_LINKS:
            statement = _release_statement(registry)
            for chunk in id_chunks(artifact_ids):
                session.execute(statement, {"ids": chunk})


def id_chunks(ids: Collection[int]) -> Iterator[list[int]]:
    """``ids`` sorted, without repeats, in lists of at most 10,000 (one statement each).

    Example:
        >>> [len(chunk) for chunk in id_chunks(range(25_000))]
        [10000, 10000, 5000]
    """
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


@cache
def _link_statement(registry: str, dialect: str) -> Executable:
    """Insert the links of the values of ``:features`` of artifacts ``:ids`` (built once)."""
    from sqlalchemy import bindparam, false

    from ontolake.registries.feature_values import artifact_feature_values as values

    link = LABEL_LINKS[registry]
    held = (
        select(values.c.artifact_id, values.c.cat_id, false())
        .where(
            values.c.feature_id.in_(bindparam("features", expanding=True)),
            values.c.cat_registry == registry,
            values.c.artifact_id.in_(bindparam("ids", expanding=True)),
        )
        .distinct()
    )
    columns = [link.table.c.artifact_id, link.label_column, link.table.c.direct]
    statement: Executable = (
        dialect_insert(dialect)(link.table).from_select(columns, held).on_conflict_do_nothing()
    )
    return statement


@cache
def _release_statement(registry: str) -> Executable:
    """Delete the links of artifacts ``:ids`` not direct and held by no value (built once)."""
    from sqlalchemy import bindparam

    from ontolake.registries.feature_values import artifact_feature_values as values

    link = LABEL_LINKS[registry]
    table = link.table
    ids: Any = bindparam("ids", expanding=True)
    held = select(values.c.artifact_id, values.c.cat_id).where(
        values.c.artifact_id.in_(ids),
        values.c.cat_registry == registry,
        values.c.cat_id.is_not(None),
    )  # read once (not once per link, as NOT EXISTS would)
    return delete(table).where(
        table.c.artifact_id.in_(ids),
        table.c.direct.is_(False),
        tuple_(table.c.artifact_id, link.label_column).not_in(held),
    )


def drop_held_values(
    session: Session, table: Table, artifact_ids: list[int], label_ids: list[int]
) -> None:
    """Delete the values of ``artifact_ids`` that hold ``label_ids`` of the label link ``table``.

    Called when those links are removed, with one of the two lists holding one id.
    """
    from ontolake.registries.feature_values import artifact_feature_values as values

    link = next(link for link in LABEL_LINKS.values() if link.table is table)
    session.execute(
        delete(values).where(
            values.c.artifact_id.in_(artifact_ids),
            values.c.cat_registry == link.registry,
            values.c.cat_id.in_(label_ids),
        )
    )


def unlink_deleted(session: Session, model: type[Any], ids: list[int]) -> list[int]:
    """Before records ``ids`` of ``model`` are deleted for good, keep labels and values in step.

    A deleted label takes the values that hold it (of artifacts, runs and records; its
    links go by cascade). For deleted features, returns the artifacts whose links to pass
    to :func:`release_labels` once the features' values are gone (by cascade).
    """
    from ontolake.registries.feature_values import VALUE_TABLES, artifact_feature_values
    from ontolake.registries.features import Feature

    if model is Feature:
        values = artifact_feature_values
        holders = select(values.c.artifact_id).where(
            values.c.feature_id.in_(ids), values.c.cat_registry.in_(sorted(LABEL_LINKS))
        )
        return sorted(set(session.execute(holders.distinct()).scalars()))
    registry = next(
        (link.registry for link in LABEL_LINKS.values() if link.label_table == model.__tablename__),
        None,
    )
    if registry is not None:
        for table in VALUE_TABLES.values():
            session.execute(
                delete(table).where(table.c.cat_registry == registry, table.c.cat_id.in_(ids))
            )
    return []
