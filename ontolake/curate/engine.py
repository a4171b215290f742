"""The checks every curator runs on a table: set rules, dtypes, missing values, registries.

The checks of each column are :class:`~ontolake.curate.column_checks.ColumnTally`
(categorical columns: :mod:`ontolake.curate.categorical`); a missing column names a present
column with a close name (:mod:`ontolake.curate.column_names`). A table is checked whole or
in chunks of rows (:class:`~ontolake.curate.chunks.CsvChunks`): the checks of the column
names run once, each chunk goes through the column checks in row order, and everything is
reported at the end in one fixed order, so both give the same report byte for byte.
Duplicated index values of a file read in chunks are found from 8-byte hashes of the index,
then confirmed by a second pass reading only the candidates' values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ontolake.curate.chunks import CsvChunks
from ontolake.curate.column_checks import ColumnTally, has_kind
from ontolake.curate.column_values import EXAMPLE_ROWS, most_frequent
from ontolake.curate.registry_cache import RegistryCache
from ontolake.curate.report import (
    MAX_VALUES,
    InvalidValue,
    Issue,
    NextStep,
    ValidationReport,
    column_key,
)

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.curate.columns import ColumnSource
    from ontolake.registries.features import Feature
    from ontolake.registries.schema import Schema

__all__ = ["check_frame"]


def _missing_column(slot: str, name: str, feature: Feature, extra: list[str]) -> Issue:
    """A required column is missing; a present column with a close name is named."""
    from ontolake.curate.column_names import close_column

    message = f"required column {name!r} ({feature.dtype}) is missing"
    close = close_column(name, extra)
    if close is None:
        step = NextStep("add_column", column_key(slot, name), f"add column {name!r}")
    else:
        message += f"; column {close!r} looks like it"
        python = f"rename column {close!r} to {name!r}"
        step = NextStep("rename_column", column_key(slot, name), python, values=(close,))
    return Issue(slot, name, "missing_column", message, steps=[step])


# ---- frames -------------------------------------------------------------------------------
def check_frame(
    frame: pd.DataFrame | ColumnSource | CsvChunks,
    schema: Schema,
    *,
    slot: str,
    report: ValidationReport,
    cache: RegistryCache,
    curator_name: str = "curator",
) -> dict[str, pd.Series[Any]]:
    """Check one table against one (component) schema; return the columns coercion fixed.

    Every failure goes into ``report``: missing or extra columns, column order, dtypes,
    missing values in non-nullable columns, categorical values outside their registries,
    column names outside the itype, duplicated index values and failed pandera checks.
    ``frame`` may be a :class:`~ontolake.curate.columns.ColumnSource` (a parquet, CSV or TSV
    file): the columns are then read one at a time, and the whole table only for
    dataframe-level checks. It may be :class:`~ontolake.curate.chunks.CsvChunks` (a CSV or
    TSV file read in chunks of rows): each chunk goes through the same checks, and the
    report is the one of the whole table, byte for byte.

    Example:
        >>> report = ValidationReport()
        >>> cache = RegistryCache()
        >>> check_frame(df, schema, slot="main", report=report, cache=cache)  # none coerced
        {}
        >>> [(issue.slot, issue.column, issue.kind) for issue in report.issues]
        [('main', 'cell_type', 'invalid_values')]
    """
    findings = _find(frame, schema, slot, cache)
    if isinstance(frame, CsvChunks) and not frame.settled:
        findings = _find(frame, schema, slot, cache)  # dtypes differed: again, settled
    return findings.report(frame, report, curator_name)


def _find(
    frame: pd.DataFrame | ColumnSource | CsvChunks,
    schema: Schema,
    slot: str,
    cache: RegistryCache,
) -> _Findings:
    """One pass of the checks over the table (each chunk of a file read in chunks)."""
    chunked = isinstance(frame, CsvChunks)
    findings = _Findings(frame.columns, schema, slot, cache, chunked=chunked)
    for chunk in frame.chunks() if isinstance(frame, CsvChunks) else [frame]:
        findings.add(chunk)
    return findings


class _Findings:
    """What the checks of one table find, chunk by chunk; reported once, in a fixed order."""

    def __init__(
        self, columns: Any, schema: Schema, slot: str, cache: RegistryCache, *, chunked: bool
    ) -> None:
        self.schema, self.slot, self.cache = schema, slot, cache
        self.members = {feature.name: feature for feature in schema.members}
        self.columns = [str(column) for column in columns]
        present = set(self.columns)
        self.extra = [column for column in self.columns if column not in self.members]
        checked = {name: f for name, f in self.members.items() if name in present}
        if schema.flexible and self.extra:
            from sqlalchemy import select

            from ontolake.instance.session import current_instance
            from ontolake.registries.features import Feature

            with current_instance().read() as session:
                known = session.execute(
                    select(Feature).where(Feature.name.in_(self.extra))
                ).scalars()
                checked.update({feature.name: feature for feature in known})
        self.checked = checked
        """The columns checked: the schema's, in its order, then known features (flexible)."""
        self.twice = {name for name in checked if self.columns.count(name) > 1}
        self.tallies = {
            name: ColumnTally(
                feature, name, coerce=schema.coerce_dtype or feature.coerce, chunked=chunked
            )
            for name, feature in checked.items()
            if name not in self.twice
        }
        self.rows = 0
        self.wrong_kind: set[str] = set()
        """Extra columns that are not of the schema's ``dtype``."""
        self.index: pd.Index[Any] | None = None
        self.index_hashes: list[Any] = []
        index = schema.index
        self.index_tally = None
        if index is not None:
            self.index_tally = ColumnTally(index, f"index ({index.name})", index=True)
        self.index_missing: Issue | None = None

    def add(self, chunk: pd.DataFrame | ColumnSource) -> None:
        """Check the next rows (a DataFrame chunk, or the whole table)."""
        import pandas as pd

        first = self.rows == 0 and self.index is None
        self.rows += len(chunk)
        if self.schema.dtype is not None and self.extra:
            from ontolake.schemas.dtypes import parse_dtype

            kind = parse_dtype(self.schema.dtype).kind
            for column in self.extra:
                if column not in self.wrong_kind and not has_kind(chunk[column], kind):
                    self.wrong_kind.add(column)
        for name, tally in self.tallies.items():
            tally.add(chunk[name], self.slot, self.cache)
        index = chunk.index
        if first:
            self.index = index
        elif not isinstance(index, pd.RangeIndex):
            self.index_hashes.append(pd.util.hash_pandas_object(pd.Series(index), index=False))
        feature = self.schema.index
        if feature is None or self.index_tally is None:
            return
        if isinstance(index, pd.RangeIndex) and index.name != feature.name:
            if first:
                self.index_missing = _missing_index(chunk, feature.name, self.slot)
            return
        series = pd.Series(index, index=index, name=feature.name)
        self.index_tally.add(series, self.slot, self.cache)

    def report(
        self, frame: pd.DataFrame | ColumnSource | CsvChunks, report: ValidationReport, name: str
    ) -> dict[str, pd.Series[Any]]:
        """Add every issue found to ``report``, in the order of the checks."""
        schema, slot = self.schema, self.slot
        report.slots[slot] = self.rows
        self._report_columns(report, name)
        fixed: dict[str, pd.Series[Any]] = {}
        for column in self.checked:
            if column in self.twice:
                report.add(
                    Issue(slot, column, "duplicated_index", f"column {column!r} appears twice")
                )
                continue
            converted = self.tallies[column].report(slot, report, self.cache, name)
            if converted is not None:
                fixed[column] = converted
        duplicated = self._duplicated_index(frame)
        if duplicated is not None:
            report.add(_duplicated_index_issue(duplicated, slot))
        if self.index_missing is not None:
            report.add(self.index_missing)
        elif self.index_tally is not None and schema.index is not None:
            self.index_tally.report(slot, report, self.cache, name)
        if not isinstance(frame, CsvChunks):
            _run_checks(frame, schema, slot, report)
        return fixed

    def _report_columns(self, report: ValidationReport, curator_name: str) -> None:
        """The checks of the column names: required, extra, order, itype, dtype of extras."""
        schema, slot, members = self.schema, self.slot, self.members
        present = set(self.columns)
        if schema.minimal_set:
            for name, feature in members.items():
                if name not in present:
                    report.add(_missing_column(slot, name, feature, self.extra))
        if schema.maximal_set and self.extra:
            for column in self.extra:
                report.add(
                    Issue(slot, column, "extra_column", f"column {column!r} is not in the schema")
                )
        if schema.ordered_set:
            order = [name for name in members if name in present]
            found = [column for column in self.columns if column in members]
            if order != found:
                report.add(
                    Issue(
                        slot,
                        None,
                        "column_order",
                        f"columns must come in the order {order}, found {found}",
                    )
                )
        if schema.itype is not None and self.extra:
            from ontolake.curate.names import check_names

            check_names(
                self.extra,
                schema.itype,
                slot,
                "columns",
                report,
                self.cache,
                curator_name,
                schema.name_scope,
            )
        if self.wrong_kind:
            wrong = [column for column in self.extra if column in self.wrong_kind]
            report.add(
                Issue(
                    slot,
                    None,
                    "dtype",
                    f"{len(wrong)} column(s) are not {schema.dtype}: {wrong[:10]}",
                )
            )

    def _duplicated_index(
        self, frame: pd.DataFrame | ColumnSource | CsvChunks
    ) -> pd.Index[Any] | None:
        """The index values that occur more than once (each occurrence, in row order)."""
        import pandas as pd

        index = self.index
        if index is None:
            return None
        if not self.index_hashes:  # one chunk, or chunks with the default RangeIndex
            if not index.has_duplicates:
                return None
            return index[index.duplicated(keep=False)]
        # chunks: 8 bytes a row find the candidates; a second pass reads only their values
        hashes = pd.concat(
            [pd.util.hash_pandas_object(pd.Series(index), index=False), *self.index_hashes]
        ).to_numpy()
        self.index_hashes = []
        seen = pd.Series(hashes).duplicated(keep=False).to_numpy()
        if not seen.any():
            return None
        candidates = set(hashes[seen].tolist())
        assert isinstance(frame, CsvChunks)
        parts = []
        for chunk in frame.chunks():
            values = pd.Series(chunk.index)
            keep = pd.util.hash_pandas_object(values, index=False).isin(candidates).to_numpy()
            parts.append(values[keep])
        values = pd.Index(pd.concat(parts, ignore_index=True))
        repeated = values[values.duplicated(keep=False)]
        return repeated if len(repeated) else None


