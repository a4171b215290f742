"""Child processes that are not forked (spawn, subprocess) work under the parent's run."""

from __future__ import annotations

import os

import pandas as pd

import ontolake as ol
from ontolake.instance.setup import current_instance
from ontolake.lineage.context import RUN_UID_VARIABLE, active

PARENT = """
import multiprocessing
import os
import subprocess
import sys

import ontolake as ol
import pandas as pd


def work(i):
    assert ol.Artifact.get(key="raw/table.parquet").load().a.sum() == 6  # an input
    frame = pd.DataFrame({"i": [i]})
    ol.Artifact.from_dataframe(frame, key=f"spawned/{i}.parquet").save()


@ol.tracked()
def step(n):
    ol.Artifact.from_dataframe(pd.DataFrame({"n": [n]}), key=f"step/{n}.parquet").save()


if __name__ == "__main__":
    run = ol.track(project="Screen")
    assert os.environ["ONTOLAKE_RUN_UID"] == run.uid
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(work, [1, 2])
        pool.apply(step, (7,))
    subprocess.run([sys.executable, "child.py"], check=True)
    assert ol.Run.get(run.uid).status == "started"
    ol.finish()
    assert "ONTOLAKE_RUN_UID" not in os.environ
    print("parent done")
"""

CHILD = """
import ontolake as ol
import pandas as pd

ol.Artifact.from_dataframe(pd.DataFrame({"c": [1]}), key="child/plain.parquet").save()
run = ol.track(params={"child": True})
ol.Artifact.from_dataframe(pd.DataFrame({"c": [2]}), key="child/tracked.parquet").save()
print("child says hi")
ol.finish()
"""


def test_spawned_and_subprocess_children_record_under_the_parents_run(
    instance, run_script, tmp_path
):
    raw = ol.Artifact.from_dataframe(pd.DataFrame({"a": [1, 2, 3]}), key="raw/table.parquet")
    raw = raw.save()
    folder = tmp_path / "job"
    folder.mkdir()
    (folder / "child.py").write_text(CHILD)
    result = run_script(PARENT, name="parent.py", folder=folder)
    assert "parent done" in result.stdout

    parent = ol.Run.filter(transform__key="parent.py").one()
    assert parent.status == "completed"
    assert sorted(a.key for a in parent.outputs) == [
        "child/plain.parquet",  # saved by the subprocess before it tracked its own run
        "spawned/1.parquet",
        "spawned/2.parquet",
    ]
    assert parent.inputs == [raw]  # read by the spawned workers

    child = ol.Run.filter(transform__key="child.py").one()
    assert child.status == "completed" and child.params == {"child": True}
    assert child.initiated_by_run == parent
    assert [a.key for a in child.outputs] == ["child/tracked.parquet"]  # not its log
    assert "child says hi" in child.log
    assert [p.name for p in child.projects] == ["Screen"]  # inherited, as for forks

    step = ol.Run.filter(transform__kind="function").one()
    assert step.initiated_by_run == parent and step.params == {"n": 7}
    assert [a.key for a in step.outputs] == ["step/7.parquet"]


def test_a_variable_naming_a_finished_or_unknown_run_is_ignored(
    sqlite_instance, tmp_path, monkeypatch, caplog
):
    script = tmp_path / "job.py"
    script.write_text("print('job')\n")
    finished = ol.track(path=script, capture_output=False)
    ol.finish()
    for value in (finished.uid, "NoSuchRun0000000"):
        monkeypatch.setenv(RUN_UID_VARIABLE, value)
        assert active() is None
        frame = pd.DataFrame({"x": [value]})
        saved = ol.Artifact.from_dataframe(frame, key=f"orphan/{value}.parquet").save()
        assert saved.run is None
    assert "the run is completed" in caplog.text and "no such run" in caplog.text


def test_a_child_track_starts_a_run_initiated_by_the_parent_and_finish_restores_the_variable(
    sqlite_instance, tmp_path, monkeypatch
):
    script = tmp_path / "job.py"
    script.write_text("print('job')\n")
    parent = ol.track("parent", path=script, capture_output=False)
    assert os.environ[RUN_UID_VARIABLE] == parent.uid
    ol.finish()
    assert RUN_UID_VARIABLE not in os.environ
    with current_instance().write() as session:
        session.get(ol.Run, parent.id).status = "started"  # as if still running elsewhere
    monkeypatch.setenv(RUN_UID_VARIABLE, parent.uid)  # as a spawned child sees it
    child = ol.track("child", path=script, capture_output=False)
    try:
        assert os.environ[RUN_UID_VARIABLE] == child.uid  # for the child's own children
        assert child.initiated_by_run.uid == parent.uid
    finally:
        ol.finish()
    assert os.environ[RUN_UID_VARIABLE] == parent.uid
