"""OBO-Graph JSON reader: the HP subset, a Gene Ontology excerpt, obsoletion, malformed JSON."""

from __future__ import annotations

import json

import pytest

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.source import open_source
from ontolake.ontology_sources.terms import Relation, Synonym

OBO = "http://purl.obolibrary.org/obo/"

# Nodes and edges from the obographs project's examples/nucleus.json (a Gene Ontology slice,
# GO is CC BY 4.0), definitions shortened and subsets left out.
GO_NUCLEUS = {
    "graphs": [
        {
            "id": f"{OBO}go/subsets/nucleus.owl",
            "nodes": [
                {
                    "id": "http://www.geneontology.org/formats/oboInOwl#hasExactSynonym",
                    "type": "PROPERTY",
                    "lbl": "has_exact_synonym",
                },
                {
                    "id": f"{OBO}GO_0005634",
                    "meta": {
                        "definition": {"val": "A membrane-bounded organelle of eukaryotic cells."},
                        "xrefs": [{"val": "Wikipedia:Cell_nucleus"}],
                        "synonyms": [
                            {"pred": "hasExactSynonym", "val": "cell nucleus", "xrefs": []}
                        ],
                    },
                    "type": "CLASS",
                    "lbl": "nucleus",
                },
                {
                    "id": f"{OBO}GO_0005575",
                    "meta": {
                        "synonyms": [
                            {"pred": "hasExactSynonym", "val": "cellular component"},
                            {"pred": "hasRelatedSynonym", "val": "subcellular entity"},
                        ]
                    },
                    "type": "CLASS",
                    "lbl": "cellular_component",
                },
                {"id": f"{OBO}GO_0044464", "type": "CLASS", "lbl": "cell part"},
                {"id": f"{OBO}GO_0005623", "type": "CLASS", "lbl": "cell"},
                {
                    "id": f"{OBO}GO_0043231",
                    "type": "CLASS",
                    "lbl": "intracellular membrane-bounded organelle",
                },
                {
                    "id": f"{OBO}BFO_0000050",
                    "meta": {"xrefs": [{"val": "BFO:0000050"}]},
                    "type": "PROPERTY",
                    "lbl": "part of",
                },
                {
                    "id": f"{OBO}go/subsets/nucleus#syngo_official_label",
                    "lbl": "label approved by the SynGO project",
                },
            ],
            "edges": [
                {"sub": f"{OBO}GO_0005623", "pred": "is_a", "obj": f"{OBO}GO_0005575"},
                {"sub": f"{OBO}BFO_0000050", "pred": "inverseOf", "obj": f"{OBO}go#has_part"},
                {"sub": f"{OBO}GO_0005634", "pred": "is_a", "obj": f"{OBO}GO_0043231"},
                {"sub": f"{OBO}GO_0044464", "pred": f"{OBO}BFO_0000050", "obj": f"{OBO}GO_0005623"},
                {"sub": f"{OBO}GO_0044464", "pred": "is_a", "obj": f"{OBO}GO_0005575"},
            ],
        }
    ]
}

# The obographs project's examples/obsoletion_example.json, as ROBOT writes obsolete classes.
OBSOLETION = {
    "graphs": [
        {
            "nodes": [
                {
                    "id": f"{OBO}X_2",
                    "meta": {
                        "basicPropertyValues": [
                            {"pred": f"{OBO}IAO_0000231", "val": f"{OBO}IAO_0000227"},
                            {"pred": f"{OBO}IAO_0100001", "val": "X:1"},
                            {
                                "pred": "http://www.geneontology.org/formats/oboInOwl#consider",
                                "val": f"{OBO}Y_1",
                            },
                        ],
                        "deprecated": True,
                    },
                    "type": "CLASS",
                    "lbl": "obsolete x2",
                },
                {"id": f"{OBO}X_1", "type": "CLASS", "lbl": "x1"},
                {"id": f"{OBO}Y_2", "meta": {"deprecated": True}, "type": "CLASS"},
            ],
            "edges": [],
        }
    ]
}


def write_json(tmp_path, document, name="graph.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2))
    return path


def test_hp_subset_matches_the_obo_it_was_written_from(data):
    from_obo = {term.ontology_id: term for term in open_source(data / "hp_subset.obo").terms()}
    source = open_source(data / "hp_subset.json")
    assert source.spec.format == "obographs"
    from_json = {term.ontology_id: term for term in source.terms()}
    assert from_json == from_obo


def test_gene_ontology_excerpt_with_part_of_edges(tmp_path):
    terms = {t.ontology_id: t for t in open_source(write_json(tmp_path, GO_NUCLEUS)).terms()}
    assert set(terms) == {"GO:0005634", "GO:0005575", "GO:0044464", "GO:0005623", "GO:0043231"}
    nucleus = terms["GO:0005634"]
    assert nucleus.name == "nucleus"
    assert nucleus.definition == "A membrane-bounded organelle of eukaryotic cells."
    assert nucleus.synonyms == (Synonym("cell nucleus", "exact"),)
    assert nucleus.parents == (Relation("GO:0043231", "is_a"),)
    assert terms["GO:0005575"].synonyms[1] == Synonym("subcellular entity", "related")
    assert terms["GO:0044464"].parents == (
        Relation("GO:0005623", "part_of"),
        Relation("GO:0005575", "is_a"),
    )


def test_obsolete_classes_with_replacements(tmp_path):
    terms = {t.ontology_id: t for t in open_source(write_json(tmp_path, OBSOLETION)).terms()}
    assert set(terms) == {"X:2", "X:1"}  # Y:2 has no label
    assert terms["X:2"].is_obsolete
    assert (terms["X:2"].replaced_by, terms["X:2"].consider) == (("X:1",), ("Y:1",))
    assert not terms["X:1"].is_obsolete


def test_invalid_json_names_line_and_column(tmp_path):
    text = json.dumps(GO_NUCLEUS, indent=2).replace('"lbl": "cell part"', '"lbl": "cell part",', 1)
    path = write_json(tmp_path, text, "broken.json")
    with pytest.raises(OntologyFormatError, match=r"broken\.json, line \d+, column \d+: invalid"):
        list(open_source(path).terms())


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"nodes": []}, "'graphs' list"),
        ({"graphs": [{"nodes": [{"lbl": "no id", "type": "CLASS"}]}]}, "no string 'id'"),
        ({"graphs": [{"nodes": {"a": 1}}]}, "'nodes' of graph"),
        ({"graphs": [{"edges": [{"sub": f"{OBO}X_1", "obj": f"{OBO}X_2"}]}]}, "lacks 'sub'"),
        (
            {
                "graphs": [
                    {"nodes": [{"id": f"{OBO}X_1", "type": "CLASS", "lbl": "a"}]},
                    {"nodes": [{"id": f"{OBO}X_1", "type": "CLASS", "lbl": "b"}]},
                ]
            },
            "X:1 has two names, 'a' and 'b'",
        ),
        (
            {
                "graphs": [
                    {
                        "nodes": [
                            {
                                "id": f"{OBO}X_1",
                                "type": "CLASS",
                                "lbl": "a",
                                "meta": {"synonyms": [1]},
                            }
                        ]
                    }
                ]
            },
            "node X:1 has a malformed 'meta'",
        ),
    ],
)
def test_malformed_documents_are_reported(tmp_path, document, message):
    with pytest.raises(OntologyFormatError, match=message):
        list(open_source(write_json(tmp_path, document)).terms())
