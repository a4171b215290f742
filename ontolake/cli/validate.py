"""``curate validate``: a verdict CI can trust, as text, JSON, Markdown or HTML.

Exit 0 valid, 1 invalid, 2 usage error or unusable input, 3 internal error. The verdict is
always the file's as stored: ``--standardize`` adds what ``curate standardize`` would change
(a dry run; nothing is written). With ``--format json`` stdout holds exactly one JSON
document whatever happens (so does a ``--report`` file ending in ``.json``; one in Markdown
or HTML holds the same verdict or error as a page: :mod:`ontolake.cli.documents`)::

    {"dataset": ..., "schema": ..., "schema_name": ..., "valid": true | false,
     "n_issues": ..., "slots": ..., "issues": [...], "next_steps": ["curate ..."],
     "exit_code": 0 | 1, "error": null,
     "standardization": null | {"written": false, "changes": [{"where", "value",
                                 "canonical", "count"}], "valid_after": true | false}}

    {"dataset": ... | null, "schema": ... | null, "schema_name": ... | null, "valid": null,
     "exit_code": 2 | 3 | 130,
     "error": {"type": "usage_error" | "input_error" | "internal_error" | "interrupted",
               "exception": "PathNotFoundError", "message": "one line"}}

``dataset`` and ``schema`` are the PATH and ``--schema`` as given on the command line (a
schema file, a saved schema's name or a built-in); ``schema_name`` is the name of the schema
they load (null until it is loaded).

Example:
    $ curate validate cells.parquet --schema cells --format json > report.json
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from ontolake.cli.app import ARGV, main
from ontolake.cli.curation import (
    SCHEMA_HELP,
    ShellNextSteps,
    curator_for,
    load_schema,
    refuse_convention,
)
from ontolake.cli.documents import Outputs
from ontolake.cli.failures import INVALID, VALID

if TYPE_CHECKING:
    from ontolake.curate.report import ValidationReport

__all__ = ["validate"]

_FORMATS = ("text", "json", "markdown", "html")


class _ValidateCommand(click.Command):
    """``validate``, which writes its error document for bad arguments too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        outputs = Outputs.requested_by([str(argument) for argument in args])
        fields = {"dataset": None, "schema": None, "schema_name": None}
        with outputs.documenting_failures([], fields):
            return super().parse_args(ctx, args)


@main.command(cls=_ValidateCommand)
@click.argument("path")
@click.option("--schema", "schema_spec", required=True, help=SCHEMA_HELP)
@click.option(
    "--format", "output_format", type=click.Choice(_FORMATS), default="text", show_default=True
)
@click.option(
    "--standardize",
    is_flag=True,
    help="Also show what `curate standardize` would change (nothing is written; the verdict "
    "stays the file's as stored).",
)
@click.option(
    "--report",
    "report_path",
    default=None,
    help="Also write the report here: .json, .md, else HTML (folders are created).",
)
@click.pass_context
def validate(
    ctx: click.Context,
    path: str,
    schema_spec: str,
    output_format: str,
    standardize: bool,
    report_path: str | None,
) -> None:
    """Validate PATH (.h5ad/.h5mu/.zarr/.parquet/.csv/.tsv) against a schema.

    Exit 0 valid, 1 invalid, 2 usage error or unusable input, 3 internal error.
    """
    outputs = Outputs(output_format, report_path, inputs=[path, schema_spec])
    argv = ctx.find_root().meta.get(ARGV, [])
    fields: dict[str, Any] = {"dataset": path, "schema": schema_spec, "schema_name": None}
    with outputs.documenting_failures(argv, fields):
        outputs.refuse_overwriting()
        schema = load_schema(schema_spec)
        fields["schema_name"] = getattr(schema, "name", schema)
        if standardize:
            refuse_convention(schema)
        curator = curator_for(path, schema)
        report = curator.collect()
        report.step_text = ShellNextSteps(path, schema_spec, schema)
        dry_run = _dry_run(curator, report) if standardize else None
        code = VALID if report.is_valid else INVALID
        outputs.write(_render(report, dry_run, code, fields))
    ctx.exit(code)


def _dry_run(curator: Any, stored: ValidationReport) -> dict[str, Any]:
    """What ``standardize`` would change, in memory, and the verdict it would lead to."""
    counts: dict[tuple[str, str], int] = {}
    for issue in stored.issues:
        label = issue.column if issue.slot == "main" else f"{issue.slot}:{issue.column}"
        for value in issue.values:
            counts[(str(label), value.value)] = value.count
            if issue.column == "index":  # a name list (var.T) is mapped under its slot
                counts[(issue.slot, value.value)] = value.count
    mapping = curator.standardize()
    after = curator.collect() if mapping else stored
    changes = [
        {
            "where": where,
            "value": given,
            "canonical": canonical,
            "count": counts.get((where, given)),
        }
        for where, values in mapping.items()
        for given, canonical in sorted(values.items())
    ]
    return {"written": False, "changes": changes, "valid_after": after.is_valid}


def _render(
    report: ValidationReport, dry_run: dict[str, Any] | None, code: int, fields: dict[str, Any]
) -> dict[str, str]:
    verdict = report.to_dict()
    document = {
        **fields,
        **{key: value for key, value in verdict.items() if key not in fields},
        "exit_code": code,
        "error": None,
        "standardization": dry_run,
    }
    return {
        "json": json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        "text": report.summary() + _dry_run_text(dry_run),
        "markdown": report.to_markdown() + _dry_run_markdown(dry_run),
        "html": report.to_html(),
    }


def _dry_run_text(dry_run: dict[str, Any] | None) -> str:
    if dry_run is None:
        return ""
    changes = dry_run["changes"]
    if not changes:
        return "\nstandardize would change nothing."
    by_where: dict[str, list[str]] = {}
    for change in changes:
        count = "" if change["count"] is None else f" x{change['count']}"
        by_where.setdefault(change["where"], []).append(
            f"{change['value']!r} → {change['canonical']!r}{count}"
        )
    lines = [f"\nstandardize would map {len(changes)} value(s) (dry run: nothing written):"]
    lines += [f"  {where}: {', '.join(shown)}" for where, shown in by_where.items()]
    lines.append(f"after standardizing: {'valid' if dry_run['valid_after'] else 'still not valid'}")
    return "\n".join(lines)


def _dry_run_markdown(dry_run: dict[str, Any] | None) -> str:
    if dry_run is None or not dry_run["changes"]:
        return ""
    lines = [
        "",
        "## What standardize would change (dry run: nothing written)",
        "",
        "| where | value | canonical | count |",
        "|---|---|---|---|",
    ]
    lines += [
        "| " + " | ".join(_cell(c[key]) for key in ("where", "value", "canonical", "count")) + " |"
        for c in dry_run["changes"]
    ]
    after = "valid" if dry_run["valid_after"] else "still not valid"
    return "\n".join([*lines, "", f"After standardizing: {after}.", ""])


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")
