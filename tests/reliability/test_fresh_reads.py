"""A process that stays open reads what other processes committed, never stale objects."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import ontolake as ol


def save_in_another_process(instance, path, key: str) -> None:
    db = None if instance.db_url.endswith("/.ontolake/ontolake.db") else instance.db_url
    script = textwrap.dedent(
        f"""
        import ontolake as ol
        ol.connect({instance.root.root!r}, db={db!r}, remember=False)
        ol.Artifact({str(path)!r}, key={key!r}).save()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, timeout=120)


def test_a_list_shows_the_versions_another_process_saved(instance, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one")
    first = ol.Artifact(path, key="a.txt").save()
    assert [a.is_latest for a in ol.Artifact.filter(key="a.txt").to_list()] == [True]
    path.write_text("two")
    save_in_another_process(instance, path, "a.txt")
    listed = ol.Artifact.filter(key="a.txt").order_by("version").to_list()
    assert [(a.version, a.is_latest) for a in listed] == [(1, False), (2, True)]
    assert listed[0] is first  # the object held here now shows the committed row
    assert not first.is_latest
    assert ol.Artifact.get(key="a.txt").version == 2
    frame = ol.Artifact.filter(key="a.txt").to_dataframe()
    assert frame["is_latest"].tolist() == [a.is_latest for a in listed]


def test_unsaved_edits_of_a_held_object_survive_a_query(instance, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one")
    artifact = ol.Artifact(path, key="a.txt").save()
    artifact.description = "edited, not saved yet"
    ol.Artifact.filter(key="a.txt").to_list()
    assert artifact.description == "edited, not saved yet"
    artifact.save()
    assert ol.Artifact.get(key="a.txt").description == "edited, not saved yet"
