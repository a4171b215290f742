"""Curate a pandas DataFrame (or a parquet/CSV/TSV file, or a DataFrame artifact).

A CSV or TSV file of ``CSV_CHUNKS_FROM`` bytes or more is validated in chunks of rows
(:mod:`ontolake.curate.chunks`): one chunk is in memory at a time, and the report is the one
of the whole file, byte for byte. With pandera checks in the schema (a check may need a whole
column) such a file, and any parquet file, is validated column by column
(:mod:`ontolake.curate.columns`): at most one column (plus the index) in memory at a time.
Either way the whole DataFrame is read only when something needs it — ``curator.dataset``,
``standardize``, ``add_new_from``, ``save_artifact``, a column converted by dtype coercion,
or dataframe-level pandera checks.

A column name written twice in a file is reported ("column 'x' appears twice"), the index
column included: pandas' reader would silently rename the second one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ontolake.curate.base import Curator, Table
from ontolake.curate.chunks import CsvChunks
from ontolake.curate.columns import (
    CsvColumns,
    ParquetColumns,
    dictionary_columns,
    duplicated_columns,
    read_table,
)
from ontolake.errors import InvalidDataError, UnsupportedObjectError

CSV_CHUNKS_FROM = 64 * 2**20
"""CSV/TSV files of this many bytes or more are validated in chunks of rows
(:class:`~ontolake.curate.chunks.CsvChunks`); smaller ones are read whole, once, for
everything the curator does."""

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.curate.report import ValidationReport
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.schema import Schema

__all__ = ["DataFrameCurator", "read_table"]


class DataFrameCurator(Curator):
    """Validate, standardize and save a DataFrame against a schema.

    Args:
        dataset: a ``pandas.DataFrame``, a path to a parquet, CSV or TSV file, or a saved
            DataFrame ``Artifact``. A file is validated one column at a time and read whole
            only when needed (see the module docstring).
        schema: a Schema with ``otype`` None or ``"DataFrame"``.
        features: dataset-level feature values, e.g. ``{"experiment_date": "2025-10-24"}``,
            validated against their Features and saved with the artifact.

    Example:
        >>> import ontolake as ol
        >>> curator = ol.curate.DataFrameCurator(df, schema)
        >>> curator.non_validated
        {'cell_type': ['T-cell', 'unknown cell']}
        >>> curator.standardize("cell_type")
        {'cell_type': {'T-cell': 'T cell'}}
        >>> [record.name for record in curator.add_new_from("cell_type")]
        ['unknown cell']
        >>> curator.validate()  # valid: None
        >>> curator.save_artifact(key="tables/cells.parquet").n_observations
        4
    """

    otypes: ClassVar[tuple[str | None, ...]] = (None, "DataFrame")

    def __init__(
        self,
        dataset: Any,
        schema: Schema | str,
        *,
        features: Mapping[str, Any] | None = None,
        name: str = "curator",
    ) -> None:
        super().__init__(schema, features=features, name=name)
        schema = self.schema  # resolved from a name, if one was given
        import pandas as pd

        self._artifact: Artifact | None = None
        self._twice: list[str] = []
        """Column names the file holds more than once."""
        self._data: pd.DataFrame | ParquetColumns | CsvColumns | CsvChunks
        if isinstance(dataset, pd.DataFrame):
            self._data = dataset
        elif _is_artifact(dataset):
            self._artifact = dataset
            self._source = str(dataset.key or dataset.uid)
            self._data = _open(Path(dataset.cache()), schema)
            self._twice = duplicated_columns(Path(dataset.cache()))
        elif isinstance(dataset, (str, Path)):
            self._source = str(dataset)
            self._data = _open(Path(dataset), schema)
            self._twice = duplicated_columns(Path(dataset))
        else:
            raise UnsupportedObjectError(
                f"DataFrameCurator takes a pandas DataFrame, a parquet/CSV path or an "
                f"Artifact, got {type(dataset).__name__}."
            )
        if schema.slots:
            raise InvalidDataError(
                f"Schema {schema.name or '(unnamed)'} has slots {sorted(schema.slots)}: it "
                "describes a composite object, not a DataFrame."
            )

    @property
    def dataset(self) -> pd.DataFrame:
        """The DataFrame (changed in place by ``standardize`` and dtype coercion).

        From a file, read whole on first access.
        """
        return self._tables()[0].frame

    def _tables(self) -> list[Table]:
        return [Table("main", self._data, self.schema)]

    def _extra_checks(self, report: ValidationReport) -> None:
        """A column name the file holds twice, unless the columns' check reported it."""
        from ontolake.curate.report import Issue

        reported = {issue.column for issue in report.issues if issue.kind == "duplicated_index"}
        for name in self._twice:
            if name not in reported:
                report.add(
                    Issue("main", name, "duplicated_index", f"column {name!r} appears twice")
                )

    def standardize(self, key: str | None = None) -> dict[str, dict[str, str]]:
        """See :meth:`Curator.standardize`; refused for a table with a column name twice.

        Raises:
            InvalidDataError: a column name appears twice (which one to map is unclear).

        Example:
            >>> twice = pd.DataFrame([["T-cell", 1, "B cell"]], columns=["cell_type", "n", "cell_type"])
            >>> ol.curate.DataFrameCurator(twice, schema).standardize()
            Traceback (most recent call last):
            ontolake.errors.InvalidDataError: dataset: column 'cell_type' appears twice; rename one of them, then standardize.
        """  # noqa: E501
        twice = self._twice or [str(name) for name in self._columns_twice()]
        if twice:
            raise InvalidDataError(
                f"{self._source}: column {twice[0]!r} appears twice; rename one of them, then "
                "standardize."
            )
        return super().standardize(key)

    def _columns_twice(self) -> list[Any]:
        columns = self._data.columns
        return list(columns[columns.duplicated()].unique())

    def _new_artifact(self, key: str | None, description: str | None) -> Artifact:
        from ontolake.registries.artifact import Artifact

        return Artifact.from_dataframe(self.dataset, key=key, description=description)

    def save_artifact(
        self,
        key: str | None = None,
        *,
        description: str | None = None,
        artifact: Artifact | None = None,
    ) -> Artifact:
        """Validate, then save the DataFrame as a parquet artifact with its labels.

        See :meth:`Curator.save_artifact`.

        Example:
            >>> df.loc[["c1", "c3"]].to_parquet("valid.parquet")
            >>> curator = ol.curate.DataFrameCurator("valid.parquet", schema)
            >>> curator.save_artifact(key="tables/cells.parquet").n_observations
            2
        """
        return super().save_artifact(
            key, description=description, artifact=artifact or self._artifact
        )


def _is_artifact(value: Any) -> bool:
    return type(value).__name__ == "Artifact" and hasattr(value, "cache")


def _open(path: Path, schema: Schema) -> pd.DataFrame | ParquetColumns | CsvColumns | CsvChunks:
    """A parquet, CSV or TSV file as columns read one at a time; anything else an error."""
    from ontolake._files import require_file_or_folder

    require_file_or_folder(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet" and path.is_file():
        return ParquetColumns(path, dictionary_columns(schema))
    index = schema.index
    columns = {feature.name for feature in schema.members}
    index_name = index.name if index is not None and index.name not in columns else None
    if suffix in (".csv", ".tsv") and path.is_file() and path.stat().st_size >= CSV_CHUNKS_FROM:
        if any(schema.live_checks().values()) or duplicated_columns(path):
            return CsvColumns(path, index_name)  # a pandera check may need a whole column
        chunks = CsvChunks(path, index_name)
        return CsvColumns(path, index_name) if chunks.implicit_index else chunks
    # the error naming the file (or a parquet directory, read whole)
    return read_table(path, index_name)
