"""Moved to the module of the same format in :mod:`ontolake.ontology_sources.formats`."""

from __future__ import annotations

from ontolake.ontology_sources.formats.cellxgene_json import iter_entries as iter_entries
from ontolake.ontology_sources.formats.cellxgene_json import read_cellxgene as read_cellxgene

__all__ = ["iter_entries", "read_cellxgene"]
