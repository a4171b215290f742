"""``curate standardize`` in fresh processes: shape kept, folders made, inputs protected.

Outputs keep their input's format and shape, missing folders are created, an input is
overwritten only with ``--in-place``, the verdict is the one of each file as written, and a
refused or failed run leaves nothing behind.
"""

from __future__ import annotations

import json

import anndata as ad
import h5py
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
    with h5py.File(lake.cwd / "out" / "pbmc.h5ad") as file:  # obs and var stay compressed
        for table in ("obs", "var"):
            datasets: list[h5py.Dataset] = []
            file[table].visititems(
                lambda _, item, found=datasets: (
                    found.append(item) if isinstance(item, h5py.Dataset) else None
                )
            )
            assert datasets and {(d.compression, d.compression_opts) for d in datasets} == {
                ("gzip", 4)
            }, table


def test_inputs_are_overwritten_only_in_place(tables):
    before = listing(tables.cwd)
    stored = (tables.cwd / "a.csv").read_bytes()
    refusals = {
        ("a.csv",): "pass -o OUTPUT, or --in-place",
        ("a.csv", "--in-place", "-o", "d/"): "-o and --in-place exclude each other",
        ("a.csv", "-o", "a.csv"): "would overwrite the input a.csv: pass --in-place",
        ("a.csv", "-o", "./"): "would overwrite the input a.csv",
        ("a.csv", "-o", "x.parquet"): "keeps the format of a.csv",
        ("a.csv", "b.tsv", "-o", "single.csv"): "-o single.csv names one .csv file, but 2 inputs",
    }
    for arguments, message in refusals.items():
        result = tables("standardize", *arguments, "--schema", "cells.yaml")
        assert result.returncode == 2, (arguments, result.stderr)
        assert message in error_line(result), (arguments, result.stderr)
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
    assert summary(result)["cells.h5ad"][2] == f"error: new/deep/{long_name}: File name too long"
    assert listing(lake.cwd) == before


def summary(result):
    """The rows of the summary table: {input: (output, mapped, result)}."""
    rows = {}
    for line in result.stdout.splitlines()[1:]:
        source, target, mapped, verdict = line.split(maxsplit=3)
        rows[source] = (target, mapped, verdict)
    return rows


def test_a_batch_processes_every_input_and_reports_each(tables):
    (tables.cwd / "garbage.csv").write_bytes(b"cell_type\n\xff\xfe\x00 not text\n")
    pd.DataFrame({"cell_type": ["hepatocite"], "n_genes": [1]}).to_csv(
        tables.cwd / "typo.csv", index=False
    )
    arguments = ("a.csv", "garbage.csv", "missing.csv", "b.tsv", "typo.csv")
    result = tables("standardize", *arguments, "--schema", "cells.yaml", "-o", "fixed/")
    assert result.returncode == 2, result.stderr  # an input could not be read
    rows = summary(result)
    assert list(rows) == list(arguments)  # one row per input, in order
    assert rows["a.csv"] == ("fixed/a.csv", "2", "valid")
    assert rows["b.tsv"] == ("fixed/b.tsv", "2", "valid")
    assert rows["typo.csv"] == ("fixed/typo.csv", "0", "1 issue(s) left")
    assert rows["garbage.csv"][1:] == ("-", rows["garbage.csv"][2])
    assert rows["garbage.csv"][2].startswith("error: garbage.csv: cannot be read as csv")
    assert rows["missing.csv"][2] == "error: missing.csv: no such file or folder."
    assert listing(tables.cwd / "fixed") == ["a.csv", "b.tsv", "typo.csv"]
    assert "Traceback" not in result.stderr
    invalid = tables("standardize", "a.csv", "typo.csv", "--schema", "cells.yaml", "-o", "again")
    assert invalid.returncode == 1  # none unreadable, one still invalid
    assert tables("standardize", "b.tsv", "--schema", "cells.yaml", "-o", "ok").returncode == 0


