"""Bio registries, exposed as ``ol.bio``: ontology-backed entities, genes, proteins, sources.

Example:
    >>> import ontolake as ol
    >>> bt = ol.bio
    >>> bt.CellType.import_source()  # the built-in Cell Ontology  # doctest: +ELLIPSIS
    Source(uid='...', entity='CellType', name='cl', version='v2026-03-26')
    >>> bt.CellType.standardize(["T-cell", "t cell"])
    ['T cell', 'T cell']
    >>> bt.diff_versions("cl", "2025-04-10", "2026-03-26").renamed[0].after  # read, not imported
    'circulating fibrocyte'

``diff_versions`` (:mod:`~ontolake.registries.bio.version_diff`) and ``migrate_labels``
(:mod:`~ontolake.registries.bio.version_migrate`) compare versions of a source and move
annotations between them; they are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ontolake.registries.bio.entities import (
    CellLine,
    CellMarker,
    CellType,
    DevelopmentalStage,
    Disease,
    Ethnicity,
    ExperimentalFactor,
    Gene,
    Organism,
    Pathway,
    Phenotype,
    Protein,
    Tissue,
)
from ontolake.registries.bio.source import Source

if TYPE_CHECKING:
    from ontolake.registries.bio.version_diff import diff_versions
    from ontolake.registries.bio.version_migrate import migrate_labels

__all__ = [
    "CellLine",
    "CellMarker",
    "CellType",
    "DevelopmentalStage",
    "Disease",
    "Ethnicity",
    "ExperimentalFactor",
    "Gene",
    "Organism",
    "Pathway",
    "Phenotype",
    "Protein",
    "Source",
    "Tissue",
    "diff_versions",
    "migrate_labels",
]

_LAZY = {
    "diff_versions": "ontolake.registries.bio.version_diff",
    "migrate_labels": "ontolake.registries.bio.version_migrate",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ontolake.bio' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
