"""Moved to the module of the same format in :mod:`ontolake.ontology_sources.formats`."""

from __future__ import annotations

from ontolake.ontology_sources.formats.obo import read_obo as read_obo

__all__ = ["read_obo"]
