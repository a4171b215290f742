"""Curation at scale (offline, built-in catalog).

- validate a 1,000,000-row DataFrame with 3 ontology-backed categorical string columns and
  2 numeric columns (target < 0.2 s; a bare pandas ``isin`` over the three columns is the
  floor and is printed too);
- validate obs and var of a 100,000 x 20,000 sparse h5ad from its path (target < 3 s, peak
  memory far below the file size).
"""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from common import best_of, fresh_instance, report


def _frame(n: int):  # type: ignore[no-untyped-def]
    import numpy as np
    import pandas as pd

    import ontolake as ol

    rng = np.random.default_rng(0)
    names = [r.name for r in ol.bio.CellType.filter(is_obsolete=False)[:300]]
    ids = [r.ontology_id for r in ol.bio.CellType.filter(is_obsolete=False)[:300]]
    t_cells = [r.name for r in ol.bio.CellType.get(ontology_id="CL:0000084").query_children()]
    return pd.DataFrame(
        {
            "cell_type": np.array(names, dtype=object)[rng.integers(0, len(names), n)],
            "cell_type_id": np.array(ids, dtype=object)[rng.integers(0, len(ids), n)],
            "t_cell_type": np.array(t_cells, dtype=object)[rng.integers(0, len(t_cells), n)],
            "n_genes": rng.integers(0, 5000, n),
            "fraction_mito": rng.random(n),
        }
    )


def main() -> list[str]:
    import anndata as ad
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    import ontolake as ol

    fresh_instance("curate")
    ol.bio.CellType.import_source()
    features = [
        ol.Feature(name="cell_type", dtype=ol.bio.CellType),
        ol.Feature(name="cell_type_id", dtype=ol.bio.CellType.ontology_id),
        ol.Feature(name="t_cell_type", dtype=ol.bio.CellType, descendants_of="CL:0000084"),
        ol.Feature(name="n_genes", dtype=int, nullable=False),
        ol.Feature(name="fraction_mito", dtype=float),
    ]
    schema = ol.Schema(features=features, name="bench").save()
    frame = _frame(1_000_000)
    lines = []
    allowed = {
        column: set(ol.curate.DataFrameCurator(frame, schema)._cache.allowed(f, f.parsed_dtype))
        for column, f in zip(frame.columns[:3], features[:3], strict=True)
    }

    def floor() -> None:
        for column, values in allowed.items():
            frame[column].isin(values).all()

    def validate() -> None:
        ol.curate.DataFrameCurator(frame, schema).validate()

    validate()
    best, _ = best_of(floor, repeat=5)
    lines.append(report("pandas isin over 3 columns x 1M rows (floor)", best))
    best, _ = best_of(validate, repeat=5)
    lines.append(report("DataFrameCurator.validate, 1M rows, 3 ontology + 2 numeric", best, 0.2))

    folder = Path(tempfile.mkdtemp(prefix="ontolake-bench-h5ad-"))
    path = folder / "big.h5ad"
    n_obs, n_var = 100_000, 20_000
    genes = [f"ENSG{i:011d}" for i in range(n_var)]
    ol.save([ol.bio.Gene(name=g, ontology_id=g, symbol=g) for g in genes])
    x = sp.random(n_obs, n_var, density=0.01, format="csr", dtype=np.float32, random_state=0)
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
    tracemalloc.start()
    start = time.perf_counter()
    ol.curate.AnnDataCurator(path, composite).validate()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    lines.append(report("AnnDataCurator.validate from path, 100,000 x 20,000 sparse", elapsed, 3.0))
    lines.append(
        f"  file {size / 1e6:.0f} MB, peak Python memory while validating {peak / 1e6:.0f} MB"
    )
    print(lines[-1])
    path.unlink()
    return lines


if __name__ == "__main__":
    main()
