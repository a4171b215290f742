"""CELLxGENE JSON reader: the committed CL subset, the installed files, streaming, bad input."""

from __future__ import annotations

import io
import json
import time

import pytest

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.formats import cellxgene_json
from ontolake.ontology_sources.locations import open_binary
from ontolake.ontology_sources.source import open_source
from ontolake.ontology_sources.terms import Relation, Synonym


def test_cl_subset(data):
    source = open_source(data / "cl_subset.json.zst", entity="CellType")
    assert (source.spec.format, source.spec.name) == ("cellxgene", "cl_subset")
    terms = {term.ontology_id: term for term in source.terms()}
    assert len(terms) == 194
    t_cell = terms["CL:0000084"]
    assert t_cell.name == "T cell"
    assert t_cell.definition.startswith("A type of lymphocyte")
    assert set(t_cell.synonyms) == {
        Synonym("T lymphocyte", "related"),
        Synonym("T-cell", "related"),
        Synonym("T-lymphocyte", "related"),
    }
    assert t_cell.parents == (Relation("CL:0000542", "parent"),)
    assert terms["CL:0000000"].parents == ()
    assert terms["CL:0000002"].is_obsolete
    assert terms["CL:0000002"].replaced_by == ("CLO:0000019",)
    assert terms["CL:0000004"].consider == ("CL:0000000", "CL:0000003", "CL:0001034")


def test_streaming_matches_a_whole_file_parse_at_any_chunk_size(data, monkeypatch):
    with open_binary(str(data / "cl_subset.json.zst")) as handle:
        raw = handle.read()
    expected = list(json.loads(raw).items())
    monkeypatch.setattr(cellxgene_json, "_CHUNK_BYTES", 7)
    assert list(cellxgene_json.iter_entries(io.BytesIO(raw), "cl")) == expected


def test_plain_json_and_unicode(tmp_path):
    path = tmp_path / "tiny.json"
    document = {
        "X:1": {"label": "caf\u00e9 \u2603", "ancestors": {"X:2": 1, "X:3": 2}},
        "X:2": {
            "label": 'quote "q"',
            "ancestors": {"X:3": 1},
            "cross_ontology_terms": {"CL": "CL:1"},
        },
        "X:3": {"label": "", "ancestors": {}, "deprecated": True, "replaced_by": "X:1"},
    }
    path.write_text(json.dumps(document, ensure_ascii=False))
    terms = list(open_source(path, format="cellxgene").terms())
    assert [t.name for t in terms] == ["caf\u00e9 \u2603", 'quote "q"', "X:3"]
    assert terms[1].extra == {"cross_ontology_term:CL": "CL:1"}
    assert terms[2].is_obsolete and terms[2].replaced_by == ("X:1",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", r"character 0: expected '\{', found the end"),
        (b'["X:1"]', r"character 0: expected '\{', found '\['"),
        (b'{"X:1": {"label": "a"}', r"character 22 in term X:1: expected ','"),
        (b'{"X:1": {"label": "a"},}', r"character 23 after term X:1: expected a quoted term id"),
        (b'{"X:1": {"label": "a",}}', r"character 22 in term X:1: invalid JSON"),
        (b'{"X:1": {"label": "a"}} {}', "unexpected text after the top-level object"),
        (b'{"X:1": 5}', "term X:1 is not an object"),
        (b'{"X:1": {"ancestors": {}}}', "term X:1 has no 'label' string"),
        (b'{"X:1": {"label": "a", "ancestors": []}}', "term X:1: 'ancestors' must be an object"),
        (b'{"X:1": {"label": "\xff"}}', "not valid UTF-8"),
    ],
)
def test_malformed_files_name_the_offset_and_term(text, message):
    with pytest.raises(OntologyFormatError, match=message):
        list(cellxgene_json.read_cellxgene(io.BytesIO(text), "cl.json"))


def test_installed_cell_ontology(require_package):
    require_package("cellxgene-ontology-guide")
    from ontolake.ontology_sources import catalog

    source = catalog.find("CellType")
    started = time.perf_counter()
    terms = {term.ontology_id: term for term in source.terms()}
    print(
        f"\nCL {source.spec.version}: {len(terms)} terms in {time.perf_counter() - started:.3f} s"
    )
    assert len(terms) > 3_000
    t_cell = terms["CL:0000084"]
    assert t_cell.name == "T cell"
    assert Relation("CL:0000542", "parent") in t_cell.parents
    deprecated = [term for term in terms.values() if term.is_obsolete]
    assert len(deprecated) > 100
    assert sum(bool(term.replaced_by) for term in deprecated) > 100
    assert all(term.replaced_by == () for term in terms.values() if not term.is_obsolete)


def test_installed_mondo_parse_time(require_package):
    require_package("cellxgene-ontology-guide")
    from ontolake.ontology_sources import catalog

    source = catalog.find("Disease")
    started = time.perf_counter()
    terms = list(source.terms())
    synonyms = sum(len(term.synonyms) for term in terms)
    print(
        f"\nMONDO {source.spec.version}: {len(terms)} terms, {synonyms} synonyms "
        f"in {time.perf_counter() - started:.2f} s"
    )
    assert len(terms) > 30_000


def _closure(parents: dict[str, list[str]], term_id: str) -> set[str]:
    seen: set[str] = set()
    stack = [term_id]
    while stack:
        for parent in parents.get(stack.pop(), []):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


@pytest.mark.parametrize("prefix", ["EFO", "UBERON", "CL"])
def test_walking_the_links_gives_back_the_released_closure(prefix, require_package):
    """EFO v3.90.0 leaves out the terms between 13,451 of its terms and some ancestors."""
    from ontolake.ontology_sources import catalog

    require_package("cellxgene-ontology-guide")
    spec = next(
        s
        for s in reversed(catalog.available())
        if s.format == "cellxgene" and s.location.split("/")[-1].startswith(f"{prefix}-")
    )
    terms = list(open_source(spec).terms())
    parents = {t.ontology_id: [r.parent_id for r in t.parents] for t in terms}
    with open_binary(spec.location) as handle:
        released = json.load(handle)
    assert {t: _closure(parents, t) for t in parents} == {
        t: set(entry.get("ancestors", {})) for t, entry in released.items()
    }
    if prefix == "EFO":
        organism_part = next(t for t in terms if t.ontology_id == "EFO:0000635")
        assert Relation("EFO:0000001", "ancestor") in organism_part.parents


def test_closure_repair_names_only_the_nearest_missing_ancestors():
    from ontolake.ontology_sources.closure import ClosureRepair

    repair = ClosureRepair()
    repair.add("A:4", {"A:3": 1, "A:2": 2, "A:1": 3, "A:0": 4, "B:1": 2, "B:0": 3}, ["A:3"])
    repair.add("A:3", {"A:2": 1, "A:1": 2, "A:0": 3}, ["A:2"])
    repair.add("A:2", {"A:1": 1, "A:0": 2}, ["A:1"])
    repair.add("A:1", {"A:0": 1}, ["A:0"])
    repair.add("A:0", {}, [])
    repair.add("B:1", {"B:0": 1}, ["B:0"])
    repair.add("B:0", {}, [])
    assert repair.missing_parents() == {"A:4": ["B:1"]}
