"""Shared parts of the kill-point tests (``test_kill_*.py``): crash anywhere, recover always.

Each write path calls ``ontolake._faults.reached(step)`` between its effects (a file written
or moved, a transaction committed); ``ONTOLAKE_FAULT_AT=<step>`` makes a process kill itself
there with SIGKILL. For every operation (``OPERATIONS``), every step it passes and every
backend it touches (local folder or S3 (moto); SQLite or PostgreSQL), a child process
(``kill_child.py``) runs the operation on a seeded instance and is killed at the step. Then,
as the next user session would (:func:`kill_and_recover`):

1. the next ordinary call works: connecting (for ``init``: ``ol.init`` again; for a killed
   migration: ``connect`` names ``curate migrate``, which then finishes the job);
2. the database shows the whole operation or none of it, and history is not rewritten:
   every version that existed keeps its key, number and content hash, and every collection
   version its members;
3. every artifact with a row loads (its file is there and intact), before any repair;
4. the operation run again works;
5. ``curate doctor --fix`` succeeds, removes no file a row or the instance needs, and leaves
   the instance healthy with its invariants: each live version family has exactly one latest
   version (its highest live one), every row has its file and every managed file its row,
   nothing is left in staging.

``test_kill_points.py`` checks that the table is complete: every step in
``ontolake._faults.STEPS`` is killed by some operation here and called by the code, and each
operation passes exactly the steps its entry lists.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from reliability import kill_child

import ontolake as ol
from ontolake import _faults
from ontolake.cli import main
from ontolake.instance import migrate, setup
from ontolake.instance.engine import create_db_engine

CHILD = Path(__file__).with_name("kill_child.py")
ONTOLOGY = Path(__file__).parents[1] / "data" / "ontologies" / "hp_subset.obo"
VERSIONS = Path(__file__).parents[1] / "data" / "ontologies" / "versions"
ANNOTATED = "k/member.txt"
"""The artifact an ontology migration re-annotates (``annotate_for_migration``)."""
STORAGE_BACKENDS = ("local-sqlite", "local-postgres", "s3-postgres")
DATABASE_BACKENDS = ("local-sqlite", "local-postgres")
MIGRATED_FROM = "0007"
"""A killed migration starts here, so that it is killed between two of its revisions too."""


@dataclass(frozen=True)
class Operation:
    steps: tuple[str, ...]
    """The write steps the operation passes, in order."""
    backends: tuple[str, ...]
    committed_at: tuple[str, ...] = ()
    """Steps at which the operation's transaction has committed."""
    targets: tuple[str, ...] = ()
    """Keys whose rows the operation may change or remove (everything else is history)."""


SAVE_STEPS = ("artifact.staged", "artifact.inserted", "artifact.placed", "artifact.committed")
OPERATIONS = {
    "save": Operation(
        ("artifact.staged", "records.written", *SAVE_STEPS[1:]),
        STORAGE_BACKENDS,
        committed_at=("artifact.committed",),
    ),
    "save-dataframe": Operation(SAVE_STEPS, STORAGE_BACKENDS, committed_at=("artifact.committed",)),
    "new-version": Operation(
        SAVE_STEPS, STORAGE_BACKENDS, committed_at=("artifact.committed",), targets=("k/data.txt",)
    ),
    "delete": Operation(
        ("delete.deleted", "delete.committed"),
        STORAGE_BACKENDS,
        committed_at=("delete.committed",),
        targets=("k/data.txt",),
    ),
    "init": Operation(
        (
            "init.folder",
            "migration.revision",
            "migration.applied",
            "init.migrated",
            "init.registered",
            "init.marked",
        ),
        STORAGE_BACKENDS,
    ),
    "trash": Operation(("trash.marked",), DATABASE_BACKENDS, targets=("k/member.txt",)),
    "restore": Operation(("restore.marked",), DATABASE_BACKENDS, targets=("k/trashed.txt",)),
    "collection": Operation(("records.written",), DATABASE_BACKENDS),
    "import": Operation(("ontology-import.written",), DATABASE_BACKENDS),
    "migrate": Operation(("migration.revision", "migration.applied"), DATABASE_BACKENDS),
    "ontology-migrate": Operation(("ontology-migrate.written",), DATABASE_BACKENDS),
}
"""Every write operation, the steps it passes and the backends it is killed on."""


GROUPS = {
    "saves": ("save", "save-dataframe"),
    "versions": ("new-version", "delete", "trash", "restore", "collection"),
    "setup": ("init", "migrate", "import", "ontology-migrate"),
}
"""Operations killed by ``test_kill_<group>.py`` (several files: test workers share them)."""


def cases(group: str) -> list:
    """(operation, step, backend) for every step of the group's operations on their backends."""
    marks = {"postgres": pytest.mark.postgres, "s3": pytest.mark.s3}
    return [
        pytest.param(
            name,
            step,
            backend,
            id=f"{name}-{step}-{backend}",
            marks=[marks[part] for part in backend.split("-") if part in marks],
        )
        for name, operation in OPERATIONS.items()
        if name in GROUPS[group]
        for step in operation.steps
        for backend in operation.backends
    ]


