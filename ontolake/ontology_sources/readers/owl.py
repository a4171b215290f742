"""Moved to the module of the same format in :mod:`ontolake.ontology_sources.formats`."""

from __future__ import annotations

from ontolake.ontology_sources.formats.owl import read_owl as read_owl

__all__ = ["read_owl"]
