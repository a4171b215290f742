"""Curators of containers made of parts: MuData modalities and SpatialData tables.

Each part is an AnnData checked like :class:`ontolake.curate.anndata.AnnDataCurator`
checks one; a slot of the schema whose part the data lacks is reported as a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ontolake.curate.base import Curator, NameList, Table
from ontolake.curate.report import Issue, ValidationReport
from ontolake.errors import InvalidDataError, UnsupportedObjectError

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.registries.artifact import Artifact
    from ontolake.registries.schema import Schema

__all__ = ["Part", "PartsCurator"]

_PLURAL = {"modality": "modalities", "table": "tables"}


class Part(Protocol):
    """One checked piece of a container (an AnnData inside a MuData or a SpatialData).

    :class:`ontolake.curate.anndata.AnnDataSlots` is the implementation.
    """

    changed: bool

    def tables(self) -> list[Table]:
        """The tables of the part."""

    def name_lists(self) -> list[NameList]:
        """The name lists of the part."""

    def check(self, report: ValidationReport) -> None:
        """Checks beyond tables and names."""

    def dataset_values(self) -> dict[str, Any]:
        """Dataset-level feature values found in the part."""

    def dataset_value_slots(self) -> dict[str, str]:
        """The reported slot of each dataset-level value of the part."""


class PartsCurator(Curator):
    """A curator of a container made of parts (MuData modalities, SpatialData tables).

    Subclasses set ``self._parts`` (the parts) and ``self._missing`` (slots of the schema
    the data lacks, with the reason: each is reported as a failure, never skipped).

    Example:
        >>> curator = ol.curate.MuDataCurator("multiome.h5mu", ol.Schema.get(name="multiome"))
        >>> curator.collect().is_valid, curator.non_validated
        (False, {'rna:obs:cell_type': ['T-cell']})
    """

    _parts: list[Part]
    _missing: dict[str, str]
    _artifact: Artifact | None

    @staticmethod
    def split_slots(
        slots: Mapping[str, Schema],
    ) -> tuple[dict[str, dict[str, Schema]], dict[str, Schema]]:
        """``{"rna:obs": s, "uns": t}`` → ``({"rna": {"obs": s}}, {"uns": t})``."""
        grouped: dict[str, dict[str, Schema]] = {}
        top: dict[str, Schema] = {}
        for slot, component in slots.items():
            group, _, inner = slot.rpartition(":")
            if group:
                grouped.setdefault(group, {})[inner] = component
            else:
                top[slot] = component
        return grouped, top

    def _open_container(
        self,
        dataset: Any,
        *,
        type_name: str,
        files: str,
        slots_hint: str,
        of: Callable[[Any], Any],
        read: Callable[[Path, list[str]], Any],
    ) -> tuple[Any, dict[str, dict[str, Schema]], dict[str, Schema]]:
        """The container's parts and the schema's slots split into (groups, top-level).

        ``dataset`` is the object in memory (read with ``of``), or a path or an Artifact
        whose file ``read`` opens for the groups the schema names.
        """
        if not self.schema.slots:
            raise InvalidDataError(
                f"Schema {self.schema.name or '(unnamed)'} has no slots: {slots_hint}"
            )
        self._artifact = None
        self._path: Path | None = None
        self._changed = False
        grouped, top = self.split_slots(self.schema.slots)
        if type(dataset).__name__ == type_name:
            return of(dataset), grouped, top
        if type(dataset).__name__ == "Artifact" and hasattr(dataset, "cache"):
            self._artifact = dataset
            self._source = str(dataset.key or dataset.uid)
            self._path = Path(dataset.cache())
        elif isinstance(dataset, (str, Path)):
            self._path = Path(dataset)
            self._source = str(dataset)
        else:
            raise UnsupportedObjectError(
                f"{type(self).__name__} takes a {type_name}, {files} or an Artifact, got "
                f"{type(dataset).__name__}."
            )
        return read(self._path, list(grouped)), grouped, top

    def _attach_parts(
        self,
        grouped: dict[str, dict[str, Schema]],
        found: Mapping[str, Any],
        *,
        kind: str,
        container: str,
        first: list[Part],
        available: list[str],
    ) -> None:
        """One AnnData part per group present in the data; a missing group is a failure.

        ``available`` are the groups the data has (its own names, listed in the failure).
        """
        from ontolake.curate.anndata import AnnDataSlots

        parts = list(first)
        self._missing = {}
        has = ", ".join(repr(name) for name in available) or "none"
        for group, components in grouped.items():
            data = found.get(group)
            if data is None:
                for inner in components:
                    self._missing[f"{group}:{inner}"] = (
                        f"{container} has no {kind} {group!r} (its {_PLURAL[kind]}: {has}): "
                        "nothing could be checked"
                    )
                continue
            parts.append(AnnDataSlots(data, components, prefix=f"{group}:"))
        self._parts = parts

    def _tables(self) -> list[Table]:
        return [table for part in self._parts for table in part.tables()]

    def _name_lists(self) -> list[NameList]:
        return [names for part in self._parts for names in part.name_lists()]

    def _extra_checks(self, report: ValidationReport) -> None:
        for part in self._parts:
            part.check(report)
        for slot, message in self._missing.items():
            report.add(Issue(slot, None, "slot", message))

    def _dataset_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for part in self._parts:
            values.update(part.dataset_values())
        return values

    def _dataset_value_slots(self) -> dict[str, str]:
        slots: dict[str, str] = {}
        for part in self._parts:
            slots.update(part.dataset_value_slots())
        return slots

    def _set_column(self, table: Table, column: str, series: pd.Series[Any]) -> None:
        table.frame[column] = series
        self._changed = True

    @property
    def changed(self) -> bool:
        """Whether standardizing changed the data (a file then needs writing)."""
        return getattr(self, "_changed", False) or any(part.changed for part in self._parts)

    def save_artifact(
        self,
        key: str | None = None,
        *,
        description: str | None = None,
        artifact: Artifact | None = None,
    ) -> Artifact:
        """Validate, then save the container as an artifact with its labels and values.

        An unchanged Artifact being curated is annotated as is. See
        :meth:`Curator.save_artifact`.

        Example:
            >>> curator = ol.curate.MuDataCurator("multiome.h5mu", ol.Schema.get(name="multiome"))
            >>> _ = curator.standardize()
            >>> saved = curator.save_artifact(key="multiome/x.h5mu")
            >>> saved.otype, saved.schema.name
            ('MuData', 'multiome')
        """
        if artifact is None and self._artifact is not None and not self.changed:
            artifact = self._artifact
        return super().save_artifact(key, description=description, artifact=artifact)
