"""``curate validate`` in fresh processes: verdicts, exit codes and documents CI can trust.

0 valid, 1 invalid, 2 usage error or unusable input, 3 internal error; one line on stderr
for each error (``--debug`` adds the traceback); ``--format json`` always prints one JSON
document; the next steps are ``curate`` commands that run; ``--standardize`` is a dry run
that keeps the stored verdict.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

import anndata as ad
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli.conftest import CELLS_YAML, SCRNA_YAML
from cli.shell import error_line

BARCODES_YAML = """\
ontolake_schema: 1
name: barcodes
otype: DataFrame
index:
  name: barcode
  dtype: str
features:
  - name: cell_type
    dtype: cat[bio.CellType]
"""
"""A schema whose index is named: a CSV's first column of that name is the index."""

COUNTS_YAML = """\
ontolake_schema: 1
name: counts
otype: DataFrame
coerce_dtype: true
features:
  - name: n_genes
    dtype: int
"""
"""A schema converting its integer column."""

BUGGY_CURATE = """\
from ontolake.curate.base import Curator

def collect(self):
    raise AttributeError("'numpy.ndarray' object has no attribute 'index'")

Curator.collect = collect  # a bug inside a reader, as a real one would raise
from ontolake.cli import main
main(prog_name="curate")
"""


@pytest.fixture
def files(lake):
    """good.csv, bad.csv (synonym, case variant, unknown value) and scrna.yaml in ``lake``."""
    good = pd.DataFrame({"cell_type": ["T cell", "B cell"], "n_genes": [1, 2]})
    good.to_csv(lake.cwd / "good.csv", index=False)
    bad = pd.DataFrame(
        {"cell_type": ["T-cell", "B cell", "t cell", "hepatocite"], "n_genes": [1, 2, 3, 4]}
    )
    bad.to_csv(lake.cwd / "bad.csv", index=False)
    (lake.cwd / "scrna.yaml").write_text(SCRNA_YAML)
    return lake


def run_json(curate_cli, *arguments):
    result = curate_cli(*arguments, "--format", "json")
    document = json.loads(result.stdout)  # exactly one document, whatever happened
    assert document["exit_code"] == result.returncode
    return result, document


def test_verdicts_exit_0_and_1_with_commands_as_next_steps(files):
    valid = files("validate", "good.csv", "--schema", "cells.yaml")
    assert valid.returncode == 0 and valid.stdout == "good.csv is valid.\n"
    invalid = files("validate", "bad.csv", "--schema", "cells.yaml")
    assert invalid.returncode == 1
    steps = invalid.stdout.splitlines()[-1].removeprefix("next: ").split("; ")
    assert steps == [
        "curate standardize bad.csv --schema cells.yaml -o bad.standardized.csv",
        "curate ontology search CellType hepatocite",
    ]
    standardized = files(*shlex.split(steps[0])[1:])
    assert standardized.returncode == 1  # the typo is left: a verdict on the output
    assert pd.read_csv(files.cwd / "bad.standardized.csv")["cell_type"].tolist() == [
        "T cell",
        "B cell",
        "T cell",
        "hepatocite",
    ]
    searched = files(*shlex.split(steps[1])[1:])
    assert searched.returncode == 0
    assert searched.stdout.splitlines()[0].split(maxsplit=1) == ["CL:0000182", "hepatocyte"]
    _result, document = run_json(files, "validate", "bad.csv", "--schema", "cells.yaml")
    assert document["valid"] is False and document["error"] is None
    assert document["next_steps"] == steps and document["standardization"] is None


