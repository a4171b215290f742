"""``curate ontology import``, ``ls``, ``search``, ``diff`` and ``migrate`` from the shell.

Example:
    $ curate ontology import CellType
    $ curate ontology search CellType "t cel"
    $ curate ontology diff cl 2025-04-10 2026-03-26 --format json
    $ curate ontology migrate cl 2025-04-10 2026-03-26 --dry-run
"""

from __future__ import annotations

from typing import Any

import click

from ontolake.cli.app import main

__all__ = [
    "diff_ontology",
    "entity_model",
    "import_ontology",
    "list_ontologies",
    "migrate_ontology",
    "ontology",
    "search_ontology",
]


@main.group()
def ontology() -> None:
    """Import, list and search ontologies (offline: files, URLs or the built-in catalog)."""


def entity_model(name: str) -> Any:
    """The ontology registry called ``name`` (``CellType``); an error listing them otherwise."""
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

    model = entity_model(entity)
    start = time.perf_counter()
    imported = model.import_source(source, version=version, organism=organism, update=update)
    click.echo(
        f"{entity}: {imported.name} {imported.version} ({imported.n_terms} terms) "
        f"in {time.perf_counter() - start:.2f} s; {model.filter().count()} records"
    )


@ontology.command(name="ls")
@click.option("--available", is_flag=True, help="List the built-in catalog instead.")
def list_ontologies(available: bool) -> None:
    """List imported sources (or, with --available, the built-in catalog).

    A ``*`` marks the version in use of each ontology (explained on stderr).
    """
    if available:
        from ontolake.ontology_sources.catalog import available as catalog

        for spec in catalog():
            organism = f" ({spec.organism})" if spec.organism else ""
            click.echo(f"{spec.entity:<20} {spec.name}{organism} {spec.version}")
        return
    from ontolake.registries.bio.source import Source

    sources = Source.filter().order_by("entity", "name", "version")
    marked = False
    for source in sources:
        marked = marked or source.currently_used
        current = " *" if source.currently_used else ""
        click.echo(
            f"{source.entity:<20} {source.name} {source.version} {source.n_terms or 0:>8} terms"
            f"{current}"
        )
    if marked:
        click.echo("*: the version in use of that ontology (the last one imported)", err=True)
    if not sources.exists():
        click.echo(
            "no ontology imported yet: `curate ontology ls --available` lists the built-in "
            "ones, `curate ontology import ENTITY` imports one",
            err=True,
        )


@ontology.command(name="search")
@click.argument("entity")
@click.argument("text")
@click.option("--limit", default=10, show_default=True, help="Show at most this many.")
def search_ontology(entity: str, text: str, limit: int) -> None:
    """Search the imported ENTITY registry by name, id and synonyms."""
    from ontolake.errors import SourceNotFoundError

    model = entity_model(entity)
    if not model.filter().exists():
        raise SourceNotFoundError(
            f"The {entity} registry is empty: import its ontology first with "
            f"`curate ontology import {entity}`."
        )
    for ontology_id, name in model.search(text, limit=limit).rows(model.ontology_id, model.name):
        click.echo(f"{ontology_id or '':<16} {name}")


_FORMAT = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A readable report or one JSON document.",
)
_ORGANISM = click.option("--organism", default=None, help="For organism-specific sources.")


@ontology.command(name="diff")
@click.argument("source")
@click.argument("old")
@click.argument("new")
@_ORGANISM
@_FORMAT
def diff_ontology(
    source: str, old: str, new: str, organism: str | None, output_format: str
) -> None:
    """List what changed in SOURCE (cl, hp … or CellType …) from version OLD to NEW.

    Added, removed and renamed terms, terms newly obsolete (with their replacements) or no
    longer obsolete, and synonym changes; sorted by ontology id.
    """
    from ontolake.registries.bio.version_diff import diff_versions

    change = diff_versions(source, old, new, organism=organism)
    click.echo(change.to_json() if output_format == "json" else change.to_text())


@ontology.command(name="migrate")
@click.argument("source")
@click.argument("old")
@click.argument("new")
@_ORGANISM
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@_FORMAT
@click.pass_context
def migrate_ontology(
    ctx: click.Context,
    source: str,
    old: str,
    new: str,
    organism: str | None,
    dry_run: bool,
    output_format: str,
) -> None:
    """Re-annotate artifacts' labels of SOURCE from version OLD to NEW through replaced_by.

    One transaction: every change or none. Terms the ontology gives no single live
    replacement for are reported and left as they are. Exit 0: nothing needs a person;
    1: some terms do (listed).
    """
    from ontolake.registries.bio.version_migrate import migrate_labels

    report = migrate_labels(source, old, new, organism=organism, dry_run=dry_run)
    click.echo(report.to_json() if output_format == "json" else report.to_text())
    ctx.exit(1 if report.needs_person else 0)
