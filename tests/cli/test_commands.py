"""The ``curate`` command: what a shell user sees, including one-line errors and exit codes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ontolake.cli import main
from ontolake.instance.migrate import SCHEMA_REVISION


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*arguments: str):
        return runner.invoke(main, [str(argument) for argument in arguments])

    return invoke


def test_init_save_ls_load_search_info(run, tmp_path):
    storage = tmp_path / "lake"
    data = tmp_path / "reads.fasta"
    data.write_text(">r1\nACGT\n")
    result = run("init", "--storage", storage)
    assert result.exit_code == 0, result.output
    assert "instance ready" in result.output
    result = run("save", data, "--key", "raw/reads.fasta", "--description", "first reads")
    assert result.exit_code == 0, result.output
    assert "version=1" in result.output
    data.write_text(">r1\nACGTAA\n")
    assert "version=2" in run("save", data, "--key", "raw/reads.fasta").output
    listing = run("ls", "--key-prefix", "raw/")
    assert listing.exit_code == 0
    assert "raw/reads.fasta" in listing.stdout and "v2" in listing.stdout
    assert run("ls", "--all-versions").stdout.count("raw/reads.fasta") == 2
    loaded = run("load", "--key", "raw/reads.fasta")
    assert Path(loaded.stdout.strip()).read_text() == ">r1\nACGTAA\n"
    assert "raw/reads.fasta" in run("search", "reads").stdout
    info = run("info")
    assert f"schema:    {SCHEMA_REVISION}" in info.output and "artifacts: 1" in info.output


def test_errors_are_one_line_with_an_exit_code(run, tmp_path):
    run("init", "--storage", tmp_path / "lake")
    missing = run("save", tmp_path / "missing.csv", "--key", "x.csv")
    assert missing.exit_code == 2
    assert missing.output.startswith("error: ") and "missing.csv" in missing.output
    assert "Traceback" not in missing.output
    bad_key = run("save", __file__, "--key", "../x.py")
    assert bad_key.exit_code == 2 and "parent" in bad_key.output
    not_found = run("load", "--key", "nothing.csv")
    assert not_found.exit_code == 2 and "nothing.csv" in not_found.output
    usage = run("load")
    assert usage.exit_code == 2


def test_migrate_upgrades_the_schema_of_an_instance(run, tmp_path):
    from ontolake.instance import setup
    from ontolake.instance.engine import create_db_engine
    from ontolake.instance.migrate import downgrade

    storage = tmp_path / "lake"
    run("init", "--storage", storage)
    setup.disconnect()
    engine = create_db_engine(f"sqlite:///{storage / '.ontolake' / 'ontolake.db'}")
    downgrade(engine, "base")
    engine.dispose()
    refused = run("info")
    assert refused.exit_code == 2 and "no ontolake schema" in refused.output
    migrated = run("migrate", "--storage", storage)
    assert migrated.exit_code == 0, migrated.output
    assert f"None -> {SCHEMA_REVISION}" in migrated.output
    assert run("info").exit_code == 0
    with sqlite3.connect(storage / ".ontolake" / "ontolake.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0000'")
    setup.disconnect()
    older = run("info")
    assert older.exit_code == 2 and "curate migrate" in older.output


def test_help_is_fast_and_imports_nothing_heavy():
    code = (
        "import sys\nfrom ontolake.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('pandas', 'sqlalchemy', 'pyarrow') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "init" in result.stdout and "migrate" in result.stdout
    assert "HEAVY []" in result.stdout


def test_doctor_finds_and_sweeps_orphans(run, tmp_path):
    from ontolake.instance import setup

    storage = tmp_path / "lake"
    data = tmp_path / "reads.fasta"
    data.write_text(">r1\nACGT\n")
    run("init", "--storage", storage)
    run("save", data, "--key", "raw/reads.fasta")
    assert run("doctor").exit_code == 0
    orphan = storage / ".ontolake" / "AAAAAAAAAAAA0001.txt"
    orphan.write_text("left by a crash")
    (storage / ".ontolake" / ".staging").mkdir(exist_ok=True)
    (storage / ".ontolake" / ".staging" / "tmp123.fasta").write_text("half")
    found = run("doctor")
    assert found.exit_code == 1
    assert "orphan file" in found.output and "staging leftover" in found.output
    fixed = run("doctor", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert not orphan.exists()
    stored = next(p for p in (storage / ".ontolake").iterdir() if p.suffix == ".fasta")
    stored.write_text(">tampered\n")
    setup.disconnect()
    tampered = run("doctor")
    assert tampered.exit_code == 1 and "hash mismatch" in tampered.output
    stored.unlink()
    missing = run("doctor")
    assert missing.exit_code == 1 and "missing file" in missing.output


def test_ontology_import_ls_search(run, tmp_path):
    from pathlib import Path

    hp = Path(__file__).parents[1] / "data" / "ontologies" / "hp_subset.obo"
    run("init", "--storage", tmp_path / "lake")
    imported = run("ontology", "import", "Phenotype", "--source", hp)
    assert imported.exit_code == 0, imported.output
    assert "Phenotype: hp 2025-01-16" in imported.output  # the name its header declares
    listing = run("ontology", "ls")
    assert "Phenotype" in listing.output and "*" in listing.output
    found = run("ontology", "search", "Phenotype", "motor seizure")
    assert found.exit_code == 0
    assert found.output.splitlines()[0].endswith("Motor seizure")
    unknown = run("ontology", "import", "Planet")
    assert unknown.exit_code == 2 and "CellType" in unknown.output
    catalog = run("ontology", "ls", "--available")
    assert "CellType" in catalog.output and "cl" in catalog.output


def test_the_readme_shell_quickstart_in_fresh_processes(curate_cli):
    (curate_cli.cwd / "sample.fasta").write_text(">s\nACGT\n")
    steps = [
        ("init", "--storage", "./data"),
        ("save", "sample.fasta", "--key", "raw/sample.fasta", "--description", "reads"),
        ("ls", "--key-prefix", "raw/"),
        ("load", "--key", "raw/sample.fasta"),
        ("search", "sample"),
        ("info",),
    ]
    outputs = {}
    for step in steps:
        result = curate_cli(*step)
        assert result.returncode == 0, (step, result.stderr)
        assert "Traceback" not in result.stderr
        outputs[step[0]] = result.stdout
    assert "raw/sample.fasta" in outputs["ls"]
    assert Path(outputs["load"].strip()).read_text() == ">s\nACGT\n"
    assert "raw/sample.fasta" in outputs["search"]
    assert "artifacts: 1" in outputs["info"]
