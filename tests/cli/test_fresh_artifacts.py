"""``curate save``, ``load``, ``ls``, ``search``, ``lineage`` and ``ontology``, in fresh processes.

Each call is the installed executable with a fresh HOME, typed as a user types it, error
paths included: one line on stderr, exit 2, no traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli.conftest import SCRNA_YAML
from cli.shell import INSTANCE_LINE, error_line

HP_OBO = Path(__file__).parents[1] / "data" / "ontologies" / "hp_subset.obo"


def test_save_ls_load_search_and_lineage(curate_cli):
    assert curate_cli("init", "--storage", "./data").returncode == 0
    (curate_cli.cwd / "reads.fasta").write_text(">r\nACGT\n")
    saved = curate_cli("save", "reads.fasta", "--key", "raw/reads.fasta", "--description", "reads")
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.endswith(" key=raw/reads.fasta version=1\n")
    uid = saved.stdout.split()[1]
    (curate_cli.cwd / "reads.fasta").write_text(">r\nACGTAA\n")
    assert "version=2" in curate_cli("save", "reads.fasta", "--key", "raw/reads.fasta").stdout
    listed = curate_cli("ls", "--key-prefix", "raw/")
    assert listed.returncode == 0
    assert len(listed.stdout.splitlines()) == 1 and " v2 " in listed.stdout
    assert listed.stderr.splitlines()[-1] == "1 artifact(s)"
    assert curate_cli("ls", "--all-versions").stdout.count("raw/reads.fasta") == 2
    loaded = curate_cli("load", "--key", "raw/reads.fasta")
    assert Path(loaded.stdout.strip()).read_text() == ">r\nACGTAA\n"
    first = curate_cli("load", "--uid", uid)
    assert Path(first.stdout.strip()).read_text() == ">r\nACGT\n"
    found = curate_cli("search", "raw/reads")
    assert found.returncode == 0 and found.stdout.split()[1] == "raw/reads.fasta"
    dot = curate_cli("lineage", "--key", "raw/reads.fasta")
    assert dot.returncode == 0 and dot.stdout.startswith("digraph")
    written = curate_cli("lineage", "--key", "raw/reads.fasta", "-o", "graph.dot")
    assert written.returncode == 0, written.stderr
    assert (curate_cli.cwd / "graph.dot").read_text() == dot.stdout


def test_artifact_errors_are_one_line_and_exit_2(curate_cli):
    assert curate_cli("init", "--storage", "./data").returncode == 0
    missing_file = curate_cli("save", "missing.csv", "--key", "x.csv")
    assert missing_file.returncode == 2 and "missing.csv" in error_line(missing_file)
    (curate_cli.cwd / "x.py").write_text("print(1)\n")
    bad_key = curate_cli("save", "x.py", "--key", "../x.py")
    assert bad_key.returncode == 2 and "'..'" in error_line(bad_key)
    for command in (("load", "--key", "nothing.csv"), ("lineage", "--key", "nothing.csv")):
        absent = curate_cli(*command)
        assert absent.returncode == 2, absent.stderr
        assert error_line(absent) == (
            "error: No artifact with key 'nothing.csv': `curate ls` lists them, "
            "`curate search nothing.csv` finds similar keys."
        )
    usage = curate_cli("load")
    assert usage.returncode == 2 and "exactly one of --key or --uid" in usage.stderr
    assert "Traceback" not in usage.stderr + bad_key.stderr + missing_file.stderr


def test_ontology_import_ls_and_search(curate_cli):
    assert curate_cli("init", "--storage", "./data").returncode == 0
    nothing = curate_cli("ontology", "ls")
    assert nothing.returncode == 0 and nothing.stdout == ""
    assert "`curate ontology import ENTITY`" in nothing.stderr
    empty = curate_cli("ontology", "search", "Phenotype", "seizure")
    assert empty.returncode == 2
    assert "`curate ontology import Phenotype`" in error_line(empty)
    imported = curate_cli("ontology", "import", "Phenotype", "--source", HP_OBO)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("Phenotype: hp 2025-01-16 ")  # as its header says
    listed = curate_cli("ontology", "ls")
    assert listed.stdout.startswith("Phenotype") and listed.stdout.rstrip().endswith("*")
    assert listed.stderr.splitlines()[-1] == (
        "*: the version in use of that ontology (the last one imported)"
    )
    found = curate_cli("ontology", "search", "Phenotype", "motor seizure")
    assert found.returncode == 0
    assert found.stdout.splitlines()[0].endswith("Motor seizure")
    catalog = curate_cli("ontology", "ls", "--available")
    assert catalog.returncode == 0 and any(
        line.split()[:2] == ["CellType", "cl"] for line in catalog.stdout.splitlines()
    )
    unknown = curate_cli("ontology", "import", "Planet")
    assert unknown.returncode == 2 and "CellType" in error_line(unknown)


def test_search_says_how_many_and_splits_words_as_keys_do(curate_cli):
    assert curate_cli("init", "--storage", "./data").returncode == 0
    (curate_cli.cwd / "reads.fasta").write_text(">r\nACGT\n")
    key = "raw/pbmc68k_reduced.fasta"
    assert curate_cli("save", "reads.fasta", "--key", key).returncode == 0
    for text in ("pbmc68k_reducd", "pbmc68k reducd", "PBMC68K-reduced"):
        found = curate_cli("search", text)
        assert found.returncode == 0, found.stderr
        assert found.stdout.split()[1] == key, text
        assert found.stderr.splitlines()[-1] == "1 artifact(s)"
    nothing = curate_cli("search", "zebrafish")
    assert nothing.returncode == 0 and nothing.stdout == ""
    assert nothing.stderr.splitlines()[-1] == "0 artifact(s)"


def test_a_closed_stdout_ends_commands_quietly_with_141(curate_cli):
    assert curate_cli("init", "--storage", "./data").returncode == 0
    assert curate_cli("ontology", "import", "Phenotype", "--source", HP_OBO).returncode == 0
    (curate_cli.cwd / "cells.csv").write_text("cell_type\nT cell\n")
    for command in (
        ("info",),
        ("ontology", "search", "Phenotype", "seizure"),
        ("validate", "cells.csv", "--schema", "nope", "--format", "json"),
    ):
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("curate")), *command],
            cwd=curate_cli.cwd,
            env=curate_cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        process.stdout.close()  # the reader is gone before anything is written (| head -0)
        stderr = process.stderr.read()
        assert process.wait(timeout=120) == 141, (command, stderr)
        assert [line for line in stderr.splitlines() if not line.startswith(INSTANCE_LINE)] == []


def test_library_deprecation_notes_are_hidden_unless_asked_for(curate_cli, corpus):
    corpus.copy("pbmc68k_reduced.h5ad", curate_cli.cwd)
    (curate_cli.cwd / "scrna.yaml").write_text(SCRNA_YAML)
    assert curate_cli("init", "--storage", "./data").returncode == 0
    assert curate_cli("ontology", "import", "CellType").returncode == 0
    arguments = ("validate", "pbmc68k_reduced.h5ad", "--schema", "scrna.yaml")
    quiet = curate_cli(*arguments)
    assert quiet.returncode == 1, quiet.stderr  # no cell_type column: a verdict
    assert [line for line in quiet.stderr.splitlines() if not line.startswith(INSTANCE_LINE)] == []
    asked = curate_cli(*arguments, PYTHONWARNINGS="default")
    assert asked.returncode == 1
    assert "FutureWarning: Moving element from .uns['neighbors']" in asked.stderr
