"""``curate standardize``: rewrite files with synonyms and case variants made canonical.

Each output keeps its input's format and shape (:mod:`ontolake.cli.writers`) and is written
atomically. ``-o`` names the output file (with the input's suffix) or a folder, created if
missing; an input is overwritten only with ``--in-place``. The verdict is the one of each
file as written, validated again: exit 0 when every output is valid, 1 when one is not,
2 for a usage error or an unusable input.

Example:
    $ curate standardize cells.csv --schema cells.yaml -o fixed/cells.csv
    $ curate standardize a.h5ad b.h5ad --schema scrna --in-place
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ontolake.cli.app import main
from ontolake.cli.curation import SCHEMA_HELP, curator_for, load_schema, refuse_convention
from ontolake.cli.failures import INVALID, VALID

__all__ = ["plan_outputs", "standardize"]


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--schema", "schema_spec", required=True, help=SCHEMA_HELP)
@click.option(
    "-o",
    "--output",
    default=None,
    help="Output file (one input, same suffix) or folder (created if missing); files keep "
    "their names.",
)
@click.option("--in-place", is_flag=True, help="Overwrite each input (instead of -o).")
@click.pass_context
def standardize(
    ctx: click.Context,
    paths: tuple[str, ...],
    schema_spec: str,
    output: str | None,
    in_place: bool,
) -> None:
    """Rewrite PATHS with synonyms and case variants mapped to canonical values."""
    outputs = plan_outputs(paths, output, in_place=in_place)
    schema = load_schema(schema_spec)
    refuse_convention(schema)
    from ontolake._progress import progress

    rows = []
    with progress("standardizing", total=len(outputs), unit="files") as bar:
        for source, target in outputs:
            rows.append(_standardize_one(source, target, schema))
            bar.advance()
    click.echo(f"{'input':<40} {'output':<40} {'mapped':>6}  result")
    for source, target, changed, verdict in rows:
        click.echo(f"{source!s:<40} {target!s:<40} {changed:>6}  {verdict}")
    ctx.exit(VALID if all(verdict == "valid" for *_, verdict in rows) else INVALID)


def _standardize_one(source: Path, target: Path, schema: Any) -> tuple[Path, Path, int, str]:
    """Standardize ``source`` into ``target``; the row of the summary table."""
    from ontolake.cli.writers import write_standardized
    from ontolake.errors import UnsupportedObjectError

    curator = curator_for(str(source), schema)
    mapping = curator.standardize()
    try:
        write_standardized(curator, source, target, mapping)
    except UnsupportedObjectError as error:
        raise UnsupportedObjectError(f"{source}: {error}") from None
    report = curator_for(str(target), schema).collect()  # the file as written
    changed = sum(len(values) for values in mapping.values())
    return (
        source,
        target,
        changed,
        "valid" if report.is_valid else f"{len(report.issues)} issue(s) left",
    )


def plan_outputs(
    paths: tuple[str, ...], output: str | None, *, in_place: bool
) -> list[tuple[Path, Path]]:
    """``(input, output)`` pairs; a usage error for anything that would surprise.

    ``-o`` is the output file when there is one input and ``-o`` has its suffix; otherwise a
    folder (``-o fixed/``). Refused: neither or both of ``-o`` and ``--in-place``, ``-o``
    pointing at an input without ``--in-place``, two inputs of the same name into one
    folder, a missing input, a single input's output in another format.

    Example:
        >>> plan_outputs(("cells.csv",), "fixed", in_place=False)  # -o a folder
        [(PosixPath('cells.csv'), PosixPath('fixed/cells.csv'))]
        >>> plan_outputs(("cells.csv",), "cells.parquet", in_place=False)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        click.exceptions.UsageError: -o cells.parquet: standardize keeps the format of cells.csv...
    """
    from ontolake.errors import PathNotFoundError

    if in_place == (output is not None):
        raise click.UsageError("pass -o OUTPUT, or --in-place to overwrite each input.")
    sources = [Path(path) for path in paths]
    for source in sources:
        if not source.exists():
            raise PathNotFoundError(f"{source}: no such file or folder.")
    if in_place:
        return [(source, source) for source in sources]
    assert output is not None
    from ontolake.cli.writers import FORMATS

    out = Path(output)
    first = sources[0].suffix.lower()
    if len(sources) == 1 and out.suffix.lower() in FORMATS and out.suffix.lower() != first:
        raise click.UsageError(
            f"-o {output}: standardize keeps the format of {sources[0]}; name a {first} file "
            "or a folder."
        )
    as_file = (
        len(sources) == 1 and not output.endswith(("/", "\\")) and out.suffix.lower() == first != ""
    )
    pairs = [(sources[0], out)] if as_file else [(s, out / s.name) for s in sources]
    seen: dict[Path, Path] = {}
    for source, target in pairs:
        if target.exists() and target.resolve() == source.resolve():
            raise click.UsageError(
                f"-o {output} would overwrite the input {source}: pass --in-place to do that, "
                "or choose another -o."
            )
        resolved = target.resolve()
        if resolved in seen:
            raise click.UsageError(
                f"{seen[resolved]} and {source} would both be written to {target}: "
                "standardize them into different folders."
            )
        seen[resolved] = source
    return pairs