def make_files(tmp_path: Path) -> Path:
    """The files the operations save, in ``tmp_path/files``."""
    folder = tmp_path / "files"
    folder.mkdir()
    for name, text in {
        "data-1.txt": "data, version 1",
        "data-2.txt": "data, version 2",
        "data-3.txt": "data, version 3",
        "member.txt": "a member of c/set",
        "trashed.txt": "in the trash",
        "new.txt": "a new key",
    }.items():
        (folder / name).write_text(text)
    return folder


def backend_location(request, backend: str, tmp_path: Path) -> tuple[str, str | None]:
    """Storage and database URL (None: SQLite inside the storage) of ``backend``."""
    storage, database = backend.split("-")
    db = request.getfixturevalue("postgres_url") if database == "postgres" else None
    if storage == "s3":
        return f"{request.getfixturevalue('s3_bucket')}/lake", db
    return str(tmp_path / "lake"), db


def seed(files: Path) -> None:
    """Two versions of k/data.txt, a collection of k/member.txt, a trashed artifact, a label."""
    ol.Artifact(files / "data-1.txt", key="k/data.txt").save()
    ol.Artifact(files / "data-2.txt", key="k/data.txt").save()
    member = ol.Artifact(files / "member.txt", key="k/member.txt").save()
    ol.Collection(key="c/set", artifacts=[member]).save()
    ol.Artifact(files / "trashed.txt", key="k/trashed.txt").save().delete()
    ol.ULabel(name="seeded").save()


def annotate_for_migration() -> None:
    """k/member.txt annotated with a term of hp 2024 that hp 2025 replaces; both imported."""
    ol.bio.Phenotype.import_source(VERSIONS / "hp-2024.obo")
    ol.Feature(name="phenotype", dtype=ol.bio.Phenotype).save()
    member = ol.Artifact.get(key=ANNOTATED)
    member.features.add_values({"phenotype": "Multicystic kidney dysplasia"})
    ol.bio.Phenotype.import_source(VERSIONS / "hp-2025.obo")


