"""Ontology import and curation at scale, from the built-in catalog (offline).

- import the full Cell Ontology (target < 0.5 s incl. parsing) and MONDO (target < 3 s);
- validate, standardize and inspect 1,000,000 values against the Cell Ontology
  (target < 0.3 s each);
- with ``--ncbitaxon``: import the whole NCBI Taxonomy (target < 3 min, peak RSS < 4 GB).
"""

from __future__ import annotations

import time

from common import best_of, fresh_instance, report


def main() -> list[str]:
    import numpy as np

    import ontolake as ol
    from ontolake.ontology_sources import catalog

    fresh_instance("ontology")
    lines = []
    for entity, target in (("CellType", 0.5), ("Disease", 3.0)):
        model = getattr(ol.bio, entity)
        source = catalog.find(entity)
        start = time.perf_counter()
        model.import_source(source)
        elapsed = time.perf_counter() - start
        count = model.filter().count()
        lines.append(
            report(
                f"import {source.spec.name} {source.spec.version} ({count} terms)", elapsed, target
            )
        )

    names = [record.name for record in ol.bio.CellType.filter()[:2000]]
    synonyms = ["T-cell", "t cell", "B lymphocyte", "CD4+ T cell", "not a cell type"]
    generator = np.random.default_rng(0)
    pool = np.array(names + synonyms, dtype=object)
    values = pool[generator.integers(0, len(pool), 1_000_000)]
    vocabulary = ol.bio.CellType.vocabulary()
    for verb in ("validate", "standardize", "inspect"):
        method = getattr(vocabulary, verb)
        best, _ = best_of(lambda method=method: method(values), repeat=3)
        lines.append(report(f"{verb} 1,000,000 values against CL", best, 0.3))
    best, _ = best_of(lambda: ol.bio.CellType.vocabulary(), repeat=3)
    lines.append(report("load the CL vocabulary from the registry", best))
    return lines


def ncbitaxon() -> list[str]:
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
    return [report(f"import NCBITaxon ({count} terms)", elapsed, 180.0)]


if __name__ == "__main__":
    import sys

    ncbitaxon() if "--ncbitaxon" in sys.argv else main()
