"""Writing feature values: checks against the features, label resolution, one transaction.

Every value is checked against its feature's dtype (and coerced when the feature allows it),
labels are resolved with one query per registry and batch of values, then the stored values
of the named features are replaced (list features keep their elements and gain the new
ones) with one ``DELETE`` per feature and one multi-row ``INSERT`` per value table.

:func:`write_values` opens its own write transaction; :func:`annotate` writes inside the
caller's, so that a record and its values are committed (or rolled back) together. The
label links of an artifact follow its categorical values in the same transaction
(:mod:`~ontolake.registries.label_links`): ``af.cell_types`` lists what ``cell_type`` holds.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, insert, select

from ontolake.errors import FeatureValueError
from ontolake.registries.feature_values import (
    _read_columns,
    _stored_element,
    owner_column,
    value_table,
)

if TYPE_CHECKING:
    from sqlalchemy import CursorResult, Table
    from sqlalchemy.orm import Session

    from ontolake.registries.features import Feature
    from ontolake.schemas.dtypes import DType

__all__ = ["annotate", "write_values"]

_KIND_COLUMN = {
    "int": "value_int",
    "float": "value_float",
    "str": "value_str",
    "bool": "value_bool",
    "date": "value_datetime",
    "datetime": "value_datetime",
    "dict": "value_json",
    "cat": "value_str",
}
_EMPTY_ROW = dict.fromkeys(
    (
        "value_int",
        "value_float",
        "value_str",
        "value_bool",
        "value_datetime",
        "value_json",
        "cat_id",
        "cat_registry",
    )
)
_CHUNK = 10_000
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def write_values(
    records: Sequence[Any], values: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]
) -> None:
    """Annotate many saved artifacts, runs or records in one transaction.

    Args:
        records: saved artifacts, runs or records (they may be mixed).
        values: one ``{feature: value}`` dict per record, or ``{feature: [one value per
            record]}`` (columns).

    Raises:
        FeatureValueError: as for ``features.add_values``; nothing is written then.

    Example:
        >>> import ontolake as ol
        >>> tables = ol.Artifact.filter(suffix=".parquet").order_by("key").to_list()
        >>> ol.features.add_values_bulk(tables, [{"gc_content": 0.41}, {"n_genes": 3}])
        >>> [table.features.get_values() for table in tables]
        [{'gc_content': 0.41}, {'n_genes': 3}]
    """
    from ontolake.instance.session import current_instance

    records = list(records)
    rows = _as_rows(records, values)
    by_table: dict[Table, list[tuple[int, Mapping[str, Any], Any]]] = {}
    for record, annotation in zip(records, rows, strict=True):
        table = _owner_table(record)
        if annotation:
            by_table.setdefault(table, []).append((int(record.id), annotation, record))
    if not by_table:
        return
    names = sorted({name for group in by_table.values() for _, row, _ in group for name in row})
    instance = current_instance()
    with instance.write() as session:
        features = _features_named(session, names, by_table)
        for table, group in by_table.items():
            _write(session, table, features, group)


def annotate(
    session: Session,
    record: Any,
    *,
    values: Mapping[str, Any] | None = None,
    labels: Mapping[str, Iterable[str]] | None = None,
) -> None:
    """Write feature values and labels of one saved record inside the caller's transaction.

    Nothing is committed here: the caller's write transaction commits the values together
    with whatever else it wrote (for a curated save, the artifact row itself), and a failure
    rolls all of it back.

    Args:
        session: a session inside a write transaction (``instance.write()``).
        record: a saved (or just inserted) artifact, run or record.
        values: ``{feature: value}``, checked and stored as by ``features.add_values``.
        labels: ``{categorical feature: labels}``, e.g. the distinct values of a curated
            column: they replace the feature's stored values, in sorted order, however many
            there are (a column holds many labels even when one row takes one).

    Raises:
        FeatureValueError: a feature is not defined, a value does not fit its feature, or a
            label is not in the feature's registry; the caller's transaction then rolls back.

    Example:
        >>> from ontolake.instance.session import current_instance
        >>> with current_instance().write() as session:
        ...     annotate(session, artifact, values={"gc_content": 0.55},
        ...              labels={"cell_type": ["T cell", "B cell"]})
        >>> artifact.features.get_values()
        {'cell_type': ['B cell', 'T cell'], 'gc_content': 0.55}
    """
    table = _owner_table(record)
    values = dict(values or {})
    found = {name: sorted(set(found)) for name, found in (labels or {}).items()}
    if not values and not found:
        return
    owner_id = int(record.id)
    named = {table: [(owner_id, {**found, **values}, record)]}
    features = _features_named(session, sorted({*found, *values}), named)
    if found:
        _write_labels(session, table, owner_id, {features[name]: found[name] for name in found})
    if values:
        _write(
            session, table, {name: features[name] for name in values}, [(owner_id, values, record)]
        )


def _owner_table(record: Any) -> Table:
    """The value table of a saved ``record``; a clear error for unsaved or other records."""
    table = value_table(type(record))
    if table is None:
        raise FeatureValueError(
            f"{type(record).__name__} records have no feature values: annotate artifacts, "
            "runs or records."
        )
    if record.id is None:
        raise FeatureValueError(f"Save {record!r} before annotating it with feature values.")
    return table


def _write_labels(
    session: Session, table: Table, owner_id: int, labels: Mapping[Feature, list[str]]
) -> None:
    """Replace the values of each categorical feature by its labels (positions in order)."""
    owner = owner_column(table)
    rows: list[dict[str, Any]] = []
    replaced = False
    for feature, names in labels.items():
        dtype = feature.parsed_dtype
        if not dtype.is_categorical:
            raise FeatureValueError(
                f"Feature {feature.name!r} ({dtype}) is not categorical: it takes values, "
                "not labels.",
                feature=feature.name,
            )
        resolved = _resolve_labels(session, feature, dtype, [(owner_id, list(names))])
        deleted = session.execute(
            delete(table).where(owner == owner_id, table.c.feature_id == feature.id)
        )
        replaced = replaced or bool(cast("CursorResult[Any]", deleted).rowcount)
        for position, name in enumerate(names):
            label_id, value, registry = resolved[name]
            row = {**_EMPTY_ROW, owner.key: owner_id, "feature_id": feature.id}
            row.update(position=position, cat_id=label_id, value_str=value, cat_registry=registry)
            rows.append(row)
    if rows:
        session.execute(insert(table), rows)
    _follow_values(session, table, rows, [owner_id] if replaced else [], list(labels))


def _follow_values(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    replaced_owners: list[int],
    features: list[Feature],
) -> None:
    """Keep the label links of artifacts in step with the categorical values just written.

    ``replaced_owners`` are the artifacts some of whose stored values of ``features`` were
    deleted first (their labels may no longer be held by any value).
    """
    from ontolake.registries.feature_values import artifact_feature_values
    from ontolake.registries.label_links import label_registries, link_values, release_labels

    if table is not artifact_feature_values:
        return
    if replaced_owners:
        release_labels(session, replaced_owners, label_registries(features))
    labelled = {row["artifact_id"] for row in rows if row["cat_id"] is not None}
    if labelled:
        link_values(session, labelled, features)


def _as_rows(
    records: list[Any], values: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]
) -> list[Mapping[str, Any]]:
    if isinstance(values, Mapping):
        columns = {name: list(column) for name, column in values.items()}
        for name, column in columns.items():
            if len(column) != len(records):
                raise FeatureValueError(
                    f"Feature {name!r} has {len(column)} values for {len(records)} records.",
                    feature=name,
                )
        return [{name: column[i] for name, column in columns.items()} for i in range(len(records))]
    rows = list(values)
    if len(rows) != len(records):
        raise FeatureValueError(f"{len(rows)} value dicts for {len(records)} records.")
    return rows


def _features_named(
    session: Session, names: list[str], by_table: Mapping[Table, Any]
) -> dict[str, Feature]:
    from ontolake.registries.features import Feature

    found = {
        feature.name: feature
        for feature in session.execute(select(Feature).where(Feature.name.in_(names))).scalars()
    }
    missing = [name for name in names if name not in found]
    if missing:
        examples = {}
        for group in by_table.values():
            for _, row, _ in group:
                for name in missing:
                    if name in row and name not in examples:
                        examples[name] = row[name]
        commands = "; ".join(
            f"ol.Feature(name={name!r}, dtype={_guess_dtype(examples.get(name))}).save()"
            for name in missing
        )
        defined = list(session.execute(select(Feature.name)).scalars())
        close = {
            name: match[0]
            for name in missing
            if (match := difflib.get_close_matches(name, defined, n=1))
        }
        hint = "".join(f" Did you mean {close[name]!r} for {name!r}?" for name in close)
        raise FeatureValueError(
            f"Undefined feature(s): {', '.join(map(repr, missing))}.{hint} Define them first: "
            f"{commands}.",
            feature=missing[0],
            hint=commands,
        )
    return found


def _guess_dtype(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    for kind in (int, float, datetime, date, dict, str):
        if isinstance(value, kind):
            return "'date'" if kind is date else kind.__name__
    if isinstance(value, (list, tuple)) and value:
        return f"list[{_guess_dtype(value[0]).strip(chr(39))}]".join("''")
    return "str"


def _write(
    session: Session,
    table: Table,
    features: dict[str, Feature],
    group: list[tuple[int, Mapping[str, Any], Any]],
) -> None:
    owner = owner_column(table)
    rows: list[dict[str, Any]] = []
    replaced: dict[int, list[int]] = {}  # feature id -> owner ids whose values are replaced
    existing_lists = _existing_lists(session, table, features, group)
    for name, feature in features.items():
        dtype = feature.parsed_dtype
        present = [(owner_id, row[name], record) for owner_id, row, record in group if name in row]
        if not present:
            continue
        elements = _elements(feature, dtype, present)
        if dtype.is_categorical:
            labels = _resolve_labels(session, feature, dtype, elements)
            elements = [(o, [labels[_label_key(i)] for i in items]) for o, items in elements]
        owners = replaced.setdefault(feature.id, [])
        column = _KIND_COLUMN.get(dtype.kind, "value_float")
        for owner_id, items in elements:
            owners.append(owner_id)
            if dtype.is_list:
                items = _merged(existing_lists.get((owner_id, feature.id), []), items)
            for position, item in enumerate(items):
                row = {**_EMPTY_ROW, owner.key: owner_id, "feature_id": feature.id}
                row["position"] = position
                if dtype.kind == "cat":
                    row["cat_id"], row["value_str"], row["cat_registry"] = item
                elif dtype.kind == "num":
                    row["value_int" if isinstance(item, int) else "value_float"] = item
                elif dtype.kind == "date":
                    row[column] = datetime(item.year, item.month, item.day, tzinfo=timezone.utc)
                else:
                    row[column] = item
                rows.append(row)
    replaced_owners: list[int] = []
    for feature_id, owner_ids in replaced.items():
        for start in range(0, len(owner_ids), _CHUNK):
            chunk = owner_ids[start : start + _CHUNK]
            deleted = session.execute(
                delete(table).where(table.c.feature_id == feature_id, owner.in_(chunk))
            )
            if cast("CursorResult[Any]", deleted).rowcount:
                replaced_owners.extend(chunk)
    if rows:
        session.execute(insert(table), rows)
    _follow_values(session, table, rows, replaced_owners, list(features.values()))


def _merged(existing: list[Any], new: list[Any]) -> list[Any]:
    """The stored elements followed by the new ones not stored yet."""
    merged = list(existing)
    keys = {_element_key(item) for item in existing}
    for item in new:
        key = _element_key(item)
        if key not in keys:
            keys.add(key)
            merged.append(item)
    return merged


def _element_key(item: Any) -> Any:
    if isinstance(item, tuple):  # a label: (id, value, registry)
        return ("label", item[2], item[0])
    return (type(item).__name__, item)


def _existing_lists(
    session: Session,
    table: Table,
    features: dict[str, Feature],
    group: list[tuple[int, Mapping[str, Any], Any]],
) -> dict[tuple[int, int], list[Any]]:
    """The stored elements of the list features about to be extended."""
    listed = [f for f in features.values() if f.parsed_dtype.is_list]
    if not listed:
        return {}
    owner = owner_column(table)
    found: dict[tuple[int, int], list[Any]] = {}
    for feature in listed:
        owner_ids = [owner_id for owner_id, row, _ in group if feature.name in row]
        for start in range(0, len(owner_ids), _CHUNK):
            statement = (
                select(owner, *_read_columns(table))
                .where(
                    table.c.feature_id == feature.id,
                    owner.in_(owner_ids[start : start + _CHUNK]),
                )
                .order_by(owner, table.c.position)
            )
            for row in session.execute(statement):
                found.setdefault((row[0], feature.id), []).append(
                    _stored_element(feature.parsed_dtype, row, as_label=True)
                )
    return found


def _elements(
    feature: Feature, dtype: DType, present: list[tuple[int, Any, Any]]
) -> list[tuple[int, list[Any]]]:
    """Each owner's value as a checked list of elements (empty: remove the value)."""
    from ontolake.schemas.values import coerce_scalar, is_missing

    result: list[tuple[int, list[Any]]] = []
    for owner_id, value, record in present:
        if _missing_value(value, is_missing):
            if feature.default_value is not None:
                value = feature.default_value
            elif feature.nullable:
                result.append((owner_id, []))
                continue
            else:
                raise FeatureValueError(
                    f"Feature {feature.name!r} is not nullable: give {record!r} a value.",
                    feature=feature.name,
                )
        if isinstance(value, (list, tuple, set, frozenset)):
            if not dtype.is_list:
                raise FeatureValueError(
                    f"Feature {feature.name!r} ({dtype}) takes one value, got a list for "
                    f"{record!r}: define it with dtype list[{dtype}] to hold several.",
                    feature=feature.name,
                )
            items = list(value)
        else:
            items = [value]
        if dtype.is_categorical:
            for item in items:
                if not isinstance(item, str) and getattr(item, "id", None) is None:
                    raise FeatureValueError(
                        f"Feature {feature.name!r} ({dtype}) takes labels (strings or saved "
                        f"records), got {item!r} for {record!r}.",
                        feature=feature.name,
                    )
            result.append((owner_id, list(dict.fromkeys(items)) if dtype.is_list else items))
            continue
        checked = []
        for item in items:
            try:
                checked.append(_storable(coerce_scalar(dtype.kind, item, coerce=feature.coerce)))
            except ValueError as error:
                raise FeatureValueError(
                    f"Feature {feature.name!r} ({dtype}) of {record!r}: {error}.",
                    feature=feature.name,
                ) from None
        result.append((owner_id, checked))
    return result


