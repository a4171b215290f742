"""Migrations with data: an instance filled at the first revision is upgraded to head.

The instance's database is taken back to revision 0001 and filled through SQLAlchemy Core
with the tables as 0001 created them (reflected, not today's models): users, the storage,
versioned artifacts with their files, labels with a hierarchy, typed records, a project, a
transform with a run that read one artifact and wrote another, and a collection. Then:

- upgrading to head keeps every row and every value of the 0001 columns;
- the API reads them: versions, latest, content, links, lineage, run parameters;
- new writes work and number versions on from the old ones;
- downgrading back to 0001 keeps the rows too, and upgrading again works.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, MetaData, insert, select

import ontolake as ol
from ontolake.cli import main
from ontolake.instance import migrate, setup
from ontolake.instance.engine import create_db_engine
from ontolake.registries.uid import new_uid, version_suffix
from ontolake.registries.user import current_login
from ontolake.storage.hashing import hash_path

FIRST = "0001"
T0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def snapshot(engine: Engine, tables: MetaData) -> dict[str, list[tuple]]:
    """Every row of every table of ``tables``, in the columns those tables have."""
    found = {}
    with engine.connect() as connection:
        for table in tables.sorted_tables:
            if table.name == "alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(select(table).order_by(*order)).all()
            found[table.name] = [tuple(row) for row in rows]
    return found


def managed_file(root: Path, uid: str, suffix: str, write) -> dict:
    """Write an artifact's file where ontolake keeps it; return its content fields."""
    path = root / ".ontolake" / f"{uid}{suffix}"
    write(path)
    digest = hash_path(path)
    return {"suffix": suffix, "size": path.stat().st_size, "hash": digest.hash}


def fill_first_revision(engine: Engine, tables: MetaData, root: Path) -> dict[str, int]:
    """Rows valid for revision 0001, written with Core; returns the ids the checks need."""
    t = tables.tables
    ids: dict[str, int] = {}

    def add(table: str, **values) -> int:
        with engine.begin() as connection:
            result = connection.execute(insert(t[table]).values(**values))
        return int(result.inserted_primary_key[0]) if result.inserted_primary_key else 0

    common = {"created_at": T0}
    ids["user"] = add("users", uid=new_uid(8), handle=current_login(), name="Me", **common)
    owned = {**common, "created_by_id": ids["user"]}
    ids["storage"] = add(
        "storages", uid=new_uid(12), root=str(root), type="local", is_default=True, **owned
    )
    stem = new_uid(12)
    flags = {"in_place": False, "is_trashed": False, "storage_id": ids["storage"]}
    for version, text in ((1, ">r1\nACGT\n"), (2, ">r1\nACGTTT\n")):
        uid = stem + version_suffix(version)
        content = managed_file(root, uid, ".fasta", lambda p, x=text: p.write_text(x))
        ids[f"reads v{version}"] = add(
            "artifacts",
            uid=uid,
            stem_uid=stem,
            version=version,
            is_latest=version == 2,
            revises_id=ids.get("reads v1"),
            key="raw/reads.fasta",
            description=f"reads, take {version}",
            otype=None,
            **content,
            **flags,
            **owned,
        )
    ids["transform"] = add(
        "transforms",
        uid=new_uid(12) + version_suffix(1),
        stem_uid=new_uid(12),
        version=1,
        is_latest=True,
        is_trashed=False,
        key="preprocess.py",
        kind="script",
        source_code="print('hello')\n",
        hash="a" * 20,
        **owned,
    )
    ids["run"] = add(
        "runs",
        uid=new_uid(16),
        transform_id=ids["transform"],
        started_at=T0,
        finished_at=T0 + timedelta(minutes=3),
        status="completed",
        params={"lr": 0.01, "normalize": True},
        environment={"python": "3.11"},
        **owned,
    )
    table_stem = new_uid(12)
    frame = pd.DataFrame({"gene": ["TP53", "BRCA1"], "count": [3, 5]})
    table_uid = table_stem + version_suffix(1)
    content = managed_file(root, table_uid, ".parquet", lambda p: frame.to_parquet(p))
    ids["table"] = add(
        "artifacts",
        uid=table_uid,
        stem_uid=table_stem,
        version=1,
        is_latest=True,
        key="tables/counts.parquet",
        otype="DataFrame",
        n_observations=2,
        run_id=ids["run"],
        **content,
        **flags,
        **owned,
    )
    label = {"is_trashed": False, "description": None, **owned}
    ids["Batch"] = add("ulabels", uid=new_uid(12), name="Batch", is_type=True, **label)
    ids["batch 1"] = add(
        "ulabels", uid=new_uid(12), name="batch 1", is_type=False, type_id=ids["Batch"], **label
    )
    ids["Sample"] = add("records", uid=new_uid(12), name="Sample", is_type=True, **label)
    ids["p53"] = add(
        "records", uid=new_uid(12), name="P53mutant1", is_type=False, type_id=ids["Sample"], **label
    )
    ids["project"] = add("projects", uid=new_uid(12), name="Drug screen", is_type=False, **label)
    ids["collection"] = add(
        "collections",
        uid=new_uid(12) + version_suffix(1),
        stem_uid=new_uid(12),
        version=1,
        is_latest=True,
        is_trashed=False,
        key="all reads",
        **owned,
    )
    collection, v1, v2 = ids["collection"], ids["reads v1"], ids["reads v2"]
    links = [
        ("ulabel_parent", {"child_id": ids["batch 1"], "parent_id": ids["Batch"]}),
        ("artifact_ulabel", {"artifact_id": ids["reads v2"], "ulabel_id": ids["batch 1"]}),
        ("artifact_record", {"artifact_id": ids["reads v2"], "record_id": ids["p53"]}),
        ("artifact_project", {"artifact_id": ids["table"], "project_id": ids["project"]}),
        ("project_run", {"project_id": ids["project"], "run_id": ids["run"]}),
        ("project_transform", {"project_id": ids["project"], "transform_id": ids["transform"]}),
        ("project_record", {"project_id": ids["project"], "record_id": ids["p53"]}),
        ("run_input_artifact", {"run_id": ids["run"], "artifact_id": ids["reads v2"]}),
        ("collection_artifact", {"collection_id": collection, "artifact_id": v1, "position": 1}),
        ("collection_artifact", {"collection_id": collection, "artifact_id": v2, "position": 0}),
        ("project_collection", {"project_id": ids["project"], "collection_id": collection}),
    ]
    for table, values in links:
        add(table, **values)
    return ids


