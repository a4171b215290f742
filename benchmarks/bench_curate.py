"""Curation at scale (offline, built-in catalog).

- validate a 1,000,000-row DataFrame with 3 ontology-backed categorical string columns and
  2 numeric columns (target < 0.2 s; a bare pandas ``isin`` over the three columns is the
  floor and is printed too);
- save a curated 100,000-row slice as a new artifact (file, labels as feature values and
  as links), and re-annotate a saved artifact (values and links only);
- validate obs and var of a 100,000 x 20,000 sparse h5ad from its path (target < 3 s, peak
  memory far below the file size).
"""

from __future__ import annotations

import os
import sys
import tempfile
import tracemalloc
from pathlib import Path

from common import DEFAULT_REPEAT, Result, fresh_instance, measure, result, timings


def pools() -> dict[str, list[str]]:
    """The CL values the DataFrame columns are drawn from (also given to LaminDB's side)."""
    import ontolake as ol

    current = ol.bio.CellType.filter(is_obsolete=False)[:300]
    t_cells = ol.bio.CellType.get(ontology_id="CL:0000084").query_children()
    return {
        "names": [r.name for r in current],
        "ids": [r.ontology_id for r in current],
        "t_cells": [r.name for r in t_cells],
    }


def frame(n: int, values: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)

    def draw(pool: list[str]):  # type: ignore[no-untyped-def]
        return np.array(pool, dtype=object)[rng.integers(0, len(pool), n)]

    return pd.DataFrame(
        {
            "cell_type": draw(values["names"]),
            "cell_type_id": draw(values["ids"]),
            "t_cell_type": draw(values["t_cells"]),
            "n_genes": rng.integers(0, 5000, n),
            "fraction_mito": rng.random(n),
        }
    )


def table_features():  # type: ignore[no-untyped-def]
    """The features of :func:`frame`'s columns (CellType imported first)."""
    import ontolake as ol

    return [
        ol.Feature(name="cell_type", dtype=ol.bio.CellType),
        ol.Feature(name="cell_type_id", dtype=ol.bio.CellType.ontology_id),
        ol.Feature(name="t_cell_type", dtype=ol.bio.CellType, descendants_of="CL:0000084"),
        ol.Feature(name="n_genes", dtype=int, nullable=False),
        ol.Feature(name="fraction_mito", dtype=float),
    ]


def sparse_counts(n_obs: int, n_var: int, per_row: int):  # type: ignore[no-untyped-def]
    """A CSR matrix with ``per_row`` distinct random columns per row, built directly.

    ``scipy.sparse.random`` draws positions out of all n_obs x n_var cells and needed
    ~16 GB for 100,000 x 20,000; this takes the size of the result (~160 MB).
    """
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    step = n_var // per_row
    offsets = rng.integers(0, step, size=(n_obs, 1))
    columns = np.sort((offsets + np.arange(per_row) * step) % n_var, axis=1).astype(np.int32)
    data = rng.random(n_obs * per_row, dtype=np.float32)
    indptr = np.arange(0, n_obs * per_row + 1, per_row, dtype=np.int64)
    return sp.csr_matrix((data, columns.ravel(), indptr), shape=(n_obs, n_var))


def curated_saves(table, schema, repeat: int) -> list[Result]:  # type: ignore[no-untyped-def]
    """A curated save of ``table`` as a new artifact, and re-annotating a saved one.

    Each save writes the parquet file, the labels of the three ontology columns as feature
    values and their links (``artifact.cell_types``), in one transaction; re-annotating
    replaces values and links without writing a file.
    """
    import ontolake as ol

    saved = []

    def save() -> None:
        copy = table.assign(n_genes=table["n_genes"] + len(saved))  # new content each time
        curator = ol.curate.DataFrameCurator(copy, schema)
        saved.append(curator.save_artifact(key=f"bench/cells-{len(saved)}.parquet"))

    save()
    curator = ol.curate.DataFrameCurator(table, schema)
    curator.validate()
    n_labels = sum(len(labels) for labels in _labels(curator).values())
    rows = f"{len(table):,} rows"
    return [
        measure(f"DataFrameCurator.save_artifact, {rows}, 3 ontology columns", save, repeat),
        measure(
            f"re-annotate a saved artifact ({n_labels} labels of 3 features: values, links)",
            lambda: curator.save_artifact(artifact=saved[0]),
            repeat,
            unit="ms",
        ),
    ]


def _labels(curator):  # type: ignore[no-untyped-def]
    from ontolake.curate.saving import Annotation

    return Annotation.of(curator).labels


def main(repeat: int = DEFAULT_REPEAT) -> list[Result]:
    import anndata as ad
    import numpy as np
    import pandas as pd

    import ontolake as ol

    fresh_instance("curate")
    ol.bio.CellType.import_source()
    features = table_features()
    schema = ol.Schema(features=features, name="bench").save()
    table = frame(1_000_000, pools())
    allowed = {
        column: set(ol.curate.DataFrameCurator(table, schema)._cache.allowed(f, f.parsed_dtype))
        for column, f in zip(table.columns[:3], features[:3], strict=True)
    }

    def floor() -> None:
        for column, values in allowed.items():
            table[column].isin(values).all()

    def validate() -> None:
        ol.curate.DataFrameCurator(table, schema).validate()

    validate()
    results = [
        measure("pandas isin over 3 columns x 1M rows (floor)", floor, repeat),
        measure(
            "DataFrameCurator.validate, 1M rows, 3 ontology + 2 numeric (fresh curator)",
            validate,
            repeat,
            0.2,
            lamindb_key="dataframe_curator_1m",
        ),
    ]

    results.extend(curated_saves(table.iloc[:100_000], schema, repeat))

    folder = Path(tempfile.mkdtemp(prefix="ontolake-bench-h5ad-"))
    path = folder / "big.h5ad"
    n_obs, n_var = 100_000, 20_000
    genes = [f"ENSG{i:011d}" for i in range(n_var)]
    ol.save([ol.bio.Gene(name=g, ontology_id=g, symbol=g) for g in genes])
    x = sparse_counts(n_obs, n_var, per_row=n_var // 100)
    names = [r.name for r in ol.bio.CellType.filter(is_obsolete=False)[:50]]
    obs = pd.DataFrame(
        {
            "cell_type": pd.Categorical(np.array(names)[np.arange(n_obs) % len(names)]),
            "n_genes": np.arange(n_obs),
        },
        index=[f"cell{i}" for i in range(n_obs)],
    )
    ad.AnnData(x, obs=obs, var=pd.DataFrame(index=genes)).write_h5ad(path)
    del x
    size = os.path.getsize(path)
    composite = ol.Schema(
        otype="AnnData",
        slots={
            "obs": ol.Schema(features=[features[0], features[3]]),
            "var.T": ol.Schema(itype=ol.bio.Gene.ontology_id, dtype="num"),
        },
    )
    samples = timings(lambda: ol.curate.AnnDataCurator(path, composite).validate(), repeat)
    tracemalloc.start()
    ol.curate.AnnDataCurator(path, composite).validate()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    note = f"file {size / 1e6:.0f} MB, peak Python memory {peak / 1e6:.0f} MB"
    results.append(
        result(
            "AnnDataCurator.validate from path, 100,000 x 20,000 sparse h5ad",
            samples,
            3.0,
            lamindb_key="anndata_curator",
            note=note,
        )
    )
    path.unlink()
    return results


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT)