def test_the_standardize_flag_is_a_dry_run_with_the_stored_verdict(files):
    before = (files.cwd / "bad.csv").read_bytes()
    dry_run = files("validate", "bad.csv", "--schema", "cells.yaml", "--standardize")
    assert dry_run.returncode == 1  # the file as stored is invalid: a CI gate must not pass
    assert (files.cwd / "bad.csv").read_bytes() == before
    assert dry_run.stdout.splitlines()[-3:] == [
        "standardize would map 2 value(s) (dry run: nothing written):",
        "  cell_type: 'T-cell' → 'T cell' x1, 't cell' → 'T cell' x1",
        "after standardizing: still not valid",
    ]
    _result, document = run_json(
        files, "validate", "bad.csv", "--schema", "cells.yaml", "--standardize"
    )
    assert document["valid"] is False
    assert document["standardization"] == {
        "written": False,
        "changes": [
            {"where": "cell_type", "value": "T-cell", "canonical": "T cell", "count": 1},
            {"where": "cell_type", "value": "t cell", "canonical": "T cell", "count": 1},
        ],
        "valid_after": False,
    }
    clean = files("validate", "good.csv", "--schema", "cells.yaml", "--standardize")
    assert clean.returncode == 0
    assert clean.stdout.splitlines()[-1] == "standardize would change nothing."


def test_json_documents_for_every_kind_of_error(files):
    (files.cwd / "notes.h5ad").write_text("not an AnnData file\n")
    cases = {
        ("validate", "bad.csv"): ("usage_error", "Missing option '--schema'"),
        ("validate", "absent.csv", "--schema", "cells.yaml"): ("input_error", "absent.csv"),
        ("validate", "notes.h5ad", "--schema", "scrna.yaml"): ("input_error", "notes.h5ad"),
        ("validate", "good.csv", "--schema", "nope"): ("usage_error", "nope"),
    }
    for arguments, (kind, named) in cases.items():
        result, document = run_json(files, *arguments, "--report", "out/report.json")
        assert result.returncode == 2, (arguments, result.stderr)
        assert document["valid"] is None and document["error"]["type"] == kind
        assert named in document["error"]["message"]
        assert json.loads((files.cwd / "out" / "report.json").read_text()) == document
        assert "Traceback" not in result.stderr


