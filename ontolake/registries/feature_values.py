"""Feature values of artifacts, runs and records, stored in typed, indexed columns.

Each owner registry has a value table (``artifact_feature_values`` …) with one row per value:
the owner, the feature, a position (list features hold one row per element) and the value in
the column of its type — ``value_int``, ``value_float``, ``value_str``, ``value_bool``,
``value_datetime`` (dates at midnight UTC) or ``value_json`` (dicts); categorical values keep
the label's id (``cat_id``, with its registry in ``cat_registry``) and its field value in
``value_str``. Every typed column has a partial index on ``(feature_id, value, owner)``, so a
filter such as ``gc_content__gte=0.5`` is a range scan of one index, whatever the number of
annotated records.

Writing (:func:`add_values_bulk`) checks every value against its feature, resolves labels
with one query per registry, then replaces the stored values in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    select,
    text,
)

from ontolake.errors import FeatureValueError
from ontolake.registries.base import Base, JSONType, UTCDateTime

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from ontolake.schemas.dtypes import DType

__all__ = [
    "VALUE_COLUMNS",
    "VALUE_TABLES",
    "FeatureManager",
    "add_values_bulk",
    "artifact_feature_values",
    "get_values",
    "record_feature_values",
    "remove_values",
    "run_feature_values",
    "value_table",
]

VALUE_COLUMNS = ("value_int", "value_float", "value_str", "value_bool", "value_datetime", "cat_id")
"""The typed columns with a partial index each (``value_json`` is queried by JSON path)."""


def _value_table(owner: str, owner_table: str) -> Table:
    name = f"{owner}_feature_values"
    owner_id = f"{owner}_id"
    indexes = [
        Index(
            f"ix_{name}_{column}",
            "feature_id",
            column,
            owner_id,
            sqlite_where=text(f"{column} IS NOT NULL"),
            postgresql_where=text(f"{column} IS NOT NULL"),
        )
        for column in VALUE_COLUMNS
    ]
    return Table(
        name,
        Base.metadata,
        Column(
            owner_id,
            Integer,
            ForeignKey(f"{owner_table}.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        Column(
            "feature_id",
            Integer,
            ForeignKey("features.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("value_int", BigInteger),
        Column("value_float", Double),
        Column("value_str", Text),
        Column("value_bool", Boolean),
        Column("value_datetime", UTCDateTime()),
        Column("value_json", JSONType),
        Column("cat_id", Integer),
        Column("cat_registry", String(64)),
        Index(f"ix_{name}_feature_id", "feature_id", owner_id),
        *indexes,
    )


artifact_feature_values = _value_table("artifact", "artifacts")
run_feature_values = _value_table("run", "runs")
record_feature_values = _value_table("record", "records")
VALUE_TABLES = {
    "artifacts": artifact_feature_values,
    "runs": run_feature_values,
    "records": record_feature_values,
}
"""The value table of each owner registry, by the owner's table name."""


def value_table(model: type[Any]) -> Table | None:
    """The value table of an owner registry (Artifact, Run, Record), None for others."""
    return VALUE_TABLES.get(getattr(model, "__tablename__", ""))


def owner_column(table: Table) -> Any:
    """The owner id column of a value table (``artifact_id`` …)."""
    return table.c[table.name.removesuffix("_feature_values") + "_id"]


class FeatureManager:
    """Feature values of one artifact, run or record (``artifact.features``).

    Example:
        >>> values = {"gc_content": 0.55, "experiment_date": "2025-10-24"}
        >>> artifact.features.add_values(values)
        >>> artifact.features.get_values()
        {'experiment_date': datetime.date(2025, 10, 24), 'gc_content': 0.55}
    """

    def __init__(self, owner: Any) -> None:
        self.owner = owner

    def add_values(self, values: Mapping[str, Any]) -> None:
        """Annotate with ``{feature name: value}``, checked against each feature's dtype.

        A feature that already has a value gets the new one; list features keep their
        elements and gain the new ones. ``None`` removes the value of a nullable feature.

        Raises:
            FeatureValueError: an undefined feature, a value of the wrong type, or labels
                missing from their registry (listed, with the command that adds them).

        Example:
            >>> values = {"cell_type": "T cell", "gc_content": 0.5}
            >>> artifact.features.add_values(values)
            >>> artifact.features.get_values()
            {'cell_type': 'T cell', 'gc_content': 0.5}
        """
        add_values_bulk([self.owner], [values])

    def get_values(self) -> dict[str, Any]:
        """``{feature name: value}`` (lists for list features), sorted by name.

        Example:
            >>> run = ol.Run.get(transform__key="train.py")
            >>> _ = ol.Feature(name="learning_rate", dtype=float).save()
            >>> run.features.add_values({"learning_rate": 0.01})
            >>> run.features.get_values()
            {'learning_rate': 0.01}
        """
        return get_values(self.owner)

    def remove_values(self, features: Any = None, *, value: Any = None) -> int:
        """Remove the values of ``features`` (names or Features; all when None).

        With ``value``, remove only that value (e.g. one element of a list feature).
        Returns how many values were removed.

        Example:
            >>> artifact.features.add_values({"gc_content": 0.5, "n_genes": 120})
            >>> artifact.features.remove_values("gc_content")
            1
            >>> artifact.features.get_values()
            {'n_genes': 120}
        """
        return remove_values(self.owner, features, value=value)

    def __repr__(self) -> str:
        return f"<FeatureManager of {self.owner!r}>"


