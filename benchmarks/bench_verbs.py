"""Registry verbs on a handful of values, and ``Entity.validate`` of 1,000,000 values.

Once a registry is prepared (its ontology imported), a verb on a few values should answer
in well under a second however large the registry (target < 0.2 s), and ``validate`` of a
million values should cost little more than a bare pandas ``isin`` over the same values
(target: within 1.5x). Each call is timed cold in its process (the first call, which loads
what the verb needs) and again (the same call repeated).

    python benchmarks/bench_verbs.py [REPEAT] [--ncbitaxon]

``--ncbitaxon`` imports the whole NCBI Taxonomy first (1.26 million terms) for the
Organism verbs; without it only CellType and Gene are timed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from common import DEFAULT_REPEAT, Result, fresh_instance, measure, result

HERE = Path(__file__).resolve().parent

CALLS = {
    "CellType": [
        ("validate", 'bt.CellType.validate(["T cell", "B cell", "hepatocyte"])'),
        ("standardize", 'bt.CellType.standardize(["T-cell", "b cell"])'),
        ("search", 'bt.CellType.search("T cel").to_list()'),
        ("get", 'bt.CellType.get(ontology_id="CL:0000084")'),
    ],
    "Gene": [
        ("validate", 'bt.Gene.validate(["TP53", "BRCA1", "CD4"], field="symbol")'),
        ("standardize", 'bt.Gene.standardize(["tp53", "cd4"], field="symbol")'),
        ("get", 'bt.Gene.get(ontology_id="ENSG00000141510")'),
    ],
    "Organism": [
        ("validate", 'bt.Organism.validate(["Homo sapiens"])'),
        ("standardize", 'bt.Organism.standardize(["homo sapiens"])'),
        ("search", 'bt.Organism.search("human").to_list()'),
        ("get", 'bt.Organism.get(ontology_id="NCBITaxon:9606")'),
    ],
}

_CHILD = """
import os, sys, time
import ontolake as ol
ol.connect({storage!r}, remember=False)
bt = ol.bio
start = time.perf_counter(); {call}; first = time.perf_counter() - start
start = time.perf_counter(); {call}; again = time.perf_counter() - start
print(first, again)
"""


def _in_child(storage: Path, call: str) -> tuple[float, float]:
    code = textwrap.dedent(_CHILD).format(storage=str(storage), call=call)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, again = map(float, done.stdout.split()[-2:])
    return first, again


def main(repeat: int = DEFAULT_REPEAT, *, ncbitaxon: bool = False) -> list[Result]:
    import numpy as np
    import pandas as pd

    import ontolake as ol

    instance, _ = fresh_instance("verbs")
    storage = Path(str(instance.root.root))
    ol.bio.CellType.import_source(progress=False)
    ol.bio.Gene.import_source(progress=False)
    entities = ["CellType", "Gene"]
    if ncbitaxon:
        start = time.perf_counter()
        ol.bio.Organism.import_source(progress=False)
        print(f"(NCBITaxon imported in {time.perf_counter() - start:.1f} s)")
        entities.append("Organism")
    results = []
    for entity in entities:
        for verb, call in CALLS[entity]:
            runs = [_in_child(storage, call) for _ in range(repeat)]
            results.append(
                result(
                    f"{entity}.{verb} on a handful of values, first call", [r[0] for r in runs], 0.2
                )
            )
            results.append(
                result(f"{entity}.{verb} on a handful of values, again", [r[1] for r in runs], 0.2)
            )

    names = [record.name for record in ol.bio.CellType.filter()[:2000]]
    pool = np.array([*names, "T-cell", "not a cell type"], dtype=object)
    values = pd.Series(pool[np.random.default_rng(0).integers(0, len(pool), 1_000_000)])
    valid = pd.Index(ol.bio.CellType.vocabulary().values)
    floor = measure("pandas isin, 1,000,000 values (floor)", lambda: values.isin(valid), repeat)
    verb = measure(
        "CellType.validate, 1,000,000 values",
        lambda: ol.bio.CellType.validate(values),
        repeat,
        note="",
    )
    verb.note = f"{verb.seconds / floor.seconds:.2f}x the isin floor (target < 1.5x)"
    print(verb.note)
    return [*results, floor, verb]


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(arguments[0]) if arguments else DEFAULT_REPEAT, ncbitaxon="--ncbitaxon" in sys.argv)
