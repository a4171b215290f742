"""Moved to the module of the same format in :mod:`ontolake.ontology_sources.formats`."""

from __future__ import annotations

from ontolake.ontology_sources.formats.gene_table import COLUMNS as COLUMNS
from ontolake.ontology_sources.formats.gene_table import read_gene_table as read_gene_table

__all__ = ["COLUMNS", "read_gene_table"]
