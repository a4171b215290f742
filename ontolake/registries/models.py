"""Every model of the core registries, imported together so the metadata is complete."""

from __future__ import annotations

from ontolake.registries import feature_query as _feature_query  # noqa: F401  (lookups by value)
from ontolake.registries.artifact import Artifact
from ontolake.registries.base import Base
from ontolake.registries.bio import entities as _bio_entities  # noqa: F401  (map bio tables)
from ontolake.registries.bio.source import Source
from ontolake.registries.collection import Collection
from ontolake.registries.features import Feature
from ontolake.registries.labels import Project, Record, ULabel
from ontolake.registries.lineage import Run, Transform
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
    "Source",
    "Storage",
    "Transform",
    "ULabel",
    "User",
    "metadata",
]

metadata = Base.metadata