def check_through_the_api(ids: dict[str, int]) -> None:
    """What a user reads from the migrated instance."""
    reads = ol.Artifact.get(key="raw/reads.fasta", is_latest=True)
    assert (reads.id, reads.version, reads.description) == (ids["reads v2"], 2, "reads, take 2")
    assert Path(reads.cache()).read_text() == ">r1\nACGTTT\n"
    assert [(a.version, a.is_latest) for a in reads.versions] == [(1, False), (2, True)]
    assert [label.name for label in reads.ulabels] == ["batch 1"]
    assert [record.name for record in reads.records] == ["P53mutant1"]
    assert ol.ULabel.get(name="batch 1").type.name == "Batch"
    assert [child.name for child in ol.ULabel.get(name="Batch").children] == ["batch 1"]
    assert [r.name for r in ol.Record.filter(type__name="Sample")] == ["P53mutant1"]
    table = ol.Artifact.get(key="tables/counts.parquet")
    assert table.load()["count"].tolist() == [3, 5]
    run = table.run
    assert run is not None and run.params == {"lr": 0.01, "normalize": True}
    assert run.transform.key == "preprocess.py" and run.status == "completed"
    assert [a.key for a in run.inputs] == ["raw/reads.fasta"]
    assert ol.Run.filter(params__lr=0.01).count() == 1
    project = ol.Project.get(name="Drug screen")
    assert [a.key for a in project.artifacts] == ["tables/counts.parquet"]
    assert [r.id for r in project.runs] == [ids["run"]]
    collection = ol.Collection.get(key="all reads")
    assert sorted(a.version for a in collection.artifacts) == [1, 2]
    assert ol.Artifact.filter(key__startswith="raw/").count() == 2
    assert ol.Artifact.filter(created_at=T0).count() == 3
    doctor = CliRunner().invoke(main, ["doctor"])
    assert doctor.exit_code == 0 and doctor.output.startswith("healthy"), doctor.output


def test_rows_written_at_the_first_revision_survive_migrations(tmp_path, database):
    root = tmp_path / "lake"
    instance = ol.init(storage=root, db=database)
    db_url = instance.db_url
    setup.disconnect()
    engine = create_db_engine(db_url)
    try:
        migrate.downgrade(engine, "base")
        migrate.upgrade(engine, FIRST)
        assert migrate.current_revision(engine) == FIRST
        tables = MetaData()
        tables.reflect(engine)  # the schema exactly as revision 0001 made it
        ids = fill_first_revision(engine, tables, Path(instance.root.root))
        before = snapshot(engine, tables)
        assert sum(len(rows) for rows in before.values()) == 24

        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.SCHEMA_REVISION
        assert snapshot(engine, tables) == before  # every row and value of 0001 survived
    finally:
        engine.dispose()

    ol.connect(root, db=database)
    check_through_the_api(ids)
    # new writes continue the old data: the next version and new links
    newer = tmp_path / "reads.fasta"
    newer.write_text(">r1\nACGTTTAA\n")
    third = ol.Artifact(newer, key="raw/reads.fasta").save()
    assert (third.version, third.revises_id) == (3, ids["reads v2"])
    assert ol.Artifact.get(key="raw/reads.fasta", version=2).is_latest is False
    ol.ULabel(name="batch 2", type=ol.ULabel.get(name="Batch")).save()

    # back to the first revision: the old rows are still there (and the new ones too)
    setup.disconnect()
    engine = create_db_engine(db_url)
    try:
        migrate.downgrade(engine, FIRST)
        assert migrate.current_revision(engine) == FIRST
        after = snapshot(engine, tables)
        # the only change to an old row: version 2 is no longer the latest
        columns = list(tables.tables["artifacts"].columns.keys())
        latest, key = columns.index("is_latest"), columns.index("id")
        before["artifacts"] = [
            (*row[:latest], False, *row[latest + 1 :]) if row[key] == ids["reads v2"] else row
            for row in before["artifacts"]
        ]
        for table, rows in before.items():
            assert [row for row in rows if row not in after[table]] == [], table
        assert len(after["artifacts"]) == len(before["artifacts"]) + 1
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    ol.connect(root, db=database)
    assert ol.Artifact.get(key="raw/reads.fasta", is_latest=True).version == 3
    assert ol.ULabel.filter(type__name="Batch").count() == 2


@pytest.fixture(autouse=True)
def _quiet_sqlalchemy_cycle_warning():
    """Reflecting 0001 sorts artifacts and runs, which reference each other (a known cycle)."""
    import warnings

    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Cannot correctly sort tables", SAWarning)
        yield
