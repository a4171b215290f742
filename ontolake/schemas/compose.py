"""Building schemas from their parts, and the ``describe()`` tree.

Members are Features, feature names or pandera Columns; pandera checks are serialised by
name and statistics so that they can be saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ontolake.errors import InvalidDataError
from ontolake.schemas.patterns import PATTERN_CHECKS, linear_pattern_check

if TYPE_CHECKING:
    from rich.tree import Tree

    from ontolake.registries.features import Feature
    from ontolake.registries.label_scope import LabelScope, ValidLabels
    from ontolake.registries.schema import Schema

__all__ = [
    "describe_tree",
    "deserialise_checks",
    "itype_names",
    "members_of",
    "normalised_itype",
    "require_serialisable",
    "serialise_checks",
]


def _is_pandera(value: Any) -> bool:
    return type(value).__module__.startswith("pandera")


def members_of(
    features: Sequence[Any], column_checks: Mapping[str, Sequence[Any]] | None = None
) -> tuple[list[Feature], dict[str, list[dict[str, Any]]], dict[str, list[Any]]]:
    """``(features, serialised checks by name, pandera checks by name)`` of schema members.

    ``column_checks`` adds pandera checks to members by name.

    Example:
        >>> import pandera.pandas as pa
        >>> features, checks, _ = members_of(
        ...     [ol.Feature(name="x", dtype=int), pa.Column(int, pa.Check.ge(0), name="n")]
        ... )
        >>> [(feature.name, feature.dtype) for feature in features]
        [('x', 'int'), ('n', 'int')]
        >>> checks
        {'n': [{'check': 'greater_than_or_equal_to', 'min_value': 0}]}
    """
    from ontolake.registries.features import Feature

    members: list[Feature] = []
    serialised: dict[str, list[dict[str, Any]]] = {}
    live: dict[str, list[Any]] = {}
    if isinstance(features, (str, bytes)) or not isinstance(features, Sequence):
        raise InvalidDataError(f"features takes a list of features, got {features!r}.")
    for member in features:
        if isinstance(member, Feature):
            feature = member
        elif isinstance(member, str):
            feature = Feature.get(name=member)
        elif _is_pandera(member) and hasattr(member, "checks"):
            from ontolake.schemas.pandera import feature_from_column, foreign_checks

            if not getattr(member, "name", None):
                raise InvalidDataError(
                    f"A pandera Column in features needs a name: pa.Column(..., name='x'); got "
                    f"{member!r}."
                )
            feature = feature_from_column(str(member.name), member, None)
            kept = foreign_checks(list(member.checks))
            if kept:
                live[feature.name] = kept
                specs = serialise_checks(kept, strict=False)
                if specs:
                    serialised[feature.name] = specs
        else:
            raise InvalidDataError(
                f"Schema members are Features, feature names or pandera Columns; got {member!r}."
            )
        if any(existing.name == feature.name for existing in members):
            raise InvalidDataError(f"Feature {feature.name!r} is listed twice in the schema.")
        members.append(feature)
    for name, checks in (column_checks or {}).items():
        if not any(member.name == name for member in members):
            raise InvalidDataError(f"column_checks names {name!r}, which is not a schema feature.")
        live[name] = [*live.get(name, []), *checks]
        serialised[name] = [
            *serialised.get(name, []),
            *serialise_checks(list(checks), strict=False),
        ]
        if not serialised[name]:
            del serialised[name]
    return members, serialised, live


def normalised_itype(itype: Any) -> str | None:
    """``"Feature"`` or a registry field such as ``bio.Gene.stable_id``, from any spelling.

    Example:
        >>> normalised_itype("bio.CellType.ontology_id")
        'bio.CellType.ontology_id'
    """
    from ontolake.errors import DtypeError
    from ontolake.registries.features import Feature
    from ontolake.schemas.dtypes import parse_dtype

    if itype is None:
        return None
    if itype is Feature or itype == "Feature":
        return "Feature"
    if isinstance(itype, str) and not itype.startswith("cat["):
        itype = f"cat[{itype}]"  # "bio.Gene.stable_id" names a registry field
    try:
        dtype = parse_dtype(itype)
    except DtypeError as error:
        raise InvalidDataError(f"itype: {error}") from None
    if not dtype.is_categorical or dtype.is_list or len(dtype.targets) != 1:
        raise InvalidDataError(
            f"itype takes one registry or registry field (e.g. ol.bio.Gene.stable_id) or "
            f"ol.Feature; got {itype!r}."
        )
    return str(dtype.targets[0])


def itype_names(itype: str, scope: LabelScope) -> ValidLabels:
    """The valid names of a schema's ``itype`` in its scope: what both engines check names by.

    ``itype`` is ``Feature`` (the defined features) or a registry field.
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.feature_labels import itype_labels
    from ontolake.registries.features import Feature
    from ontolake.schemas.dtypes import parse_dtype

    if itype == "Feature":
        model, field = Feature, "name"
    else:
        target = parse_dtype(f"cat[{itype}]").targets[0]
        model, field = target.model, target.field
    with current_instance().read() as session:
        return itype_labels(session, model, field, scope)


