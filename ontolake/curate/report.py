"""Validation reports: every failure of a dataset, where it is, and what fixes it.

A :class:`ValidationReport` collects :class:`Issue` objects per slot and column (missing and
extra columns, dtypes, missing values, values not in a registry with their counts, example
row labels and suggestions, duplicated indices, failed pandera checks) and exports them as
plain data, JSON, Markdown or a standalone HTML page. Its short summary names the call that
fixes each kind of failure.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from ontolake.errors import ValidationError

__all__ = [
    "ISSUE_KINDS",
    "MAX_VALUES",
    "InvalidValue",
    "Issue",
    "ReportedValidationError",
    "SuggestedValue",
    "ValidationReport",
]

ISSUE_KINDS = (
    "missing_column",
    "extra_column",
    "column_order",
    "dtype",
    "missing_values",
    "invalid_values",
    "invalid_names",
    "duplicated_index",
    "check",
    "slot",
)
"""The kinds of failures a report holds."""

_MAX_SHOWN = 20

MAX_VALUES = 1000
"""The most distinct failing values one issue keeps (counts and examples of each)."""


@dataclass(frozen=True)
class SuggestedValue:
    """A candidate replacement for an invalid value.

    ``kind`` is ``synonym``, ``case``, ``obsolete`` (``value`` replaces an obsolete term)
    or ``fuzzy`` (with a 0-100 ``score``).
    """

    kind: str
    value: str
    score: float = 100.0


@dataclass
class InvalidValue:
    """One distinct value that failed, how often, on which rows, and what could replace it."""

    value: str
    count: int
    rows: list[str] = field(default_factory=list)
    """Up to five example row labels (index values) holding the value."""
    reason: str = "not in registry"
    suggestions: list[SuggestedValue] = field(default_factory=list)


@dataclass
class Issue:
    """One failure of one slot (and column)."""

    slot: str
    column: str | None
    kind: str
    message: str
    values: list[InvalidValue] = field(default_factory=list)
    hint: str = ""
    """The call that fixes it, e.g. ``curator.standardize('cell_type')``."""

    @property
    def where(self) -> str:
        """``slot:column`` (or the slot alone)."""
        column = "" if self.column is None else f" column {self.column!r}"
        return f"{self.slot}{column}"


@dataclass
class ValidationReport:
    """Every failure found when validating a dataset against a schema.

    Example:
        >>> report = ValidationReport(dataset="table.parquet", schema="obs of scRNA")
        >>> report.add(Issue("main", "cell_type", "missing_column", "column is missing"))
        >>> report.is_valid, report.to_dict()["n_issues"]
        (False, 1)
    """

    dataset: str = "dataset"
    schema: str = ""
    slots: dict[str, int] = field(default_factory=dict)
    """The slots that were checked and their number of rows."""
    issues: list[Issue] = field(default_factory=list)
    curator_name: str = "curator"
    """The variable name used in the suggested next steps."""

    _SEPARATOR: ClassVar[str] = "\n"

    # ---- building -------------------------------------------------------------------------
    def add(self, issue: Issue) -> None:
        """Record one failure."""
        self.issues.append(issue)

    def merge(self, other: ValidationReport) -> None:
        """Add the slots and issues of another report (e.g. of a partition)."""
        for slot, rows in other.slots.items():
            self.slots[slot] = self.slots.get(slot, 0) + rows
        self.issues.extend(other.issues)

    # ---- reading --------------------------------------------------------------------------
    @property
    def is_valid(self) -> bool:
        """Whether no failure was found."""
        return not self.issues

    def for_column(self, column: str, slot: str | None = None) -> list[Issue]:
        """The issues of one column (optionally of one slot)."""
        return [
            issue
            for issue in self.issues
            if issue.column == column and (slot is None or issue.slot == slot)
        ]

    def non_validated(self) -> dict[str, list[str]]:
        """``{column: [invalid values]}`` (columns prefixed by their slot when not ``main``)."""
        found: dict[str, list[str]] = {}
        for issue in self.issues:
            if issue.kind == "invalid_values" and issue.column is not None:
                key = issue.column if issue.slot == "main" else f"{issue.slot}:{issue.column}"
                found.setdefault(key, []).extend(value.value for value in issue.values)
        return found

    def next_steps(self) -> list[str]:
        """The calls that fix the failures, in order, without repeats."""
        steps = [issue.hint for issue in self.issues if issue.hint]
        return list(dict.fromkeys(steps))

    # ---- exports --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (JSON-serialisable).

        Example:
            >>> ValidationReport(dataset="x.csv").to_dict()["valid"]
            True
        """
        return {
            "dataset": self.dataset,
            "schema": self.schema,
            "valid": self.is_valid,
            "n_issues": len(self.issues),
            "slots": dict(self.slots),
            "issues": [{**asdict(issue), "where": issue.where} for issue in self.issues],
            "next_steps": self.next_steps(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text.

        Example:
            >>> import json
            >>> json.loads(ValidationReport().to_json())["valid"]
            True
        """
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_markdown(self) -> str:
        """The report as Markdown: a heading, one table row per issue, value tables, next steps.

        Example:
            >>> print(ValidationReport(dataset="x.csv").to_markdown().splitlines()[0])
            # Validation of x.csv: valid
        """
        status = "valid" if self.is_valid else f"{len(self.issues)} issue(s)"
        lines = [f"# Validation of {self.dataset}: {status}", ""]
        if self.schema:
            lines += [f"Schema: {self.schema}", ""]
        if self.slots:
            checked = ", ".join(f"{slot} ({rows} rows)" for slot, rows in self.slots.items())
            lines += [f"Checked: {checked}", ""]
        if self.issues:
            lines += ["| where | kind | message |", "|---|---|---|"]
            lines += [
                f"| {_md(issue.where)} | {issue.kind} | {_md(issue.message)} |"
                for issue in self.issues
            ]
            for issue in self.issues:
                if not issue.values:
                    continue
                lines += ["", f"## {_md(issue.where)}: {issue.kind}", ""]
                lines += [
                    "| value | count | rows | reason | suggestions |",
                    "|---|---|---|---|---|",
                ]
                for value in issue.values[:_MAX_SHOWN]:
                    lines.append(
                        f"| {_md(value.value)} | {value.count} | {_md(', '.join(value.rows))} "
                        f"| {_md(value.reason)} | {_md(_suggestions_text(value))} |"
                    )
                if len(issue.values) > _MAX_SHOWN:
                    lines.append(f"\n… and {len(issue.values) - _MAX_SHOWN} more values")
            steps = self.next_steps()
            if steps:
                lines += ["", "## Next steps", ""] + [f"- `{step}`" for step in steps]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The report as a standalone HTML page (inline style, no scripts, no network).

        Example:
            >>> ValidationReport().to_html().startswith("<!DOCTYPE html>")
            True
        """
        e = html.escape
        status = "valid" if self.is_valid else f"{len(self.issues)} issue(s)"
        colour = "#1a7f37" if self.is_valid else "#cf222e"
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>Validation of {e(self.dataset)}</title>",
            "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}"
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
            "padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}"
            "code{background:#f4f4f4;padding:.1em .3em}</style></head><body>",
            f"<h1>Validation of {e(self.dataset)}: "
            f'<span style="color:{colour}">{e(status)}</span></h1>',
        ]
        if self.schema:
            parts.append(f"<p>Schema: {e(self.schema)}</p>")
        if self.slots:
            checked = ", ".join(f"{slot} ({rows} rows)" for slot, rows in self.slots.items())
            parts.append(f"<p>Checked: {e(checked)}</p>")
        if self.issues:
            parts.append("<table><tr><th>where</th><th>kind</th><th>message</th></tr>")
            parts += [
                f"<tr><td>{e(i.where)}</td><td>{e(i.kind)}</td><td>{e(i.message)}</td></tr>"
                for i in self.issues
            ]
            parts.append("</table>")
            for issue in self.issues:
                if not issue.values:
                    continue
                parts.append(f"<h2>{e(issue.where)}: {e(issue.kind)}</h2>")
                parts.append(
                    "<table><tr><th>value</th><th>count</th><th>rows</th><th>reason</th>"
                    "<th>suggestions</th></tr>"
                )
                for value in issue.values[:_MAX_SHOWN]:
                    parts.append(
                        f"<tr><td>{e(value.value)}</td><td>{value.count}</td>"
                        f"<td>{e(', '.join(value.rows))}</td><td>{e(value.reason)}</td>"
                        f"<td>{e(_suggestions_text(value))}</td></tr>"
                    )
                parts.append("</table>")
            steps = self.next_steps()
            if steps:
                parts.append("<h2>Next steps</h2><ul>")
                parts += [f"<li><code>{e(step)}</code></li>" for step in steps]
                parts.append("</ul>")
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"

    def summary(self) -> str:
        """A few lines: the verdict, one line per issue (values abridged), the next steps.

        Example:
            >>> ValidationReport(dataset="x.csv").summary()
            'x.csv is valid.'
        """
        if self.is_valid:
            return f"{self.dataset} is valid."
        lines = [f"{self.dataset} is not valid: {len(self.issues)} issue(s)"]
        for issue in self.issues:
            line = f"  - {issue.where}: {issue.message}"
            if issue.values:
                shown = []
                for value in issue.values[:5]:
                    text = f"{value.value!r} x{value.count}"
                    best = value.suggestions[0] if value.suggestions else None
                    if best is not None:
                        text += f" → {best.value!r} ({best.kind})"
                    shown.append(text)
                more = f", … {len(issue.values) - 5} more" if len(issue.values) > 5 else ""
                line += f": {', '.join(shown)}{more}"
            lines.append(line)
        steps = self.next_steps()
        if steps:
            lines.append("next: " + "; ".join(steps))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


class ReportedValidationError(ValidationError):
    """A dataset does not conform to its schema; ``report`` holds every failure.

    It is an ``ontolake.errors.ValidationError``, so ``except ol.errors.ValidationError``
    catches it.

    Example:
        >>> try:
        ...     ol.curate.DataFrameCurator(df, schema).validate()
        ... except ol.errors.ValidationError as error:
        ...     print(error.report.to_dict()["n_issues"], error.report.non_validated())
        1 {'cell_type': ['T-cell', 'unknown cell']}
    """

    def __init__(self, message: str, report: ValidationReport | None = None) -> None:
        super().__init__(message)
        self.report = report if report is not None else ValidationReport()

    def __reduce__(self) -> Any:
        return (self.__class__, (str(self), self.report))


def _suggestions_text(value: InvalidValue) -> str:
    return ", ".join(
        f"{s.value} ({s.kind}{f' {s.score:g}' if s.kind == 'fuzzy' else ''})"
        for s in value.suggestions
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
