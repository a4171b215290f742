"""Validation reports: every failure of a dataset, where it is, and what fixes it.

A :class:`ValidationReport` collects :class:`Issue` objects per slot and column (missing and
extra columns, dtypes, missing values, values not in a registry with their counts, example
row labels and suggestions, duplicated indices, failed pandera checks) and exports them as
plain data, JSON, Markdown or a standalone HTML page. Each issue carries the
:class:`NextStep` objects that fix it (what to do, on which column, as a Python call), which
the summary lists and other front ends (the ``curate`` command) render their own way.

The same dataset and schema give the same report, byte for byte, in every process: values
come most frequent first (ties in the order the data holds them), suggestions in the order
of :meth:`ontolake.registries.bio.vocabulary.Vocabulary.suggest`, and nothing depends on
hashing, the clock or the machine.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from ontolake.errors import ValidationError
from ontolake.registries.bio.vocabulary import Suggestion

__all__ = [
    "ISSUE_KINDS",
    "MAX_VALUES",
    "NEXT_STEP_ACTIONS",
    "InvalidValue",
    "Issue",
    "NextStep",
    "ReportedValidationError",
    "SuggestedValue",
    "ValidationReport",
    "column_key",
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
_VALUE_KINDS = ("invalid_values", "invalid_names")
"""The kinds of issues whose values are outside a registry (``non_validated``)."""

_LABEL_OF_SLOT = {"uns": "key", "attrs": "key", "features": "feature"}

MAX_VALUES = 1000
"""The most distinct failing values one issue keeps (counts and examples of each)."""


SuggestedValue = Suggestion
"""A candidate replacement for an invalid value: a vocabulary's
:class:`~ontolake.registries.bio.vocabulary.Suggestion` (``kind``, ``value``, ``score``,
``confident``)."""

NEXT_STEP_ACTIONS = (
    "standardize",
    "add_new_from",
    "replace_values",
    "import_source",
    "add_column",
    "rename_column",
    "define_feature",
    "coerce_dtype",
    "make_index_unique",
    "set_index",
)
"""What a :class:`NextStep` does."""


def _python_text(step: NextStep) -> str:
    return step.text


def column_key(slot: str, column: str | None) -> str:
    """How curator methods name a column (``standardize``, ``add_new_from``).

    ``cell_type`` in a DataFrame, ``obs:cell_type`` in a slot, and a slot alone (``var.T``)
    for its index or its names.

    Example:
        >>> column_key("main", "cell_type"), column_key("obs", "cell_type")
        ('cell_type', 'obs:cell_type')
        >>> column_key("var.T", "index")
        'var.T'
    """
    if column is None or column == "index":
        return slot
    return column if slot == "main" else f"{slot}:{column}"


@dataclass(frozen=True)
class NextStep:
    """One thing to do that fixes failures, for each front end to show its own way.

    ``action`` is one of :data:`NEXT_STEP_ACTIONS`; ``key`` the column or name list it acts
    on (as :func:`column_key` writes it), or the registry or feature it concerns; ``python``
    the step as a Python user runs it (a call, or a short instruction for an edit of the
    data such as adding a column); ``note`` what the step leaves out or needs; ``values`` the
    values it acts on (those ``standardize`` maps, those ``add_new_from`` adds).

    Example:
        >>> step = NextStep("add_new_from", "cell_type", "curator.add_new_from('cell_type')",
        ...                 note="leaves out 'T cel' (close to 'T cell')")
        >>> step.text
        "curator.add_new_from('cell_type') (leaves out 'T cel' (close to 'T cell'))"
    """

    action: str
    key: str
    python: str
    note: str = ""
    values: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The Python form, with the note in brackets."""
        return f"{self.python} ({self.note})" if self.note else self.python


@dataclass
class InvalidValue:
    """One distinct value that failed, how often, on which rows, and what could replace it."""

    value: str
    count: int
    rows: list[str] = field(default_factory=list)
    """Up to five example row labels (index values) holding the value."""
    reason: str = "not in registry"
    suggestions: list[Suggestion] = field(default_factory=list)