def _storable(item: Any) -> Any:
    """``item``, or a ``ValueError`` when the database cannot hold it (a 64-bit integer)."""
    if isinstance(item, int) and not isinstance(item, bool) and not _INT_MIN <= item <= _INT_MAX:
        raise ValueError(
            f"{item} is outside the 64-bit integer range the database stores; define the "
            "feature with dtype float (or str) to keep such numbers"
        )
    return item


def _missing_value(value: Any, is_missing: Any) -> bool:
    if isinstance(value, (list, tuple, set, frozenset, dict, str)):
        return isinstance(value, (list, tuple, set, frozenset)) and not value
    return bool(is_missing(value))


def _label_key(item: Any) -> Any:
    if isinstance(item, str):
        return item
    return (type(item).__name__, item.id)


def _resolve_labels(
    session: Session, feature: Feature, dtype: DType, elements: list[tuple[int, list[Any]]]
) -> dict[Any, tuple[int, str, str]]:
    """``{label key: (id, field value, registry)}`` for every label; missing ones raise."""
    from ontolake.registries.feature_labels import resolve_labels

    labels = list(dict.fromkeys(_label_key(i) for _, items in elements for i in items))
    records = {
        _label_key(item): item
        for _, items in elements
        for item in items
        if not isinstance(item, str)
    }
    return resolve_labels(session, feature, dtype, labels, records)
