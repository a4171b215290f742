"""Curators: validate, standardize and save DataFrames, AnnData, MuData and SpatialData.

Names resolve lazily, so ``import ontolake`` stays light.

Example:
    >>> import ontolake as ol
    >>> curator = ol.curate.DataFrameCurator(df, schema)
    >>> curator.non_validated
    {'cell_type': ['T-cell', 'unknown cell']}
    >>> curator.standardize("cell_type")  # synonyms and case variants -> canonical names
    {'cell_type': {'T-cell': 'T cell'}}
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ontolake.curate.anndata import AnnDataCurator
    from ontolake.curate.cellxgene import CellxgeneCurator
    from ontolake.curate.dataframe import DataFrameCurator
    from ontolake.curate.mudata import MuDataCurator
    from ontolake.curate.report import ReportedValidationError, ValidationReport
    from ontolake.curate.spatialdata import SpatialDataCurator

__all__ = [
    "AnnDataCurator",
    "CellxgeneCurator",
    "DataFrameCurator",
    "MuDataCurator",
    "ReportedValidationError",
    "SpatialDataCurator",
    "ValidationReport",
]

_LAZY = {
    "AnnDataCurator": "ontolake.curate.anndata",
    "CellxgeneCurator": "ontolake.curate.cellxgene",
    "DataFrameCurator": "ontolake.curate.dataframe",
    "MuDataCurator": "ontolake.curate.mudata",
    "SpatialDataCurator": "ontolake.curate.spatialdata",
    "ReportedValidationError": "ontolake.curate.report",
    "ValidationReport": "ontolake.curate.report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ontolake.curate' has no attribute {name!r}")
    importlib.import_module("ontolake.registries.models")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
