"""``ol.track()``/``ol.finish()`` in real scripts run as subprocesses."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

import pandas as pd
import pytest

import ontolake as ol
from ontolake.errors import InvalidDataError, PathNotFoundError, TrackingError

SCRIPT = """
import ontolake as ol

run = ol.track(params={"lr": 0.01, "epochs": 3, "model": "linear"})
print("training with lr", 0.01)
raw = ol.Artifact.get(key="raw/table.parquet")
table = raw.load()
ol.Artifact.from_dataframe(table.assign(score=table.a * 2), key="results/scores.parquet").save()
ol.finish()
print("after finish: not in the log")
"""


def save_input() -> ol.Artifact:
    table = pd.DataFrame({"a": [1, 2, 3]})
    return ol.Artifact.from_dataframe(table, key="raw/table.parquet").save()


def test_a_script_run_stores_transform_params_environment_log_inputs_and_outputs(
    instance, run_script
):
    raw = save_input()
    result = run_script(SCRIPT)
    assert "training with lr 0.01" in result.stdout  # printing still reaches the terminal

    transform = ol.Transform.get(key="analysis.py")
    assert transform.kind == "script" and transform.version == 1 and transform.is_latest
    assert transform.source_code == __import__("textwrap").dedent(SCRIPT)
    assert len(transform.hash) == 64
    run = transform.runs[0]
    assert run.status == "completed"
    assert run.params == {"lr": 0.01, "epochs": 3, "model": "linear"}
    assert run.started_at <= run.finished_at
    assert run.created_by.handle
    environment = run.environment
    assert environment["python"] == platform.python_version()
    assert environment["packages"]["ontolake"] == ol.__version__
    assert "pandas" in environment["packages"]
    assert "git" not in environment  # tmp_path is not a repository
    assert run.log.startswith(f"# ontolake run {run.uid} of analysis.py\n")
    assert "training with lr 0.01\n" in run.log
    assert "not in the log" not in run.log
    assert run.log_artifact.key == f"__ontolake__/runs/{run.uid}/log.txt"

    output = ol.Artifact.get(key="results/scores.parquet")
    assert output.run == run and output.transform == transform
    assert [a.key for a in run.outputs] == ["results/scores.parquet"]  # not the log
    assert run.inputs == [raw]
    assert raw.input_of_runs == [run]
    # the queries users rely on
    assert ol.Run.filter(params__lr=0.01).one() == run
    assert ol.Run.filter(params__epochs__gte=3, params__model="linear").one() == run
    assert ol.Run.filter(transform__key="analysis.py").one() == run
    assert ol.Artifact.filter(run__in=ol.Run.filter(params__lr=0.01)).one() == output
    assert ol.Artifact.filter(run__transform__key="analysis.py").one() == output
    assert ol.Artifact.filter(input_of_runs=run).one() == raw


def test_an_unchanged_script_reuses_its_transform_and_a_changed_one_is_version_2(
    sqlite_instance, run_script
):
    source = "import ontolake as ol\nol.track()\nprint('v1')\nol.finish()\n"
    run_script(source)
    run_script(source)
    first = ol.Transform.get(key="analysis.py")
    assert first.version == 1 and len(first.runs) == 2
    run_script(source.replace("v1", "v2"))
    second = ol.Transform.get(key="analysis.py")
    assert second.version == 2 and second.is_latest
    assert second.stem_uid == first.stem_uid and second.revises_id == first.id
    assert [t.version for t in second.versions] == [1, 2]
    assert ol.Transform.filter(key="analysis.py", is_latest=False).one() == first
    assert "v2" in second.source_code and len(second.runs) == 1
    assert ol.Run.filter(transform__key="analysis.py").count() == 3


def test_a_script_that_never_calls_finish_is_closed_at_exit(sqlite_instance, run_script):
    run_script("import ontolake as ol\nol.track()\nprint('no finish here')\n")
    run = ol.Run.filter(transform__key="analysis.py").one()
    assert run.status == "completed" and run.finished_at is not None
    assert "no finish here" in run.log
    assert run.environment["python"] == platform.python_version()


def test_an_uncaught_exception_marks_the_run_errored_with_the_traceback_in_its_log(
    sqlite_instance, run_script
):
    result = run_script(
        """
        import ontolake as ol
        ol.track()
        print("about to fail")
        1 / 0
        """,
        check=False,
    )
    assert result.returncode == 1
    assert "ZeroDivisionError" in result.stderr  # the user still sees the traceback
    run = ol.Run.filter(transform__key="analysis.py").one()
    assert run.status == "errored" and run.finished_at is not None
    assert "about to fail" in run.log and "ZeroDivisionError: division by zero" in run.log


@pytest.mark.parametrize(
    ("remote", "stored"),
    [
        ("https://ghp_SECRETTOKEN123@github.com/org/repo.git", "https://github.com/org/repo.git"),
        (
            "https://user:s3cr%2Ft@example.org/lab/analysis.git",
            "https://example.org/lab/analysis.git",
        ),
        (
            "https://example.org/lab/a.git?private_token=s3cr3t&ref=x",
            "https://example.org/lab/a.git?ref=x",
        ),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),  # ssh: no secret in it
    ],
)
def test_inside_a_git_repository_the_environment_names_commit_branch_and_remote(
    sqlite_instance, run_script, tmp_path, capsys, remote, stored
):
    repository = tmp_path / "repo"
    repository.mkdir()

    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *arguments],
            cwd=repository,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    git("init", "-q", "-b", "analysis")
    git("remote", "add", "origin", remote)
    (repository / "README").write_text("x\n")
    git("add", "README")
    git("commit", "-q", "-m", "first")
    run_script("import ontolake as ol\nol.track()\n", folder=repository)
    run = ol.Run.filter(transform__key="analysis.py").one()
    # the run record is read by everyone on the instance: no user, password or token in it
    assert run.environment["git"] == {
        "commit": git("rev-parse", "HEAD"),
        "branch": "analysis",
        "remote": stored,
    }
    capsys.readouterr()
    run.describe()
    shown = capsys.readouterr().out
    assert stored in shown
    for secret in ("SECRETTOKEN123", "s3cr", "user:"):
        assert secret not in shown and secret not in json.dumps(run.environment)


def test_a_project_links_the_run_its_transform_and_its_outputs(sqlite_instance, run_script):
    run_script(
        """
        import ontolake as ol
        import pandas as pd

        ol.track(project="Drug screen")
        ol.Artifact.from_dataframe(pd.DataFrame({"x": [1]}), key="screen/hits.parquet").save()
        """
    )
    project = ol.Project.get(name="Drug screen")
    hits = ol.Artifact.get(key="screen/hits.parquet")
    assert ol.Artifact.filter(projects=project).one() == hits
    assert [r.transform.key for r in project.runs] == ["analysis.py"]
    assert [t.key for t in project.transforms] == ["analysis.py"]
    assert ol.Run.filter(projects__name="Drug screen").count() == 1


def test_python_dash_c_needs_a_transform_key(sqlite_instance, tmp_path):
    import os

    env = {**os.environ, "ONTOLAKE_INSTANCE": sqlite_instance.root.root}
    code = "import ontolake as ol; ol.track()"
    failed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert failed.returncode == 1 and "TrackingError" in failed.stderr
    assert "ol.track('my-analysis')" in failed.stderr
    assert ol.Run.filter().count() == 0
    code = "import ontolake as ol; ol.track('my-analysis', params={'n': 1}); ol.finish()"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    run = ol.Run.filter(transform__key="my-analysis").one()
    assert run.status == "completed" and run.transform.source_code is None


# ---- bad input, in this process --------------------------------------------------------


def test_finish_without_track_is_a_clear_error(sqlite_instance):
    with pytest.raises(TrackingError, match=r"call ol\.track\(\) first"):
        ol.finish()


def test_bad_params_and_unreadable_scripts_write_nothing(sqlite_instance, tmp_path):
    script = tmp_path / "job.py"
    script.write_text("print('job')\n")
    with pytest.raises(InvalidDataError, match="'model'"):
        ol.track(path=script, params={"model": object()})
    with pytest.raises(InvalidDataError, match="'lr'"):
        ol.track(path=script, params={"lr": float("nan")})
    with pytest.raises(PathNotFoundError, match=r"missing\.py"):
        ol.track(path=tmp_path / "missing.py")
    assert ol.Run.filter().count() == 0 and ol.Transform.filter().count() == 0


def test_nested_track_is_refused_and_finish_closes_the_run(sqlite_instance, tmp_path, capsys):
    script = tmp_path / "job.py"
    script.write_text("print('job')\n")
    run = ol.track(path=script, params={"n": 1})
    try:
        assert run.status == "started" and run.transform.key == "job.py"
        from ontolake.lineage.context import current_run

        assert current_run() == run
        with pytest.raises(TrackingError, match=r"call ol\.finish\(\) before"):
            ol.track(path=script)
        print("captured line")
    finally:
        finished = ol.finish()
    assert finished.status == "completed" and finished.finished_at is not None
    assert "captured line" in finished.log
    assert ol.Run.filter().count() == 1
    assert sys.excepthook is sys.__excepthook__ or "ontolake" not in repr(sys.excepthook)
    with pytest.raises(TrackingError):
        ol.finish()


def test_forked_workers_save_outputs_of_the_parents_run_without_finishing_it(
    sqlite_instance, run_script
):
    run_script(
        """
        import multiprocessing
        import ontolake as ol
        import pandas as pd

        def work(i):
            frame = pd.DataFrame({"i": [i]})
            return ol.Artifact.from_dataframe(frame, key=f"parts/{i}.parquet").save().uid

        if __name__ == "__main__":
            run = ol.track()  # forking at once: the environment is still being collected
            with multiprocessing.get_context("fork").Pool(2) as pool:
                pool.map(work, [1, 2])
            assert ol.Run.get(run.uid).status == "started"
            print("workers done")
            ol.finish()
        """
    )
    run = ol.Run.filter(transform__key="analysis.py").one()
    assert run.status == "completed" and "workers done" in run.log
    assert sorted(a.key for a in run.outputs) == ["parts/1.parquet", "parts/2.parquet"]
