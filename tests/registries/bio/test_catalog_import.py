"""Importing real ontologies: the installed CELLxGENE catalog and committed file subsets."""

from __future__ import annotations

from pathlib import Path

import pytest

import ontolake as ol

DATA = Path(__file__).parents[2] / "data" / "ontologies"


def test_builtin_cell_ontology_imports_offline_with_its_hierarchy(instance):
    source = ol.bio.CellType.import_source()
    assert source.name == "cl" and source.currently_used
    assert source.n_terms > 3000
    t_cell = ol.bio.CellType.get(ontology_id="CL:0000084")
    assert t_cell.name == "T cell"
    assert "lymphocyte" in {parent.name for parent in t_cell.query_parents()}
    assert ol.bio.CellType.get(name="CD4-positive, alpha-beta T cell") in t_cell.query_children()
    assert ol.bio.CellType.standardize(["T-cell"]) == ["T cell"]
    # the same version again is a no-op
    assert ol.bio.CellType.import_source() == source
    assert ol.bio.Source.filter(entity="CellType").count() == 1


def test_standardize_maps_names_and_synonyms_of_the_builtin_cell_ontology_and_never_guesses(
    sqlite_instance,
):
    from ontolake.ontology_sources import catalog

    ol.bio.CellType.import_source()
    values = ["T-cell", "t cell", "CD4-positive, alpha-beta T-cell"]
    assert ol.bio.CellType.standardize(values) == [
        "T cell",
        "T cell",
        "CD4-positive, alpha-beta T cell",
    ]
    # "CD4+ T cell" is no name or synonym in any built-in CL version: it is kept as given
    for spec in catalog.available("CellType"):
        terms = catalog.find("CellType", version=spec.version).terms()
        spellings = {text for t in terms for text in (t.name, *(s.text for s in t.synonyms))}
        assert "CD4+ T cell" not in spellings, spec.version
    assert ol.bio.CellType.standardize(["CD4+ T cell"]) == ["CD4+ T cell"]


def test_an_older_catalog_version_then_the_newer(sqlite_instance):
    from ontolake.ontology_sources import catalog

    versions = [spec.version for spec in catalog.available("CellType")]
    ol.bio.CellType.import_source(version=versions[0])
    count = ol.bio.CellType.filter().count()
    ol.bio.CellType.import_source(version=versions[-1])
    assert ol.bio.CellType.filter().count() >= count  # nothing is deleted
    current = ol.bio.Source.get(entity="CellType", currently_used=True)
    assert current.version == versions[-1]


@pytest.mark.parametrize("name", ["hp_subset.obo", "hp_subset.owl", "hp_subset.json"])
def test_the_same_ontology_in_three_formats_gives_the_same_registry(sqlite_instance, name):
    ol.bio.Phenotype.import_source(DATA / name)
    motor = ol.bio.Phenotype.get(ontology_id="HP:0020219")
    assert motor.name == "Motor seizure"
    assert ol.bio.Phenotype.filter().count() == 120
    assert ol.bio.Phenotype.filter(is_obsolete=True).count() == 4
    assert "Seizure" in {parent.name for parent in motor.query_parents()}
    assert ol.bio.Phenotype.get(ontology_id="HP:0000001").query_children().count() > 50


def test_gene_table_import(instance):
    ol.bio.Gene.import_source(DATA / "genes_homo_sapiens_subset.csv.gz")
    assert ol.bio.Gene.filter().count() == 300
    gene = ol.bio.Gene.filter(biotype="protein_coding").first()
    assert gene.symbol == gene.name and gene.ensembl_gene_id.startswith("ENSG")
    assert gene.stable_id.startswith(gene.ensembl_gene_id)
    assert ol.bio.Gene.validate([gene.ensembl_gene_id], field="ontology_id").tolist() == [True]
