"""Schema migrations on SQLite and PostgreSQL: the shipped scripts build exactly the models'
schema, round-trip through every revision, refuse newer databases, and the partial unique
indexes hold the versioning invariants in the database itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import Table, func, insert, inspect, select, text

import ontolake as ol
import ontolake.instance.migrate as migrate
from ontolake.cli import main
from ontolake.errors import IntegrityError, SchemaVersionError
from ontolake.instance import setup
from ontolake.instance.engine import create_db_engine
from ontolake.registries.models import metadata

MIGRATIONS = Path(migrate.__file__).parent / "migrations"


# added by ALTER TABLE: SQLite keeps it inline in the column, where reflection sees neither
# its name nor its ON DELETE (the database enforces both; see _inline_foreign_keys_hold)
INLINE_FOREIGN_KEYS = {("artifacts", "schema_id"): ("fk_artifacts_schema_id_schemas", "SET NULL")}


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection), metadata)
    if engine.dialect.name != "sqlite":
        return found
    _inline_foreign_keys_hold(engine)
    return [
        difference
        for difference in found
        if not (
            difference[0] in ("remove_fk", "add_fk")
            and len(difference[1].columns) == 1
            and (difference[1].table.name, difference[1].column_keys[0]) in INLINE_FOREIGN_KEYS
        )
    ]


def _inline_foreign_keys_hold(engine) -> None:
    """The inline keys are declared with the models' name and ON DELETE, and enforced."""
    with engine.connect() as connection:
        for (table, column), (name, on_delete) in INLINE_FOREIGN_KEYS.items():
            keys = connection.exec_driver_sql(f"PRAGMA foreign_key_list({table})").all()
            assert [(key[3], key[6]) for key in keys if key[3] == column] == [(column, on_delete)]
            sql = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = :table"), {"table": table}
            ).scalar_one()
            assert f"{column} INTEGER CONSTRAINT {name} REFERENCES" in sql


def _normalised(predicate: object) -> str:
    """A WHERE predicate without parentheses, quotes, case or spacing differences."""
    return " ".join(re.sub(r'[()"]', " ", str(predicate)).lower().split())


def partial_indexes_in_database(engine) -> dict[tuple[str, str], tuple[str, bool, str]]:
    inspector = inspect(engine)
    found = {}
    for table in inspector.get_table_names():
        for index in inspector.get_indexes(table):
            where = index.get("dialect_options", {}).get(f"{engine.dialect.name}_where")
            if where is not None:
                columns = ",".join(name for name in index["column_names"] if name)
                found[table, index["name"]] = (columns, bool(index["unique"]), _normalised(where))
    return found


def partial_indexes_in_models(dialect: str) -> dict[tuple[str, str], tuple[str, bool, str]]:
    expected = {}
    for table in metadata.sorted_tables:
        for index in table.indexes:
            where = index.dialect_kwargs.get(f"{dialect}_where")
            if where is not None:
                columns = ",".join(column.name for column in index.columns)
                expected[table.name, index.name] = (columns, index.unique, _normalised(where))
    return expected


def fresh_engine(instance):
    """A new engine on the instance's database, with the instance itself disconnected."""
    url = instance.db_url
    setup.disconnect()
    return create_db_engine(url)


def revisions() -> list[str]:
    """Every shipped revision, oldest first."""
    return [script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()][::-1]


def test_the_migrations_create_exactly_the_models_schema(instance):
    assert schema_differences(instance.engine) == []
    # autogenerate compares index columns, not WHERE clauses: compare the partial indexes here
    expected = partial_indexes_in_models(instance.dialect)
    assert ("artifacts", "uq_artifacts_latest_per_stem") in expected
    assert ("artifacts", "uq_artifacts_latest_per_key") in expected
    assert partial_indexes_in_database(instance.engine) == expected
    assert migrate.current_revision(instance.engine) == migrate.SCHEMA_REVISION
    assert revisions()[-1] == migrate.SCHEMA_REVISION


def test_downgrade_to_base_and_upgrade_round_trip(instance):
    root, database = instance.root.root, instance.db_url
    ol.ULabel(name="kept across migrations").save()
    engine = fresh_engine(instance)
    try:
        # one step at a time down to the first revision: every downgrade runs and is recorded
        for revision in revisions()[-2::-1]:
            migrate.downgrade(engine, revision)
            assert migrate.current_revision(engine) == revision
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT name FROM ulabels")).scalars().all()
        assert kept == ["kept across migrations"]
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        for revision in revisions():
            migrate.upgrade(engine, revision)
            assert migrate.current_revision(engine) == revision
        assert set(inspect(engine).get_table_names()) == {*metadata.tables, "alembic_version"}
        assert schema_differences(engine) == []
        assert partial_indexes_in_database(engine) == partial_indexes_in_models(engine.dialect.name)
        migrate.upgrade(engine)  # already at head: nothing to do
        assert migrate.current_revision(engine) == migrate.SCHEMA_REVISION
    finally:
        engine.dispose()

    ol.connect(root, db=None if database.startswith("sqlite") else database)
    assert ol.ULabel.filter().count() == 0  # base dropped every table and its rows
    ol.ULabel(name="after the round trip").save()
    assert ol.ULabel.get(name="after the round trip").name == "after the round trip"


