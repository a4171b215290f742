"""Concurrency: 8 processes write to one instance at once, on SQLite and on PostgreSQL.

The processes (``multiprocessing``, spawn) run the scenarios of ``workers.py`` in step: new
versions of one key, identical content, the same ontology term from a source, the same
ontology import, a project with a unique name, labels with a repeated name, the same feature
and schema, runs tracked in a new project. What must hold:

- every save returns; versions are numbered 1..N without gaps or duplicates, each revising
  the one before, exactly one is latest, and every file is stored with its row;
- writers of the same natural key end up with one record, and a get-or-create (identical
  content, ``from_source``, ``import_source``, a feature or schema defined again) returns it
  to every process without error;
- creating a record whose unique name another process just took fails as it would one after
  the other: with ``ol.errors.IntegrityError`` — never a driver error or a lock timeout.

A SQLite write lock held for longer than the busy timeout gives ``DatabaseLockedError``,
saying what to do, and leaves no row and no file behind.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from reliability import workers
from sqlalchemy import select

import ontolake as ol
from ontolake.cli import main
from ontolake.errors import DatabaseLockedError
from ontolake.instance import engine as engine_module
from ontolake.instance import setup

N_WORKERS = 8


def run_workers(instance, folder: Path) -> dict[int, dict]:
    """Start N_WORKERS spawned processes on ``instance``; return each one's outcomes."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(N_WORKERS)
    results = context.Queue()
    db = None if instance.db_url.endswith("/.ontolake/ontolake.db") else instance.db_url
    processes = [
        context.Process(
            target=workers.work,
            args=(index, instance.root.root, db, str(folder), barrier, results),
        )
        for index in range(N_WORKERS)
    ]
    for process in processes:
        process.start()
    try:
        outcomes = dict(results.get(timeout=240) for _ in processes)
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    for result in outcomes.values():
        assert result.get("connect", ("error", "no outcome"))[0] == "ok", result
    assert [process.exitcode for process in processes] == [0] * N_WORKERS
    return outcomes


def successes(outcomes: dict[int, dict], scenario: str) -> list:
    """The values of ``scenario`` in every worker; fails on any error that reached a caller."""
    errors = {
        index: result[scenario][1:3]  # type and message; the traceback is in [3]
        for index, result in outcomes.items()
        if result[scenario][0] != "ok"
    }
    assert not errors, f"{scenario}: errors reached the caller: {errors}"
    return [result[scenario][1] for result in outcomes.values()]


@pytest.fixture
def concurrent_outcomes(instance, tmp_path):
    folder = tmp_path / "worker-files"
    folder.mkdir()
    return run_workers(instance, folder)


