"""The ``curate`` command: instances, artifacts and search from the shell.

Errors print one line naming what went wrong and what to do, with no traceback, and exit
with the error's code (1 for failures, 2 for usage and input errors). Only ``click`` and
``ontolake.errors`` are imported up front, so ``curate --help`` answers at once.

Example:
    $ curate init --storage ./data
    $ curate save sample.fasta --key raw/sample.fasta
    $ curate ls --key-prefix raw/
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ontolake.errors import OntolakeError

__all__ = ["main"]


class _Group(click.Group):
    """A click group that turns ontolake errors into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OntolakeError as error:
            click.secho(f"error: {error}", fg="red", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ontolake", prog_name="curate")
def main() -> None:
    """Curate, version and find biological data with ontolake."""


@main.command()
@click.option("--storage", required=True, help="Local folder or fsspec URL (s3://bucket/prefix).")
@click.option("--db", default=None, help="Database URL; default: SQLite inside the storage.")
def init(storage: str, db: str | None) -> None:
    """Create an instance (or connect to the one at STORAGE)."""
    import ontolake as ol

    instance = ol.init(storage=storage, db=db)
    click.echo(f"instance ready: storage {instance.root.root}, {instance.db_description}")


@main.command()
def info() -> None:
    """Show the connected instance: storage, database, schema revision and counts."""
    from ontolake.instance.migrate import current_revision
    from ontolake.instance.setup import current_instance
    from ontolake.registries.artifact import Artifact

    instance = current_instance()
    click.echo(f"storage:   {instance.root.root}")
    click.echo(f"database:  {instance.db_description}")
    click.echo(f"schema:    {current_revision(instance.engine)}")
    click.echo(f"artifacts: {Artifact.filter(is_latest=True).count()} (latest versions)")


@main.command()
@click.argument("path")
@click.option("--key", default=None, help="Virtual path such as raw/sample.fasta.")
@click.option("--description", default=None, help="Free text describing the content.")
def save(path: str, key: str | None, description: str | None) -> None:
    """Save the file, folder or URL at PATH as an artifact (a new version under KEY)."""
    from ontolake.registries.artifact import Artifact

    artifact = Artifact(path, key=key, description=description).save()
    click.echo(f"saved {artifact.uid} key={artifact.key} version={artifact.version}")


@main.command()
@click.option("--key", default=None, help="Key of the artifact (its latest version).")
@click.option("--uid", default=None, help="uid (or uid prefix) of the artifact.")
def load(key: str | None, uid: str | None) -> None:
    """Print a local path to an artifact's content (downloaded once when remote)."""
    from ontolake.registries.artifact import Artifact

    if (key is None) == (uid is None):
        raise click.UsageError("pass exactly one of --key or --uid")
    artifact = Artifact.get(uid) if uid else Artifact.get(key=key, is_latest=True)
    click.echo(artifact.cache())


@main.command(name="ls")
@click.option("--key-prefix", default="", help="Only keys starting with this prefix.")
@click.option("--all-versions", is_flag=True, help="List every version, not only the latest.")
def list_artifacts(key_prefix: str, all_versions: bool) -> None:
    """List artifacts: uid, version, size and key."""
    from ontolake.registries.artifact import Artifact

    query = Artifact.filter(key__startswith=key_prefix) if key_prefix else Artifact.filter()
    if not all_versions:
        query = query.filter(is_latest=True)
    rows = query.order_by("key", "version").rows(
        Artifact.uid, Artifact.version, Artifact.size, Artifact.key
    )
    for uid, version, size, key in rows:
        click.echo(f"{uid}  v{version:<3} {size or 0:>12}  {key or ''}")
    click.echo(f"{len(rows)} artifact(s)", err=True)


@main.command()
@click.argument("text")
@click.option("--limit", default=20, show_default=True, help="Show at most this many.")
def search(text: str, limit: int) -> None:
    """Search the latest artifacts by key and description (exact > prefix > substring > fuzzy)."""
    from ontolake.registries.artifact import Artifact

    found = Artifact.filter(is_latest=True).search(text, limit=limit)
    for uid, key, description in found.rows(Artifact.uid, Artifact.key, Artifact.description):
        click.echo(f"{uid}  {key or ''}  {description or ''}".rstrip())


@main.command()
@click.option("--key", default=None, help="Key of the artifact (its latest version).")
@click.option("--uid", default=None, help="uid (or uid prefix) of an artifact or a run.")
@click.option(
    "-o",
    "--output",
    default=None,
    help="Write the graph here: .svg/.png/.pdf (drawn by Graphviz) or .dot; default: stdout.",
)
@click.option("--downstream", is_flag=True, help="Also show what was made from it.")
def lineage(key: str | None, uid: str | None, output: str | None, downstream: bool) -> None:
    """Show the lineage of an artifact (or run): inputs, runs and transforms, as a graph."""
    from ontolake._graphviz import render
    from ontolake.lineage.graph import build_lineage
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.lineage import Run

    if (key is None) == (uid is None):
        raise click.UsageError("pass exactly one of --key or --uid")
    record: Artifact | Run
    if key is not None:
        record = Artifact.get(key=key, is_latest=True)
    else:
        assert uid is not None
        run = Run.filter(uid__startswith=uid).one_or_none() if uid else None
        record = run if run is not None else Artifact.get(uid)
    graph = build_lineage(record, downstream=downstream)
    dot = graph.to_dot()
    if output is None:
        click.echo(dot, nl=False)
        return
    written = render(dot, output)
    click.echo(f"wrote {written} ({len(graph.nodes)} nodes, {len(graph.edges)} edges)")


@main.group()
def ontology() -> None:
    """Import, list and search ontologies (offline: files, URLs or the built-in catalog)."""


def _entity(name: str) -> Any:
    import ontolake as ol
    from ontolake.errors import SourceNotFoundError
    from ontolake.registries.bio.term import OntologyTerm

    model = getattr(ol.bio, name, None)
    if not (isinstance(model, type) and issubclass(model, OntologyTerm)):
        known = sorted(
            entity
            for entity in ol.bio.__all__
            if isinstance(getattr(ol.bio, entity), type)
            and issubclass(getattr(ol.bio, entity), OntologyTerm)
        )
        raise SourceNotFoundError(f"Unknown entity {name!r}; choose one of {', '.join(known)}.")
    return model


@ontology.command(name="import")
@click.argument("entity")
@click.option("--source", default=None, help="Catalog name, file path or URL (default: built-in).")
@click.option("--version", "version", default=None, help="Catalog version (default: newest).")
@click.option("--organism", default=None, help="For organism-specific sources (default: human).")
@click.option("--update", is_flag=True, help="Re-import even if this version is imported.")
def import_ontology(
    entity: str, source: str | None, version: str | None, organism: str | None, update: bool
) -> None:
    """Import an ontology into the ENTITY registry (CellType, Tissue, Disease, Gene …)."""
    import time

    model = _entity(entity)
    start = time.perf_counter()
    imported = model.import_source(source, version=version, organism=organism, update=update)
    click.echo(
        f"{entity}: {imported.name} {imported.version} ({imported.n_terms} terms) "
        f"in {time.perf_counter() - start:.2f} s; {model.filter().count()} records"
    )


@ontology.command(name="ls")
@click.option("--available", is_flag=True, help="List the built-in catalog instead.")
def list_ontologies(available: bool) -> None:
    """List imported sources (or, with --available, the built-in catalog)."""
    if available:
        from ontolake.ontology_sources.catalog import available as catalog

        for spec in catalog():
            organism = f" ({spec.organism})" if spec.organism else ""
            click.echo(f"{spec.entity:<20} {spec.name}{organism} {spec.version}")
        return
    from ontolake.registries.bio.source import Source

    for source in Source.filter().order_by("entity", "name", "version"):
        current = " *" if source.currently_used else ""
        click.echo(
            f"{source.entity:<20} {source.name} {source.version} {source.n_terms or 0:>8} terms"
            f"{current}"
        )


@ontology.command(name="search")
@click.argument("entity")
@click.argument("text")
@click.option("--limit", default=10, show_default=True, help="Show at most this many.")
def search_ontology(entity: str, text: str, limit: int) -> None:
    """Search the imported ENTITY registry by name, id and synonyms."""
    model = _entity(entity)
    for ontology_id, name in model.search(text, limit=limit).rows(model.ontology_id, model.name):
        click.echo(f"{ontology_id or '':<16} {name}")


@main.command()
@click.option(
    "--fix",
    is_flag=True,
    help="Remove orphan files and staging leftovers; mark runs of dead processes aborted.",
)
@click.option("--no-hash", is_flag=True, help="Skip re-hashing stored files (faster).")
def doctor(fix: bool, no_hash: bool) -> None:
    """Check that every artifact has its file (with the right hash) and every file its row.

    Also lists runs of this machine left "started" by a process that died (SIGKILL).
    """
    from ontolake.instance.setup import current_instance
    from ontolake.registries.doctor import diagnose

    diagnosis = diagnose(current_instance(), fix=fix, check_hashes=not no_hash)
    for line in diagnosis.lines():
        click.echo(line)
    if not diagnosis.healthy:
        raise click.exceptions.Exit(1)


@main.command()
@click.option("--db", required=True, help="The instance's database URL, as its tables' owner.")
@click.option("--reader", default=None, help="Read-only role name (default: <database>_reader).")
@click.option("--writer", default=None, help="Read-write role name (default: <database>_writer).")
@click.option(
    "--reader-password",
    envvar="ONTOLAKE_READER_PASSWORD",
    default=None,
    help="Its password (better: the env variable); default: generated for a new role.",
)
@click.option(
    "--writer-password",
    envvar="ONTOLAKE_WRITER_PASSWORD",
    default=None,
    help="Its password (better: the env variable); default: generated for a new role.",
)
def roles(
    db: str,
    reader: str | None,
    writer: str | None,
    reader_password: str | None,
    writer_password: str | None,
) -> None:
    """Create a read-only and a read-write PostgreSQL role for an instance (printed once)."""
    from ontolake.instance.roles import create_roles

    grants = create_roles(
        db,
        reader=reader,
        writer=writer,
        reader_password=reader_password,
        writer_password=writer_password,
    )
    for grant in grants:
        click.echo(f"{grant.access} role {grant.name}: {grant.url}")
        if grant.password is None:
            click.echo("  (the role existed: its password is unchanged)")
        if grant.note:
            click.echo(f"  note: {grant.note}")
    if any(grant.password for grant in grants):
        click.echo(
            "These passwords are shown only now: keep them in a password manager or ~/.pgpass.",
            err=True,
        )


@main.command()
@click.option("--storage", default=None, help="Instance to migrate (default: the connected one).")
def migrate(storage: str | None) -> None:
    """Upgrade the instance's database schema to this version of ontolake."""
    from ontolake.instance.engine import database_errors
    from ontolake.instance.migrate import SCHEMA_REVISION, current_revision, upgrade
    from ontolake.instance.setup import locate

    engine, description = locate(storage)
    try:
        with database_errors(description):
            before = current_revision(engine)
            upgrade(engine)
    finally:
        engine.dispose()
    click.echo(f"{description}: schema {before} -> {SCHEMA_REVISION}")


# ---- curation ------------------------------------------------------------------------------
_FORMATS = ("text", "json", "markdown", "html")
_SCHEMA_HELP = (
    "A schema.yaml file, a saved schema's name, or a built-in: valid_features, "
    "ensembl_gene_ids_and_valid_features_in_obs, cellxgene."
)


def _load_schema(spec: str) -> Any:
    """A schema from a YAML file, a built-in or saved schema by name; a usage error otherwise."""
    from pathlib import Path

    import ontolake.registries.models  # noqa: F401  (maps every registry before queries)
    from ontolake.errors import DoesNotExistError
    from ontolake.registries.schema import Schema
    from ontolake.schemas.builtin import BUILTIN_SCHEMAS, CELLXGENE, schema_by_name

    path = Path(spec)
    if path.suffix.lower() in (".yaml", ".yml"):
        if not path.exists():
            raise click.UsageError(f"--schema {spec}: no such schema file.")
        _connect_or_use_cached_registry()
        return Schema.from_yaml(path, import_sources=True)
    if spec in BUILTIN_SCHEMAS:
        _connect_or_use_cached_registry()
    if spec == CELLXGENE:
        return CELLXGENE
    try:
        return schema_by_name(spec)
    except DoesNotExistError as error:
        raise click.UsageError(f"--schema {spec}: {error}") from None


def _connect_or_use_cached_registry() -> None:
    """Connect as usual; with no instance at all, use a registry in the cache folder.

    So ``curate validate --schema schema.yaml`` works on a fresh machine (a CI runner): the
    sources the schema pins are imported into that registry on first use and reused later.
    """
    from ontolake.errors import NotConnectedError
    from ontolake.instance.setup import current_instance, init
    from ontolake.storage.cache import cache_dir

    try:
        current_instance()
    except NotConnectedError:
        init(storage=cache_dir() / "schema-registry", remember=False)


def _curator(path: str, schema: Any) -> Any:
    from pathlib import Path

    from ontolake.errors import UnsupportedObjectError
    from ontolake.schemas.builtin import CELLXGENE

    suffix = Path(path).suffix.lower()
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

        if is_spatialdata(Path(path)):
            return SpatialDataCurator(path, schema)
    if suffix in (".h5ad", ".zarr"):
        from ontolake.curate.anndata import AnnDataCurator

        return AnnDataCurator(path, schema)
    if suffix in (".parquet", ".csv", ".tsv"):
        from ontolake.curate.dataframe import DataFrameCurator

        return DataFrameCurator(path, schema)
    raise UnsupportedObjectError(
        f"{path}: cannot curate {suffix or 'files without a suffix'} files; use .h5ad, .h5mu, "
        ".zarr, .parquet, .csv or .tsv."
    )


def _refuse_convention(schema: Any) -> None:
    from ontolake.schemas.builtin import CELLXGENE

    if schema == CELLXGENE:
        raise click.UsageError(
            "--schema cellxgene only validates: its columns hold ontology ids, which have no "
            "synonyms to map; standardize names with a schema of your own first."
        )


def _render(report: Any, output_format: str) -> str:
    if output_format == "json":
        return str(report.to_json())
    if output_format == "markdown":
        return str(report.to_markdown())
    if output_format == "html":
        return str(report.to_html())
    return str(report.summary())


@main.command()
@click.argument("path")
@click.option("--schema", "schema_spec", required=True, help=_SCHEMA_HELP)
@click.option(
    "--format", "output_format", type=click.Choice(_FORMATS), default="text", show_default=True
)
@click.option("--standardize", is_flag=True, help="Map synonyms and case variants first.")
@click.option("--report", "report_path", default=None, help="Also write the report here (.html).")
@click.pass_context
def validate(
    ctx: click.Context,
    path: str,
    schema_spec: str,
    output_format: str,
    standardize: bool,
    report_path: str | None,
) -> None:
    """Validate PATH (.h5ad/.h5mu/.zarr/.parquet/.csv) against a schema: exit 0 valid, 1 invalid."""
    from pathlib import Path

    schema = _load_schema(schema_spec)
    if standardize:
        _refuse_convention(schema)
    curator = _curator(path, schema)
    if standardize:
        curator.standardize()
    report = curator.collect()
    click.echo(_render(report, output_format).rstrip("\n"))
    if report_path is not None:
        target = Path(report_path)
        kind = {".json": "json", ".md": "markdown"}.get(target.suffix.lower(), "html")
        target.write_text(_render(report, kind), encoding="utf-8")
    ctx.exit(0 if report.is_valid else 1)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--schema", "schema_spec", required=True, help=_SCHEMA_HELP)
@click.option(
    "-o",
    "--output",
    required=True,
    help="Output file (one input) or folder (several inputs); files keep their names.",
)
@click.pass_context
def standardize(ctx: click.Context, paths: tuple[str, ...], schema_spec: str, output: str) -> None:
    """Rewrite PATHS with synonyms and case variants mapped to canonical values."""
    from pathlib import Path

    schema = _load_schema(schema_spec)
    _refuse_convention(schema)
    out = Path(output)
    if len(paths) > 1 or out.is_dir():
        out.mkdir(parents=True, exist_ok=True)
    invalid = 0
    from ontolake._progress import progress

    with progress("standardizing", total=len(paths), unit="files") as bar:
        rows = []
        for path in paths:
            curator = _curator(path, schema)
            mapping = curator.standardize()
            destination = out / Path(path).name if out.is_dir() else out
            _write_curated(curator, destination)
            report = curator.collect()
            invalid += not report.is_valid
            changed = sum(len(m) for m in mapping.values())
            verdict = "valid" if report.is_valid else f"{len(report.issues)} issue(s) left"
            rows.append((path, str(destination), changed, verdict))
            bar.advance()
    click.echo(f"{'input':<40} {'output':<40} {'mapped':>6}  result")
    for source, written, changed, verdict in rows:
        click.echo(f"{source:<40} {written:<40} {changed:>6}  {verdict}")
    ctx.exit(1 if invalid else 0)


def _write_curated(curator: Any, target: Any) -> None:
    from ontolake.errors import UnsupportedObjectError

    if hasattr(curator, "write"):
        curator.write(target)
        return
    frame = curator.dataset
    suffix = target.suffix.lower()
    if suffix == ".parquet":
        frame.to_parquet(target)
    elif suffix in (".csv", ".tsv"):
        frame.to_csv(target, sep="\t" if suffix == ".tsv" else ",")
    else:
        raise UnsupportedObjectError(f"{target}: write tables as .parquet, .csv or .tsv.")


if __name__ == "__main__":
    sys.exit(main())
