"""Where ``curate validate`` writes its documents: stdout, and a ``--report`` file.

stdout gets the verdict in ``--format`` (with ``json``, an error document when there is no
verdict); a ``--report`` file gets the verdict or the error document in the format its suffix
names (``.json``, ``.md``, anything else HTML: an error page), so a failed run does not leave
an earlier run's verdict in the report file.

A report is never written over a file named on the command line: a ``--report`` that is (or
links to) the dataset or the schema file, or lies inside the dataset's folder, is a usage
error (exit 2) and nothing is written anywhere.

Example:
    >>> outputs = Outputs("text", "cells.csv", inputs=["cells.csv", "cells.yaml"])
    >>> outputs.refuse_overwriting()
    Traceback (most recent call last):
    click.exceptions.UsageError: --report cells.csv would overwrite cells.csv, given on the command line: choose another report file.
"""  # noqa: E501

from __future__ import annotations

import contextlib
import html
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from ontolake.cli.failures import Failure

__all__ = ["REPORT_KINDS", "Outputs"]

REPORT_KINDS = {".json": "json", ".md": "markdown"}
"""A ``--report`` file's format by suffix (anything else: HTML)."""
_VALUE_OPTIONS = ("--schema", "--format", "--report")
"""``validate``'s options that take a value (the others are flags)."""


class Outputs:
    """Where ``validate`` writes documents: stdout in ``output_format``, ``--report`` by suffix.

    Args:
        output_format: ``text``, ``json``, ``markdown`` or ``html`` (stdout).
        report_path: the ``--report`` file, if any.
        inputs: the other paths of the command line (dataset, schema), which the report must
            not overwrite.
    """

    def __init__(
        self, output_format: str, report_path: str | None, inputs: Sequence[str] = ()
    ) -> None:
        self.output_format = output_format
        self.report_path = Path(report_path) if report_path else None
        suffix = self.report_path.suffix.lower() if self.report_path else ""
        self.report_format = REPORT_KINDS.get(suffix, "html")
        self.refusal = _overwrites(report_path, inputs)

    @classmethod
    def requested_by(cls, args: list[str]) -> Outputs:
        """The outputs asked for by raw arguments (when click could not parse them)."""
        values: dict[str, str] = {}
        others: list[str] = []
        position = 0
        while position < len(args):
            argument = args[position]
            option, equals, value = argument.partition("=")
            if option in _VALUE_OPTIONS and equals:
                values[option] = value
            elif argument in _VALUE_OPTIONS and position + 1 < len(args):
                position += 1
                values[argument] = args[position]
            elif not argument.startswith("-"):
                others.append(argument)
            position += 1
        if "--schema" in values:
            others.append(values["--schema"])
        return cls(values.get("--format", "text"), values.get("--report"), others)

    def refuse_overwriting(self) -> None:
        """A usage error if the report would overwrite a file of the command line."""
        if self.refusal is not None:
            raise click.UsageError(self.refusal)

    def write(self, render: dict[str, str]) -> None:
        """Write the report file (first: it may fail), then stdout; ``render`` by format."""
        if self.report_path is not None:
            from ontolake._atomic import write_text_atomic

            write_text_atomic(self.report_path, render[self.report_format])
        click.echo(render[self.output_format].rstrip("\n"))

    def write_failure(self, failure: Failure, **fields: Any) -> None:
        """The error document on stdout (``--format json``) and in the ``--report`` file."""
        document = failure.document(**fields)
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        if self.report_path is not None and self.refusal is None:
            from ontolake._atomic import write_text_atomic

            page = {"json": text, "markdown": _markdown(document), "html": _html(document)}
            with contextlib.suppress(Exception):  # the report may be what cannot be written
                write_text_atomic(self.report_path, page[self.report_format])
        if self.output_format == "json":
            click.echo(text.rstrip("\n"))

    @contextlib.contextmanager
    def documenting_failures(self, argv: list[str], fields: dict[str, Any]) -> Iterator[None]:
        """Write the error document of any error raised inside (``fields`` first), re-raise it.

        ``fields`` is read when the error happens, so the block may fill it in as it goes.
        A closed stdout (``BrokenPipeError``) is left to the caller: nothing can be written.
        """
        try:
            yield
        except (click.exceptions.Exit, click.exceptions.Abort, BrokenPipeError):
            raise
        except (Exception, KeyboardInterrupt) as error:
            self.write_failure(Failure.of(error, argv), **fields)
            raise


def _overwrites(given_report: str | None, inputs: Sequence[str]) -> str | None:
    """Why writing the report would destroy one of ``inputs`` (None: it would not)."""
    if not given_report:
        return None
    report = Path(given_report)
    target = report.resolve()
    for given in inputs:
        path = Path(given)
        if not path.exists():
            continue
        if target == path.resolve() or (report.exists() and report.samefile(path)):
            return (
                f"--report {given_report} would overwrite {given}, given on the command line: "
                "choose another report file."
            )
        if path.is_dir() and target.is_relative_to(path.resolve()):
            return (
                f"--report {given_report} would write inside {given}, given on the command line: "
                "choose a report file outside it."
            )
    return None


def _markdown(document: dict[str, Any]) -> str:
    """The Markdown page of an error document."""
    error = document["error"]
    return "\n".join(
        [
            f"# Validation of {document.get('dataset') or '(no dataset)'}: no verdict",
            "",
            f"Schema: {document.get('schema') or '(none)'}",
            "",
            f"**{error['type']}** (exit code {document['exit_code']}): {error['message']}",
            "",
        ]
    )


def _html(document: dict[str, Any]) -> str:
    """The standalone HTML page of an error document."""
    e = html.escape
    error = document["error"]
    dataset = e(document.get("dataset") or "(no dataset)")
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n',
            f"<title>Validation of {dataset}: no verdict</title>\n",
            "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}</style>",
            "</head><body>\n",
            f'<h1>Validation of {dataset}: <span style="color:#cf222e">no verdict</span></h1>\n',
            f"<p>Schema: {e(document.get('schema') or '(none)')}</p>\n",
            f"<p><strong>{e(error['type'])}</strong> (exit code {document['exit_code']}): ",
            f"{e(error['message'])}</p>\n</body></html>\n",
        ]
    )
