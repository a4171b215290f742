"""The end-to-end demo behind ``make demo``: one instance, three kinds of content, versions.

It also imports the Cell Ontology, curates an AnnData whose ``obs`` holds synonyms, a case
variant, a typo and a new value (the first report is written to
``<folder>/curation-report.html``), saves it with its labels, tracks itself
(``ol.track()``) and ends by writing the lineage picture of what it made to
``<folder>/lineage.svg`` (drawn by Graphviz when it is installed, else by ontolake itself).

Run ``python -m ontolake.demo ./demo-data``. Running it again is safe: content that is
already stored is recognised by its hash and not stored twice. The demo's instance is not
made your default one (``curate`` and ``ol.connect()`` keep using the one they used before):
connect to it with ``ol.connect("./demo-data")`` or ``ONTOLAKE_INSTANCE=./demo-data``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Init, track, save, version, query, import CL, curate an AnnData, draw the lineage.

    Example:
        $ python -m ontolake.demo ./demo-data
    """
    import anndata
    import numpy as np
    import pandas as pd

    import ontolake as ol

    arguments = sys.argv[1:] if argv is None else argv
    folder = arguments[0] if arguments else "./demo-data"
    instance = ol.init(storage=folder, remember=False)  # the user's default stays as it was
    print(f"instance: {instance!r}")
    print(
        f"  (not made your default instance: use it with ol.connect({folder!r}) or "
        f"ONTOLAKE_INSTANCE={folder})"
    )
    run = ol.track(params={"folder": folder}, project="Demo")  # this script, as a run
    print(f"tracking:           {run!r}")

    with tempfile.TemporaryDirectory() as scratch:
        fasta = Path(scratch) / "sample.fasta"
        fasta.write_text(">read1\nACGTACGTTAGC\n>read2\nTTGACCGTAAGT\n")
        raw = ol.Artifact(fasta, key="raw/sample.fasta", description="two demo reads").save()
    print(f"saved a file:       {raw!r}")

    measurements = pd.DataFrame(
        {"sample": ["s1", "s2", "s3"], "gc_content": [0.41, 0.55, 0.48], "reads": [120, 98, 143]}
    )
    table = ol.Artifact.from_dataframe(
        measurements, key="tables/measurements.parquet", description="GC content per sample"
    ).save()
    print(f"saved a DataFrame:  {table!r}")

    more = pd.concat(
        [measurements, pd.DataFrame({"sample": ["s4"], "gc_content": [0.61], "reads": [88]})],
        ignore_index=True,
    )
    table_v2 = ol.Artifact.from_dataframe(
        more, key="tables/measurements.parquet", description="GC content per sample, with s4"
    ).save()
    print(f"new version:        {table_v2!r}")

    generator = np.random.default_rng(0)
    adata = anndata.AnnData(
        X=generator.poisson(1.0, size=(50, 20)).astype(np.float32),
        obs=pd.DataFrame(
            {"cell_type": ["T cell", "B cell"] * 25}, index=[f"c{i}" for i in range(50)]
        ),
        var=pd.DataFrame(index=[f"ENSG{i:011d}" for i in range(20)]),
    )
    cells = ol.Artifact.from_anndata(adata, key="scrna/pbmc-demo.h5ad").save()
    print(f"saved an AnnData:   {cells!r}")

    print("\nlatest artifacts under tables/:")
    latest = ol.Artifact.filter(key__startswith="tables/", is_latest=True)
    print(latest.to_dataframe()[["uid", "key", "version", "size"]].to_string())
    print("\nversions of tables/measurements.parquet:")
    print(table_v2.versions.to_dataframe()[["uid", "version", "is_latest"]].to_string())
    found = ol.Artifact.filter(is_latest=True).search("measurment")  # a typo still finds it
    print("\nsearch 'measurment':", [artifact.key for artifact in found])
    print("loaded back:", ol.Artifact.get(key="tables/measurements.parquet").load().shape)

    cl = ol.bio.CellType.import_source()  # the built-in Cell Ontology, offline
    print(f"\nimported {cl.name} {cl.version}: {cl.n_terms} cell types")
    print("search 'T cel':", [cell.name for cell in ol.bio.CellType.search("T cel", limit=3)])
    given = ["T-cell", "b lymphocyte", "CD4-positive, alpha-beta T-cell", "not a cell"]
    print("standardize:", dict(zip(given, ol.bio.CellType.standardize(given), strict=True)))
    t_cell = ol.bio.CellType.get(ontology_id="CL:0000084")
    print(
        f"{t_cell.name}: {t_cell.query_children().count()} descendants, parents "
        f"{[parent.name for parent in t_cell.parents]}"
    )
    hierarchy = Path(folder) / "t-cell-parents.svg"
    t_cell.view_parents(distance=2, path=hierarchy)
    print(f"hierarchy picture:  {hierarchy}")

    ol.Feature(name="cell_type", dtype=ol.bio.CellType).save()
    obs_schema = ol.Schema(features=[ol.Feature.get(name="cell_type")], name="demo obs")
    scrna = ol.Schema(otype="AnnData", name="demo scRNA", slots={"obs": obs_schema}).save()
    given = ["T cell", "T-cell", "b lymphocyte", "t cell", "T cel", "my new cell"]
    messy = anndata.AnnData(
        X=generator.poisson(1.0, size=(len(given), 20)).astype(np.float32),
        obs=pd.DataFrame({"cell_type": given}, index=[f"m{i}" for i in range(len(given))]),
        var=pd.DataFrame(index=[f"ENSG{i:011d}" for i in range(20)]),
    )
    curator = ol.curate.AnnDataCurator(messy, scrna)
    first = curator.collect()  # synonyms, a case variant, a typo and a new value
    print(f"\ncuration, first look:\n{first.summary()}")
    report_page = Path(folder) / "curation-report.html"
    report_page.write_text(first.to_html(), encoding="utf-8")
    print("standardized:", curator.standardize("obs:cell_type"))
    print("still not validated:", curator.non_validated)
    curator.obs["cell_type"] = curator.obs["cell_type"].replace({"T cel": "T cell"})  # the typo
    added = curator.add_new_from("obs:cell_type")  # "my new cell": not in CL, a plain record
    print("added:", [record.name for record in added])
    curated = curator.save_artifact(key="scrna/curated.h5ad")
    print(f"curated and saved:  {curated!r} with schema {scrna.name!r}")
    print("found by label:", [a.key for a in ol.Artifact.filter(cell_type="B cell")])
    print(f"report page:        {report_page}")

    @ol.tracked("demo.summarise")
    def summarise(key: str, column: str = "gc_content") -> ol.Artifact:
        """Per-column summary statistics of a table: a step with its own run."""
        table = ol.Artifact.get(key=key).load()  # recorded as an input of this step
        summary = table[[column]].describe().reset_index()
        return ol.Artifact.from_dataframe(summary, key=f"summaries/{column}.parquet").save()

    summary = summarise("tables/measurements.parquet")
    print(f"a tracked step:     {summary!r} made by {summary.transform!r}")
    print()
    summary.describe()
    ol.finish()
    picture = Path(folder) / "lineage.svg"
    summary.view_lineage(picture)
    print(f"\nlineage of {summary.key}: {picture}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
