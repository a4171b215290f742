"""Schema files: schemas as YAML, to keep in a repository and validate against in CI.

The format (every key optional unless noted; unknown keys are errors)::

    ontolake_schema: 1            # the format version
    name: scRNA obs
    description: free text
    otype: DataFrame              # DataFrame | AnnData | MuData | SpatialData
    itype: bio.Gene.stable_id     # or Feature
    dtype: num                    # dtype of the values of an itype schema
    organism: mouse               # the itype's names come from this organism's sources
    allow_obsolete: false         # obsolete terms are valid names of the itype
    minimal_set: true
    maximal_set: false
    ordered_set: false
    coerce_dtype: false
    flexible: false
    sources:                      # ontology sources the features need, pinned
      - {entity: CellType, name: cl, version: 2025-04-10, hash: <sha256>}
    index: {name: sample_id, dtype: str}
    features:
      - name: cell_type           # required
        dtype: cat[bio.CellType.ontology_id]   # required
        nullable: false
        coerce: false
        default_value: null
        description: free text
        unit: null
        descendants_of: CL:0000084
        source: cl@2025-04-10
        organism: human           # terms of this organism's sources only
        allow_obsolete: false     # obsolete terms are valid too
        checks: [{check: isin, allowed_values: [a, b]}]   # pandera checks by name
    checks: [{check: ...}]        # pandera checks on the whole DataFrame
    slots:                        # component schemas, in the same format
      obs: {features: [...]}
      var.T: {itype: bio.Gene.stable_id}

``sources`` entries take ``entity``, ``name`` and ``version`` (required) and ``hash`` and
``location`` (a file or URL instead of the built-in catalog). Once the instance uses another
version of a pinned source, the features of its registry validate against the pinned one.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontolake.errors import OntolakeError, SchemaFileError
from ontolake.registries.label_scope import LabelScope
from ontolake.schemas.sources import (
    ensure_sources,
    parse_sources,
    pin_features,
    used_sources,
)

if TYPE_CHECKING:
    from ontolake.registries.features import Feature
    from ontolake.registries.schema import Schema

__all__ = ["FORMAT_VERSION", "from_yaml", "to_yaml"]

FORMAT_VERSION = 1
_MAX_SLOT_DEPTH = 32
_FLAGS = ("minimal_set", "maximal_set", "ordered_set", "coerce_dtype", "flexible")
_SCHEMA_KEYS = (
    "ontolake_schema",
    "name",
    "description",
    "otype",
    "itype",
    "dtype",
    "organism",
    "allow_obsolete",
    *_FLAGS,
    "sources",
    "index",
    "features",
    "checks",
    "slots",
)
_FEATURE_KEYS = (
    "name",
    "dtype",
    "nullable",
    "coerce",
    "default_value",
    "description",
    "unit",
    "descendants_of",
    "source",
    "organism",
    "allow_obsolete",
    "checks",
)


def _read(path_or_text: Any) -> tuple[str, str]:
    """``(text, where)``: a Path or a ``.yaml``/``.yml`` path string is read, else it is text."""
    if isinstance(path_or_text, Path) or (
        isinstance(path_or_text, str)
        and "\n" not in path_or_text
        and path_or_text.endswith((".yaml", ".yml"))
    ):
        path = Path(path_or_text)
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as error:
            raise SchemaFileError(f"Cannot read schema file {path}: {error.strerror}.") from None
        except UnicodeDecodeError as error:
            raise SchemaFileError(
                f"{path}: not UTF-8 text (byte {error.start}: {error.reason}); save the schema "
                "file as UTF-8."
            ) from None
    if not isinstance(path_or_text, str):
        raise SchemaFileError(f"from_yaml takes a path or YAML text, got {path_or_text!r}.")
    return path_or_text, "<schema text>"


def from_yaml(path_or_text: Any, *, import_sources: bool = False) -> Schema:
    """The schema in a YAML file (a ``Path`` or ``.yaml``/``.yml`` path) or YAML text.

    Args:
        path_or_text: the file, or the YAML itself.
        import_sources: import the pinned ontology sources into the connected instance
            first (from the built-in catalog or their ``location``), checking their hashes.

    Raises:
        SchemaFileError: malformed YAML, an unknown key (with the closest valid one), a bad
            dtype or value; the message names the file and where in it.

    Example:
        >>> schema = from_yaml("features: [{name: gc_content, dtype: float}]")
        >>> schema.members[0].dtype
        'float'
    """
    import yaml

    text, where = _read(path_or_text)
    try:
        data = yaml.load(text, Loader=_loader())  # a SafeLoader subclass: no Python tags
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SchemaFileError(f"{where}: not valid YAML{at}: {error}.") from None
    except RecursionError:
        raise SchemaFileError(
            f"{where}: the YAML nests too deeply to be a schema; check the brackets."
        ) from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise SchemaFileError(f"{where}: not valid YAML: {error}.") from None
    if not isinstance(data, dict):
        raise SchemaFileError(f"{where}: a schema file holds a mapping (name:, features: …).")
    version = data.get("ontolake_schema", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise SchemaFileError(
            f"{where}: ontolake_schema: {version!r} is not a format this ontolake reads "
            f"({FORMAT_VERSION})."
        )
    sources = parse_sources(data.get("sources"), where)
    if import_sources:
        ensure_sources(sources, where)
    schema = _schema(data, where, "")
    pin_features(schema, sources)
    schema.__dict__["_sources"] = sources
    return schema


def _loader() -> Any:
    """PyYAML's SafeLoader refusing duplicate keys (it keeps the last one silently)."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: set[tuple[str, str]] = set()
                for key_node, _ in node.value:
                    if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                        continue
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            "while reading a mapping",
                            node.start_mark,
                            f"found the key {key_node.value!r} twice; keep one",
                            key_node.start_mark,
                        )
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return Loader


