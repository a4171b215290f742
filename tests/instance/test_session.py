"""The session provider: connecting loads no model, and every entry point maps all of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fresh_process import user_environment

import ontolake as ol


def run_fresh(code: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new Python process with a fresh HOME; fails on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=user_environment(home, **env),
        check=True,
        timeout=120,
    )


@pytest.fixture
def lake(tmp_path):
    """The storage root of an instance made in this process (then disconnected)."""
    instance = ol.init(storage=tmp_path / "lake")
    ol.ULabel(name="kept").save()
    root = instance.root.root
    ol.disconnect()
    return root


def test_connecting_imports_no_model(lake, tmp_path):
    code = (
        "import json, sys\n"
        "from sqlalchemy import text\n"
        "from ontolake.instance.session import connect, current_instance\n"
        f"connect({lake!r})\n"
        "with current_instance().read() as session:\n"
        "    labels = session.execute(text('SELECT name FROM ulabels')).scalars().all()\n"
        "loaded = sorted(name for name in sys.modules if name.startswith('ontolake.'))\n"
        "print(json.dumps({'labels': labels, 'loaded': loaded}))\n"
    )
    result = json.loads(run_fresh(code, tmp_path / "home").stdout)
    assert result["labels"] == ["kept"]  # connected to the instance, and it answers
    assert [name for name in result["loaded"] if name.startswith("ontolake.registries")] == []
    assert "ontolake.instance.setup" not in result["loaded"]
    assert "ontolake.instance.migrate" not in result["loaded"]  # the check needs no Alembic


def test_auto_connecting_imports_no_model_and_names_the_instance(lake, tmp_path):
    code = (
        "import sys\n"
        "from ontolake.instance.session import current_instance\n"
        "print(current_instance().root.root)\n"
        "print(sorted(name for name in sys.modules if name.startswith('ontolake.registries')))\n"
    )
    result = run_fresh(code, tmp_path / "home", ONTOLAKE_INSTANCE=lake)
    assert result.stdout.splitlines() == [lake, "[]"]
    assert result.stderr == f"ontolake: using instance {lake} (sqlite) from $ONTOLAKE_INSTANCE\n"


@pytest.mark.parametrize(
    ("module", "model"),
    [
        ("ontolake.registries.storage_location", "Storage"),
        ("ontolake.registries.user", "User"),
        ("ontolake.registries.labels", "ULabel"),
        ("ontolake.registries.artifact", "Artifact"),
        ("ontolake.registries.storage", "Storage"),  # the former module of Storage
    ],
)
def test_every_model_is_mapped_whichever_registry_is_imported_first(lake, tmp_path, module, model):
    code = (
        "import sys\n"
        f"from {module} import {model}\n"
        "from ontolake.instance.session import connect\n"
        f"connect({lake!r})\n"
        f"print({model}.filter().count())\n"
        "from ontolake.registries.models import Artifact, Run, Storage, ULabel, User\n"
        "storage = Storage.filter(is_default=True).one()\n"
        "creator = ULabel.get(name='kept').created_by\n"
        "print(storage.root, creator.handle == User.filter().one().handle)\n"
        "print(Artifact.filter(run__transform__key='none').count(), Run.filter().count())\n"
    )
    counts = {"Storage": 1, "User": 1, "ULabel": 1, "Artifact": 0}
    result = run_fresh(code, tmp_path / "home")
    assert result.stdout.splitlines() == [str(counts[model]), f"{lake} True", "0 0"]


def test_the_former_import_paths_name_the_same_objects():
    from ontolake.instance import locate, migrate, schema_version, session, setup
    from ontolake.registries import storage, storage_location

    for name in ("Instance", "connect", "current_instance", "disconnect", "locate"):
        assert getattr(setup, name) is getattr(session, name)
    assert (setup.HOST, setup.staging_owner) == (session.HOST, session.staging_owner)
    assert (setup.MARKER, setup.SQLITE_FILE) == (locate.MARKER, locate.SQLITE_FILE)
    for name in ("SCHEMA_REVISION", "check_schema", "current_revision"):
        assert getattr(migrate, name) is getattr(schema_version, name)
    assert storage.Storage is storage_location.Storage is ol.Storage
    assert (ol.connect, ol.disconnect, ol.init) == (session.connect, session.disconnect, setup.init)


def test_the_current_instance_is_shared_by_both_modules(tmp_path):
    from ontolake.instance import session, setup

    instance = ol.init(storage=tmp_path / "lake")
    assert session.current_instance() is instance is setup.current_instance()
    setup.disconnect()
    again = session.current_instance()  # auto-connects to the instance init remembered
    assert again is not instance and again.root.root == instance.root.root