# ---- writing ------------------------------------------------------------------------------
def add_values_bulk(
    records: Sequence[Any], values: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]
) -> None:
    """Annotate many saved artifacts, runs or records in one transaction.

    Args:
        records: saved artifacts, runs or records (they may be mixed).
        values: one ``{feature: value}`` dict per record, or ``{feature: [one value per
            record]}`` (columns).

    Raises:
        FeatureValueError: an undefined feature, a value of the wrong type, or labels
            missing from their registry; nothing is written then.

    Example:
        >>> import ontolake as ol
        >>> tables = ol.Artifact.filter(suffix=".parquet").order_by("key").to_list()
        >>> ol.features.add_values_bulk(tables, {"gc_content": [0.41, 0.55]})
        >>> [table.features.get_values() for table in tables]
        [{'gc_content': 0.41}, {'gc_content': 0.55}]
    """
    from ontolake.registries.feature_write import write_values

    write_values(records, values)


# ---- reading and removing -----------------------------------------------------------------
def _read_columns(table: Table) -> list[Any]:
    return [
        table.c.value_int,
        table.c.value_float,
        table.c.value_str,
        table.c.value_bool,
        table.c.value_datetime,
        table.c.value_json,
        table.c.cat_id,
        table.c.cat_registry,
    ]


def _stored_element(dtype: DType, row: Any, *, as_label: bool = False) -> Any:
    """The Python value of one stored row (``row[1:]`` are the read columns).

    Labels are their field value, or ``(id, value, registry)`` with ``as_label``.
    """
    value_int, value_float, value_str, value_bool, value_datetime, value_json = row[1:7]
    kind = dtype.kind
    if kind == "cat":
        return (row[7], value_str, row[8]) if as_label else value_str
    if kind == "num":
        return value_int if value_int is not None else value_float
    if kind == "date":
        return value_datetime.date() if value_datetime is not None else None
    return {
        "int": value_int,
        "float": value_float,
        "str": value_str,
        "bool": value_bool,
        "datetime": value_datetime,
        "dict": value_json,
    }[kind]


def get_values(record: Any) -> dict[str, Any]:
    """``{feature name: value}`` of a saved artifact, run or record.

    List features give lists; so does a non-list feature annotated with several labels (the
    distinct values of a curated column).

    Example:
        >>> artifact.features.add_values({"gc_content": 0.55})
        >>> get_values(ol.Artifact.get(key="raw/sample.fasta"))
        {'gc_content': 0.55}
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.features import Feature

    table = value_table(type(record))
    if table is None or record.id is None:
        return {}
    owner = owner_column(table)
    statement = (
        select(table.c.feature_id, *_read_columns(table), Feature.name, Feature.dtype)
        .join(Feature, Feature.id == table.c.feature_id)
        .where(owner == record.id)
        .order_by(Feature.name, table.c.position)
    )
    from ontolake.registries.features import _parsed

    with current_instance().read() as session:
        rows = session.execute(statement).all()
    elements: dict[str, list[Any]] = {}
    is_list: dict[str, bool] = {}
    for row in rows:
        name, dtype = row[-2], _parsed(row[-1])
        elements.setdefault(name, []).append(_stored_element(dtype, row[:-2]))
        is_list[name] = dtype.is_list
    # a non-list feature holds several values when a curated save linked every label of a
    # column (one row takes one cell type; the dataset holds many): all of them, as a list
    return {
        name: found if is_list[name] or len(found) > 1 else found[0]
        for name, found in elements.items()
    }


def remove_values(record: Any, features: Any = None, *, value: Any = None) -> int:
    """Remove feature values of a saved artifact, run or record; return how many.

    Example:
        >>> artifact.features.add_values({"gc_content": 0.55, "cell_type": "T cell"})
        >>> remove_values(artifact, ["gc_content", "cell_type"])
        2
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.feature_labels import value_condition
    from ontolake.registries.features import Feature
    from ontolake.registries.label_links import label_registries, release_labels

    table = value_table(type(record))
    if table is None or record.id is None:
        return 0
    owner = owner_column(table)
    names = _feature_names(features)
    with current_instance().write() as session:
        statement = delete(table).where(owner == record.id)
        registries = None  # every label registry, unless the features say which
        if names is not None:
            found = session.execute(select(Feature).where(Feature.name.in_(names))).scalars().all()
            registries = label_registries(found)
            unknown = sorted(set(names) - {feature.name for feature in found})
            if unknown:
                raise FeatureValueError(
                    f"No feature named {', '.join(map(repr, unknown))}.", feature=unknown[0]
                )
            statement = statement.where(table.c.feature_id.in_([f.id for f in found]))
            if value is not None:
                if len(found) != 1:
                    raise FeatureValueError("remove_values(value=...) takes exactly one feature.")
                statement = statement.where(value_condition(table, found[0], value))
        elif value is not None:
            raise FeatureValueError("remove_values(value=...) needs the feature it belongs to.")
        result = cast("CursorResult[Any]", session.execute(statement))
        if result.rowcount and table is artifact_feature_values:
            release_labels(session, [record.id], registries)
        return int(result.rowcount)


def _feature_names(features: Any) -> list[str] | None:
    if features is None:
        return None
    items: Iterable[Any] = [features] if isinstance(features, str) else features
    if not isinstance(features, str) and hasattr(features, "name"):
        items = [features]
    return [item if isinstance(item, str) else str(item.name) for item in items]
