"""Instances: init, connect, auto-connect, schema versions, and the errors around them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import ontolake as ol
from ontolake.errors import (
    ConfigurationError,
    DatabaseLockedError,
    DatabaseUnavailableError,
    InstanceNotFoundError,
    NotConnectedError,
    SchemaVersionError,
    StorageNotWritableError,
)
from ontolake.instance import setup


def test_init_creates_sqlite_inside_the_storage(tmp_path):
    instance = ol.init(storage=tmp_path / "lake")
    marker = json.loads((tmp_path / "lake" / ".ontolake" / "instance.json").read_text())
    assert marker["db"] == "sqlite"
    assert (tmp_path / "lake" / ".ontolake" / "ontolake.db").exists()
    assert instance.dialect == "sqlite"
    assert ol.Storage.get(root=instance.root.root).is_default
    assert ol.User.filter().count() == 1


def test_init_twice_connects_to_the_existing_instance(tmp_path):
    ol.init(storage=tmp_path / "lake")
    ol.ULabel(name="kept").save()
    ol.init(storage=tmp_path / "lake")
    assert ol.ULabel.get(name="kept")


def test_auto_connect_to_the_last_instance_and_env_override(tmp_path, monkeypatch):
    ol.init(storage=tmp_path / "first")
    ol.ULabel(name="in first").save()
    ol.init(storage=tmp_path / "second")
    setup.disconnect()
    assert ol.ULabel.filter().count() == 0  # auto-connects to the last used: second
    setup.disconnect()
    monkeypatch.setenv("ONTOLAKE_INSTANCE", str(tmp_path / "first"))
    assert ol.ULabel.get(name="in first")


def test_postgres_instance_is_found_by_its_database_url(tmp_path, postgres_url):
    ol.init(storage=tmp_path / "lake", db=postgres_url)
    ol.ULabel(name="shared").save()
    setup.disconnect()
    instance = ol.connect(postgres_url)
    assert instance.dialect == "postgresql"
    assert instance.root.root == str((tmp_path / "lake").resolve())
    assert ol.ULabel.get(name="shared")
    setup.disconnect()
    ol.connect(tmp_path / "lake")  # the marker names the database
    assert ol.ULabel.get(name="shared")


def test_remote_storage_needs_a_shared_database(s3_bucket):
    with pytest.raises(ConfigurationError, match="remote"):
        ol.init(storage=f"{s3_bucket}/lake")


def test_connect_errors_name_the_fix(tmp_path):
    with pytest.raises(InstanceNotFoundError, match="curate init"):
        ol.connect(tmp_path / "nothing-here")
    with pytest.raises(NotConnectedError, match=r"ol\.init"):
        ol.ULabel.filter().count()
    with pytest.raises(ConfigurationError, match="database URL"):
        ol.init(storage=tmp_path / "lake", db="mysql://x")
    assert not (tmp_path / "lake").exists() or not any((tmp_path / "lake").iterdir())


def test_unwritable_storage_is_refused_without_leftovers(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageNotWritableError, match="a-file"):
        ol.init(storage=blocker / "lake")


def test_unreachable_database_is_a_clear_error_and_leaves_no_marker(tmp_path):
    with pytest.raises(DatabaseUnavailableError, match="Cannot reach"):
        ol.init(storage=tmp_path / "lake", db="postgresql://nobody@127.0.0.1:1/none")
    assert not (tmp_path / "lake" / ".ontolake").exists()


def test_locked_database_is_reported(tmp_path, monkeypatch):
    from ontolake.instance import engine

    instance = ol.init(storage=tmp_path / "lake")
    database = instance.db_url.removeprefix("sqlite:///")
    setup.disconnect()
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_SECONDS", 0.2)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        ol.connect(tmp_path / "lake")
        with pytest.raises(DatabaseLockedError, match="ONTOLAKE_BUSY_TIMEOUT"):
            ol.ULabel(name="blocked").save()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not ol.ULabel.filter(name="blocked").exists()


def test_older_schema_asks_for_curate_migrate(tmp_path):
    instance = ol.init(storage=tmp_path / "lake")
    database = instance.db_url.removeprefix("sqlite:///")
    setup.disconnect()
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0000'")
    with pytest.raises(SchemaVersionError, match="curate migrate"):
        ol.connect(tmp_path / "lake")


def test_import_does_no_io_and_loads_nothing_heavy(tmp_path):
    code = (
        "import sys, ontolake\n"
        "heavy = ['pandas', 'anndata', 'pyarrow', 'numpy', 'sqlalchemy', 'fsspec', 's3fs',"
        " 'psycopg', 'spatialdata', 'mudata', 'pronto', 'owlready2', 'rich', 'click']\n"
        "print([name for name in heavy if name in sys.modules])\n"
    )
    env = {"ONTOLAKE_CONFIG_DIR": str(tmp_path / "never-created"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"
    assert not (tmp_path / "never-created").exists()


def test_settings_file_is_private(tmp_path, isolated_settings):
    ol.init(storage=tmp_path / "lake")
    settings_file = Path(isolated_settings) / "config" / "settings.json"
    assert settings_file.stat().st_mode & 0o077 == 0


def test_the_environment_variable_never_rewrites_the_saved_default(
    tmp_path, monkeypatch, isolated_settings
):
    ol.init(storage=tmp_path / "default")
    settings_file = Path(isolated_settings) / "config" / "settings.json"
    saved = settings_file.read_bytes()
    ol.init(storage=tmp_path / "other")
    setup.disconnect()
    settings_file.write_bytes(saved)
    monkeypatch.setenv("ONTOLAKE_INSTANCE", str(tmp_path / "other"))
    ol.ULabel(name="in other").save()  # auto-connects to the variable's instance
    ol.connect(tmp_path / "other")
    ol.init(storage=tmp_path / "third")
    assert settings_file.read_bytes() == saved
    setup.disconnect()
    monkeypatch.delenv("ONTOLAKE_INSTANCE")
    assert not ol.ULabel.filter(name="in other").exists()  # back on the saved default
    assert ol.settings.instance.root.root == str((tmp_path / "default").resolve())


def test_an_implicit_connection_names_its_instance_once_on_stderr(tmp_path):
    ol.init(storage=tmp_path / "lake")
    code = (
        "import ontolake as ol\n"
        "from ontolake.instance import setup\n"
        "ol.ULabel.filter().count()\n"
        "setup.disconnect()\n"
        "ol.ULabel.filter().count()\n"  # connecting again to the same instance: said once
    )
    env = {**os.environ, "ONTOLAKE_INSTANCE": str(tmp_path / "lake")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    root = (tmp_path / "lake").resolve()
    assert result.stderr == f"ontolake: using instance {root} (sqlite) from $ONTOLAKE_INSTANCE\n"
    quiet = subprocess.run(
        [sys.executable, "-c", "import ontolake as ol\nol.settings.quiet = True\n" + code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert quiet.stderr == ""
    explicit = subprocess.run(
        [sys.executable, "-c", f"import ontolake as ol\nol.connect({str(root)!r})\n"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert explicit.stderr == ""  # the program named it: nothing to say