@dataclass
class Issue:
    """One failure of one slot (and column)."""

    slot: str
    column: str | None
    kind: str
    message: str
    values: list[InvalidValue] = field(default_factory=list)
    steps: list[NextStep] = field(default_factory=list)
    """What fixes it, in order."""
    n_values: int = 0
    """How many distinct values failed; ``values`` keeps the first :data:`MAX_VALUES`."""
    rule: str = ""
    """The id of the convention rule it breaks, when the convention names its rules."""

    def __post_init__(self) -> None:
        self.n_values = max(self.n_values, len(self.values))

    @property
    def where(self) -> str:
        """The slot and what in it: ``obs column 'cell_type'``, ``attrs key 'title'``.

        Keys of ``uns`` and ``attrs`` (also ``rna:uns``) are called keys, dataset-level
        values features, and the rest columns.
        """
        if self.column is None:
            return self.slot
        label = _LABEL_OF_SLOT.get(self.slot.rpartition(":")[2], "column")
        return f"{self.slot} {label} {self.column!r}"

    @property
    def key(self) -> str:
        """The column as curator methods take it (:func:`column_key`)."""
        return column_key(self.slot, self.column)

    @property
    def hint(self) -> str:
        """The steps that fix it as one line, e.g. ``curator.standardize('cell_type')``."""
        return "; ".join(step.text for step in self.steps)


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
    step_text: Callable[[NextStep], str] | None = field(default=None, repr=False, compare=False)
    """Writes one next step for its reader (default: :attr:`NextStep.text`, the Python form);
    ``curate`` sets one that writes shell commands."""
    warnings: list[Issue] = field(default_factory=list)
    """What a convention recommends and the data does not do; never part of the verdict."""

    _SEPARATOR: ClassVar[str] = "\n"

    # ---- building -------------------------------------------------------------------------
    def add(self, issue: Issue) -> None:
        """Record one failure."""
        self.issues.append(issue)

    def warn(self, issue: Issue) -> None:
        """Record one recommendation the data does not follow (the verdict stays)."""
        self.warnings.append(issue)

    def merge(self, other: ValidationReport) -> None:
        """Add the slots and issues of another report (e.g. of a partition)."""
        for slot, rows in other.slots.items():
            self.slots[slot] = self.slots.get(slot, 0) + rows
        self.issues.extend(other.issues)
        self.warnings.extend(other.warnings)

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
        """``{key: [invalid values]}`` of every column and name list with values outside.

        Keys as :func:`column_key` writes them (``cell_type``, ``obs:cell_type``, ``var.T``);
        a column that could not be checked at all has ``[]``.

        Example:
            >>> report = ValidationReport()
            >>> report.add(Issue("var.T", "index", "invalid_names", "", [InvalidValue("X", 1)]))
            >>> report.non_validated()
            {'var.T': ['X']}
        """
        found: dict[str, list[str]] = {}
        for issue in self.issues:
            if issue.kind in _VALUE_KINDS:
                found.setdefault(issue.key, []).extend(value.value for value in issue.values)
        return found

    def steps(self) -> list[NextStep]:
        """What fixes the failures, in the order of the issues, without repeats."""
        return list(dict.fromkeys(step for issue in self.issues for step in issue.steps))

    def next_steps(self) -> list[str]:
        """The steps that fix the failures as text, in order, without repeats.

        Each step is written by :attr:`step_text` when set (``curate`` writes shell
        commands), else as :attr:`NextStep.text` (its Python form).
        """
        write = self.step_text or _python_text
        return list(dict.fromkeys(write(step) for step in self.steps()))

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
            "issues": [
                {**asdict(issue), "where": issue.where, "key": issue.key} for issue in self.issues
            ],
            "next_steps": self.next_steps(),
            "warnings": [
                {**asdict(issue), "where": issue.where, "key": issue.key} for issue in self.warnings
            ],
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

        Every text that comes from the data (values, row and column names, the dataset's
        name) is escaped: it shows as written and never turns into HTML, a link or
        formatting, and the tables stay tables (``|`` escaped, line breaks as spaces).

        Example:
            >>> print(ValidationReport(dataset="x.csv").to_markdown().splitlines()[0])
            # Validation of x.csv: valid
        """
        status = "valid" if self.is_valid else f"{len(self.issues)} issue(s)"
        lines = [f"# Validation of {_md(self.dataset)}: {status}", ""]
        if self.schema:
            lines += [f"Schema: {_md(self.schema)}", ""]
        if self.slots:
            checked = ", ".join(f"{slot} ({rows} rows)" for slot, rows in self.slots.items())
            lines += [f"Checked: {_md(checked)}", ""]
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
                if issue.n_values > _MAX_SHOWN:
                    lines.append(f"\n… and {issue.n_values - _MAX_SHOWN:,} more values")
            steps = self.next_steps()
            if steps:
                lines += ["", "## Next steps", ""] + [f"- {_code(step)}" for step in steps]
        if self.warnings:
            lines += ["", "## Warnings", ""]
            lines += [f"- {_md(issue.where)}: {_md(issue.message)}" for issue in self.warnings]
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
                if issue.n_values > _MAX_SHOWN:
                    parts.append(f"<p>… and {issue.n_values - _MAX_SHOWN:,} more values</p>")
            steps = self.next_steps()
            if steps:
                parts.append("<h2>Next steps</h2><ul>")
                parts += [f"<li><code>{e(step)}</code></li>" for step in steps]
                parts.append("</ul>")
        if self.warnings:
            parts.append("<h2>Warnings</h2><ul>")
            parts += [f"<li>{e(i.where)}: {e(i.message)}</li>" for i in self.warnings]
            parts.append("</ul>")
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"

    def summary(self) -> str:
        """A few lines: the verdict, one line per issue (values abridged), the next steps.

        Example:
            >>> ValidationReport(dataset="x.csv").summary()
            'x.csv is valid.'
        """
        warnings = [f"  warning: {issue.where}: {issue.message}" for issue in self.warnings]
        if self.is_valid:
            return "\n".join([f"{self.dataset} is valid.", *warnings])
        lines = [f"{self.dataset} is not valid: {len(self.issues)} issue(s)"]
        for issue in self.issues:
            line = f"  - {issue.where}: {issue.message}"
            if issue.values:
                shown = [_value_text(value) for value in issue.values[:5]]
                more = f", … {issue.n_values - 5:,} more" if issue.n_values > 5 else ""
                line += f": {', '.join(shown)}{more}"
            lines.append(line)
        steps = self.next_steps()
        if steps:
            lines.append("next: " + "; ".join(steps))
        return "\n".join([*lines, *warnings])

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


def _value_text(value: InvalidValue) -> str:
    """``'T cel' x2 → 'T cell' (fuzzy 90.9)``: a value, its count, its best suggestion.

    An arrow for a confident suggestion, "close to" otherwise.
    """
    text = f"{value.value!r} x{value.count}"
    if not value.suggestions:
        return text
    best = value.suggestions[0]
    score = f" {best.score:g}" if best.kind == "fuzzy" else ""
    if best.kind == "ambiguous":
        terms = [_term_text(s) for s in value.suggestions if s.kind == "ambiguous"]
        return f"{text} → one of {', '.join(terms)} (ambiguous)"
    if best.confident:
        return f"{text} → {best.value!r} ({best.kind}{score})"
    return f"{text} (close to {best.value!r}, {best.kind}{score})"


def _term_text(suggestion: Suggestion) -> str:
    """``'embryonic stage' (MmusDv:0000002)``: a term, with its id where one is given."""
    term_id = f" ({suggestion.term_id})" if suggestion.term_id else ""
    return f"{suggestion.value!r}{term_id}"


def _suggestions_text(value: InvalidValue) -> str:
    return ", ".join(
        f"{s.value}{f' [{s.term_id}]' if s.term_id else ''} "
        f"({s.kind}{f' {s.score:g}' if s.kind == 'fuzzy' else ''})"
        for s in value.suggestions
    )


_MARKDOWN = re.compile(r"([\\`*_\[\]~|])")
"""Characters that start Markdown formatting, links, code or table cells (backslash-escaped)."""
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def _md(text: str) -> str:
    r"""``text`` as literal Markdown: inline, no HTML, links, formatting or table breaks.

    Example:
        >>> _md("<b>x</b> [a](javascript:1) | *y*")
        '&lt;b&gt;x&lt;/b&gt; \\[a\\](javascript:1) \\| \\*y\\*'
    """
    escaped = html.escape(_LINE_BREAKS.sub(" ", text), quote=False)
    return _MARKDOWN.sub(r"\\\1", escaped)


def _code(text: str) -> str:
    """``text`` as one Markdown code span, whatever backticks or line breaks it holds.

    Example:
        >>> _code("curator.standardize('x')"), _code("a`b")
        ("`curator.standardize('x')`", '``a`b``')
    """
    text = _LINE_BREAKS.sub(" ", text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"
