"""``curate doctor --fix`` sweeps what a crash left behind and nothing the instance needs."""

from __future__ import annotations

import sqlite3

import pytest


@pytest.mark.parametrize("form", ["path", "uri", "symlink"])
def test_doctor_fix_spares_a_sqlite_database_under_another_name(curate_cli, form):
    """A database in ``.ontolake/`` named other than ``ontolake.db`` is the instance's own,
    also named like stored content (16 letters and digits), given as a ``file:`` URI, or
    reached through a symlink there."""
    managed = curate_cli.cwd / "data" / ".ontolake"
    managed.mkdir(parents=True)
    database = managed / "productionLake01.sqlite"
    url = f"sqlite:///{database}"
    if form == "uri":
        url = f"sqlite:///file:{database}?uri=true"
    elif form == "symlink":
        elsewhere = curate_cli.cwd / "elsewhere"
        elsewhere.mkdir()
        database.symlink_to(elsewhere / "productionLake01.sqlite")
    created = curate_cli("init", "--storage", "./data", "--db", url)
    assert created.returncode == 0, created.stderr
    reads = curate_cli.cwd / "reads.fasta"
    reads.write_text(">r1\nACGT\n")
    assert curate_cli("save", reads, "--key", "raw/reads.fasta").returncode == 0
    # a second connection keeps the write-ahead log files in place while doctor runs
    with sqlite3.connect(database) as holder:
        holder.execute("PRAGMA journal_mode=WAL")
        holder.execute("SELECT count(*) FROM artifacts").fetchall()
        sidecars = {path.name for path in managed.iterdir()}
        fixed = curate_cli("doctor", "--fix")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "removed" not in fixed.stdout
    assert database.exists()
    assert sidecars <= {path.name for path in managed.iterdir()}
    listing = curate_cli("ls")
    assert listing.returncode == 0 and "raw/reads.fasta" in listing.stdout


def test_doctor_fix_removes_only_files_named_like_managed_content(curate_cli):
    """A file ontolake did not write (not ``<uid><suffix>``) is reported, never removed."""
    assert curate_cli("init", "--storage", "./data").returncode == 0
    managed = curate_cli.cwd / "data" / ".ontolake"
    orphan = managed / "AAAAAAAAAAAA0001.txt"
    orphan.write_text("left by a crash")
    foreign = managed / "notes.md"
    foreign.write_text("the user's own notes")
    found = curate_cli("doctor")
    assert found.returncode == 1 and "orphan file" in found.stdout
    assert "notes.md" in found.stdout
    fixed = curate_cli("doctor", "--fix")
    assert not orphan.exists()
    assert foreign.read_text() == "the user's own notes"
    assert "notes.md" in fixed.stdout


def test_doctor_fix_puts_back_a_file_an_earlier_delete_set_aside(curate_cli):
    """Before 2026-12 a permanent delete moved the file to ``.staging/<uid>.deleting<suffix>``
    before deleting the row; killed in between, it left a row without its file. An instance
    may still hold such a file: the doctor names it missing, and --fix puts it back."""
    assert curate_cli("init", "--storage", "./data").returncode == 0
    reads = curate_cli.cwd / "reads.fasta"
    reads.write_text(">r1\nACGT\n")
    assert curate_cli("save", reads, "--key", "raw/reads.fasta").returncode == 0
    managed = curate_cli.cwd / "data" / ".ontolake"
    (stored,) = [path for path in managed.iterdir() if path.suffix == ".fasta"]
    uid = stored.name.removesuffix(".fasta")
    stored.rename(managed / ".staging" / f"{uid}.deleting.fasta")
    found = curate_cli("doctor", "--no-hash")
    assert found.returncode == 1 and f"missing file: artifact {uid}" in found.stdout
    fixed = curate_cli("doctor", "--fix")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"restored file: artifact {uid}" in fixed.stdout
    assert stored.read_text() == ">r1\nACGT\n"
    assert curate_cli("doctor").stdout.startswith("healthy")
