"""Moved to the module of the same format in :mod:`ontolake.ontology_sources.formats`."""

from __future__ import annotations

from ontolake.ontology_sources.formats.obograph import read_obograph as read_obograph

__all__ = ["read_obograph"]