def _unknown(keys: Any, valid: tuple[str, ...], where: str, path: str) -> None:
    for key in keys:
        if key not in valid:
            close = difflib.get_close_matches(str(key), valid, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise SchemaFileError(
                f"{where}: unknown key {key!r}{_at(path)}.{hint} Valid keys: {', '.join(valid)}."
            )


def _at(path: str) -> str:
    path = path.rstrip(".")
    return f" in {path}" if path else ""


def _typed(value: Any, kind: type | tuple[type, ...], where: str, path: str, key: str) -> Any:
    if value is not None and not isinstance(value, kind):
        expected = (
            kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        )
        raise SchemaFileError(
            f"{where}: {key}{_at(path)} must be {expected}, got {type(value).__name__} "
            f"{_short(value)}."
        )
    return value


def _short(value: Any) -> str:
    """``repr(value)``, cut to a length a message can show."""
    import reprlib

    shown = reprlib.Repr()
    shown.maxstring = shown.maxother = shown.maxlong = 80
    return shown.repr(value)


def _schema(data: dict[str, Any], where: str, path: str) -> Schema:
    from ontolake.registries.schema import Schema
    from ontolake.schemas.compose import deserialise_checks

    if path.count("slots.") > _MAX_SLOT_DEPTH:
        raise SchemaFileError(
            f"{where}: slots nest more than {_MAX_SLOT_DEPTH} levels deep{_at(path)}; is a "
            "YAML alias (*name) used inside the slot it names?"
        )
    _unknown(data, _SCHEMA_KEYS if not path else _SCHEMA_KEYS[1:], where, path)
    if path and "sources" in data:
        raise SchemaFileError(f"{where}: sources belong at the top of the file, not{_at(path)}.")
    features = _typed(data.get("features"), list, where, path, "features") or []
    members = [
        _feature(item, where, f"{path or ''}features[{i}]") for i, item in enumerate(features)
    ]
    column_checks = {
        item["name"]: _checks(item.get("checks"), where, f"{path}features[{i}]")
        for i, item in enumerate(features)
        if item.get("checks")
    }
    slots = _typed(data.get("slots"), dict, where, path, "slots") or {}
    components = {}
    for slot, component in slots.items():
        inner = f"{path}slots.{slot}."
        _typed(component, dict, where, path, f"slots.{slot}")
        components[str(slot)] = _schema(component, where, inner)
    flags = {flag: _typed(data[flag], bool, where, path, flag) for flag in _FLAGS if flag in data}
    index = data.get("index")
    try:
        return Schema(
            features=members,
            name=_typed(data.get("name"), str, where, path, "name"),
            description=_typed(data.get("description"), str, where, path, "description"),
            otype=_typed(data.get("otype"), str, where, path, "otype"),
            itype=_typed(data.get("itype"), str, where, path, "itype"),
            dtype=_typed(data.get("dtype"), str, where, path, "dtype"),
            organism=_typed(data.get("organism"), str, where, path, "organism"),
            allow_obsolete=_flag(data, "allow_obsolete", where, path),
            slots=components or None,
            index=None if index is None else _feature(index, where, f"{path}index"),
            checks=deserialise_checks(_checks(data.get("checks"), where, path)),
            column_checks={
                name: deserialise_checks(specs) for name, specs in column_checks.items()
            },
            **flags,
        )
    except SchemaFileError:
        raise
    except (OntolakeError, TypeError, AttributeError) as error:
        raise SchemaFileError(f"{where}{_at(path)}: {error}") from None


def _feature(item: Any, where: str, path: str) -> Feature:
    from ontolake.registries.features import Feature

    _typed(item, dict, where, "", path)
    _unknown(item, _FEATURE_KEYS, where, path)
    for key in ("name", "dtype"):
        if key not in item:
            raise SchemaFileError(f"{where}: {path} needs a {key!r}.")
    name = _typed(item["name"], str, where, path, "name")
    for flag in ("nullable", "coerce"):
        _typed(item.get(flag), bool, where, path, flag)
    try:
        return Feature(
            name=name,
            dtype=_typed(item["dtype"], str, where, path, "dtype"),
            description=_typed(item.get("description"), str, where, path, "description"),
            unit=_typed(item.get("unit"), str, where, path, "unit"),
            nullable=item.get("nullable", True),
            coerce=item.get("coerce", False),
            default_value=item.get("default_value"),
            descendants_of=_typed(item.get("descendants_of"), str, where, path, "descendants_of"),
            source=item.get("source"),
            organism=_typed(item.get("organism"), str, where, path, "organism"),
            allow_obsolete=_flag(item, "allow_obsolete", where, path),
        )
    except OntolakeError as error:
        raise SchemaFileError(f"{where}: {path} ({name}): {error}") from None


def _flag(data: dict[str, Any], key: str, where: str, path: str) -> bool:
    return bool(_typed(data.get(key, False), bool, where, path, key))


def _checks(specs: Any, where: str, path: str) -> list[dict[str, Any]]:
    import pandera.pandas as pa

    specs = _typed(specs, list, where, path, "checks") or []
    for spec in specs:
        if not isinstance(spec, dict) or not isinstance(spec.get("check"), str):
            raise SchemaFileError(
                f"{where}: checks{_at(path)} are mappings with a 'check' name, e.g. "
                f"{{check: greater_than_or_equal_to, min_value: 0}}; got {spec!r}."
            )
        if not callable(getattr(pa.Check, spec["check"], None)):
            raise SchemaFileError(
                f"{where}: checks{_at(path)}: pandera has no check {spec['check']!r} (built-in "
                "or registered with pandera.extensions.register_check_method)."
            )
    return list(specs)


def to_yaml(schema: Schema, path: Any = None) -> str:
    """The YAML text of ``schema`` (also written to ``path`` when given).

    Missing folders of ``path`` are created; the file is replaced in one rename, so it is
    never left half-written.

    Example:
        >>> print(to_yaml(from_yaml("name: x")))  # doctest: +ELLIPSIS
        ontolake_schema: 1
        name: x
        ...
    """
    import yaml

    data: dict[str, Any] = {"ontolake_schema": FORMAT_VERSION, **_schema_data(schema)}
    sources = schema.__dict__.get("_sources")
    if sources is None:
        sources = used_sources(schema)
    if sources:
        data = {**dict(list(data.items())[:2]), "sources": sources, **dict(list(data.items())[2:])}
    text = str(yaml.dump(data, Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=100))
    if path is not None:
        from ontolake._atomic import write_text_atomic

        write_text_atomic(path, text)
    return text


def _dumper() -> Any:
    """A safe dumper writing strings with line breaks or edge spaces double-quoted.

    PyYAML's plain and single-quoted styles fold such strings on reading them back.
    """
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, value: str) -> Any:
        quoted = value != value.strip() or any(not c.isprintable() for c in value)
        style = '"' if quoted else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, represent_str)
    return Dumper