@pytest.mark.parametrize("newer", ["9999", "0999"])
def test_a_newer_schema_asks_to_upgrade_ontolake(instance, newer):
    root, database = instance.root.root, instance.db_url
    with instance.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": newer})
    engine = fresh_engine(instance)
    try:
        with pytest.raises(SchemaVersionError, match=rf"revision {newer}, newer.*upgrade ontolake"):
            ol.connect(root, db=None if database.startswith("sqlite") else database)
        # migrating cannot help either, and says so instead of failing inside Alembic
        with pytest.raises(SchemaVersionError, match=r"newer.*pip install -U ontolake"):
            migrate.upgrade(engine)
        with pytest.raises(SchemaVersionError, match="upgrade ontolake"):
            migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) == newer
        assert "ulabels" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    result = CliRunner().invoke(main, ["migrate", "--storage", root])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "upgrade ontolake" in result.output


def test_an_older_or_foreign_revision_is_refused_by_migrate_with_a_message(instance):
    with instance.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    engine = fresh_engine(instance)
    try:
        with pytest.raises(SchemaVersionError, match=r"0000.*no migration for"):
            migrate.upgrade(engine)
    finally:
        engine.dispose()


# ---- the partial unique indexes ------------------------------------------------------------
def versioned_tables() -> list[Table]:
    """Tables with a partial unique index allowing one latest version per stem."""
    return [
        metadata.tables[table]
        for (table, _name), (columns, unique, where) in partial_indexes_in_models("sqlite").items()
        if columns == "stem_uid" and unique and where == "is_latest"
    ]


def row(session, table: Table, stem: str, version: int, **values) -> dict:
    """A minimal valid row of a versioned table, written with SQLAlchemy Core."""
    row = {
        "uid": f"{stem}{version:04d}",
        "stem_uid": stem,
        "version": version,
        "is_latest": True,
        **values,
    }
    for column in table.columns:
        if column.nullable or column.primary_key or column.default is not None:
            continue
        if column.name in row:
            continue
        if column.foreign_keys:
            target = next(iter(column.foreign_keys)).column
            row[column.name] = session.execute(select(func.min(target))).scalar_one()
        else:
            row[column.name] = f"{stem}/{column.name}/{version}"
    return row


def stem_count(instance, table: Table, stem: str) -> int:
    with instance.engine.connect() as connection:
        statement = select(func.count()).select_from(table).where(table.c.stem_uid == stem)
        return int(connection.execute(statement).scalar_one())


def test_two_latest_versions_of_one_stem_are_refused(instance):
    tables = versioned_tables()
    assert {table.name for table in tables} >= {"artifacts", "collections", "transforms"}
    for table in tables:
        stem = f"{table.name[:4]}Stem12345"[:12]
        with instance.write() as session:
            session.execute(insert(table), [row(session, table, stem, 1, is_latest=False)])
            session.execute(insert(table), [row(session, table, stem, 2, is_latest=False)])
            session.execute(insert(table), [row(session, table, stem, 3)])
        assert stem_count(instance, table, stem) == 3  # old versions do not count
        with (
            pytest.raises(IntegrityError, match=r"latest_per_stem|stem_uid"),
            instance.write() as s,
        ):
            s.execute(insert(table), [row(s, table, stem, 4)])
        assert stem_count(instance, table, stem) == 3  # the failed write left nothing behind
        with instance.write() as session:  # another stem has its own latest version
            other = f"{stem[:-1]}X"
            session.execute(insert(table), [row(session, table, other, 1)])


def test_one_latest_managed_artifact_per_key(instance):
    table = metadata.tables["artifacts"]

    def artifact(session, stem: str, **values) -> dict:
        return row(session, table, stem, 1, key="raw/a.fasta", **values)

    with instance.write() as session:
        session.execute(insert(table), [artifact(session, "KeyStemAAAAA")])
        # a trashed, an in-place or an older version may share the key
        session.execute(insert(table), [artifact(session, "KeyStemBBBBB", is_trashed=True)])
        session.execute(insert(table), [artifact(session, "KeyStemCCCCC", in_place=True)])
        session.execute(insert(table), [artifact(session, "KeyStemDDDDD", is_latest=False)])
    with pytest.raises(IntegrityError, match=r"latest_per_key|key"), instance.write() as session:
        session.execute(insert(table), [artifact(session, "KeyStemEEEEE")])
    with instance.engine.connect() as connection:
        keyed = select(func.count()).select_from(table).where(table.c.key == "raw/a.fasta")
        assert connection.execute(keyed).scalar_one() == 4


