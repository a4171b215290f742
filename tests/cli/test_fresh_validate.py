"""``curate validate`` in fresh processes: verdicts, exit codes and documents CI can trust.

0 valid, 1 invalid, 2 usage error or unusable input, 3 internal error; one line on stderr
for each error (``--debug`` adds the traceback); ``--format json`` always prints one JSON
document; the next steps are ``curate`` commands that run; ``--standardize`` is a dry run
that keeps the stored verdict.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from cli.conftest import CELLS_YAML, SCRNA_YAML
from cli.shell import error_line

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


def test_ctrl_c_exits_130(files):
    interrupted = subprocess.run(
        [
            sys.executable,
            "-c",
            BUGGY_CURATE.replace("raise AttributeError(", "raise KeyboardInterrupt("),
            "validate",
            "good.csv",
            "--schema",
            "cells.yaml",
        ],
        cwd=files.cwd,
        env=files.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert interrupted.returncode == 130
    assert interrupted.stderr.splitlines()[-1] == "interrupted"
