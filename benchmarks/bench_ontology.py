"""Ontology import and curation at scale, from the built-in catalog (offline).

- import the full Cell Ontology (target < 0.5 s incl. parsing) and MONDO (target < 3 s);
- search MONDO (31,958 terms, each synonym a value) in the registry and in memory
  (``public().search``), which rank alike;
- validate, standardize and inspect 1,000,000 values against the Cell Ontology
  (target < 0.3 s each);
- with ``--ncbitaxon``: import the whole NCBI Taxonomy (target < 3 min, peak RSS < 4 GB).
"""

from __future__ import annotations

import time

from common import DEFAULT_REPEAT, Result, fresh_instance, measure, result


def cl_pool() -> list[str]:
    """The values drawn for the 1M-value workloads: 2,000 CL names and 5 odd spellings."""
    import ontolake as ol

    names = [record.name for record in ol.bio.CellType.filter()[:2000]]
    return [*names, "T-cell", "t cell", "B lymphocyte", "CD4+ T cell", "not a cell type"]


def main(repeat: int = DEFAULT_REPEAT) -> list[Result]:
    import numpy as np

    import ontolake as ol
    from ontolake.ontology_sources import catalog

    results = []
    # each repetition imports into a fresh instance; CL comes last so that the instance
    # left current has it for the 1M-value workloads
    for entity, target, key in (("Disease", 3.0, None), ("CellType", 0.5, "import_cl")):
        model = getattr(ol.bio, entity)
        source = catalog.find(entity)
        samples = []
        for _ in range(repeat):
            fresh_instance("ontology")
            start = time.perf_counter()
            model.import_source(source)
            samples.append(time.perf_counter() - start)
        count = model.filter().count()
        name = f"import {source.spec.name} {source.spec.version} ({count:,} terms, incl. parsing)"
        results.append(result(name, samples, target, lamindb_key=key))
        if entity == "Disease":  # the instance left current holds MONDO
            results += search_mondo(repeat)

    pool = np.array(cl_pool(), dtype=object)
    values = pool[np.random.default_rng(0).integers(0, len(pool), 1_000_000)]
    vocabulary = ol.bio.CellType.vocabulary()
    for verb in ("validate", "standardize", "inspect"):
        method = getattr(vocabulary, verb)
        results.append(
            measure(
                f"{verb} 1,000,000 values against CL",
                lambda method=method: method(values),
                repeat,
                0.3,
                lamindb_key=f"{verb}_1m",
            )
        )
    results.append(
        measure(
            "load the CL vocabulary from the registry",
            lambda: ol.bio.CellType.vocabulary(),
            repeat,
            unit="ms",
        )
    )
    return results


def search_mondo(repeat: int) -> list[Result]:
    """``Disease.search("T2D")`` over the imported MONDO, and the same over the source."""
    import ontolake as ol

    public = ol.bio.Disease.public()
    public.search("warm-up")  # the source is parsed once per view
    return [
        measure(
            "search MONDO for 'T2D', registry (ranked, fuzzy tier included)",
            lambda: ol.bio.Disease.search("T2D", limit=20).to_list(),
            repeat,
            unit="ms",
        ),
        measure(
            "search MONDO for 'T2D', public() in memory",
            lambda: public.search("T2D", limit=20),
            repeat,
            unit="ms",
        ),
    ]


def ncbitaxon() -> list[Result]:
    """The whole NCBI Taxonomy (1.26 million terms): time and peak memory of the import."""
    import resource

    import ontolake as ol
    from ontolake.ontology_sources import catalog

    fresh_instance("ncbitaxon")
    start = time.perf_counter()
    ol.bio.Organism.import_source(catalog.find("Organism"))
    elapsed = time.perf_counter() - start
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    count = ol.bio.Organism.filter().count()
    print(f"peak RSS {peak_gb:.2f} GB (target < 4 GB)")
    return [result(f"import NCBITaxon ({count:,} terms)", [elapsed], 180.0)]


if __name__ == "__main__":
    import sys

    if "--ncbitaxon" in sys.argv:
        ncbitaxon()
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT)