def _schema_data(schema: Schema) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in ("name", "description", "otype", "itype", "dtype"):
        if getattr(schema, key) is not None:
            data[key] = getattr(schema, key)
    data.update(schema.name_scope.options())
    for flag in _FLAGS:
        data[flag] = bool(getattr(schema, flag))
    if schema.index is not None:
        data["index"] = _feature_data(schema.index, [])
    checks = schema.member_checks()
    if schema.members:
        data["features"] = [_feature_data(f, checks.get(f.name, [])) for f in schema.members]
    if schema.checks:
        data["checks"] = list(schema.checks)
    if schema.slots:
        data["slots"] = {slot: _schema_data(c) for slot, c in sorted(schema.slots.items())}
    return data


def _feature_data(feature: Feature, checks: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": feature.name, "dtype": feature.dtype}
    if not feature.nullable:
        data["nullable"] = False
    if feature.coerce:
        data["coerce"] = True
    for key in ("default_value", "description", "unit"):
        if getattr(feature, key) is not None:
            data[key] = getattr(feature, key)
    filters = feature.cat_filters or {}
    if "descendants_of" in filters:
        data["descendants_of"] = filters["descendants_of"]
    if "source" in filters:
        data["source"] = f"{filters['source']['name']}@{filters['source']['version']}"
    data.update(LabelScope.of(filters).options())
    if checks:
        data["checks"] = checks
    return data