def _duplicated_index_issue(repeated: pd.Index[Any], slot: str) -> Issue:
    """The issue for index values that occur more than once (``repeated``: each occurrence)."""
    import pandas as pd

    counts = most_frequent(pd.Series(repeated).astype(str))
    fix = "adata.obs_names_make_unique()" if slot != "main" else "df.reset_index()"
    return Issue(
        slot,
        "index",
        "duplicated_index",
        f"{len(counts)} index value(s) occur more than once",
        values=[
            InvalidValue(value, count, [value], "duplicated")
            for value, count in counts[:MAX_VALUES]
        ],
        steps=[NextStep("make_index_unique", slot, f"make the index unique ({fix})")],
        n_values=len(counts),
    )


def _missing_index(frame: pd.DataFrame | ColumnSource, name: str, slot: str) -> Issue:
    """The schema's index is missing: the data has the default RangeIndex (0, 1, 2 …)."""
    if name in frame.columns:
        fix = (
            f"make the column {name!r} the index: df = df.set_index({name!r}) "
            "(a CSV file: its first column)"
        )
    else:
        fix = (
            f"give the data an index named {name!r}: df.index = ...; df.index.name = {name!r} "
            f"(a CSV file: a first column {name!r})"
        )
    return Issue(
        slot,
        "index",
        "missing_column",
        f"the index {name!r} is missing: the data has the default RangeIndex (0, 1, 2, …)",
        steps=[NextStep("set_index", column_key(slot, name), fix)],
    )


