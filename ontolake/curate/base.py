"""What every curator shares: validate, standardize, add_new_from and save_artifact.

A curator holds a dataset and a schema. Subclasses say which tables (slot → DataFrame and
component schema) and which name lists (such as the ``var`` index checked against the gene
registry) the schema covers; this class runs the checks of :mod:`ontolake.curate.engine`
over them, keeps the report, and writes fixes back into the dataset. Saving is
:mod:`ontolake.curate.saving`; containers made of parts (MuData, SpatialData) build on
:mod:`ontolake.curate.parts`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ontolake.curate.engine import check_frame
from ontolake.curate.names import check_names
from ontolake.curate.registry_cache import RegistryCache
from ontolake.curate.report import (
    InvalidValue,
    Issue,
    NextStep,
    ReportedValidationError,
    ValidationReport,
)
from ontolake.curate.standardize import standardize_series
from ontolake.errors import InvalidDataError, OntolakeError, ValidationError
from ontolake.registries.label_scope import LabelScope

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from ontolake.curate.chunks import CsvChunks
    from ontolake.curate.columns import ColumnSource
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.features import Feature
    from ontolake.registries.schema import Schema

__all__ = ["Curator", "NameList", "Table"]


@dataclass
class Table:
    """One table of the dataset and the schema it must follow.

    ``data`` is a DataFrame, a :class:`~ontolake.curate.columns.ColumnSource` (a parquet,
    CSV or TSV file) that validation reads one column at a time, or a
    :class:`~ontolake.curate.chunks.CsvChunks` it reads in chunks of rows; ``frame`` loads
    it whole.
    """

    slot: str
    data: pd.DataFrame | ColumnSource | CsvChunks
    schema: Schema

    @property
    def frame(self) -> pd.DataFrame:
        """The whole DataFrame (read from a column source on first use)."""
        import pandas as pd

        return self.data if isinstance(self.data, pd.DataFrame) else self.data.load()


@dataclass
class NameList:
    """Names (e.g. the ``var`` index for slot ``var.T``) that must be values of ``itype``."""

    slot: str
    names: pd.Index[Any]
    itype: str
    set_names: Callable[[list[str]], None]
    scope: LabelScope = field(default_factory=LabelScope)
    """The schema's scope of the names (organism, obsolete terms)."""