def test_upgrade_to_the_schema_link_keeps_artifacts_and_their_values(instance):
    """0004 → 0005 adds ``artifacts.schema_id``: rows and values stay, links start empty."""
    import pandas as pd

    root, database = instance.root.root, instance.db_url
    ol.Feature(name="n_reads", dtype=int).save()
    plain = ol.Artifact.from_dataframe(pd.DataFrame({"a": [1]}), key="tables/a.parquet").save()
    plain.features.add_values({"n_reads": 3})
    schema = ol.Schema(features=[ol.Feature(name="a", dtype=int)], name="a table").save()
    curated = ol.curate.DataFrameCurator(pd.DataFrame({"a": [2]}), schema).save_artifact(
        key="tables/b.parquet"
    )
    assert curated.schema_id == schema.id
    engine = fresh_engine(instance)
    try:
        with engine.connect() as connection:
            before = connection.execute(text("SELECT id, uid, key, hash FROM artifacts")).all()
        migrate.downgrade(engine, "0004")  # drops the link, keeps the rows
        assert "schema_id" not in {c["name"] for c in inspect(engine).get_columns("artifacts")}
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT id, uid, key, hash FROM artifacts")).all() == before
            )
        migrate.upgrade(engine, migrate.SCHEMA_REVISION)
        with engine.connect() as connection:
            after = connection.execute(
                text("SELECT id, uid, key, hash, schema_id FROM artifacts")
            ).all()
        assert [tuple(row[:4]) for row in after] == [tuple(row) for row in before]
        assert {row[4] for row in after} == {None}
        assert schema_differences(engine) == []
    finally:
        engine.dispose()
    ol.connect(root, db=None if database.startswith("sqlite") else database)
    assert ol.Artifact.get(key="tables/a.parquet").features.get_values() == {"n_reads": 3}
    assert ol.Artifact.filter(schema__name="a table").count() == 0
    relinked = ol.curate.DataFrameCurator(pd.DataFrame({"a": [2]}), ol.Schema.get(name="a table"))
    assert relinked.save_artifact().id == curated.id  # same content: linked again, not stored twice
    assert ol.Artifact.filter(schema__name="a table").one().key == "tables/b.parquet"


def test_upgrade_links_the_labels_of_stored_values(instance, tmp_path):
    """0006 → 0007: every existing link is direct; values stored before get their links."""
    root, database = instance.root.root, instance.db_url
    ol.Feature(name="batch", dtype=ol.ULabel).save()
    batch, kept = ol.save([ol.ULabel(name="batch 1"), ol.ULabel(name="kept")])
    path = tmp_path / "a.txt"
    path.write_text("a")
    artifact = ol.Artifact(path, key="a.txt").save()
    artifact.features.add_values({"batch": "batch 1"})
    artifact.ulabels.add(kept)
    engine = fresh_engine(instance)
    try:
        migrate.downgrade(engine, "0006")
        with engine.begin() as connection:  # as before 0007: values had no links
            connection.execute(
                text("DELETE FROM artifact_ulabel WHERE ulabel_id = :id"), {"id": batch.id}
            )
        migrate.upgrade(engine)
        with engine.connect() as connection:
            links = connection.execute(
                text("SELECT ulabel_id, direct FROM artifact_ulabel ORDER BY ulabel_id")
            ).all()
        assert [(row[0], bool(row[1])) for row in links] == [(batch.id, False), (kept.id, True)]
        assert schema_differences(engine) == []
    finally:
        engine.dispose()
    ol.connect(root, db=None if database.startswith("sqlite") else database)
    assert ol.Artifact.filter(ulabels__name="batch 1").one().key == "a.txt"
    ol.Artifact.get(key="a.txt").features.remove_values("batch")
    assert [label.name for label in ol.Artifact.get(key="a.txt").ulabels.all()] == ["kept"]


def test_upgrade_records_the_terms_of_imported_sources(instance):
    """0007 → 0008: each term belongs to the source it was last imported from."""
    import pandas as pd

    from ontolake.ontology_sources.source import InMemorySource, SourceSpec
    from ontolake.ontology_sources.terms import Term

    root, database = instance.root.root, instance.db_url
    spec = SourceSpec("CellType", "cl", "1", None, "memory://cl", "memory")
    terms = [Term("CL:0000000", "cell"), Term("CL:0000001", "gone", is_obsolete=True)]
    ol.bio.CellType.import_source(InMemorySource(terms, spec))
    ol.ULabel(name="not a term").save()
    engine = fresh_engine(instance)
    try:
        migrate.downgrade(engine, "0007")
        assert not inspect(engine).has_table("cell_types_sources")
        migrate.upgrade(engine)
        with engine.connect() as connection:
            members = connection.execute(
                text(
                    "SELECT c.ontology_id, m.is_obsolete FROM cell_types_sources m "
                    "JOIN cell_types c ON c.id = m.record_id ORDER BY c.ontology_id"
                )
            ).all()
        assert [(row[0], bool(row[1])) for row in members] == [
            ("CL:0000000", False),
            ("CL:0000001", True),
        ]
        assert schema_differences(engine) == []
    finally:
        engine.dispose()
    ol.connect(root, db=None if database.startswith("sqlite") else database)
    pinned = ol.Feature(name="pinned", dtype=ol.bio.CellType, source="cl@1")
    schema = ol.Schema(features=[pinned])
    assert ol.curate.DataFrameCurator(pd.DataFrame({"pinned": ["cell"]}), schema).validate() is None
