"""Saving a curated dataset: the artifact, its schema link, labels and values in one commit.

``Curator.save_artifact`` validates, then calls :func:`save_curated`. The labels found in
the categorical columns and the dataset-level feature values are collected first (no
database work); then one write transaction inserts the artifact row, links it to the
schema and writes the labels and values as its feature values — which link the labels to
the artifact as well (``artifact.cell_types``, ``artifact.ulabels``: see
:mod:`ontolake.registries.label_links`) — and only then places the file. Any failure — an
invalid value, a label or feature deleted meanwhile, a constraint of the database — rolls
all of it back: no artifact row, no feature value, no link, no file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ontolake.curate.column_values import distinct_values

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ontolake.curate.base import Curator
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.schema import Schema

__all__ = ["Annotation", "save_curated", "store_curated"]


@dataclass
class Annotation:
    """What a curated save writes with the artifact: the schema link, labels and values."""

    schema: Schema
    labels: dict[str, list[str]]
    """``{categorical feature: the distinct labels of its column(s)}``."""
    values: dict[str, Any]
    """Dataset-level ``{feature: value}`` (found in the data or given to the curator)."""

    @classmethod
    def of(cls, curator: Curator) -> Annotation:
        """The annotation of a validated curator's dataset.

        Example:
            >>> curator = ol.curate.DataFrameCurator(df.loc[["c1", "c3"]], schema)
            >>> curator.validate()
            >>> Annotation.of(curator).labels
            {'cell_type': ['B cell', 'T cell']}
        """
        labels: dict[str, set[str]] = {}
        for table, column, feature in curator._categorical(None):
            series = table.frame[column]
            if feature.parsed_dtype.is_list:
                series = series.dropna().explode()
            uniques, _ = distinct_values(series)
            labels.setdefault(feature.name, set()).update(str(value) for value in uniques)
        return cls(
            schema=curator.schema,
            labels={name: sorted(found) for name, found in labels.items()},
            values={**curator._dataset_values(), **curator.features},
        )

    def write(self, session: Session, artifacts: list[Artifact]) -> None:
        """Link ``artifacts`` to the schema and write the labels and values, in ``session``.

        Runs inside the caller's write transaction (``on_inserted`` of the artifact save);
        writing the labels as values also links them (``artifact.cell_types`` …).
        """
        from sqlalchemy import update
        from sqlalchemy.orm.attributes import set_committed_value

        from ontolake.registries.artifact import Artifact
        from ontolake.registries.feature_write import annotate

        for artifact in artifacts:
            if artifact.schema_id != self.schema.id:  # stored before, or annotated as is
                session.execute(
                    update(Artifact)
                    .where(Artifact.id == artifact.id)
                    .values(schema_id=self.schema.id)
                )
                set_committed_value(artifact, "schema_id", self.schema.id)
                set_committed_value(artifact, "schema", self.schema)
            annotate(session, artifact, values=self.values, labels=self.labels)


def save_curated(
    curator: Curator, key: str | None, description: str | None, artifact: Artifact | None
) -> Artifact:
    """Save the validated dataset of ``curator`` (or annotate ``artifact``) in one transaction.

    The schema is saved first (once: it is content-addressed); everything else — the
    artifact row, its schema link, labels and values — commits together, with the file
    placed inside the same transaction.

    Example:
        >>> curator = ol.curate.DataFrameCurator(df.loc[["c1", "c3"]], schema)
        >>> curator.validate()
        >>> save_curated(curator, "tables/cells.parquet", None, None).schema.name
        'obs of scRNA'
    """
    from ontolake.instance.session import current_instance

    annotation = Annotation.of(curator)
    if annotation.schema.id is None:
        annotation.schema.save()
    if artifact is not None:
        with current_instance().write() as session:
            annotation.write(session, [artifact])
        return artifact
    return store_curated(curator, curator._new_artifact(key, description), annotation)


def store_curated(
    curator: Curator, artifact: Artifact, annotation: Annotation | None = None
) -> Artifact:
    """Store the new ``artifact`` of a validated ``curator`` with its annotation, in one commit.

    Example:
        >>> cells = df.loc[["c1", "c3"]]
        >>> curator = ol.curate.DataFrameCurator(cells, schema)
        >>> curator.validate()
        >>> new = ol.Artifact.from_dataframe(cells, key="t.parquet")
        >>> store_curated(curator, new).schema.name
        'obs of scRNA'
    """
    from ontolake.registries.artifact_save import save_artifacts

    if annotation is None:
        annotation = Annotation.of(curator)
        if annotation.schema.id is None:
            annotation.schema.save()
    artifact.schema_id = annotation.schema.id
    return save_artifacts([artifact], on_inserted=annotation.write)[0]
