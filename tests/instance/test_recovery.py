"""An instance survives a crash inside ``ol.init`` and a move of its storage folder."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ontolake as ol
from ontolake.instance import setup

# where the child dies: the function of ontolake.instance.setup it is about to call
POINTS = {
    "folder made": "Instance",
    "migrated": "_register_default_storage",
    "storage registered": "_write_marker",
}


def init_killed_at(storage, db: str | None, function: str) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal
        import ontolake as ol
        from ontolake.instance import setup
        def die(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        setup.{function} = die
        ol.init(storage={str(storage)!r}, db={db!r}, remember=False)
        """
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr


@pytest.mark.parametrize("point", sorted(POINTS))
def test_init_after_a_crash_inside_init_finishes_the_instance(tmp_path, database, point):
    storage = tmp_path / "lake"
    init_killed_at(storage, database, POINTS[point])
    assert not (storage / ".ontolake" / "instance.json").exists()
    instance = ol.init(storage=storage, db=database)
    ol.ULabel(name="after the crash").save()
    assert ol.Storage.filter(is_default=True).one().root == instance.root.root
    setup.disconnect()
    ol.connect(storage, db=database)
    assert ol.ULabel.get(name="after the crash").name == "after the crash"


def test_a_moved_storage_folder_connects_and_finds_its_files(tmp_path):
    old = tmp_path / "old"
    ol.init(storage=old)
    source = tmp_path / "a.txt"
    source.write_text("kept")
    ol.Artifact(source, key="a.txt").save()
    setup.disconnect()
    new = tmp_path / "moved"
    shutil.move(old, new)
    ol.connect(new)
    artifact = ol.Artifact.get(key="a.txt")
    assert Path(artifact.cache()).read_text() == "kept"
    assert ol.Storage.filter(is_default=True).one().root == str(new)
    source.write_text("new")
    assert ol.Artifact(source, key="a.txt").save().version == 2


def test_a_moved_folder_of_a_shared_database_names_the_folder_and_the_fix(tmp_path, postgres_url):
    old = tmp_path / "old"
    ol.init(storage=old, db=postgres_url)
    setup.disconnect()
    new = tmp_path / "moved"
    shutil.move(old, new)
    with pytest.raises(ol.errors.InstanceNotFoundError) as raised:
        ol.connect(new, db=postgres_url)
    message = str(raised.value)
    assert str(new) in message and str(old) in message and "\n" not in message
    assert json.loads((new / ".ontolake" / "instance.json").read_text())["format"] == 1
