"""Every model of the core registries, imported together so the metadata is complete."""

from __future__ import annotations

from ontolake.registries.artifact import Artifact
from ontolake.registries.base import Base
from ontolake.registries.collection import Collection
from ontolake.registries.labels import Project, Record, ULabel
from ontolake.registries.lineage import Run, Transform
from ontolake.registries.storage import Storage
from ontolake.registries.user import User

__all__ = [
    "Artifact",
    "Collection",
    "Project",
    "Record",
    "Run",
    "Storage",
    "Transform",
    "ULabel",
    "User",
    "metadata",
]

metadata = Base.metadata
