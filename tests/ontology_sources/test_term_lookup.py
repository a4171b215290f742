"""Looking up chosen terms in a cellxgene-ontology-guide file answers like reading every term.

The search reads raw bytes for top-level keys; each test compares it with the facts of the
streaming reader that decodes every entry (``iter_entries``), on the committed CL subset,
the pinned release files of the installed catalog, and small files written to split every
key and entry across reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.formats.cellxgene_json import iter_entries
from ontolake.ontology_sources.locations import open_binary
from ontolake.ontology_sources.term_lookup import (
    TermFacts,
    TermFactsCache,
    find_terms,
    table_ids,
)

DATA = Path(__file__).parents[1] / "data" / "ontologies"
CL_SUBSET = str(DATA / "cl_subset.json.zst")


def every_term(location: str) -> dict[str, TermFacts]:
    """The facts of every entry, decoded one by one."""
    with open_binary(location) as handle:
        return {key: TermFacts.of(entry) for key, entry in iter_entries(handle, location)}


ALL_CL = every_term(CL_SUBSET)
CL_IDS = sorted(ALL_CL)


def write_zst(path: Path, text: str) -> str:
    path.write_bytes(zstandard.ZstdCompressor().compress(text.encode()))
    return str(path)


@settings(max_examples=60, deadline=None)
@given(
    ids=st.lists(st.sampled_from(CL_IDS), max_size=30, unique=True),
    absent=st.lists(st.from_regex(r"CL:9[0-9]{6}", fullmatch=True), max_size=3),
    chunk=st.sampled_from([64, 1000, 1 << 20]),
)
def test_any_set_of_ids_gets_the_facts_of_reading_every_term(ids, absent, chunk):
    wanted = [*ids, *absent]
    found = find_terms(CL_SUBSET, wanted, chunk_bytes=chunk)
    expected = {term_id: ALL_CL[term_id] for term_id in wanted if term_id in ALL_CL}
    assert found == expected


def test_obsolete_terms_and_ancestors_come_from_the_entry():
    obsolete = [term_id for term_id, facts in ALL_CL.items() if facts.is_obsolete]
    assert obsolete, "the CL subset keeps obsolete terms"
    found = find_terms(CL_SUBSET, [obsolete[0], "CL:0000084"])
    assert found[obsolete[0]].is_obsolete
    assert not found["CL:0000084"].is_obsolete
    assert "CL:0000000" in found["CL:0000084"].ancestors


def test_an_id_only_named_as_an_ancestor_is_not_a_term(tmp_path):
    text = json.dumps({"X:2": {"label": "child", "ancestors": {"X:1": 1}}}, separators=(",", ":"))
    location = write_zst(tmp_path / "x.json.zst", text)
    assert find_terms(location, ["X:1", "X:2"]) == {"X:2": TermFacts(False, frozenset({"X:1"}))}


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": "), (",\n", " :  ")])
@pytest.mark.parametrize("many", [False, True])
def test_any_json_layout_gives_the_same_facts(tmp_path, separators, many):
    entries = {
        f"X:{i}": {
            "label": f'term {i} with "quotes" and {{braces}} and é',
            "deprecated": i % 3 == 0,
            "ancestors": {f"X:{j}": i - j for j in range(i)},
        }
        for i in range(40)
    }
    location = write_zst(tmp_path / "x.json.zst", json.dumps(entries, separators=separators))
    wanted = [f"X:{i}" for i in range(0, 40, 1 if many else 7)] + ["X:99"]
    found = find_terms(location, wanted, chunk_bytes=50)
    assert found == {key: TermFacts.of(entries[key]) for key in wanted if key in entries}


def test_a_file_with_another_layout_is_read_entry_by_entry(tmp_path):
    location = write_zst(tmp_path / "x.json.zst", '\ufeff{"X:1": {"label": "a"}}')
    assert find_terms(location, ["X:1"]) == {"X:1": TermFacts(False, frozenset())}


def test_a_cut_entry_is_an_error_naming_the_file_and_term(tmp_path):
    location = write_zst(tmp_path / "cut.json.zst", '{"X:1":{"label":"a","ancestors":{"X:0":')
    with pytest.raises(OntologyFormatError, match=r"cut\.json\.zst: term X:1 "):
        find_terms(location, ["X:1"])


def test_pinned_releases_answer_like_reading_every_term(require_package):
    require_package("cellxgene-ontology-guide")
    from ontolake.ontology_sources import catalog

    for entity, name in [("CellType", "cl"), ("DevelopmentalStage", "hsapdv")]:
        location = catalog.find(entity, name).spec.location
        every = every_term(location)
        sample = [*sorted(every)[::97], "CL:9999999"]
        assert find_terms(location, sample) == {k: every[k] for k in sample if k in every}


def test_ncbitaxon_terms_are_found_without_reading_every_term(require_package):
    require_package("cellxgene-ontology-guide")
    from ontolake.ontology_sources import catalog

    location = catalog.find("Organism").spec.location
    found = find_terms(location, ["NCBITaxon:9606", "NCBITaxon:10091", "NCBITaxon:0"])
    assert set(found) == {"NCBITaxon:9606", "NCBITaxon:10091"}
    assert "NCBITaxon:10090" in found["NCBITaxon:10091"].ancestors  # a strain of mouse
    assert "NCBITaxon:9605" in found["NCBITaxon:9606"].ancestors  # Homo


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(st.sampled_from([*CL_IDS, "CL:9999999"]), max_size=8), max_size=4))
def test_the_cache_answers_like_the_file_whatever_was_asked_before(tmp_path_factory, batches):
    folder = tmp_path_factory.mktemp("facts")
    for batch in batches:
        fresh = TermFactsCache(folder)  # a new process reads what earlier ones kept
        expected = {term_id: ALL_CL[term_id] for term_id in batch if term_id in ALL_CL}
        assert fresh.lookup("cl", "subset", CL_SUBSET, batch) == expected


def test_the_cache_is_kept_per_source_version_and_renewed_when_the_file_changes(tmp_path):
    location = tmp_path / "x.json.zst"
    write_zst(location, json.dumps({"X:1": {"label": "a"}}, separators=(",", ":")))
    cache = TermFactsCache(tmp_path / "facts")
    assert set(cache.lookup("x", "1", str(location), ["X:1", "X:2"])) == {"X:1"}
    kept = json.loads((tmp_path / "facts" / "x@1.json").read_text())
    assert sorted(kept["terms"]) == ["X:1"] and kept["absent"] == ["X:2"]
    write_zst(location, json.dumps({"X:2": {"label": "b", "deprecated": True}}))
    assert cache.lookup("x", "1", str(location), ["X:1", "X:2"]) == {
        "X:2": TermFacts(True, frozenset())
    }
    (tmp_path / "facts" / "x@1.json").write_text("{not json")
    assert set(cache.lookup("x", "1", str(location), ["X:2"])) == {"X:2"}


def test_a_gene_table_lists_the_ids_its_terms_have():
    from ontolake.ontology_sources.source import FileSource

    location = str(DATA / "genes_homo_sapiens_subset.csv.gz")
    terms = {term.ontology_id for term in FileSource(location).terms()}
    assert table_ids(location) == terms
