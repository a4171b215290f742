"""Curators: validate, standardize and save DataFrames and AnnData (MuData, SpatialData next).

Names resolve lazily, so ``import ontolake`` stays light.

Example:
    >>> import ontolake as ol
    >>> curator = ol.curate.DataFrameCurator(df, schema)  # doctest: +SKIP
    >>> curator.validate()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ontolake.curate.anndata import AnnDataCurator
    from ontolake.curate.dataframe import DataFrameCurator
    from ontolake.curate.report import ReportedValidationError, ValidationReport

__all__ = [
    "AnnDataCurator",
    "DataFrameCurator",
    "ReportedValidationError",
    "ValidationReport",
]

_LAZY = {
    "AnnDataCurator": "ontolake.curate.anndata",
    "DataFrameCurator": "ontolake.curate.dataframe",
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