def test_eight_processes_writing_at_once(instance, concurrent_outcomes):
    outcomes = concurrent_outcomes
    assert sorted(outcomes) == list(range(N_WORKERS))

    # new versions of one key: none lost, numbered 1..N, a chain, one latest
    saved = [entry for entries in successes(outcomes, "versions") for entry in entries]
    total = N_WORKERS * workers.SAVES_PER_WORKER
    assert sorted(version for _uid, version in saved) == list(range(1, total + 1))
    assert len({uid for uid, _version in saved}) == total
    family = ol.Artifact.filter(key=workers.VERSIONED_KEY).order_by("version").to_list()
    assert [artifact.version for artifact in family] == list(range(1, total + 1))
    assert {(a.uid, a.version) for a in family} == set(saved)
    assert [a.is_latest for a in family] == [False] * (total - 1) + [True]
    assert len({a.stem_uid for a in family}) == 1
    assert [a.revises_id for a in family] == [None] + [a.id for a in family[:-1]]

    # identical content: one artifact, returned to every process
    same = successes(outcomes, "same-content")
    assert len(set(same)) == 1
    assert ol.Artifact.filter(key=workers.SAME_CONTENT_KEY).count() == 1

    # the same term from a source: one record (and one of each ancestor) for everybody
    assert len(set(successes(outcomes, "from-source"))) == 1
    term = ol.bio.CellType.get(ontology_id=workers.TERM)
    assert term.name == "T cell"
    ids = [r.ontology_id for r in ol.bio.CellType.filter()]
    assert len(ids) == len(set(ids)) > 1
    assert "cell" in {parent.name for parent in term.query_parents()}
    assert ol.bio.Source.filter(entity="CellType").count() == 1

    # the same import: one source record, each term once, synonyms and parents once
    assert len(set(successes(outcomes, "import-source"))) == 1
    source = ol.bio.Source.get(entity="Phenotype", name="hp")
    assert ol.bio.Source.filter(entity="Phenotype").count() == 1
    assert ol.bio.Phenotype.filter().count() == source.n_terms == 120
    with instance.read() as session:
        for table in (ol.bio.Phenotype.synonym_table, ol.bio.Phenotype.parent_table):
            rows = session.execute(select(table)).all()
            assert rows and len(rows) == len(set(rows)), f"duplicate rows in {table.name}"

    # a unique name: one project; the others are told the name is taken, as if sequential
    project_outcomes = [result["project"] for result in outcomes.values()]
    created = [outcome[1] for outcome in project_outcomes if outcome[0] == "ok"]
    refused = [outcome for outcome in project_outcomes if outcome[0] != "ok"]
    assert len(created) == 1 and len(refused) == N_WORKERS - 1
    for _status, error_type, message, _trace in refused:
        assert error_type == "ontolake.errors.IntegrityError", message
        assert "name" in message and "refused" in message
    assert [p.id for p in ol.Project.filter(name=workers.PROJECT)] == created

    # a repeated name: every label is created
    labels = successes(outcomes, "label")
    assert len(set(labels)) == N_WORKERS
    assert ol.ULabel.filter(name=workers.LABEL).count() == N_WORKERS

    # the same feature and schema defined everywhere: one of each, returned to every process
    assert len(set(successes(outcomes, "feature-and-schema"))) == 1
    assert ol.Feature.filter(name=workers.FEATURE).count() == 1
    assert ol.Schema.filter().count() == 1

    # runs tracked at once in a new project: one project, every run in it
    assert len(set(successes(outcomes, "tracked-run"))) == 1
    assert ol.Project.filter(name=workers.RUN_PROJECT).count() == 1
    assert ol.Run.filter(projects__name=workers.RUN_PROJECT).count() == N_WORKERS

    # every row has its file with the right hash, and no file is left without a row
    doctor = CliRunner().invoke(main, ["doctor"])
    assert doctor.exit_code == 0 and doctor.output.startswith("healthy"), doctor.output
    assert Counter(a.hash for a in family).most_common(1)[0][1] == 1


LOCK_HOLDER = """
import sys
import ontolake as ol
instance = ol.connect(sys.argv[1])
with instance.write() as session:  # holds SQLite's write lock until the block ends
    session.add(ol.ULabel(name="held"))
    session.flush()
    print("LOCKED", flush=True)
    sys.stdin.readline()  # until the test is done with its attempts
"""


def test_a_sqlite_lock_outlasting_the_busy_timeout_is_a_clear_error(
    sqlite_instance, tmp_path, monkeypatch
):
    root = sqlite_instance.root.root
    data = tmp_path / "reads.fasta"
    data.write_text(">r1\nACGT\n" * 100)
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_SECONDS", 0.5)
    setup.disconnect()
    ol.connect(root)  # a new engine with the short busy timeout
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(LOCK_HOLDER), root],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
        artifact = ol.Artifact(data, key="raw/reads.fasta")
        started = time.monotonic()
        with pytest.raises(DatabaseLockedError) as raised:
            artifact.save()
        assert 0.4 < time.monotonic() - started < 3.5
        message = str(raised.value)
        assert "locked by another writer" in message and "ONTOLAKE_BUSY_TIMEOUT" in message
        assert "database is locked" not in message
        with pytest.raises(DatabaseLockedError):
            ol.ULabel(name="blocked").save()
        # nothing of the refused save remains: no row, no staged or managed file
        assert not ol.Artifact.filter(key="raw/reads.fasta").exists()
        lake = Path(root) / ".ontolake"
        assert not list((lake / ".staging").glob("*")) if (lake / ".staging").exists() else True
        assert not [p for p in lake.iterdir() if p.suffix == ".fasta"]
    finally:
        holder.communicate("release\n", timeout=30)
    assert holder.returncode == 0
    # once the other writer is done, the same save (of the same object) goes through
    saved = artifact.save()
    assert saved.version == 1 and saved.is_latest
    assert ol.ULabel.filter(name="held").count() == 1
