"""Labels of categorical features: values resolved to registry records.

The feature's filters apply (record type, descendants of a term, a pinned source version),
and errors list the missing labels with the command that adds them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, or_, select

from ontolake.errors import FeatureValueError
from ontolake.registries.label_scope import LabelScope, ValidLabels, scope_conditions, valid_labels

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.orm import Session
    from sqlalchemy.sql.elements import ColumnElement

    from ontolake.registries.features import Feature
    from ontolake.schemas.dtypes import CatTarget, DType

__all__ = [
    "allowed_labels",
    "itype_labels",
    "registry_labels",
    "resolve_labels",
    "target_conditions",
    "value_condition",
]

Label = tuple[int, str, str]
"""``(record id, field value, registry name)``."""
_CHUNK = 10_000


def resolve_labels(
    session: Session,
    feature: Feature,
    dtype: DType,
    labels: Sequence[Any],
    records: dict[Any, Any],
) -> dict[Any, Label]:
    """``{label key: (id, value, registry)}`` for string labels and ``records``.

    The targets of a union are tried in order. Raises ``FeatureValueError`` listing every
    label that is missing (or outside the feature's filters) and the command to add them.
    """
    resolved: dict[Any, Label] = {}
    strings = [label for label in labels if isinstance(label, str)]
    pending = dict(records)
    ambiguous: list[str] = []
    for target in dtype.targets:
        if not strings and not pending:
            break
        model = target.model
        column = getattr(model, target.field)
        conditions = target_conditions(session, feature, target)
        # a label naming several terms of an ontology is ambiguous: never one of them
        several = hasattr(model, "ontology_id")
        for start in range(0, len(strings), _CHUNK):
            chunk = strings[start : start + _CHUNK]
            statement = (
                select(column, func.min(model.id), func.count(model.id))
                .where(column.in_(chunk), *conditions)
                .group_by(column)
            )
            for value, record_id, count in session.execute(statement):
                if several and count > 1:
                    ambiguous.append(str(value))
                else:
                    resolved[value] = (int(record_id), str(value), target.registry)
        strings = [label for label in strings if label not in resolved]
        mine = {key: record for key, record in pending.items() if isinstance(record, model)}
        if mine:
            ids = [record.id for record in mine.values()]
            statement = select(model.id, column).where(model.id.in_(ids), *conditions)
            for record_id, value in session.execute(statement):
                key = (model.__name__, record_id)
                resolved[key] = (int(record_id), str(value), target.registry)
                pending.pop(key, None)
    if ambiguous:
        shown = ", ".join(repr(value) for value in sorted(set(ambiguous))[:20])
        raise FeatureValueError(
            f"Feature {feature.name!r} ({dtype}): value(s) naming several terms (ambiguous): "
            f"{shown}. Scope the feature to an organism (organism=...) or use ontology ids.",
            feature=feature.name,
            missing=sorted(set(ambiguous)),
        )
    if strings or pending:
        raise _missing(session, feature, dtype, strings, list(pending.values()))
    return resolved


def target_conditions(
    session: Session, feature: Feature, target: CatTarget
) -> list[ColumnElement[bool]]:
    """The conditions a record of ``target`` must meet to be a valid label of ``feature``."""
    model = target.model
    conditions: list[Any] = []
    if hasattr(model, "is_trashed"):
        conditions.append(model.is_trashed.is_(False))
    if target.type_name is not None:
        type_id = session.execute(
            select(func.min(model.id)).where(
                model.name == target.type_name, model.is_type.is_(True)
            )
        ).scalar()
        if type_id is None:
            registry = _python_name(target.registry)
            raise FeatureValueError(
                f"Feature {feature.name!r}: the {target.registry} type {target.type_name!r} "
                f"does not exist. Create it: {registry}(name={target.type_name!r}, "
                "is_type=True).save()",
                feature=feature.name,
            )
        conditions.append(model.type_id == type_id)
    filters = feature.cat_filters or {}
    scope = LabelScope.of(filters)
    pinned = "source" in filters and hasattr(model, "membership_table")
    where = f"Feature {feature.name!r}"
    conditions += scope_conditions(session, model, scope, pinned=pinned, where=where)
    if not hasattr(model, "parent_table") or not filters:
        return conditions
    if "descendants_of" in filters:
        conditions.append(_descendants(session, feature, model, target, filters["descendants_of"]))
    if pinned:
        conditions.append(
            _from_source(session, feature, model, target, filters["source"], scope.allow_obsolete)
        )
    return conditions


def allowed_labels(session: Session, feature: Feature, dtype: DType) -> ValidLabels:
    """The valid labels of a categorical feature, and its ambiguous values.

    The one implementation the curators and ``schema.to_pandera()`` call: the feature's
    filters and scope apply (:mod:`ontolake.registries.label_scope`: obsolete terms only
    when allowed, one organism when scoped), and a value naming several terms is ambiguous.

    Raises:
        FeatureValueError: a filter names something missing (a record type, a term, a
            source version, an organism); the message says what to import or create.
    """
    found = ValidLabels(frozenset())
    for target in dtype.targets:
        conditions = target_conditions(session, feature, target)
        found = found.merged(registry_labels(session, target.model, target.field, conditions))
    return found


def itype_labels(session: Session, model: Any, field: str, scope: LabelScope) -> ValidLabels:
    """The valid names of a schema's itype (a registry field, or ``Feature`` names).

    The same rules as :func:`allowed_labels`, with the schema's scope instead of a
    feature's; trashed records are no names.
    """
    conditions: list[Any] = []
    if hasattr(model, "is_trashed"):
        conditions.append(model.is_trashed.is_(False))
    where = f"itype {model.__name__}.{field}"
    conditions += scope_conditions(session, model, scope, pinned=False, where=where)
    return registry_labels(session, model, field, conditions)


def registry_labels(
    session: Session, model: Any, field: str, conditions: Sequence[Any]
) -> ValidLabels:
    """The values of ``field`` on the records meeting ``conditions`` (rule 3 applied).

    Records of an ontology registry are told apart by their ontology id (their uid when
    they have none); values of other registries are never ambiguous.
    """
    column = getattr(model, field)
    found_values = session.execute(select(column).where(*conditions)).scalars()
    values = [str(value) for value in found_values if value is not None]
    unique = frozenset(values)
    if len(unique) == len(values) or not hasattr(model, "ontology_id"):
        return ValidLabels(unique)  # no value repeats (the common case): one query
    repeated = [value for value, count in Counter(values).items() if count > 1]
    term = func.coalesce(model.ontology_id, model.uid)
    found = ValidLabels(frozenset())  # the ids of the terms each repeated value names
    for start in range(0, len(repeated), _CHUNK):
        chunk = repeated[start : start + _CHUNK]
        statement = select(column, term).where(column.in_(chunk), *conditions)
        found = found.merged(valid_labels(session.execute(statement).tuples()))
    return ValidLabels(unique - found.ambiguous.keys(), found.ambiguous)


def _descendants(
    session: Session, feature: Feature, model: Any, target: CatTarget, term: str
) -> Any:
    from ontolake.registries.bio.hierarchy import closure_ids

    term_id = session.execute(
        select(func.min(model.id)).where(or_(model.ontology_id == term, model.name == term))
    ).scalar()
    if term_id is None:
        raise FeatureValueError(
            f"Feature {feature.name!r} takes descendants of {term!r}, which is not in "
            f"{target.registry}: import the ontology first "
            f"({_python_name(target.registry)}.import_source()).",
            feature=feature.name,
        )
    return or_(model.id == term_id, model.id.in_(closure_ids(model, [term_id], upward=False)))


def _from_source(
    session: Session,
    feature: Feature,
    model: Any,
    target: CatTarget,
    pin: dict[str, str],
    allow_obsolete: bool,
) -> Any:
    from ontolake.registries.bio.source import Source

    version = pin["version"]
    versions = {version, version.removeprefix("v"), "v" + version.removeprefix("v")}
    source_ids = list(
        session.execute(
            select(Source.id).where(
                Source.entity == model._entity,
                Source.name == pin["name"],
                Source.version.in_(sorted(versions)),
            )
        ).scalars()
    )
    if not source_ids:
        imported = sorted(
            session.execute(
                select(Source.version).where(
                    Source.entity == model._entity, Source.name == pin["name"]
                )
            ).scalars()
        )
        raise FeatureValueError(
            f"Feature {feature.name!r} takes terms of source {pin['name']}@{version}, which is "
            f"not imported (imported versions: {', '.join(imported) or 'none'}): "
            f"{_python_name(target.registry)}.import_source({pin['name']!r}, "
            f"version={version!r}), or pin an imported version.",
            feature=feature.name,
        )
    members = model.membership_table
    held = select(members.c.record_id).where(members.c.source_id.in_(source_ids))
    if not allow_obsolete:
        held = held.where(members.c.is_obsolete.is_(False))
    return model.id.in_(held)


def _python_name(registry: str) -> str:
    return f"ol.{registry}"


def _missing(
    session: Session, feature: Feature, dtype: DType, strings: list[str], records: list[Any]
) -> FeatureValueError:
    target = dtype.targets[0]
    registries = " or ".join(str(t) for t in dtype.targets)
    parts = []
    outside: list[str] = []
    if strings and feature.cat_filters:
        model = target.model
        column = getattr(model, target.field)
        outside = list(
            session.execute(select(column).where(column.in_(strings[:_CHUNK])).distinct()).scalars()
        )
    absent = [value for value in strings if value not in outside]
    shown = ", ".join(repr(value) for value in absent[:20]) + (" …" if len(absent) > 20 else "")
    hint = ""
    if absent:
        hint = _add_command(target, absent)
        parts.append(f"{len(absent)} value(s) not in {registries}: {shown}. Add them with: {hint}")
    if outside:
        filters = ", ".join(f"{key}={value}" for key, value in (feature.cat_filters or {}).items())
        parts.append(
            f"{len(outside)} value(s) outside the feature's filters ({filters}): "
            + ", ".join(repr(value) for value in sorted(outside)[:20])
        )
    if records:
        parts.append(
            f"record(s) not valid for {registries}: " + ", ".join(repr(r) for r in records[:5])
        )
    return FeatureValueError(
        f"Feature {feature.name!r} ({dtype}): " + "; ".join(parts),
        feature=feature.name,
        missing=[*absent, *outside],
        hint=hint,
    )


def _add_command(target: CatTarget, values: list[str]) -> str:
    registry = _python_name(target.registry)
    listed = repr(values[:20]) if len(values) > 1 else None
    if target.registry.startswith("bio."):
        if target.field in ("name", "ontology_id"):
            one = f"{registry}.from_source({target.field}={values[0]!r})"
            command = (
                one
                if listed is None
                else f"[{registry}.from_source({target.field}=v) for v in {listed}]"
            )
            return (
                f"{command} (or, for synonyms and misspellings, {registry}.standardize(values) "
                f"and {registry}.inspect(values))"
            )
        return f"ol.save([{registry}({target.field}=v) for v in {listed or repr(values)}])"
    if target.type_name is not None:
        return (
            f"kind = {registry}.get(name={target.type_name!r}, is_type=True); "
            f"ol.save([{registry}({target.field}=v, type=kind) for v in {listed or repr(values)}])"
        )
    if listed is None:
        return f"{registry}({target.field}={values[0]!r}).save()"
    return f"ol.save([{registry}({target.field}=v) for v in {listed}])"


def value_condition(table: Table, feature: Feature, value: Any) -> ColumnElement[bool]:
    """Rows of ``table`` holding ``value`` of ``feature`` (a label, record or typed value)."""
    from ontolake.schemas.dtypes import registry_name
    from ontolake.schemas.values import coerce_scalar

    dtype = feature.parsed_dtype
    if dtype.is_categorical:
        if isinstance(value, str):
            return table.c.value_str == value
        same_label = (table.c.cat_id == value.id) & (
            table.c.cat_registry == registry_name(type(value))
        )
        return cast("ColumnElement[bool]", same_label)
    try:
        checked = coerce_scalar(dtype.kind, value, coerce=True)
    except ValueError as error:
        raise FeatureValueError(
            f"Feature {feature.name!r}: {error}.", feature=feature.name
        ) from None
    if dtype.kind == "num":
        return or_(table.c.value_int == checked, table.c.value_float == checked)
    if dtype.kind == "date":
        checked = datetime(checked.year, checked.month, checked.day, tzinfo=timezone.utc)
    column = {
        "int": "value_int",
        "float": "value_float",
        "str": "value_str",
        "bool": "value_bool",
        "date": "value_datetime",
        "datetime": "value_datetime",
    }.get(dtype.kind)
    if column is None:
        raise FeatureValueError(
            f"Feature {feature.name!r} ({dtype}): remove dict values without value=.",
            feature=feature.name,
        )
    return cast("ColumnElement[bool]", table.c[column] == checked)