def _run_checks(
    frame: pd.DataFrame | ColumnSource, schema: Schema, slot: str, report: ValidationReport
) -> None:
    import pandas as pd

    for name, checks in schema.live_checks().items():
        if not checks or (name and name not in frame.columns):
            continue
        # a dataframe-level check sees whole rows: a column source loads the table for it
        whole = frame if isinstance(frame, pd.DataFrame) else None
        target = frame[name] if name else whole if whole is not None else frame.load()
        for check in checks:
            check_name = getattr(check, "name", None) or repr(check)
            try:
                result = check(target)
            except Exception as error:  # a user check that crashed is a failure too
                report.add(
                    Issue(slot, name or None, "check", f"check {check_name} raised {error!r}")
                )
                continue
            if bool(result.check_passed):
                continue
            failures = result.failure_cases
            values: list[InvalidValue] = []
            if failures is not None and hasattr(failures, "items") and name:
                counts: dict[str, InvalidValue] = {}
                for label, value in failures.items():
                    entry = counts.setdefault(str(value), InvalidValue(str(value), 0, [], ""))
                    entry.count += 1
                    if len(entry.rows) < EXAMPLE_ROWS:
                        entry.rows.append(str(label))
                    entry.reason = f"fails {check_name}"
                # most frequent first; ties in the order the data holds them
                values = sorted(counts.values(), key=lambda entry: -entry.count)
            n_failed = sum(v.count for v in values)
            report.add(
                Issue(
                    slot,
                    name or None,
                    "check",
                    f"check {check_name} failed" + (f" for {n_failed} value(s)" if values else ""),
                    values=values[:MAX_VALUES],
                    n_values=len(values),
                )
            )
