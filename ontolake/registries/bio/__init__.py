"""Bio registries, exposed as ``ol.bio``: ontology-backed entities, genes, proteins, sources.

Example:
    >>> import ontolake as ol
    >>> bt = ol.bio
    >>> bt.CellType.import_source()  # the built-in Cell Ontology  # doctest: +ELLIPSIS
    Source(uid='...', entity='CellType', name='cl', version='v2026-03-26')
    >>> bt.CellType.standardize(["T-cell", "t cell"])
    ['T cell', 'T cell']
"""

from __future__ import annotations

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
]