def run_child(spec: dict, *, step: str | None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    environment.pop(_faults.ENVIRONMENT_VARIABLE, None)
    if step is not None:
        environment[_faults.ENVIRONMENT_VARIABLE] = step
    return subprocess.run(
        [sys.executable, str(CHILD), json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=180,
        env=environment,
    )


def prepare(name: str, storage: str, db: str | None, files: Path) -> tuple[dict, tuple | None]:
    """Make the instance the operation works on; return the child's spec and the state."""
    spec = {"operation": name, "storage": storage, "db": db, "files": str(files)}
    spec["ontology"] = str(ONTOLOGY)
    if name == "init":
        return spec, None
    instance = ol.init(storage=storage, db=db)
    seed(files)
    if name == "ontology-migrate":
        annotate_for_migration()
    before = state()
    if name == "migrate":
        engine = create_db_engine(instance.db_url)
        try:
            migrate.downgrade(engine, MIGRATED_FROM)
        finally:
            engine.dispose()
    setup.disconnect()
    return spec, before


def artifact_rows() -> dict[str, tuple]:
    """uid → (key, version, hash, is_latest, is_trashed) of every artifact row."""
    rows = ol.Artifact.filter(is_trashed__in=[True, False])
    return {a.uid: (a.key, a.version, a.hash, a.is_latest, a.is_trashed) for a in rows}


def collection_rows() -> dict[str, tuple]:
    """uid → (key, version, member uids) of every collection version."""
    rows = ol.Collection.filter(is_trashed__in=[True, False])
    return {c.uid: (c.key, c.version, [a.uid for a in c.artifacts]) for c in rows}


def state() -> tuple[dict, dict, list[str], int, dict]:
    names = sorted(label.name for label in ol.ULabel.filter())
    terms = ol.bio.Phenotype.filter().count()
    annotated = ol.Artifact.filter(key=ANNOTATED, is_trashed__in=[True, False]).one()
    values = annotated.features.get_values()
    return artifact_rows(), collection_rows(), names, terms, values


def check_history(before: tuple, after: tuple, operation: Operation) -> None:
    """Versions that existed keep key, number and hash; collection versions their members."""
    artifacts_before, collections_before, labels_before, *_rest = before
    artifacts_after, collections_after, labels_after, *_rest = after
    for uid, (key, version, content, _latest, trashed) in artifacts_before.items():
        if key in operation.targets:
            kept = artifacts_after.get(uid)
            assert kept is None or kept[:3] == (key, version, content), (uid, kept)
        else:
            assert artifacts_after[uid][:3] == (key, version, content), uid
            assert artifacts_after[uid][4] == trashed, uid
    for uid, members in collections_before.items():
        assert collections_after[uid] == members, uid
    assert set(labels_before) <= set(labels_after)


def check_invariants(instance) -> None:
    """One latest version per live family; every row has its file, every managed file a row;
    nothing left in staging; the instance's own files are there."""
    for model in (ol.Artifact, ol.Collection):
        families: dict[str, list] = {}
        for record in model.filter(is_trashed__in=[True, False]):
            families.setdefault(record.stem_uid, []).append(record)
        for stem, versions in families.items():
            live = [v for v in versions if not v.is_trashed]
            latest = [v.version for v in versions if v.is_latest]
            expected = [max(v.version for v in live)] if live else []
            assert latest == expected, (model.__name__, stem, latest, expected)
    rows = ol.Artifact.filter(is_trashed__in=[True, False]).to_list()
    assert managed_objects(instance) == {f"{a.uid}{a.suffix}" for a in rows}
    for artifact in rows:
        assert Path(artifact.cache()).is_file()
    staging = Path(os.environ["ONTOLAKE_CACHE_DIR"]) / "staging"  # remote saves stage here
    if instance.root.is_local:
        staging = Path(instance.root.root) / ".ontolake" / ".staging"
    assert not staging.exists() or list(staging.iterdir()) == []
    own = instance.root.join(".ontolake", "instance.json")
    assert instance.root.exists(own)
    if instance.dialect == "sqlite":
        assert Path(instance.engine.url.database).is_file()


def managed_objects(instance) -> set[str]:
    """Names of the files in ``<root>/.ontolake/`` that are stored content."""
    from ontolake.registries.doctor import _MANAGED_NAME

    root = instance.root
    if root.is_local:
        folder = Path(root.root) / ".ontolake"
        names = [path.name for path in folder.iterdir()]
    else:
        import s3fs

        fs = s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False)
        names = [path.rsplit("/", 1)[-1] for path in fs.ls(root.join(".ontolake"), detail=False)]
    return {name for name in names if _MANAGED_NAME.fullmatch(name)}


def doctor(*options: str):
    return CliRunner().invoke(main, ["doctor", *options])


def connect_after_migration_crash(storage: str, db: str | None, step: str):
    """A killed migration left the old schema: connecting names `curate migrate`, which works."""
    with pytest.raises(ol.errors.SchemaVersionError, match="run `curate migrate`"):
        ol.connect(storage, db=db)
    migrated = CliRunner().invoke(main, ["migrate", "--storage", storage])
    assert migrated.exit_code == 0, (step, migrated.output)
    return ol.connect(storage, db=db)


def migrate_revisions_after(revision: str | None) -> list[str]:
    """The revisions an upgrade from ``revision`` (None: an empty database) applies."""
    versions = Path(migrate.__file__).parent / "migrations" / "versions"
    names = sorted(path.name[:4] for path in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
    return [name for name in names if revision is None or name > revision]


def kill_and_recover(request, tmp_path: Path, name: str, step: str, backend: str) -> None:
    """Kill operation ``name`` at ``step`` on ``backend``; check recovery (module text)."""
    operation = OPERATIONS[name]
    files = make_files(tmp_path)
    storage, db = backend_location(request, backend, tmp_path)
    spec, before = prepare(name, storage, db, files)

    child = run_child(spec, step=step)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert f"killed at write step {step}" in child.stderr, child.stderr
    assert "DONE" not in child.stdout

    # 1. the next ordinary call
    if name == "init":
        instance = ol.init(storage=storage, db=db)
    elif name == "migrate":
        instance = connect_after_migration_crash(storage, db, step)
    else:
        instance = ol.connect(storage, db=db)
    # 2. all of the operation or none of it; history kept
    if before is not None:
        after = state()
        check_history(before, after, operation)
        if step in operation.committed_at:
            assert after != before, step
        else:
            assert after == before, step
    # 3. every row's file is there and intact, before any repair
    for artifact in ol.Artifact.filter(is_trashed__in=[True, False]):
        assert Path(artifact.cache()).is_file(), artifact
    # 4. the operation again (or, for init, a first save)
    if name in ("init", "migrate"):
        ol.ULabel(name="after the crash").save()
        assert ol.Storage.filter(is_default=True).one().root == instance.root.root
    else:
        kill_child.OPERATIONS[name](spec)
    # 5. the doctor repairs what is left and removes nothing needed
    fixed = doctor("--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "missing file" not in fixed.output and "hash mismatch" not in fixed.output
    healthy = doctor()
    assert healthy.exit_code == 0 and healthy.output.startswith("healthy"), healthy.output
    check_invariants(instance)


def passed_steps(request, tmp_path: Path, name: str) -> list[str]:
    """The steps operation ``name`` passes, in order, traced without a kill (SQLite, local)."""
    files = make_files(tmp_path)
    storage, db = backend_location(request, "local-sqlite", tmp_path)
    spec, _before = prepare(name, storage, db, files)
    child = run_child({**spec, "trace": True}, step=None)
    assert child.returncode == 0 and "DONE" in child.stdout, child.stdout + child.stderr
    return [line.split()[1] for line in child.stdout.splitlines() if line.startswith("REACHED")]