def test_in_place_batches_replace_each_file_on_its_own(tables):
    (tables.cwd / "garbage.csv").write_bytes(b"cell_type\n\xff\xfe\x00 not text\n")
    garbage = (tables.cwd / "garbage.csv").read_bytes()
    result = tables(
        "standardize", "garbage.csv", "a.csv", "b.tsv", "--schema", "cells.yaml", "--in-place"
    )
    assert result.returncode == 2
    assert [verdict for *_, verdict in summary(result).values()][1:] == ["valid", "valid"]
    assert pd.read_csv(tables.cwd / "b.tsv", sep="\t")["cell_type"].tolist() == [
        "T cell",
        "B cell",
        "T cell",
    ]
    assert (tables.cwd / "garbage.csv").read_bytes() == garbage
    assert not [path for path in tables.cwd.iterdir() if path.name.startswith(".")]


def test_in_place_keeps_permissions_and_writes_through_links(tables):
    (tables.cwd / "scrna.yaml").write_text(SCRNA_YAML)
    ad.AnnData(
        X=np.ones((2, 1), dtype="float32"),
        obs=pd.DataFrame({"cell_type": ["T-cell", "B cell"]}, index=["a", "b"]),
    ).write_h5ad(tables.cwd / "cells.h5ad")
    modes = {"a.csv": 0o600, "c.parquet": 0o640, "cells.h5ad": 0o604}
    for name, mode in modes.items():
        (tables.cwd / name).chmod(mode)
    for name, schema in (("a.csv", "cells.yaml"), ("c.parquet", "cells.yaml")):
        result = tables("standardize", name, "--schema", schema, "--in-place")
        assert result.returncode == 0, result.stderr
    (tables.cwd / "link.h5ad").symlink_to("cells.h5ad")
    linked = tables("standardize", "link.h5ad", "--schema", "scrna.yaml", "--in-place")
    assert linked.returncode == 0, linked.stderr
    assert "link.h5ad is a symbolic link: writing to the file it points to" in linked.stderr
    assert summary(linked)["link.h5ad"][0] == str((tables.cwd / "cells.h5ad").resolve())
    assert (tables.cwd / "link.h5ad").is_symlink()  # the link stays a link
    assert ad.read_h5ad(tables.cwd / "cells.h5ad").obs["cell_type"].tolist() == [
        "T cell",
        "B cell",
    ]
    assert {name: (tables.cwd / name).stat().st_mode & 0o777 for name in modes} == modes
    assert pd.read_parquet(tables.cwd / "c.parquet")["cell_type"].tolist()[0] == "T cell"


def test_a_byte_order_mark_and_crlf_line_endings_are_kept(lake):
    (lake.cwd / "bom.csv").write_bytes(b"\xef\xbb\xbfcell_type,n_genes\r\nT-cell,1\r\nB cell,2\r\n")
    assert lake("validate", "bom.csv", "--schema", "cells.yaml").returncode == 1  # a synonym
    result = lake("standardize", "bom.csv", "--schema", "cells.yaml", "--in-place")
    assert result.returncode == 0, result.stderr
    assert summary(result)["bom.csv"][1:] == ("1", "valid")
    assert (lake.cwd / "bom.csv").read_bytes() == (
        b"\xef\xbb\xbfcell_type,n_genes\r\nT cell,1\r\nB cell,2\r\n"
    )


def test_what_standardize_cannot_write_is_never_proposed(lake):
    frame = pd.DataFrame({"cell_type": ["T-cell", "B cell"], "n_genes": [1, 2]})
    frame.to_parquet(lake.cwd / "folder.parquet", partition_cols=["n_genes"])
    assert (lake.cwd / "folder.parquet").is_dir()
    validated = lake("validate", "folder.parquet", "--schema", "cells.yaml", "--format", "json")
    assert validated.returncode == 1
    steps = json.loads(validated.stdout)["next_steps"]
    assert steps and not [step for step in steps if step.startswith("curate standardize")]
    refused = lake("standardize", "folder.parquet", "--schema", "cells.yaml", "-o", "out/")
    assert refused.returncode == 2
    assert summary(refused)["folder.parquet"][2] == (
        "error: folder.parquet: a folder (a partitioned dataset); standardize writes single "
        ".parquet files."
    )
    assert not (lake.cwd / "out").exists()


def test_a_column_name_written_twice_is_refused(lake):
    (lake.cwd / "twice.csv").write_text("cell_type,n_genes,cell_type\nT-cell,1,B cell\n")
    result = lake("standardize", "twice.csv", "--schema", "cells.yaml", "-o", "out/")
    assert result.returncode == 2
    assert summary(result)["twice.csv"][2] == (
        "error: twice.csv: column 'cell_type' appears twice; rename one of them, then standardize."
    )
