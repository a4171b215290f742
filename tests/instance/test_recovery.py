"""An instance survives a move of its storage folder.

(A crash at every step of ``ol.init`` is ``tests/reliability/test_kill_points.py``.)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import ontolake as ol
from ontolake.instance import setup


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
