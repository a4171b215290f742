"""OBO-Graph JSON reader: the HP subset, a Gene Ontology excerpt, obsoletion, malformed JSON,
streaming (any order, any split of the text, bounded memory)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.formats.obograph import read_obograph
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
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    where = f"line {expected.value.lineno}, column {expected.value.colno}"  # as json.load says
    with pytest.raises(OntologyFormatError, match=rf"broken\.json, {where}: invalid JSON \(Exp"):
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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "line 1, column 1: invalid JSON"),
        (b'{"graphs": [', "line 1, column 13: invalid JSON"),
        (b'{"graphs": []}\n x', r"line 2, column 2: invalid JSON \(unexpected text"),
        (b'{"graphs": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "nested too deeply"),
        (b'{"graphs": [{"nodes": [{"id": "\xff"}]}]}', "not valid UTF-8"),
        (b'{"graphs": [{"nodes": [1]}]}', "'nodes' of graph 0 is not a list"),
        (b'{"graphs": [{"id": "g", "edges": {"a": 1}}]}', "'edges' of graph 'g' is not a list"),
    ],
)
def test_malformed_streams_are_reported(text, message):
    with pytest.raises(OntologyFormatError, match=message):
        list(read_obograph(io.BytesIO(text), "g.json"))


def reference_terms(document):
    """What the reader yields, as json.load and the format's rules give it (no streaming)."""
    nodes, parents = {}, defaultdict(list)
    kinds = {"is_a": "is_a", f"{OBO}BFO_0000050": "part_of"}
    for graph in document["graphs"]:
        for node in graph.get("nodes") or []:
            curie = node["id"].removeprefix(OBO).replace("_", ":", 1)
            known = nodes.get(curie)
            if node.get("type") == "CLASS" and node.get("lbl") and not (known or {}).get("meta"):
                nodes[curie] = node
        for edge in graph.get("edges") or []:
            if edge["pred"] in kinds:
                parent = edge["obj"].removeprefix(OBO).replace("_", ":", 1)
                sub = edge["sub"].removeprefix(OBO).replace("_", ":", 1)
                parents[sub].append(Relation(parent, kinds[edge["pred"]]))
    return [
        (
            curie,
            node["lbl"],
            ((node.get("meta") or {}).get("definition") or {}).get("val") or None,
            tuple(dict.fromkeys(parents[curie])),
        )
        for curie, node in nodes.items()
    ]


def streamed(text, chunk_bytes=1 << 20):
    terms = read_obograph(io.BytesIO(text), "g.json", chunk_bytes=chunk_bytes)
    return [(t.ontology_id, t.name, t.definition, t.parents) for t in terms]


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 7])
def test_real_file_streams_to_what_json_load_gives(data, chunk_bytes):
    raw = (data / "hp_subset.json").read_bytes()
    expected = reference_terms(json.loads(raw))
    assert len(expected) == 120
    assert sum(len(parents) for *_, parents in expected) > 100
    assert streamed(raw, chunk_bytes) == expected
    terms = list(read_obograph(io.BytesIO(raw), "hp_subset.json", chunk_bytes=chunk_bytes))
    assert terms == list(open_source(data / "hp_subset.json").terms())


def test_nodes_after_edges_across_two_graphs(tmp_path):
    node = {"type": "CLASS"}
    document = {
        "@context": {"obo": OBO},
        "meta": {"version": "x"},
        "graphs": [
            {
                "edges": [
                    {"sub": f"{OBO}X_2", "pred": "is_a", "obj": f"{OBO}X_1"},
                    {"sub": f"{OBO}X_3", "pred": f"{OBO}BFO_0000050", "obj": f"{OBO}X_2"},
                ],
                "logicalDefinitionAxioms": [{"definedClassId": f"{OBO}X_3", "genusIds": []}],
                "nodes": [
                    {**node, "id": f"{OBO}X_2", "lbl": "two"},
                    {**node, "id": f"{OBO}X_1", "lbl": "one", "meta": {"deprecated": True}},
                ],
                "id": "first",
            },
            {
                "id": "second",
                "nodes": [
                    {**node, "id": f"{OBO}X_3", "lbl": "three"},
                    {**node, "id": f"{OBO}X_2", "lbl": "two", "meta": {"definition": {"val": "2"}}},
                ],
                "equivalentNodesSets": [{"nodeIds": [f"{OBO}X_1", f"{OBO}X_2"]}],
                "edges": [
                    {"sub": f"{OBO}X_2", "pred": "is_a", "obj": f"{OBO}X_1"},
                    {"sub": f"{OBO}X_3", "pred": "is_a", "obj": f"{OBO}X_1"},
                    {"sub": f"{OBO}X_3", "pred": "RO:0002211", "obj": f"{OBO}X_1"},
                ],
            },
        ],
    }
    terms = list(open_source(write_json(tmp_path, document)).terms())
    assert [t.ontology_id for t in terms] == ["X:2", "X:1", "X:3"]  # node order
    two, one, three = terms
    assert (two.definition, two.parents) == ("2", (Relation("X:1", "is_a"),))  # meta wins
    assert one.is_obsolete and one.parents == ()
    assert three.parents == (Relation("X:2", "part_of"), Relation("X:1", "is_a"))
    assert streamed(json.dumps(document).encode(), 3) == reference_terms(document)