def _check_spec(check: Any) -> dict[str, Any] | None:
    """``{"check": name, **statistics}`` when pandera can rebuild the check from it."""
    import pandera.pandas as pa

    name = getattr(check, "name", None)
    statistics = getattr(check, "statistics", None) or {}
    method = getattr(pa.Check, name, None) if isinstance(name, str) else None
    if not isinstance(name, str) or name.startswith("_") or not callable(method):
        return None
    try:
        rebuilt = method(**statistics)
    except (TypeError, ValueError):
        return None
    if getattr(rebuilt, "name", None) != name:
        return None
    return {"check": name, **{key: _plain(value) for key, value in statistics.items()}}


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    if hasattr(value, "item") and type(value).__module__.startswith("numpy"):
        return value.item()
    if hasattr(value, "pattern") and hasattr(value, "flags"):  # a compiled regex
        return value.pattern
    return value


def serialise_checks(checks: list[Any], *, strict: bool) -> list[dict[str, Any]]:
    """The serialisable pandera checks as data; others raise (``strict``) or are skipped."""
    specs = []
    for check in checks:
        spec = _check_spec(check)
        if spec is None:
            if strict:
                raise InvalidDataError(_unsaved_check(check))
            continue
        specs.append(spec)
    return specs


def _unsaved_check(check: Any) -> str:
    return (
        f"The pandera check {check!r} cannot be saved: only built-in checks (pa.Check.ge(0) …) "
        "and checks registered with pandera.extensions.register_check_method can. Register "
        "it, or use the schema without saving it (schema.to_pandera())."
    )


def deserialise_checks(specs: list[dict[str, Any]]) -> list[Any]:
    """Pandera checks rebuilt from their serialised form.

    Pattern checks (``str_matches``, ``str_contains``) match in linear time (see
    :mod:`ontolake.schemas.patterns`): schema files and saved schemas are shared input.

    Example:
        >>> deserialise_checks([{"check": "greater_than_or_equal_to", "min_value": 0}])
        [<Check greater_than_or_equal_to: greater_than_or_equal_to(0)>]
    """
    import pandera.pandas as pa

    checks = []
    for spec in specs:
        arguments = dict(spec)
        name = arguments.pop("check")
        if name in PATTERN_CHECKS and "pattern" in arguments:
            checks.append(linear_pattern_check(name, **arguments))
        else:
            checks.append(getattr(pa.Check, name)(**arguments))
    return checks


def require_serialisable(schema: Schema) -> None:
    """Raise when the schema holds pandera checks that saving would lose."""
    for checks in schema.__dict__.get("_live_checks", {}).values():
        for check in checks:
            if _check_spec(check) is None:
                raise InvalidDataError(_unsaved_check(check))


def describe_tree(schema: Schema) -> Tree:
    """The rich tree of a schema: rules, then features with dtypes, then slots."""
    from rich.markup import escape
    from rich.tree import Tree

    title = f"[bold]Schema[/bold] {escape(schema.name or '(unnamed)')}"
    tree = Tree(f"{title} {schema.uid} hash={schema.hash}")
    _describe_into(tree, schema)
    return tree


def _describe_into(tree: Tree, schema: Schema) -> None:
    from rich.markup import escape

    rules = [
        f"{field}={getattr(schema, field)}"
        for field in ("otype", "itype", "dtype")
        if getattr(schema, field) is not None
    ]
    flags = ("minimal_set", "maximal_set", "ordered_set", "coerce_dtype", "flexible")
    rules += [f"{flag}={getattr(schema, flag)}" for flag in flags]
    tree.add(escape(", ".join(rules)))
    if schema.description:
        tree.add(f"description: {escape(schema.description)}")
    if schema.index is not None:
        tree.add(f"index: {escape(schema.index.name)} {escape(schema.index.dtype)}")
    checks = schema.member_checks()
    if schema.members:
        branch = tree.add(f"[bold]features[/bold] ({len(schema.members)})")
        for feature in schema.members:
            extra = []
            if not feature.nullable:
                extra.append("not nullable")
            if feature.unit:
                extra.append(f"unit {feature.unit}")
            if feature.cat_filters:
                extra += [f"{key}={value}" for key, value in feature.cat_filters.items()]
            extra += [spec["check"] for spec in checks.get(feature.name, [])]
            suffix = f" ({', '.join(extra)})" if extra else ""
            branch.add(escape(f"{feature.name}: {feature.dtype}{suffix}"))
    if schema.checks:
        tree.add(escape("checks: " + ", ".join(spec["check"] for spec in schema.checks)))
    for slot, component in sorted(schema.slots.items()):
        name = f" {component.name}" if component.name else ""
        _describe_into(tree.add(f"[bold]slot {escape(slot)}[/bold]{escape(name)}"), component)
