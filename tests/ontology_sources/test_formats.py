"""The formats table: every format's record, the order files are recognised in, new formats.

A format is one record in ``FORMATS``; everything else (suffixes, sniffing, versions, default
names, the reader) is read from the table, which the toy ``.tsvterms`` format proves by
being imported end to end after one ``register_format`` call.
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest
import tsvterms_format
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import ontolake as ol
from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources import formats
from ontolake.ontology_sources.formats import (
    FORMATS,
    OntologyFormat,
    default_name,
    detect_format,
    detect_version,
    format_names,
    get_format,
    get_reader,
    register_format,
)
from ontolake.ontology_sources.locations import open_binary
from ontolake.ontology_sources.source import FileSource, open_source

FIXTURES = {
    "obo": ("hp_subset.obo", "2025-01-16"),
    "owl": ("hp_subset.owl", "2025-01-16"),
    "obographs": ("hp_subset.json", None),
    "cellxgene": ("cl_subset.json.zst", None),
    "gene_table": ("genes_homo_sapiens_subset.csv.gz", None),
}
"""A committed file of each built-in format and the version it declares."""

TOY_FILE = (
    "# tsvterms 7\nX:1\tcell\t\t\nX:2\tT cell\tX:1\tT-cell|T lymphocyte\nX:3\tB cell\tX:1\tB-cell\n"
)


@pytest.fixture
def table(monkeypatch):
    """The formats table, put back as it was after the test."""
    monkeypatch.setattr(formats, "FORMATS", formats.FORMATS)
    return formats


@pytest.fixture
def toy_format(table):
    """The ``.tsvterms`` format, added with one call."""
    register_format(tsvterms_format.FORMAT)
    return tsvterms_format.FORMAT


def test_the_built_in_formats_in_sniffing_order():
    assert format_names() == ("obo", "owl", "obographs", "cellxgene", "gene_table")
    assert set(FIXTURES) == set(format_names())  # a new built-in format brings a test file
    suffixes = [suffix for record in FORMATS for suffix in record.suffixes]
    assert len(suffixes) == len(set(suffixes))


@pytest.mark.parametrize("record", FORMATS, ids=lambda record: record.name)
def test_each_record_reads_recognises_and_versions_its_files(data, tmp_path, record):
    name, version = FIXTURES[record.name]
    module = sys.modules[record.read.__module__]
    assert module.__name__.startswith("ontolake.ontology_sources.formats.")
    assert module.FORMAT is record is get_format(record.name)
    assert get_reader(record.name) is record.read
    for suffix in record.suffixes:
        assert detect_format(f"s3://bucket/any{suffix.upper()}") == record.name
        assert default_name(f"/data/hp{suffix}") == "hp"
    unnamed = tmp_path / "download"
    shutil.copy(data / name, unnamed)
    assert detect_format(str(unnamed)) == record.name
    assert detect_version(str(data / name), record.name) == version
    with open_binary(str(data / name)) as handle:
        first = next(record.read(handle, name))
    assert first.ontology_id and first.name


def test_obo_is_sniffed_before_owl_and_obo_graph_json_before_cellxgene_json(tmp_path):
    samples = {
        "obo": b"<!-- a comment -->\nformat-version: 1.2\n[Term]\nid: X:1\n",
        "owl": b'<?xml version="1.0"?>\n<rdf:RDF>',
        "obographs": b'\xef\xbb\xbf  {"graphs": [{"nodes": []}]}',
        "cellxgene": b'{"CL:0000000": {"label": "cell"}}',
    }
    for expected, content in samples.items():
        path = tmp_path / f"sample-{expected}"
        path.write_bytes(content)
        head = content.lstrip(b"\xef\xbb\xbf \t\r\n")
        accepting = [record.name for record in FORMATS if record.sniff and record.sniff(head)]
        assert accepting[0] == expected == detect_format(str(path))
    assert get_format("cellxgene").sniff(b'{"graphs": []}')  # both accept it; the table decides


PIECES = [
    b"{",
    b'"graphs"',
    b'"CL:1"',
    b": ",
    b"[Term]\n",
    b"format-version: 1.2\n",
    b"<",
    b"ENSG1,A,1,2,lncRNA\n",
    b" ",
    b"\n",
    b"\xef\xbb\xbf",
    b"text",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.lists(st.sampled_from(PIECES), max_size=6).map(b"".join))
def test_the_first_record_in_table_order_whose_sniff_accepts_decides(tmp_path, content):
    assume(content.strip())
    path = tmp_path / "download"
    path.write_bytes(content)
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    accepting = [record.name for record in FORMATS if record.sniff and record.sniff(head)]
    if accepting:
        assert detect_format(str(path)) == accepting[0]
    else:
        with pytest.raises(OntologyFormatError, match="cannot tell its format"):
            detect_format(str(path))


def test_a_format_registered_before_another_is_sniffed_first(table, data, tmp_path):
    unnamed = tmp_path / "download"
    shutil.copy(data / "hp_subset.json", unnamed)
    json_any = OntologyFormat("json_any", get_reader("obographs"), sniff=lambda h: h[:1] == b"{")
    register_format(json_any)
    assert format_names()[-1] == "json_any"
    assert detect_format(str(unnamed)) == "obographs"  # at the end: tried last
    table.FORMATS = tuple(r for r in table.FORMATS if r.name != "json_any")
    register_format(json_any, before="obographs")
    assert format_names().index("json_any") == format_names().index("obographs") - 1
    assert detect_format(str(unnamed)) == "json_any"


def test_the_longest_matching_suffix_decides(table):
    terms_csv = OntologyFormat("terms_csv", get_reader("gene_table"), suffixes=(".terms.csv",))
    register_format(terms_csv)
    assert detect_format("cells.terms.csv") == "terms_csv"
    assert detect_format("genes.csv") == "gene_table"
    assert default_name("cells.terms.csv") == "cells"


def test_names_and_versions_from_file_names_and_release_paths(tmp_path):
    cellxgene = "s3://bucket/CL-ontology-v2025-02-13.json.zst"
    assert (default_name(cellxgene), detect_version(cellxgene, "cellxgene")) == (
        "cl",
        "v2025-02-13",
    )
    graph = tmp_path / "hp.json"
    release = "http://purl.obolibrary.org/obo/hp/releases/2025-01-16/hp.json"
    graph.write_text(json.dumps({"graphs": [{"id": "x", "meta": {"version": release}}]}))
    assert detect_version(str(graph), "obographs") == "2025-01-16"
    assert detect_version(str(graph), "gene_table") is None  # no version patterns


def test_bad_registrations_are_refused_with_what_to_change(table):
    obo = get_format("obo")
    with pytest.raises(OntologyFormatError, match="named 'obo' already exists"):
        register_format(obo)
    with pytest.raises(OntologyFormatError, match=r"suffix '\.owl' already belongs to 'owl'"):
        register_format(OntologyFormat("owl2", obo.read, suffixes=(".owl",)))
    with pytest.raises(OntologyFormatError, match="before 'ttl': no such format; use one of obo"):
        register_format(OntologyFormat("x", obo.read), before="ttl")
    with pytest.raises(OntologyFormatError, match=r"suffix 'OWL' must be lower case and start"):
        OntologyFormat("x", obo.read, suffixes=("OWL",))
    assert format_names() == ("obo", "owl", "obographs", "cellxgene", "gene_table")
    with pytest.raises(OntologyFormatError, match="No reader for format 'ttl': use one of obo"):
        get_reader("ttl")


def test_a_new_format_is_one_module_and_one_registration_and_imports_end_to_end(
    sqlite_instance, toy_format, tmp_path
):
    path = tmp_path / "cells.tsvterms"
    path.write_text(TOY_FILE)
    source = ol.bio.CellType.import_source(path)
    assert (source.name, source.version, source.format, source.n_terms) == (
        "cells",
        "7",
        "tsvterms",
        3,
    )
    t_cell = ol.bio.CellType.get(ontology_id="X:2")
    assert [parent.name for parent in t_cell.parents] == ["cell"]
    assert ol.bio.CellType.standardize(["T lymphocyte", "B-cell"]) == ["T cell", "B cell"]
    assert ol.bio.CellType.import_source(path) == source  # the same version again: a no-op
    unnamed = tmp_path / "download"
    shutil.copy(path, unnamed)
    assert open_source(unnamed).spec.format == "tsvterms"  # sniffed: its record is last
    with pytest.raises(OntologyFormatError, match=r"Unknown ontology format 'ttl'.*tsvterms"):
        FileSource(unnamed, format="ttl")


def test_a_bad_line_in_a_new_format_names_the_file_and_line_and_imports_nothing(
    sqlite_instance, toy_format, tmp_path
):
    path = tmp_path / "broken.tsvterms"
    path.write_text(TOY_FILE + "X:4\tonly a name\n")
    with pytest.raises(OntologyFormatError, match=r"broken\.tsvterms, line 5: expected 4 tab"):
        ol.bio.CellType.import_source(path)
    assert ol.bio.Source.filter(entity="CellType").count() == 0
    assert ol.bio.CellType.filter().count() == 0