IDS = st.sampled_from([f"{OBO}X_{n}" for n in range(6)])
NODES = st.fixed_dictionaries(
    {"id": IDS, "type": st.sampled_from(["CLASS", "PROPERTY"])},
    optional={
        "lbl": st.just("label"),
        "meta": st.fixed_dictionaries(
            {}, optional={"definition": st.fixed_dictionaries({"val": st.text(max_size=12)})}
        ),
        "xrefs": st.lists(st.text(max_size=5), max_size=2),
    },
)
EDGES = st.fixed_dictionaries(
    {"sub": IDS, "pred": st.sampled_from(["is_a", f"{OBO}BFO_0000050", "RO:1"]), "obj": IDS}
)
GRAPHS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=5),
        "nodes": st.lists(NODES, max_size=5),
        "edges": st.lists(EDGES, max_size=5),
        "meta": st.dictionaries(st.text(max_size=3), st.integers() | st.floats(allow_nan=False)),
    },
).flatmap(lambda graph: st.permutations(list(graph.items())).map(dict))  # any key order
DOCUMENTS = st.fixed_dictionaries(
    {"graphs": st.lists(GRAPHS, max_size=3)},
    optional={"meta": st.dictionaries(st.text(max_size=3), st.none(), max_size=2)},
).flatmap(lambda document: st.permutations(list(document.items())).map(dict))


@settings(max_examples=150, deadline=None)
@given(
    document=DOCUMENTS,
    chunk_bytes=st.integers(1, 9),
    indent=st.none() | st.integers(0, 2),
    ascii=st.booleans(),
)
def test_any_split_of_the_text_reads_as_json_load_does(document, chunk_bytes, indent, ascii):
    text = json.dumps(document, indent=indent, ensure_ascii=ascii).encode()
    expected = reference_terms(json.loads(text))
    assert streamed(text, chunk_bytes) == expected
    assert streamed(text) == expected


def write_big_graph(path, nodes, filler_chars):
    """An OBO-Graph file of ``nodes`` classes, each with a ``filler_chars`` long comment (not
    kept in a term); edges first. Written line by line, never held whole."""
    filler = "x" * filler_chars
    with path.open("w") as out:
        out.write('{"graphs": [{"id": "big", "edges": [')
        for number in range(1, nodes):
            edge = f'{{"sub": "{OBO}X_{number}", "pred": "is_a", "obj": "{OBO}X_{number // 2}"}}'
            out.write(("," if number > 1 else "") + edge + "\n")
        out.write('], "nodes": [')
        for number in range(nodes):
            out.write(
                ("," if number else "")
                + f'{{"id": "{OBO}X_{number}", "type": "CLASS", "lbl": "term {number}", "meta": '
                + f'{{"definition": {{"val": "def {number}"}}, "comments": ["{filler}"]}}}}\n'
            )
        out.write("]}]}")


PEAK_RSS = """
import sys
from ontolake.ontology_sources.source import open_source
terms = list(open_source(sys.argv[1], format="obographs").terms())
assert len(terms) == int(sys.argv[2]) and sum(len(t.parents) for t in terms) == len(terms) - 1
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))  # kB
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_a_large_file_is_read_in_bounded_memory(tmp_path):
    # The peak RSS of the process itself: getrusage's ru_maxrss would keep this process's
    # (pytest's) peak across fork and exec.
    def peak_rss(path, nodes):
        command = [sys.executable, "-c", PEAK_RSS, str(path), str(nodes)]
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        return int(result.stdout) * 1024

    tiny, big = tmp_path / "tiny.json", tmp_path / "big.json"
    write_big_graph(tiny, 10, 10)
    write_big_graph(big, 20_000, 9_000)
    size = big.stat().st_size
    assert size > 180e6
    baseline, peak = peak_rss(tiny, 10), peak_rss(big, 20_000)
    print(
        f"\npeak RSS {peak / 1e6:.0f} MB for {size / 1e6:.0f} MB, {baseline / 1e6:.0f} MB for tiny"
    )
    # Streaming: about 40 MB (20 MB over the baseline). json.load-ing it: about 600 MB.
    assert peak - baseline < size / 3