class Curator:
    """Validate, fix and save a dataset against a schema (base of the concrete curators).

    Example:
        >>> curator = ol.curate.DataFrameCurator(df, schema)
        >>> curator.collect().is_valid
        False
        >>> ol.curate.DataFrameCurator(df.loc[["c1", "c3"]], schema).validate()  # valid: None
    """

    otypes: ClassVar[tuple[str | None, ...]] = ()

    def __init__(
        self,
        schema: Schema | str,
        *,
        features: Mapping[str, Any] | None = None,
        name: str = "curator",
    ) -> None:
        from ontolake.registries.schema import Schema
        from ontolake.schemas.builtin import schema_by_name

        if isinstance(schema, str):
            schema = schema_by_name(schema)
        if not isinstance(schema, Schema):
            raise InvalidDataError(
                f"{type(self).__name__} takes an ol.Schema or a schema name, got "
                f"{type(schema).__name__}: load one with ol.Schema.get(name=...) or "
                "ol.Schema.from_yaml(path)."
            )
        if schema.otype not in self.otypes:
            raise InvalidDataError(
                f"Schema {schema.name or '(unnamed)'} has otype {schema.otype}, which does not "
                f"fit {type(self).__name__} (expects otype "
                f"{' or '.join(str(o) for o in self.otypes)})."
            )
        self.schema = schema
        self.features = dict(features or {})
        self.name = name
        self._cache = RegistryCache()
        self._report: ValidationReport | None = None
        self._validated = False
        self._source: str = "dataset"

    # ---- what subclasses provide ----------------------------------------------------------
    def _tables(self) -> list[Table]:
        raise NotImplementedError

    def _name_lists(self) -> list[NameList]:
        return []

    def _extra_checks(self, report: ValidationReport) -> None:
        """Checks beyond tables and names (e.g. the dtype of X)."""

    def _dataset_values(self) -> dict[str, Any]:
        """Dataset-level feature values found in the data (e.g. in ``uns``)."""
        return {}

    def _dataset_value_slots(self) -> dict[str, str]:
        """The slot each value of ``_dataset_values`` was read from (``uns``, ``attrs``)."""
        return {}

    def _set_column(self, table: Table, column: str, series: pd.Series[Any]) -> None:
        table.frame[column] = series

    def _new_artifact(self, key: str | None, description: str | None) -> Artifact:
        raise NotImplementedError

    def _file_artifact(
        self,
        path: Path,
        *,
        changed: bool,
        write: Callable[[Path], Path],
        key: str | None,
        description: str | None,
    ) -> Artifact:
        """An artifact of a curated file: the file itself, or a written copy if standardized."""
        import tempfile

        from ontolake.registries.artifact import Artifact

        if changed:
            path = write(Path(tempfile.mkdtemp(prefix="ontolake-curate-")) / path.name)
        return Artifact(str(path), key=key, description=description)

    # ---- validation -----------------------------------------------------------------------
    @property
    def report(self) -> ValidationReport:
        """The report of the last ``validate()`` (validating now if there was none)."""
        if self._report is None:
            with contextlib.suppress(ValidationError):
                self.validate()
        assert self._report is not None
        return self._report

    def collect(self) -> ValidationReport:
        """Run every check and return the report, without raising.

        Example:
            >>> report = ol.curate.DataFrameCurator(df, schema).collect()
            >>> report.is_valid, [(issue.column, issue.kind) for issue in report.issues]
            (False, [('cell_type', 'invalid_values')])
        """
        report = ValidationReport(
            dataset=self._source, schema=self.schema.name or "(unnamed)", curator_name=self.name
        )
        try:
            tables = self._tables()
            name_lists = self._name_lists()
        except OntolakeError:
            raise
        for table in tables:
            fixed = check_frame(
                table.data,
                table.schema,
                slot=table.slot,
                report=report,
                cache=self._cache,
                curator_name=self.name,
            )
            for column, series in fixed.items():
                self._set_column(table, column, series)
        for names in name_lists:
            report.slots[names.slot] = len(names.names)
            if names.names.has_duplicates:
                duplicated = names.names[names.names.duplicated()].astype(str).unique().tolist()
                report.add(
                    Issue(
                        names.slot,
                        "index",
                        "duplicated_index",
                        f"{len(duplicated)} name(s) occur more than once: {duplicated[:10]}",
                    )
                )
            check_names(
                [str(n) for n in names.names],
                names.itype,
                names.slot,
                "index",
                report,
                self._cache,
                self.name,
                names.scope,
            )
        self._extra_checks(report)
        self._check_dataset_values(report)
        self._report = report
        return report

    def validate(self) -> None:
        """Check the dataset against the schema; collect every failure.

        Returns None when the dataset is valid.

        Raises:
            ValidationError: it is not; ``error.report`` is the :class:`ValidationReport`
                (per slot and column, with counts, example rows and suggestions).

        Example:
            >>> try:
            ...     ol.curate.DataFrameCurator(df, schema).validate()
            ... except ol.errors.ValidationError as error:
            ...     print(error.report.summary().splitlines()[0])
            dataset is not valid: 1 issue(s)
        """
        report = self.collect()
        self._validated = report.is_valid
        if not report.is_valid:
            raise ReportedValidationError(report.summary(), report)

    @property
    def non_validated(self) -> dict[str, list[str]]:
        """``{key: invalid values}`` of the last validation (validating if needed).

        Every categorical column, name list (``var.T``) and dataset-level feature with
        values outside its registry; keys are what ``standardize`` and ``add_new_from`` take.

        Example:
            >>> curator = ol.curate.DataFrameCurator(df, schema)
            >>> curator.non_validated
            {'cell_type': ['T-cell', 'unknown cell']}
        """
        return self.report.non_validated()

    def _check_dataset_values(self, report: ValidationReport) -> None:
        values = {**self._dataset_values(), **self.features}
        if not values:
            return
        from ontolake.registries.features import Feature
        from ontolake.schemas.values import coerce_scalar

        report.slots.setdefault("features", len(values))
        known = {f.name: f for f in Feature.filter(name__in=list(values))}
        origins = self._dataset_value_slots()
        for name, value in values.items():
            slot = "features" if name in self.features else origins.get(name, "features")
            feature = known.get(name)
            if feature is None:
                report.add(
                    Issue(
                        "features",
                        name,
                        "missing_column",
                        f"dataset-level feature {name!r} is not defined",
                        steps=[
                            NextStep(
                                "define_feature",
                                name,
                                f"ol.Feature(name={name!r}, dtype=...).save()",
                            )
                        ],
                    )
                )
                continue
            dtype = feature.parsed_dtype
            items = list(value) if dtype.is_list and isinstance(value, (list, tuple)) else [value]
            for item in items:
                if dtype.is_categorical:
                    try:
                        allowed = self._cache.allowed(feature, dtype)
                    except OntolakeError as error:
                        report.add(Issue(slot, name, "invalid_values", str(error)))
                        continue
                    if str(item) not in allowed:
                        report.add(
                            Issue(
                                slot,
                                name,
                                "invalid_values",
                                f"{item!r} is not a label of {dtype}",
                                values=[InvalidValue(str(item), 1)],
                            )
                        )
                    continue
                try:
                    coerce_scalar(dtype.kind, item, coerce=feature.coerce)
                except ValueError as error:
                    report.add(Issue(slot, name, "dtype", str(error)))

    # ---- fixing ---------------------------------------------------------------------------
    def _columns_features(self, table: Table) -> dict[str, Feature]:
        """Column name → its Feature.

        The schema's members, plus saved features for the other columns of a flexible
        schema (``valid_features``).
        """
        members = {f.name: f for f in table.schema.members}
        if table.schema.flexible:
            from ontolake.registries.features import Feature

            extra = [str(c) for c in table.data.columns if str(c) not in members]
            if extra:
                members.update({f.name: f for f in Feature.filter(name__in=extra)})
        return members

    def _categorical(self, key: str | None) -> list[tuple[Table, str, Feature]]:
        found = []
        for table in self._tables():
            members = self._columns_features(table)
            for column in table.data.columns:
                feature = members.get(str(column))
                if feature is None or not feature.parsed_dtype.is_categorical:
                    continue
                full = str(column) if table.slot == "main" else f"{table.slot}:{column}"
                if key is None or key in (str(column), full):
                    found.append((table, str(column), feature))
        return found

    def _name_list(self, key: str) -> NameList | None:
        for names in self._name_lists():
            if key in (names.slot, f"{names.slot}:index", f"{names.slot.split('.')[0]}_index"):
                return names
        return None

    def standardize(self, key: str | None = None) -> dict[str, dict[str, str]]:
        """Replace synonyms, case variants, versioned ids and obsolete terms, in place.

        An obsolete term becomes its replacement when its ontology declares exactly one.
        Values naming several terms (ambiguous) are left as they are, named with every
        candidate in an :class:`~ontolake.errors.AmbiguousValueWarning`.

        Args:
            key: a column (``"cell_type"``, or ``"obs:cell_type"``), a name list such as
                ``"var.T"`` (the var index), or None for every categorical column and name list.

        Returns:
            ``{column: {given: canonical}}`` for the values that changed.

        Example:
            >>> curator = ol.curate.DataFrameCurator(df, schema)
            >>> curator.standardize("cell_type")
            {'cell_type': {'T-cell': 'T cell'}}
        """
        from ontolake.schemas.dtypes import parse_dtype

        targets = self._categorical(key)
        names = [self._name_list(key)] if key is not None else self._name_lists()
        names_found = [n for n in names if n is not None]
        if key is not None and not targets and not names_found:
            raise InvalidDataError(f"{key!r} is not a categorical column of this dataset.")
        mappings: dict[str, dict[str, str]] = {}
        for table, column, feature in targets:
            series, mapping = standardize_series(table.frame[column], feature, self._cache)
            if mapping:
                self._set_column(table, column, series)
                label = column if table.slot == "main" else f"{table.slot}:{column}"
                mappings[label] = mapping
        for name_list in names_found:
            dtype = parse_dtype(f"cat[{name_list.itype}]")
            vocabulary = self._cache.vocabulary(dtype, name_list.scope)
            allowed = self._cache.names(name_list.itype, name_list.scope)
            texts = [str(n) for n in name_list.names]
            invalid = [t for t in dict.fromkeys(texts) if t not in allowed]
            mapping = vocabulary.mapper(invalid)
            vocabulary.warn_ambiguous([t for t in invalid if t not in mapping])
            if mapping:
                name_list.set_names([mapping.get(t, t) for t in texts])
                mappings[name_list.slot] = mapping
        self._report = None
        return mappings

    def add_new_from(self, key: str, values: Sequence[str] | None = None) -> list[Any]:
        """Create registry records for the values of ``key`` that are not valid yet.

        Terms found in the registry's ontology source are imported from it (with their
        ancestors); other values become plain records. Values that look like an existing
        term are left out, with a warning naming them: synonyms and case variants
        (``standardize`` maps them), ambiguous synonyms, obsolete terms and close typos —
        every value with a confident suggestion in ``curator.report``. Fix those in the data,
        or name them in ``values`` to add them anyway. A filter such as ``descendants_of``
        that would exclude the new records raises instead.

        Args:
            key: a categorical column (``"cell_type"``, ``"obs:cell_type"``).
            values: add exactly these non-validated values of ``key``, none left out.

        Returns:
            The records created.

        Raises:
            InvalidDataError: ``key`` is no categorical column, or ``values`` names a value
                that is valid already or not in the column (nothing is created).

        Example:
            >>> curator = ol.curate.DataFrameCurator(df, schema)
            >>> _ = curator.standardize("cell_type")  # "T-cell" is a synonym of "T cell"
            >>> [record.name for record in curator.add_new_from("cell_type")]
            ['unknown cell']
            >>> curator.validate()  # valid now: None
        """
        from ontolake.curate.new_records import create_records, values_to_add

        targets = self._categorical(key)
        if not targets:
            raise InvalidDataError(f"{key!r} is not a categorical column of this dataset.")
        plans = [
            (
                feature,
                values_to_add(
                    self._cache, key, table.frame[column], feature, values, curator_name=self.name
                ),
            )
            for table, column, feature in targets
        ]
        if values is not None:
            found = {value for _, new in plans for value in new}
            unknown = [value for value in values if value not in found]
            if unknown:
                raise InvalidDataError(
                    f"{unknown[:10]} are no non-validated values of {key!r}: add_new_from adds "
                    "only values in the column that are not valid yet (see curator.non_validated)."
                )
        created: list[Any] = []
        for feature, new in plans:
            created += create_records(feature, new)
        self._cache.forget()
        self._report = None
        return created

    # ---- saving ---------------------------------------------------------------------------
    def save_artifact(
        self,
        key: str | None = None,
        *,
        description: str | None = None,
        artifact: Artifact | None = None,
    ) -> Artifact:
        """Validate, then save the dataset as an artifact annotated with its labels.

        The schema is saved (once); then, in one transaction, the artifact is stored, linked
        to the schema (``artifact.schema``) and annotated with the labels found in the
        categorical columns plus the dataset-level feature values (queryable as
        ``ol.Artifact.filter(cell_type="T cell")``). Invalid data is refused before anything
        is written; if annotating fails, the transaction rolls back: no artifact row, no
        feature value and no file remain.

        Args:
            key: the artifact key, e.g. ``"scrna/batch1.h5ad"``.
            description: free text.
            artifact: annotate (and link to the schema) this saved artifact instead of
                storing a new one.

        Raises:
            ValidationError: the dataset is not valid (nothing is written).
            FeatureValueError: a label or value could not be written (nothing is written).

        Example:
            >>> curator = ol.curate.DataFrameCurator(df.loc[["c1", "c3"]], schema)
            >>> saved = curator.save_artifact(key="tables/cells.parquet", description="2 cells")
            >>> saved.schema.name, saved.features.get_values()
            ('obs of scRNA', {'cell_type': ['B cell', 'T cell']})
        """
        from ontolake.curate.saving import save_curated

        self.validate()
        return save_curated(self, key, description, artifact)