def test_unreadable_files_are_one_line_and_exit_2(files):
    adata = ad.AnnData(
        X=np.ones((3, 2), dtype="float32"),
        obs=pd.DataFrame({"cell_type": ["T cell"] * 3}, index=["a", "b", "c"]),
    )
    adata.write_h5ad(files.cwd / "whole.h5ad")
    data = (files.cwd / "whole.h5ad").read_bytes()
    (files.cwd / "truncated.h5ad").write_bytes(data[: len(data) // 2])
    (files.cwd / "notes.h5ad").write_text("not an AnnData file\n")
    assert files("validate", "whole.h5ad", "--schema", "scrna.yaml").returncode == 0
    for name in ("truncated.h5ad", "notes.h5ad"):
        for schema in ("scrna.yaml", "cellxgene"):
            result = files("validate", name, "--schema", schema)
            assert result.returncode == 2, (name, schema, result.stderr)
            assert error_line(result).startswith(f"error: {name}: cannot be read as AnnData")
    assert sorted(path.name for path in files.cwd.iterdir() if path.suffix == ".h5ad") == [
        "notes.h5ad",
        "truncated.h5ad",
        "whole.h5ad",
    ]


def test_a_registry_never_imported_is_exit_2_naming_the_import(curate_cli):
    (curate_cli.cwd / "cells.yaml").write_text(CELLS_YAML)
    pd.DataFrame({"cell_type": ["T cell"], "n_genes": [1]}).to_csv(
        curate_cli.cwd / "cells.csv", index=False
    )
    no_instance = curate_cli("validate", "cells.csv", "--schema", "cells.yaml")
    assert no_instance.returncode == 2
    assert "pin its source in the schema file" in error_line(no_instance)
    assert curate_cli("init", "--storage", "./data").returncode == 0
    empty = curate_cli("validate", "cells.csv", "--schema", "cells.yaml", "--format", "json")
    assert empty.returncode == 2
    assert error_line(empty) == (
        "error: --schema cells.yaml needs the CellType registry, which is empty: run "
        "`curate ontology import CellType`."
    )
    assert json.loads(empty.stdout)["error"]["exception"] == "SourceNotFoundError"
    assert curate_cli("ontology", "import", "CellType").returncode == 0
    assert curate_cli("validate", "cells.csv", "--schema", "cells.yaml").returncode == 0


def test_an_internal_error_is_exit_3_with_a_line_naming_the_bug(files):
    def curate_with_a_bug(*arguments):
        return subprocess.run(
            [sys.executable, "-c", BUGGY_CURATE, *arguments],
            cwd=files.cwd,
            env=files.env,
            capture_output=True,
            text=True,
            check=False,
        )

    crashed = curate_with_a_bug("validate", "good.csv", "--schema", "cells.yaml")
    assert crashed.returncode == 3
    assert error_line(crashed) == (
        "error: internal error (AttributeError: 'numpy.ndarray' object has no attribute "
        "'index'); this is a bug in ontolake: run `curate --debug validate good.csv --schema "
        "cells.yaml` to see the traceback, and report it with that output"
    )
    debug = curate_with_a_bug("--debug", "validate", "good.csv", "--schema", "cells.yaml")
    assert debug.returncode == 3
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.rstrip().splitlines()[-1].startswith("error: internal error")
    as_json = curate_with_a_bug("validate", "good.csv", "--schema", "cells.yaml", "--format=json")
    assert as_json.returncode == 3
    assert json.loads(as_json.stdout)["error"]["type"] == "internal_error"


def test_reports_in_markdown_and_html_name_commands(files):
    result = files(
        "validate", "bad.csv", "--schema", "cells.yaml", "--format", "markdown",
        "--report", "reports/bad.html",
    )  # fmt: skip
    assert result.returncode == 1
    assert "- `curate ontology search CellType hepatocite`" in result.stdout
    page = (files.cwd / "reports" / "bad.html").read_text()
    assert (
        "<code>curate standardize bad.csv --schema cells.yaml -o bad.standardized.csv</code>"
        in (page)
    )
    assert "ol." not in page.split("Next steps")[1]


def test_ctrl_c_exits_130_and_json_still_gets_its_document(files):
    def interrupted(*arguments):
        return subprocess.run(
            [
                sys.executable,
                "-c",
                BUGGY_CURATE.replace("raise AttributeError(", "raise KeyboardInterrupt("),
                "validate",
                "good.csv",
                "--schema",
                "cells.yaml",
                *arguments,
            ],
            cwd=files.cwd,
            env=files.env,
            capture_output=True,
            text=True,
            check=False,
        )

    text = interrupted()
    assert text.returncode == 130
    assert text.stderr.splitlines()[-1] == "interrupted"
    as_json = interrupted("--format", "json", "--report", "r.json")
    assert as_json.returncode == 130
    document = json.loads(as_json.stdout)
    assert document["exit_code"] == 130 and document["valid"] is None
    assert document["error"] == {
        "type": "interrupted",
        "exception": "KeyboardInterrupt",
        "message": "interrupted",
    }
    assert json.loads((files.cwd / "r.json").read_text()) == document


def test_a_report_never_overwrites_a_file_of_the_command_line(files):
    (files.cwd / "link.json").symlink_to("good.csv")
    (files.cwd / "link.md").symlink_to("cells.yaml")
    pd.DataFrame({"cell_type": ["T cell"]}, index=["a"]).to_parquet(files.cwd / "ds.parquet")
    (files.cwd / "folder.parquet").mkdir()
    (files.cwd / "folder.parquet" / "part.parquet").write_bytes(
        (files.cwd / "ds.parquet").read_bytes()
    )
    stored = {path: path.read_bytes() for path in files.cwd.rglob("*") if path.is_file()}
    cases = {
        ("good.csv", "--report", "good.csv"): "--report good.csv would overwrite good.csv",
        (
            "good.csv",
            "--report",
            "./cells.yaml",
        ): "--report ./cells.yaml would overwrite cells.yaml",
        ("good.csv", "--report", "link.json"): "--report link.json would overwrite good.csv",
        ("good.csv", "--report", "link.md"): "--report link.md would overwrite cells.yaml",
        ("folder.parquet", "--report", "folder.parquet/r.html"): (
            "--report folder.parquet/r.html would write inside folder.parquet"
        ),
    }
    for arguments, message in cases.items():
        for output_format in ("text", "json"):
            result = files(
                "validate", *arguments, "--schema", "cells.yaml", "--format", output_format
            )
            assert result.returncode == 2, (arguments, result.stderr)
            assert error_line(result).startswith(f"error: {message}, given on the command line")
            if output_format == "json":
                assert json.loads(result.stdout)["error"]["type"] == "usage_error"
    unparsed = files("validate", "good.csv", "--report", "good.csv", "--format", "json")
    assert unparsed.returncode == 2  # no --schema: click's error, and still nothing written
    assert {path: path.read_bytes() for path in files.cwd.rglob("*") if path.is_file()} == stored


def test_every_report_format_tells_the_last_run_and_names_the_schema_alike(files):
    reports = ("out/r.json", "out/r.md", "out/r.html")
    for report in reports:
        written = files("validate", "bad.csv", "--schema", "cells.yaml", "--report", report)
        assert written.returncode == 1
    _result, verdict = run_json(files, "validate", "bad.csv", "--schema", "cells.yaml")
    assert (verdict["dataset"], verdict["schema"], verdict["schema_name"]) == (
        "bad.csv",
        "cells.yaml",
        "cells",
    )
    for report in reports:  # a later run that gives no verdict replaces each report
        failed = files("validate", "absent.csv", "--schema", "cells.yaml", "--report", report)
        assert failed.returncode == 2
    document = json.loads((files.cwd / "out" / "r.json").read_text())
    assert (document["dataset"], document["schema"], document["schema_name"]) == (
        "absent.csv",
        "cells.yaml",
        "cells",
    )
    assert document["valid"] is None and document["error"]["type"] == "input_error"
    message = document["error"]["message"]
    assert message == "absent.csv: no such file or folder."
    markdown = (files.cwd / "out" / "r.md").read_text()
    assert markdown.startswith("# Validation of absent.csv: no verdict\n")
    assert f"**input_error** (exit code 2): {message}" in markdown
    page = (files.cwd / "out" / "r.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "no verdict" in page and message in page
    assert "hepatocite" not in markdown + page  # nothing of the earlier verdict is left
    _result, unknown = run_json(files, "validate", "good.csv", "--schema", "nope")
    assert (unknown["schema"], unknown["schema_name"]) == ("nope", None)


def test_a_column_written_twice_is_invalid_in_every_format(files):
    (files.cwd / "twice.csv").write_text("cell_type,n_genes,cell_type\nT cell,1,garbage\n")
    (files.cwd / "twice.tsv").write_text("cell_type\tn_genes\tcell_type\nT cell\t1\tgarbage\n")
    table = pa.Table.from_arrays(
        [pa.array(["T cell"]), pa.array([1]), pa.array(["garbage"])],
        names=["cell_type", "n_genes", "cell_type"],
    )
    pq.write_table(table, files.cwd / "twice.parquet")
    for name in ("twice.csv", "twice.tsv", "twice.parquet"):
        result = files("validate", name, "--schema", "cells.yaml")
        assert result.returncode == 1, (name, result.stderr)
        assert "column 'cell_type' appears twice" in result.stdout, name
    (files.cwd / "barcodes.yaml").write_text(BARCODES_YAML)
    (files.cwd / "index_twice.csv").write_text("barcode,cell_type,barcode\nc1,T cell,c2\n")
    index_twice = files("validate", "index_twice.csv", "--schema", "barcodes.yaml")
    assert index_twice.returncode == 1
    assert "column 'barcode' appears twice" in index_twice.stdout
    (files.cwd / "index_once.csv").write_text("barcode,cell_type\nc1,T cell\n")
    assert files("validate", "index_once.csv", "--schema", "barcodes.yaml").returncode == 0


def test_values_dtype_coercion_cannot_convert_are_invalid_not_a_crash(files):
    (files.cwd / "counts.yaml").write_text(COUNTS_YAML)
    for value in ("inf", "-inf", "99999999999999999999999", "1e19"):
        (files.cwd / "counts.csv").write_text(f"n_genes\n1\n{value}\n")
        result = files("validate", "counts.csv", "--schema", "counts.yaml")
        assert result.returncode == 1, (value, result.stderr)
        assert "main column 'n_genes': 1 value(s) cannot be converted to integers" in result.stdout
    (files.cwd / "counts.csv").write_text("n_genes\n1\n2.0\n")
    assert files("validate", "counts.csv", "--schema", "counts.yaml").returncode == 0


def test_what_is_not_a_file_or_folder_is_refused_at_once(files):
    (files.cwd / "zero.csv").symlink_to("/dev/zero")
    os.mkfifo(files.cwd / "pipe.csv")
    os.mkfifo(files.cwd / "pipe.yaml")
    cases = {
        ("validate", "zero.csv", "--schema", "cells.yaml"): "zero.csv: a character device",
        ("validate", "pipe.csv", "--schema", "cells.yaml"): "pipe.csv: a named pipe (fifo)",
        ("validate", "good.csv", "--schema", "pipe.yaml"): "--schema pipe.yaml: a named pipe",
        ("save", "zero.csv"): "zero.csv: a character device",
        ("save", "pipe.csv"): "pipe.csv: a named pipe (fifo)",
    }
    for arguments, message in cases.items():
        result = files(*arguments, timeout=60)  # reading them would never end
        assert result.returncode == 2, (arguments, result.stderr)
        assert error_line(result).startswith(f"error: {message}")
        assert error_line(result).endswith(", not a regular file or folder: give a file.")
    standardized = files("standardize", "zero.csv", "--schema", "cells.yaml", "-o", "out/")
    assert standardized.returncode == 2 and "zero.csv: a character device" in standardized.stdout


def test_a_folder_or_file_curate_cannot_read_names_the_formats(files):
    (files.cwd / "adir").mkdir()
    (files.cwd / "notes").write_text("cell_type\nT cell\n")
    formats = (
        "curate reads .h5ad, .h5mu, .parquet, .csv and .tsv files, and .zarr and .parquet folders"
    )
    folder = files("validate", "adir", "--schema", "cells.yaml")
    assert error_line(folder) == f"error: adir: a folder without a suffix; {formats}."
    plain = files("validate", "notes", "--schema", "cells.yaml")
    assert error_line(plain) == (
        f"error: notes: a file without a suffix; {formats}: name it after its format."
    )


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column(files):
    (files.cwd / "bom.csv").write_bytes(b"\xef\xbb\xbfcell_type,n_genes\r\nT cell,1\r\n")
    result = files("validate", "bom.csv", "--schema", "cells.yaml")
    assert result.returncode == 0, result.stdout


def test_a_built_in_schema_without_an_instance_names_commands_that_work(curate_cli):
    ad.AnnData(
        X=np.ones((1, 1), dtype="float32"),
        var=pd.DataFrame(index=["ENSG00000141510"]),
    ).write_h5ad(curate_cli.cwd / "genes.h5ad")
    schema = "ensembl_gene_ids_and_valid_features_in_obs"
    first = curate_cli("validate", "genes.h5ad", "--schema", schema)
    assert first.returncode == 2
    advice = error_line(first)
    assert advice == (
        f"error: --schema {schema} needs the Gene registry, and no instance is connected: run "
        "`curate init --storage PATH`, then `curate ontology import Gene`."
    )
    commands = re.findall(r"`(curate [^`]+)`", advice)
    for command in commands:  # as given, PATH filled in
        done = curate_cli(*shlex.split(command.replace("PATH", "./lake"))[1:])
        assert done.returncode == 0, (command, done.stderr)
    assert curate_cli("validate", "genes.h5ad", "--schema", schema).returncode == 0
