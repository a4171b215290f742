"""What ``curate validate`` and ``curate standardize`` share: schema, curator, next steps.

A schema is a YAML file, a saved schema's name or a built-in; the curator is chosen by the
file's format; a schema whose ontology registry was never imported is refused before any
file is read (exit 2, naming the ``curate ontology import`` to run), since every value would
fail; the next steps a report prints are ``curate`` commands.

Example:
    >>> _ = ol.Schema.get(name="obs of scRNA").to_yaml("cells.yaml")
    >>> schema = load_schema("cells.yaml")
    >>> curator = curator_for("cells.parquet", schema)
    >>> type(curator).__name__, curator.non_validated
    ('DataFrameCurator', {'cell_type': ['T-cell', 'unknown cell']})
    >>> type(curator_for("pbmc.h5ad", load_schema("scRNA"))).__name__  # a saved schema
    'AnnDataCurator'
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ontolake.curate.report import NextStep
    from ontolake.registries.features import Feature
    from ontolake.registries.schema import Schema

__all__ = [
    "SCHEMA_HELP",
    "ShellNextSteps",
    "curator_for",
    "load_schema",
    "refuse_convention",
    "require_registries",
]

SCHEMA_HELP = (
    "A schema.yaml file, a saved schema's name, or a built-in: valid_features, "
    "ensembl_gene_ids_and_valid_features_in_obs, cellxgene."
)
"""Suggestion kinds ``standardize`` applies (the others need a person's choice)."""


def load_schema(spec: str) -> Any:
    """A schema from a YAML file, a built-in or saved schema by name; a usage error otherwise.

    Its ontology registries must hold terms (:func:`require_registries`).
    """
    from ontolake.schemas.builtin import CELLXGENE

    if spec == CELLXGENE:
        return CELLXGENE  # the convention reads the ontology versions it pins: no registry
    import ontolake.registries.models  # noqa: F401  (maps every registry before queries)
    from ontolake._files import require_file_or_folder
    from ontolake.errors import DoesNotExistError
    from ontolake.registries.schema import Schema
    from ontolake.schemas.builtin import BUILTIN_SCHEMAS, schema_by_name

    path = Path(spec)
    if path.suffix.lower() in (".yaml", ".yml"):
        if not path.exists():
            raise click.UsageError(f"--schema {spec}: no such schema file.")
        require_file_or_folder(path, "--schema")
        cached = _connect_or_use_cached_registry()
        schema = Schema.from_yaml(path, import_sources=True)
        require_registries(schema, spec, cached=cached)
        return schema
    cached = _connect_or_use_cached_registry() if spec in BUILTIN_SCHEMAS else False
    try:
        schema = schema_by_name(spec)
    except DoesNotExistError as error:
        raise click.UsageError(f"--schema {spec}: {error}") from None
    require_registries(schema, spec, cached=cached)
    return schema


def _connect_or_use_cached_registry() -> bool:
    """Connect as usual; with no instance at all, use a registry in the cache folder.

    So ``curate validate --schema schema.yaml`` works on a fresh machine (a CI runner): the
    sources the schema pins are imported into that registry on first use and reused later.
    Returns whether the cached registry is used.
    """
    from ontolake.errors import NotConnectedError
    from ontolake.instance.settings import settings
    from ontolake.instance.setup import current_instance, init
    from ontolake.storage.cache import cache_dir

    try:
        current_instance()
    except NotConnectedError:
        registry = init(storage=cache_dir() / "schema-registry", remember=False)
        if not settings.quiet:
            click.echo(
                f"ontolake: using instance {registry.root.root} (sqlite) from the cache folder, "
                "as no instance is connected",
                err=True,
            )
        return True
    return False


def require_registries(schema: Schema, spec: str, *, cached: bool) -> None:
    """Refuse a schema whose ontology registries hold no terms yet (nothing could be valid).

    Also runs the features' filters (``descendants_of``, a pinned ``source``), which name
    what is missing (``FeatureValueError``).

    With ``cached`` (no instance is connected: the CLI's registry in the cache folder is
    used), the message names ``curate init`` first, as an import needs an instance; a
    schema file can pin the source instead.

    Raises:
        SourceNotFoundError: an ontology registry is empty; the message names the commands
            that import it (exit 2).
    """
    from ontolake.errors import SourceNotFoundError
    from ontolake.instance.session import current_instance
    from ontolake.registries.feature_labels import target_conditions
    from ontolake.schemas.dtypes import parse_dtype

    needed: dict[str, Any] = {}
    with current_instance().read() as session:
        for part in (schema, *schema.slots.values()):
            for feature in part.members:
                dtype = feature.parsed_dtype
                if not dtype.is_categorical:
                    continue
                for target in dtype.targets:
                    needed.setdefault(target.registry, target.model)
                    if feature.cat_filters and _has_terms(target.model):
                        target_conditions(session, feature, target)
            if part.itype and part.itype != "Feature":
                for target in parse_dtype(f"cat[{part.itype}]").targets:
                    needed.setdefault(target.registry, target.model)
    for registry, model in needed.items():
        if hasattr(model, "import_source") and not _has_terms(model):
            entity = registry.removeprefix("bio.")
            where = f"which is empty: run `curate ontology import {entity}`"
            if cached:
                pin = (
                    "pin its source in the schema file (sources: [{entity: "
                    f"{entity}, name: ..., version: ...}}]), or "
                    if Path(spec).suffix.lower() in (".yaml", ".yml")
                    else ""
                )
                where = (
                    f"and no instance is connected: {pin}run `curate init --storage PATH`, "
                    f"then `curate ontology import {entity}`"
                )
            raise SourceNotFoundError(f"--schema {spec} needs the {entity} registry, {where}.")


def _has_terms(model: Any) -> bool:
    return bool(model.filter().exists())


def curator_for(path: str, schema: Any) -> Any:
    """The curator of the file at ``path``, chosen by its format (and the schema's otype)."""
    from ontolake._files import require_file_or_folder
    from ontolake.errors import PathNotFoundError, UnsupportedObjectError
    from ontolake.schemas.builtin import CELLXGENE

    where = Path(path)
    if not where.exists():
        raise PathNotFoundError(f"{path}: no such file or folder.")
    require_file_or_folder(where)
    suffix = where.suffix.lower()
    if schema == CELLXGENE:
        from ontolake.curate.cellxgene import CellxgeneCurator

        if suffix not in (".h5ad", ".zarr"):
            raise UnsupportedObjectError(
                f"{path}: the cellxgene convention applies to AnnData files (.h5ad, .zarr)."
            )
        return CellxgeneCurator(path)
    if suffix == ".h5mu" or (suffix == ".zarr" and schema.otype == "MuData"):
        from ontolake.curate.mudata import MuDataCurator

        return MuDataCurator(path, schema)
    if suffix == ".zarr":
        from ontolake.curate.spatialdata import SpatialDataCurator, is_spatialdata

        if is_spatialdata(where):
            return SpatialDataCurator(path, schema)
    if suffix in (".h5ad", ".zarr"):
        from ontolake.curate.anndata import AnnDataCurator

        return AnnDataCurator(path, schema)
    if suffix in (".parquet", ".csv", ".tsv"):
        from ontolake.curate.dataframe import DataFrameCurator

        return DataFrameCurator(path, schema)
    raise UnsupportedObjectError(_unreadable(path, where, suffix))


def _unreadable(path: str, where: Path, suffix: str) -> str:
    """Why ``curate`` cannot read ``path``, and which formats it reads."""
    formats = (
        "curate reads .h5ad, .h5mu, .parquet, .csv and .tsv files, and .zarr and .parquet folders"
    )
    if where.is_dir():
        named = f"a folder ending in {suffix}" if suffix else "a folder without a suffix"
        return f"{path}: {named}; {formats}."
    if not suffix:
        return f"{path}: a file without a suffix; {formats}: name it after its format."
    return f"{path}: cannot curate {suffix} files; {formats}."


def _writable(path: str) -> bool:
    from ontolake.cli.writers import unwritable

    return unwritable(Path(path)) is None


def refuse_convention(schema: Any) -> None:
    """A usage error for ``--schema cellxgene``, which only validates."""
    from ontolake.schemas.builtin import CELLXGENE

    if schema == CELLXGENE:
        raise click.UsageError(
            "--schema cellxgene only validates: its columns hold ontology ids, which have no "
            "synonyms to map; standardize names with a schema of your own first."
        )


def standardized_name(path: str) -> str:
    """Where ``curate standardize`` is proposed to write: ``x.csv`` -> ``x.standardized.csv``.

    Example:
        >>> standardized_name("data/cells.parquet")
        'data/cells.standardized.parquet'
    """
    where = Path(path)
    suffix = where.suffix
    return str(where.with_name(f"{where.name[: -len(suffix) or None]}.standardized{suffix}"))


class ShellNextSteps:
    """Writes a report's next steps as ``curate`` commands (``report.step_text``).

    Values ``standardize`` maps -> ``curate standardize PATH --schema S -o PATH'`` (or the
    Python call, for a file it cannot write: a parquet folder); an
    ontology never imported -> ``curate ontology import ENTITY``; new values and typos of an
    ontology registry -> ``curate ontology search ENTITY VALUE`` (the first of them, to look
    for the term meant). An edit of the data (add or rename a column) is said as it is; what only
    Python does (new labels, a new Feature) is named as the Python call.

    Example:
        >>> from ontolake.curate.report import NextStep
        >>> steps = ShellNextSteps("cells.csv", "cells.yaml", schema=None)
        >>> steps(NextStep("standardize", "cell_type", "curator.standardize('cell_type')"))
        'curate standardize cells.csv --schema cells.yaml -o cells.standardized.csv'
        >>> steps(NextStep("import_source", "bio.CellType", "ol.bio.CellType.import_source()"))
        'curate ontology import CellType'
    """

    _EDITS = ("add_column", "rename_column", "replace_values", "make_index_unique")

    def __init__(self, path: str, schema_spec: str, schema: Any) -> None:
        self.path = path
        self.schema_spec = schema_spec
        self.schema = schema

    def __call__(self, step: NextStep) -> str:
        """The command (or instruction) that carries out ``step``."""
        if step.action == "standardize" and _writable(self.path):
            command = ["curate", "standardize", self.path, "--schema", self.schema_spec]
            return shlex.join([*command, "-o", standardized_name(self.path)])
        if step.action == "import_source" and step.key.startswith("bio."):
            return shlex.join(["curate", "ontology", "import", step.key.removeprefix("bio.")])
        if step.action in ("add_new_from", "replace_values") and step.values:
            entity = self._entity(step.key)
            if entity is not None:
                return shlex.join(["curate", "ontology", "search", entity, step.values[0]])
        if step.action in self._EDITS:
            return step.text
        return f"in Python: {step.text}"

    def _entity(self, key: str) -> str | None:
        slot, _, column = key.rpartition(":")
        feature = self._feature(slot or "main", column)
        if feature is None:
            return None
        for target in feature.parsed_dtype.targets:
            if target.registry.startswith("bio."):
                return target.registry.removeprefix("bio.")
        return None

    def _feature(self, slot: str, column: str | None) -> Feature | None:
        if not hasattr(self.schema, "members") or column is None:
            return None
        part = self.schema if slot == "main" else self.schema.slots.get(slot)
        if part is None:
            return None
        found = {feature.name: feature for feature in part.members}.get(column)
        if found is None and part.flexible:
            from ontolake.registries.features import Feature

            found = Feature.filter(name=column).one_or_none()
        return found
