"""``curate save``, ``load``, ``ls``, ``search`` and ``lineage``: artifacts from the shell.

Example:
    $ curate save sample.fasta --key raw/sample.fasta
    $ curate ls --key-prefix raw/
    $ curate lineage --key raw/sample.fasta -o lineage.svg
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ontolake.cli.app import main

if TYPE_CHECKING:
    from ontolake.registries.artifact import Artifact

__all__ = ["lineage", "list_artifacts", "load", "save", "search"]


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
    click.echo(_artifact(key, uid).cache())


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
    rows = found.rows(Artifact.uid, Artifact.key, Artifact.description)
    for uid, key, description in rows:
        click.echo(f"{uid}  {key or ''}  {description or ''}".rstrip())
    click.echo(f"{len(rows)} artifact(s)", err=True)


@main.command()
@click.option("--key", default=None, help="Key of the artifact (its latest version).")
@click.option("--uid", default=None, help="uid (or uid prefix) of an artifact or a run.")
@click.option(
    "-o",
    "--output",
    default=None,
    help="Write the graph here: .svg (Graphviz, else drawn in Python), .png/.pdf or .dot; "
    "default: stdout.",
)
@click.option("--downstream", is_flag=True, help="Also show what was made from it.")
def lineage(key: str | None, uid: str | None, output: str | None, downstream: bool) -> None:
    """Show the lineage of an artifact (or run): inputs, runs and transforms, as a graph."""
    from ontolake._graphviz import render
    from ontolake.lineage.graph import build_lineage
    from ontolake.registries.lineage import Run

    run = Run.filter(uid__startswith=uid).one_or_none() if uid and key is None else None
    record = run if run is not None else _artifact(key, uid)
    graph = build_lineage(record, downstream=downstream)
    dot = graph.to_dot()
    if output is None:
        click.echo(dot, nl=False)
        return
    written = render(dot, output)
    click.echo(f"wrote {written} ({len(graph.nodes)} nodes, {len(graph.edges)} edges)")


def _artifact(key: str | None, uid: str | None) -> Artifact:
    """The latest artifact with ``key``, or the one with ``uid``; an error naming the fix."""
    import shlex

    from ontolake.errors import DoesNotExistError
    from ontolake.registries.artifact import Artifact

    if (key is None) == (uid is None):
        raise click.UsageError("pass exactly one of --key or --uid")
    try:
        return Artifact.get(uid) if uid else Artifact.get(key=key, is_latest=True)
    except DoesNotExistError:
        given = f"key {key!r}" if key is not None else f"uid {uid!r}"
        raise DoesNotExistError(
            f"No artifact with {given}: `curate ls` lists them, "
            f"`curate search {shlex.quote(str(key or uid))}` finds similar keys."
        ) from None
