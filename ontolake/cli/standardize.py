"""``curate standardize``: rewrite files with synonyms and case variants made canonical.

Each output keeps its input's format and shape (:mod:`ontolake.cli.writers`) and is written
atomically, with the permissions of the file it replaces. ``-o`` names the output file (one
input, with its suffix) or a folder, created if missing; an input is overwritten only with
``--in-place``, and an input that is a symbolic link is then written through (the file it
points to is replaced; stderr says so).

Every input is processed, whatever happens to the others, and the summary table has one row
per input: the values mapped and the verdict on the file as written (validated again), or
the one-line error that stopped it. Exit 2 if an input could not be read or written, else
1 if an output is not valid, else 0 (3 for a bug).

Example:
    $ curate standardize cells.csv --schema cells.yaml -o fixed/cells.csv
    $ curate standardize a.h5ad b.h5ad --schema scrna --in-place
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ontolake.cli.app import ARGV, main, print_traceback
from ontolake.cli.curation import SCHEMA_HELP, curator_for, load_schema, refuse_convention
from ontolake.cli.failures import INVALID, VALID, Failure

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
    from ontolake._atomic import written_path
    from ontolake._progress import progress

    root = ctx.find_root()
    rows = []
    with progress("standardizing", total=len(outputs), unit="files") as bar:
        for source, target in outputs:
            if written_path(target) != target:
                click.echo(
                    f"{target} is a symbolic link: writing to the file it points to, "
                    f"{written_path(target)}",
                    err=True,
                )
            rows.append(_standardize_one(source, target, schema))
            if rows[-1].failure is not None and root.params.get("debug"):
                print_traceback(rows[-1].failure)
            bar.advance()
    argv = root.meta.get(ARGV, [])
    click.echo(f"{'input':<40} {'output':<40} {'mapped':>6}  result")
    codes = [VALID]
    for row in rows:
        failure = None if row.failure is None else Failure.of(row.failure, argv)
        mapped = "-" if failure is not None else str(row.changed)
        result = row.verdict if failure is None else f"error: {failure.message}"
        click.echo(f"{row.source!s:<40} {written_path(row.target)!s:<40} {mapped:>6}  {result}")
        codes.append(row.code if failure is None else failure.exit_code)
    ctx.exit(max(codes))


@dataclass
class _Row:
    """One input's line of the summary table."""

    source: Path
    target: Path
    changed: int = 0
    verdict: str = ""
    code: int = VALID
    failure: Exception | None = None


def _standardize_one(source: Path, target: Path, schema: Any) -> _Row:
    """Standardize ``source`` into ``target``; any error is kept in the row, not raised."""
    from ontolake.cli.writers import unwritable, write_standardized
    from ontolake.errors import UnsupportedObjectError

    try:
        reason = unwritable(source) if source.exists() else None
        if reason is not None:  # before the curator reads it
            raise UnsupportedObjectError(reason)
        curator = curator_for(str(source), schema)
        mapping = curator.standardize()
        write_standardized(curator, source, target, mapping)
        report = curator_for(str(target), schema).collect()  # the file as written
    except Exception as error:
        return _Row(source, target, failure=error)
    changed = sum(len(values) for values in mapping.values())
    if report.is_valid:
        return _Row(source, target, changed, "valid", VALID)
    return _Row(source, target, changed, f"{len(report.issues)} issue(s) left", INVALID)


def plan_outputs(
    paths: tuple[str, ...], output: str | None, *, in_place: bool
) -> list[tuple[Path, Path]]:
    """``(input, output)`` pairs; a usage error for anything that would surprise.

    ``-o`` is the output file when there is one input and ``-o`` has its suffix; otherwise a
    folder (``-o fixed/``). Refused: neither or both of ``-o`` and ``--in-place``, ``-o``
    pointing at an input without ``--in-place``, ``-o`` naming a file (``x.csv``) for
    several inputs, two inputs written to one file, a single input's output in another
    format. A missing input is not refused here: its row of the summary says so.

    Example:
        >>> plan_outputs(("cells.csv",), "fixed", in_place=False)  # -o a folder
        [(PosixPath('cells.csv'), PosixPath('fixed/cells.csv'))]
        >>> plan_outputs(("cells.csv",), "cells.parquet", in_place=False)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        click.exceptions.UsageError: -o cells.parquet: standardize keeps the format of cells.csv...
    """
    if in_place and output is not None:
        raise click.UsageError(
            "-o and --in-place exclude each other: pass -o OUTPUT to write new files, or "
            "--in-place to overwrite each input."
        )
    if output is None and not in_place:
        raise click.UsageError("pass -o OUTPUT, or --in-place to overwrite each input.")
    sources = [Path(path) for path in paths]
    pairs = [(source, source) for source in sources] if in_place else _pairs(sources, output)
    seen: dict[Path, Path] = {}
    for source, target in pairs:
        if not in_place and target.exists() and target.resolve() == source.resolve():
            raise click.UsageError(
                f"-o {output} would overwrite the input {source}: pass --in-place to do that, "
                "or choose another -o."
            )
        resolved = target.resolve()
        if resolved in seen:
            if in_place:
                raise click.UsageError(
                    f"{seen[resolved]} and {source} are the same file, {resolved}: pass it once."
                )
            raise click.UsageError(
                f"{seen[resolved]} and {source} would both be written to {target}: "
                "standardize them into different folders."
            )
        seen[resolved] = source
    return pairs


def _pairs(sources: list[Path], output: str | None) -> list[tuple[Path, Path]]:
    """Where ``-o`` puts each input: the file it names (one input) or a folder."""
    from ontolake.cli.writers import FORMATS

    assert output is not None
    out = Path(output)
    named = out.suffix.lower() if not output.endswith(("/", "\\")) else ""
    first = sources[0].suffix.lower()
    if len(sources) > 1 and named in FORMATS:
        raise click.UsageError(
            f"-o {output} names one {named} file, but {len(sources)} inputs were given: name "
            f"a folder (-o fixed/, or -o {output}/ for a folder of that name)."
        )
    if len(sources) == 1 and named in FORMATS and named != first:
        raise click.UsageError(
            f"-o {output}: standardize keeps the format of {sources[0]}; name a {first} file "
            "or a folder."
        )
    if len(sources) == 1 and named == first != "":
        return [(sources[0], out)]
    return [(source, out / source.name) for source in sources]
