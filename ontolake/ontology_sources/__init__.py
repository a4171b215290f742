"""Ontology sources: readers that turn ontology files into normalised terms, and the catalog."""
