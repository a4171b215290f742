"""ontolake: offline-first, ontology-first registries, schemas, versioned artifacts and lineage.

Importing the package does no I/O and imports nothing heavy: every public name below is
resolved on first access, and the instance is connected on first use.

Example:
    >>> import ontolake as ol
    >>> ol.init(storage="./lake")  # doctest: +ELLIPSIS
    Instance(storage='.../lake', db='sqlite')
    >>> table = ol.Artifact.from_dataframe(df, key="tables/cells.parquet").save()
    >>> table.key, table.version, table.otype, table.n_observations
    ('tables/cells.parquet', 1, 'DataFrame', 4)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ontolake import curate, errors
    from ontolake.instance.session import connect, disconnect
    from ontolake.instance.settings import settings
    from ontolake.instance.setup import init
    from ontolake.lineage.track import finish, track
    from ontolake.lineage.tracked import tracked
    from ontolake.registries import bio
    from ontolake.registries import feature_values as features
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.collection import Collection
    from ontolake.registries.features import Feature
    from ontolake.registries.labels import Project, Record, ULabel
    from ontolake.registries.lineage import Run, Transform
    from ontolake.registries.save import save
    from ontolake.registries.schema import Schema
    from ontolake.registries.storage_location import Storage
    from ontolake.registries.user import User

__all__ = [
    "Artifact",
    "Collection",
    "Feature",
    "Project",
    "Record",
    "Run",
    "Schema",
    "Storage",
    "Transform",
    "ULabel",
    "User",
    "__version__",
    "bio",
    "connect",
    "curate",
    "disconnect",
    "errors",
    "features",
    "finish",
    "init",
    "save",
    "settings",
    "track",
    "tracked",
]

# public name -> module that defines it (registries come from ``models`` so that every
# model, and thus every relationship target, is mapped before the first query)
_LAZY: dict[str, str] = {
    "Artifact": "ontolake.registries.models",
    "Collection": "ontolake.registries.models",
    "Feature": "ontolake.registries.models",
    "Schema": "ontolake.registries.models",
    "Project": "ontolake.registries.models",
    "Record": "ontolake.registries.models",
    "ULabel": "ontolake.registries.models",
    "Run": "ontolake.registries.models",
    "Transform": "ontolake.registries.models",
    "Storage": "ontolake.registries.models",
    "User": "ontolake.registries.models",
    "save": "ontolake.registries.save",
    "connect": "ontolake.instance.session",
    "init": "ontolake.instance.setup",
    "disconnect": "ontolake.instance.session",
    "settings": "ontolake.instance.settings",
    "track": "ontolake.lineage.track",
    "finish": "ontolake.lineage.track",
    "tracked": "ontolake.lineage.tracked",
}


def __getattr__(name: str) -> Any:
    if name == "errors":
        return importlib.import_module("ontolake.errors")
    if name == "curate":
        return importlib.import_module("ontolake.curate")
    if name == "bio":
        importlib.import_module("ontolake.registries.models")
        return importlib.import_module("ontolake.registries.bio")
    if name == "features":
        importlib.import_module("ontolake.registries.models")
        return importlib.import_module("ontolake.registries.feature_values")
    if name == "__version__":
        from importlib.metadata import version

        return version("ontolake")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ontolake' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
