"""``curate standardize`` in fresh processes: shape kept, folders made, inputs protected.

Outputs keep their input's format and shape, missing folders are created, an input is
overwritten only with ``--in-place``, the verdict is the one of each file as written, and a
refused or failed run leaves nothing behind.
"""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from cli.conftest import SCRNA_YAML
from cli.shell import error_line
from scipy import sparse


def listing(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.fixture
def tables(lake):
    """a.csv (with pandas' index column), b.tsv and c.parquet, each with synonyms."""
    frame = pd.DataFrame(
        {
            "cell_type": ["T-cell", "B cell", "t cell"],
            "n_genes": [1, 2, 3],
            "note": ["x, y", "", "z"],
        },
        index=pd.Index(["c1", "c2", "c3"], name="barcode"),
    )
    frame.to_csv(lake.cwd / "a.csv")
    frame.reset_index(drop=True).to_csv(lake.cwd / "b.tsv", sep="\t", index=False)
    frame.astype({"cell_type": "category"}).to_parquet(lake.cwd / "c.parquet", compression="zstd")
    return lake


def test_tables_keep_their_shape_in_a_new_folder(tables):
    inputs = {name: (tables.cwd / name).read_bytes() for name in ("a.csv", "b.tsv", "c.parquet")}
    result = tables("standardize", *inputs, "--schema", "cells.yaml", "-o", "fixed/today")
    assert result.returncode == 0, result.stderr
    assert [line.split()[-1] for line in result.stdout.splitlines()[1:]] == ["valid"] * 3
    out = tables.cwd / "fixed" / "today"
    assert (out / "a.csv").read_text() == (
        'barcode,cell_type,n_genes,note\nc1,T cell,1,"x, y"\nc2,B cell,2,\nc3,T cell,3,z\n'
    )
    assert (out / "b.tsv").read_text() == (
        "cell_type\tn_genes\tnote\nT cell\t1\tx, y\nB cell\t2\t\nT cell\t3\tz\n"
    )
    written, stored = pq.ParquetFile(out / "c.parquet"), pq.ParquetFile(tables.cwd / "c.parquet")
    assert written.schema_arrow == stored.schema_arrow
    assert written.metadata.row_group(0).column(0).compression == "ZSTD"
    frame = pd.read_parquet(out / "c.parquet")
    assert frame.index.name == "barcode" and frame["cell_type"].dtype == "category"
    assert frame["cell_type"].tolist() == ["T cell", "B cell", "T cell"]
    assert {name: (tables.cwd / name).read_bytes() for name in inputs} == inputs  # untouched
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left


def test_an_h5ad_keeps_x_layers_and_dtypes(lake):
    (lake.cwd / "scrna.yaml").write_text(SCRNA_YAML)
    adata = ad.AnnData(
        X=sparse.random(4, 3, density=0.5, format="csr", dtype="float32", random_state=0),
        obs=pd.DataFrame(
            {
                "cell_type": pd.Categorical(["T-cell", "B cell", "t cell", "B cell"]),
                "n": [1, 2, 3, 4],
            },
            index=[f"c{i}" for i in range(4)],
        ),
        var=pd.DataFrame({"symbol": ["A", "B", "C"]}, index=["g1", "g2", "g3"]),
        layers={"counts": np.arange(12, dtype="int32").reshape(4, 3)},
        uns={"title": "pbmc"},
    )
    adata.write_h5ad(lake.cwd / "pbmc.h5ad", compression="gzip")
    result = lake("standardize", "pbmc.h5ad", "--schema", "scrna.yaml", "-o", "out/pbmc.h5ad")
    assert result.returncode == 0, result.stderr
    written = ad.read_h5ad(lake.cwd / "out" / "pbmc.h5ad")
    assert (written.X != adata.X).nnz == 0 and sparse.issparse(written.X)
    np.testing.assert_array_equal(written.layers["counts"], adata.layers["counts"])
    assert written.obs["cell_type"].dtype == "category"
    assert written.obs["cell_type"].tolist() == ["T cell", "B cell", "T cell", "B cell"]
    pd.testing.assert_frame_equal(
        written.obs.drop(columns="cell_type"), adata.obs.drop(columns="cell_type")
    )
    pd.testing.assert_frame_equal(written.var, adata.var)
    assert written.uns["title"] == "pbmc"
    assert lake("validate", "out/pbmc.h5ad", "--schema", "scrna.yaml").returncode == 0


def test_inputs_are_overwritten_only_in_place(tables):
    before = listing(tables.cwd)
    stored = (tables.cwd / "a.csv").read_bytes()
    refusals = {
        ("a.csv",): "pass -o OUTPUT, or --in-place",
        ("a.csv", "-o", "a.csv"): "would overwrite the input a.csv: pass --in-place",
        ("a.csv", "-o", "./"): "would overwrite the input a.csv",
        ("a.csv", "-o", "x.parquet"): "keeps the format of a.csv",
        ("a.csv", "sub/a.csv", "-o", "out"): "sub/a.csv: no such file",
    }
    for arguments, message in refusals.items():
        result = tables("standardize", *arguments, "--schema", "cells.yaml")
        assert result.returncode == 2, (arguments, result.stderr)
        assert message in result.stderr, (arguments, result.stderr)
        assert "Traceback" not in result.stderr
    (tables.cwd / "sub").mkdir()
    (tables.cwd / "sub" / "a.csv").write_bytes(stored)
    clash = tables("standardize", "a.csv", "sub/a.csv", "--schema", "cells.yaml", "-o", "out")
    assert clash.returncode == 2 and "would both be written to out/a.csv" in clash.stderr
    assert listing(tables.cwd) == sorted([*before, "sub", "sub/a.csv"])  # nothing written
    assert (tables.cwd / "a.csv").read_bytes() == stored
    in_place = tables("standardize", "a.csv", "--schema", "cells.yaml", "--in-place")
    assert in_place.returncode == 0, in_place.stderr
    assert pd.read_csv(tables.cwd / "a.csv")["cell_type"].tolist() == ["T cell", "B cell", "T cell"]
    modified = (tables.cwd / "a.csv").stat().st_mtime_ns
    again = tables("standardize", "a.csv", "--schema", "cells.yaml", "--in-place")
    assert again.returncode == 0 and again.stdout.splitlines()[1].split()[-2:] == ["0", "valid"]
    assert (tables.cwd / "a.csv").stat().st_mtime_ns == modified  # nothing to change: untouched


def test_a_failed_write_leaves_no_output_and_no_new_folder(lake):
    (lake.cwd / "scrna.yaml").write_text(SCRNA_YAML)
    adata = ad.AnnData(
        X=np.ones((2, 2), dtype="float32"),
        obs=pd.DataFrame({"cell_type": ["T-cell", "B cell"]}, index=["a", "b"]),
    )
    adata.write_h5ad(lake.cwd / "cells.h5ad")
    before = listing(lake.cwd)
    # The folders can be made and the file written, but the file system refuses its name.
    long_name = "c" * 300 + ".h5ad"
    result = lake(
        "standardize", "cells.h5ad", "--schema", "scrna.yaml", "-o", f"new/deep/{long_name}"
    )
    assert result.returncode == 2, result.stderr
    assert error_line(result).startswith("error: ")
    assert listing(lake.cwd) == before
