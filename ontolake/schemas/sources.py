"""Ontology sources a schema file pins: parsed, imported on first use, hashes checked.

A schema file's ``sources`` entries name an ontology registry's entity and a source by
``name`` and ``version`` (and optionally its ``hash``, and a ``location`` to import from
instead of the built-in catalog). ``ensure_sources`` imports the ones the connected instance
lacks; ``pin_features`` makes the schema validate against a pinned version once the instance
uses another; ``used_sources`` names the sources a stored schema's registries currently use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ontolake.errors import ConfigurationError, NotConnectedError, OntolakeError, SchemaFileError
from ontolake.instance.session import current_instance

if TYPE_CHECKING:
    from ontolake.registries.schema import Schema

__all__ = ["ensure_sources", "parse_sources", "pin_features", "used_sources"]

_SOURCE_KEYS = ("entity", "name", "version", "hash", "location", "organism")


def parse_sources(specs: Any, where: str) -> list[dict[str, str]]:
    """The ``sources`` entries of a schema file, checked (``where`` names the file).

    Example:
        >>> parse_sources([{"entity": "CellType", "name": "cl", "version": "v1"}], "x.yaml")
        [{'entity': 'CellType', 'name': 'cl', 'version': 'v1'}]
    """
    from ontolake.schemas.yaml import _typed, _unknown

    specs = _typed(specs, list, where, "", "sources") or []
    sources = []
    for i, spec in enumerate(specs):
        path = f"sources[{i}]"
        _typed(spec, dict, where, "", path)
        _unknown(spec, _SOURCE_KEYS, where, path)
        for key in ("entity", "name", "version"):
            if key not in spec:
                raise SchemaFileError(f"{where}: {path} needs {key!r} (entity, name, version).")
        _typed(spec.get("hash"), str, where, path, "hash")
        sources.append({key: str(value) for key, value in spec.items() if value is not None})
    return sources


def ensure_sources(sources: list[dict[str, str]], where: str = "<schema>") -> None:
    """Import the pinned sources that the connected instance lacks, and check their hashes.

    Example:
        >>> pins = [{"entity": "Phenotype", "name": "hp", "version": "2025-01-16",
        ...          "location": "hp.obo"}]
        >>> ensure_sources(pins)
        >>> ol.bio.Phenotype.filter().count()
        120
    """
    from sqlalchemy import select

    from ontolake.registries import bio
    from ontolake.registries.bio.source import Source

    for spec in sources:
        registry = getattr(bio, spec["entity"], None)
        if registry is None or not hasattr(registry, "import_source"):
            raise SchemaFileError(
                f"{where}: sources names entity {spec['entity']!r}, which is no ontology "
                f"registry: use one of {', '.join(n for n in bio.__all__ if n != 'Source')}."
            )
        version = spec["version"]
        versions = sorted({version, version.removeprefix("v"), "v" + version.removeprefix("v")})
        with current_instance().read() as session:
            stored = session.execute(
                select(Source).where(
                    Source.entity == spec["entity"],
                    Source.name == spec["name"],
                    Source.version.in_(versions),
                    *([Source.organism == spec["organism"]] if "organism" in spec else []),
                )
            ).scalar()
        if stored is None:
            try:
                stored = registry.import_source(
                    spec.get("location", spec["name"]),
                    version=None if "location" in spec else version,
                    organism=spec.get("organism"),
                )
            except OntolakeError as error:
                raise type(error)(
                    f"{where}: source {spec['name']}@{version} of {spec['entity']}: {error}"
                ) from None
        expected = spec.get("hash")
        if expected and stored is not None and stored.hash and stored.hash != expected:
            raise SchemaFileError(
                f"{where}: source {spec['name']}@{version} of {spec['entity']} has hash "
                f"{stored.hash}, not {expected}: the file changed; pin the new hash or use the "
                "pinned file."
            )


def pin_features(schema: Schema, sources: list[dict[str, str]]) -> None:
    """Pin the schema's features to the versions it pins where the instance uses another.

    A schema file pinning ``cl`` 2025-04-10 keeps validating against 2025-04-10 after a
    newer version became current: each feature of that registry without a ``source`` of its
    own takes the pinned version's terms (as ``source="cl@2025-04-10"`` would). While the
    pinned version is the current one, nothing changes. Registries pinned to several
    sources (genes of several organisms) are left as they are.

    Example:
        >>> pins = [{"entity": "CellType", "name": "cl", "version": "v2026-03-26"}]
        >>> pin_features(schema, pins)  # the current version: nothing to pin
        >>> schema.members[0].cat_filters is None
        True
    """
    from sqlalchemy import select

    from ontolake.registries.bio.source import Source

    by_entity: dict[str, list[dict[str, str]]] = {}
    for spec in sources:
        by_entity.setdefault(spec["entity"], []).append(spec)
    pins = {entity: specs[0] for entity, specs in by_entity.items() if len(specs) == 1}
    if not pins:
        return
    try:
        instance = current_instance()
    except ConfigurationError:  # no instance: nothing is current yet
        return
    with instance.read() as session:
        current = {
            (row.entity, row.name): row.version
            for row in session.execute(
                select(Source).where(
                    Source.entity.in_(sorted(pins)), Source.currently_used.is_(True)
                )
            ).scalars()
        }
    pinned = {
        f"bio.{entity}": {"name": spec["name"], "version": spec["version"]}
        for entity, spec in pins.items()
        if (entity, spec["name"]) in current
        and current[(entity, spec["name"])].removeprefix("v") != spec["version"].removeprefix("v")
    }
    for feature in _features(schema):
        filters = feature.cat_filters or {}
        registries = {target.registry for target in feature.parsed_dtype.targets}
        if "source" in filters or len(registries) != 1 or not registries <= pinned.keys():
            continue
        feature.cat_filters = {**filters, "source": pinned[registries.pop()]}


def _features(schema: Schema) -> list[Any]:
    """Every feature of ``schema``, its index and its slots'."""
    found = [*schema.members, *([schema.index] if schema.index is not None else [])]
    for component in schema.slots.values():
        found.extend(_features(component))
    return found


def used_sources(schema: Schema) -> list[dict[str, str]]:
    """The sources currently used by the ontology registries the schema's features name."""
    from sqlalchemy import select

    from ontolake.registries.bio.source import Source

    entities = sorted(_entities(schema))
    if not entities:
        return []
    try:
        instance = current_instance()
    except NotConnectedError:
        return []
    with instance.read() as session:
        rows = session.execute(
            select(Source)
            .where(Source.entity.in_(entities), Source.currently_used.is_(True))
            .order_by(Source.entity, Source.name)
        ).scalars()
        return [
            {
                "entity": source.entity,
                "name": source.name,
                "version": source.version,
                **({"hash": source.hash} if source.hash else {}),
                **({"organism": source.organism} if source.organism else {}),
            }
            for source in rows
        ]


def _entities(schema: Schema) -> set[str]:
    found = {
        target.registry.removeprefix("bio.")
        for feature in _features(schema)
        for target in feature.parsed_dtype.targets
        if target.registry.startswith("bio.")
    }
    for component in [schema, *_schemas(schema)]:
        if component.itype and component.itype.startswith("bio."):
            found.add(component.itype.split(".")[1].split("[")[0])
    return found


def _schemas(schema: Schema) -> list[Schema]:
    """The component schemas of ``schema``, nested ones too."""
    found = []
    for component in schema.slots.values():
        found.extend([component, *_schemas(component)])
    return found
