"""Search over real ontologies: exact names and synonyms first, registry and source alike.

The NCBI Taxonomy slice is committed (every taxon named or nicknamed "mouse"/"mice" and their
ancestors, see tests/data/ontologies); MONDO and CL are the built-in catalog versions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ontolake as ol

MOUSE_TAXA = Path(__file__).parents[2] / "data" / "ontologies" / "ncbitaxon_mouse_subset.json.zst"


def _registry(model, text, limit=None):
    return [record.ontology_id for record in model.search(text, limit=limit)]


def _source(model, source, text, limit=None):
    return model.public(source).search(text, limit=limit).index.tolist()


def test_an_exact_synonym_ranks_first_in_the_registry_and_in_the_source(instance):
    organism = ol.bio.Organism
    organism.import_source(MOUSE_TAXA)
    ranked = _registry(organism, "mouse")
    # both have the synonym "mouse"; the house mouse also has "house mouse"
    assert ranked[:2] == ["NCBITaxon:10090", "NCBITaxon:10088"]
    assert organism.get(ontology_id=ranked[0]).name == "Mus musculus"
    assert len(ranked) > 500
    assert _source(organism, MOUSE_TAXA, "mouse", limit=None) == ranked


def test_an_exact_abbreviation_ranks_first(instance):
    ol.bio.Disease.import_source()
    ranked = _registry(ol.bio.Disease, "T2D", limit=20)
    assert ol.bio.Disease.get(ontology_id=ranked[0]).name == "type 2 diabetes mellitus"
    assert _source(ol.bio.Disease, None, "T2D", limit=20) == ranked


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("T cell", "T cell"),  # the exact name
        ("t-cell", "T cell"),  # an exact synonym, case aside
        ("CL:0000084", "T cell"),  # the exact id
        ("T lymphocyte", "T cell"),
        ("t cel", "T cell"),  # a prefix of the name
        ("CD4-positive, alpha-beta T-cell", "CD4-positive, alpha-beta T cell"),
    ],
)
def test_cell_types_rank_alike_in_the_registry_and_the_source(sqlite_instance, text, first):
    cell_type = ol.bio.CellType
    cell_type.import_source()
    ranked = _registry(cell_type, text)
    assert cell_type.get(ontology_id=ranked[0]).name == first
    assert _source(cell_type, None, text, limit=None) == ranked
