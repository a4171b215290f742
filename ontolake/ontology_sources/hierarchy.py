"""Moved to :mod:`ontolake.ontology_sources.cycles`; kept until the old paths are retired."""

from __future__ import annotations

from ontolake.ontology_sources.cycles import find_cycles as find_cycles

__all__ = ["find_cycles"]
