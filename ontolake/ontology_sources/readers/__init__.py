"""Moved to :mod:`ontolake.ontology_sources.formats`, where each reader sits beside its record."""

from __future__ import annotations

from ontolake.ontology_sources.formats import get_reader as get_reader

__all__ = ["get_reader"]
