"""QuerySet results as pandas DataFrames, built from plain rows (no ORM objects).

``include`` names related fields with ``__`` paths: ``created_by__handle`` adds one value per
row, ``ulabels__name`` a list per row (to-many). A path ending at a relationship shows the
related records' first name-like field. ``"features"`` adds one column per feature.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Integer, inspect, select
from sqlalchemy.orm import aliased

from ontolake._gc import collector_paused
from ontolake.errors import InvalidFieldError
from ontolake.registries.base import UTCDateTime
from ontolake.registries.query.lookups import column_key, field_names

if TYPE_CHECKING:
    from ontolake.registries.query.queryset import QuerySet

__all__ = ["records_frame"]


def records_frame(queryset: QuerySet[Any], include: list[str]) -> Any:
    """A DataFrame of the records of ``queryset`` (index ``id``) with ``include`` columns.

    Example:
        >>> frame = records_frame(ol.Artifact.filter(key__startswith="raw/"), ["ulabels__name"])
        >>> frame[["key", "ulabels__name"]].to_dict("records")
        [{'key': 'raw/sample.fasta', 'ulabels__name': ['batch 7']}]
    """
    import numpy as np
    import pandas as pd

    model = queryset.model
    columns = [column for column in inspect(model).columns if column.key != "id"]
    with collector_paused():  # a row tuple per record, freed before the collector would run
        rows = queryset.driver_rows(*columns)
        values_by_column = (
            list(zip(*rows, strict=True)) if rows else [() for _ in range(len(columns) + 1)]
        )
        del rows
        index = pd.Index(np.array(values_by_column[0], dtype=np.int64), name="id")
        data = {
            column.key: _column_array(values, column)
            for column, values in zip(columns, values_by_column[1:], strict=True)
        }
        del values_by_column
    frame = pd.DataFrame(data, index=index, copy=False)
    if "features" in include:  # one column per feature, after the record's own fields
        from ontolake.registries.feature_query import feature_columns

        include = [path for path in include if path != "features"]
        for name, values in feature_columns(queryset, frame.index).items():
            frame[name if name not in frame.columns else f"feature:{name}"] = values
    if include and len(frame):
        ids = queryset.id_subquery()
        for path in include:
            frame[path] = _related_values(model, path, ids, frame.index)
    elif include:
        for path in include:
            frame[path] = pd.Series(dtype=object)
    return frame


def _column_array(values: tuple[Any, ...], column: Any) -> Any:
    """One column of raw driver values as an array of the column's type, without inference.

    Integers become ``int64`` (``Int64`` when some are missing), booleans ``bool``,
    timestamps UTC ``datetime64``, JSON parsed objects, everything else ``object``.
    """
    import numpy as np
    import pandas as pd

    column_type = column.type
    if isinstance(column_type, UTCDateTime):
        return pd.to_datetime(list(values), utc=True, format="ISO8601", cache=False)
    if isinstance(getattr(column_type, "impl", column_type), JSON):
        return np.array(
            [json.loads(value) if isinstance(value, str) else value for value in values] or [],
            dtype=object,
        )
    if not isinstance(column_type, (Boolean, Integer)):
        return np.array(values, dtype=object)
    missing = values.count(None)  # counted only where it decides the type
    if isinstance(column_type, Boolean):
        return np.array(values, dtype=object if missing else bool)
    if missing == len(values):
        return pd.arrays.IntegerArray(
            np.zeros(missing, dtype=np.int64), np.ones(missing, dtype=bool)
        )
    return pd.array(values, dtype="Int64") if missing else np.array(values, dtype=np.int64)


def _related_values(model: type[Any], path: str, ids: Any, index: Any) -> list[Any]:
    from ontolake.instance.session import current_instance

    parts = path.split("__")
    statement = select(model.id)
    current: Any = model
    to_many = False
    for position, name in enumerate(parts):
        mapper = inspect(current).mapper
        if name in mapper.relationships:
            relationship = mapper.relationships[name]
            to_many = to_many or relationship.uselist
            target = aliased(relationship.mapper.class_)
            statement = statement.join(getattr(current, name).of_type(target))
            current = target
            if position == len(parts) - 1:
                field = current._search_fields[0] if hasattr(current, "_search_fields") else "id"
                return _collect(
                    statement.add_columns(getattr(current, field)),
                    ids,
                    index,
                    to_many,
                    current_instance(),
                )
            continue
        if column_key(mapper.class_, name) is not None and position == len(parts) - 1:
            return _collect(
                statement.add_columns(getattr(current, name)),
                ids,
                index,
                to_many,
                current_instance(),
            )
        valid = field_names(mapper.class_)
        raise InvalidFieldError(
            f"include={path!r}: {mapper.class_.__name__} has no field {name!r}. "
            f"Valid fields: {', '.join(valid)}."
        )
    raise InvalidFieldError(f"include={path!r} names no field.")


def _collect(statement: Any, ids: Any, index: Any, to_many: bool, instance: Any) -> list[Any]:
    model_id = statement.selected_columns[0]
    statement = statement.where(model_id.in_(ids)).order_by(model_id)
    with instance.read() as session:
        rows = session.execute(statement).all()
    if to_many:
        grouped: dict[int, list[Any]] = {}
        for record_id, value in rows:
            grouped.setdefault(record_id, []).append(value)
        return [grouped.get(record_id, []) for record_id in index]
    single = {record_id: value for record_id, value in rows}
    return [single.get(record_id) for record_id in index]
