"""Moved to :mod:`ontolake.ontology_sources.formats`; kept until the old paths are retired."""

from __future__ import annotations

from ontolake.ontology_sources.formats import default_name as default_name
from ontolake.ontology_sources.formats import detect_format as detect_format
from ontolake.ontology_sources.formats import detect_version as detect_version

__all__ = ["default_name", "detect_format", "detect_version"]
