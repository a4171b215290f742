"""Runs whose process was killed (SIGKILL) are found and marked ``aborted``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from click.testing import CliRunner

import ontolake as ol
from ontolake.cli import main
from ontolake.instance.setup import HOST, current_instance
from ontolake.lineage.processes import find_stale_runs, is_gone, process_identity
from ontolake.registries.doctor import diagnose

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX signals")

STUCK = """
import time
import ontolake as ol

run = ol.track("stuck-job")
print(run.uid, flush=True)
time.sleep(600)
"""


def start_stuck(tmp_path, name="stuck.py") -> tuple[subprocess.Popen[str], str]:
    """A real process that tracks a run and then hangs; returns it and its run's uid."""
    script = tmp_path / name
    script.write_text(textwrap.dedent(STUCK))
    env = {**os.environ, "ONTOLAKE_INSTANCE": current_instance().root.root}
    process = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    uid = process.stdout.readline().strip()
    if not uid:
        process.kill()
        raise AssertionError(process.communicate(timeout=30))
    return process, uid


def fresh(uid: str) -> ol.Run:
    """The run as stored now (not as loaded earlier in this process)."""
    current_instance().session.expire_all()
    return ol.Run.get(uid)


def wait_for_environment(uid: str) -> None:
    """Wait until the process of run ``uid`` stored its environment (and swept stale runs)."""
    deadline = time.monotonic() + 60
    while "packages" not in (fresh(uid).environment or {}):
        assert time.monotonic() < deadline, "the environment was never stored"
        time.sleep(0.05)


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)  # reaped: not even a zombie is left


def test_a_killed_run_is_aborted_by_the_next_track_and_live_runs_are_left_alone(
    instance, run_script, tmp_path
):
    victim, victim_uid = start_stuck(tmp_path, "victim.py")
    survivor, survivor_uid = start_stuck(tmp_path, "survivor.py")
    try:
        wait_for_environment(survivor_uid)  # the survivor's own sweep is over
        run = ol.Run.get(victim_uid)
        process = run.environment["process"]
        assert process["pid"] == victim.pid and process["host"] == HOST
        kill(victim)
        assert fresh(victim_uid).status == "started"  # nothing noticed yet
        result = run_script("import ontolake as ol\nol.track()\nol.finish()\n", name="next.py")
        assert f"run {victim_uid} is marked aborted" in result.stderr
        aborted = fresh(victim_uid)
        assert aborted.status == "aborted" and aborted.finished_at is not None
        assert aborted.finished_at >= aborted.started_at
        assert fresh(survivor_uid).status == "started"  # its process is alive
        assert ol.Run.filter(transform__key="next.py").one().status == "completed"
    finally:
        if survivor.poll() is None:
            kill(survivor)


def test_doctor_reports_a_killed_run_and_fix_marks_it_aborted(sqlite_instance, tmp_path):
    process, uid = start_stuck(tmp_path)
    kill(process)
    found = diagnose(current_instance(), check_hashes=False)
    assert not found.healthy
    assert found.stale_runs == [f"{uid} (process {process.pid})"]
    assert f"stale run: {uid} (process {process.pid})" in "\n".join(found.lines())
    assert fresh(uid).status == "started"  # reporting changes nothing

    env = {"ONTOLAKE_INSTANCE": current_instance().root.root}
    reported = CliRunner().invoke(main, ["doctor", "--no-hash"], env=env)
    assert reported.exit_code == 1 and f"stale run: {uid}" in reported.output
    fixed = CliRunner().invoke(main, ["doctor", "--fix", "--no-hash"], env=env)
    assert fixed.exit_code == 0, fixed.output
    assert f"aborted run: {uid}" in fixed.output
    run = fresh(uid)
    assert run.status == "aborted" and run.finished_at is not None
    again = diagnose(current_instance(), check_hashes=False)
    assert again.healthy and again.stale_runs == []


def test_runs_of_other_hosts_containers_and_unknown_processes_are_never_touched(
    sqlite_instance, tmp_path
):
    script = tmp_path / "job.py"
    script.write_text("print('job')\n")
    names = ["other-host", "other-container", "no-pid", "no-process"]
    runs = []
    for name in names:
        runs.append(ol.track(name, path=script, capture_output=False))
        ol.finish()
    process, uid = start_stuck(tmp_path)
    kill(process)
    dead = fresh(uid).environment["process"]
    identities = [
        {**dead, "host": "elsewhere"},
        {**dead, "pid_namespace": "pid:[1]"},
        {"host": HOST},
        None,
    ]
    with current_instance().write() as session:
        for run, identity in zip(runs, identities, strict=True):
            stored = session.get(ol.Run, run.id)
            stored.status = "started"
            stored.environment = None if identity is None else {"process": identity}
    assert [run.uid for run in find_stale_runs(current_instance())] == [uid]
    diagnose(current_instance(), fix=True, check_hashes=False)
    assert fresh(uid).status == "aborted"
    assert ol.Run.filter(status="started").count() == len(names)


def test_a_reused_pid_is_told_apart_by_its_start_time():
    me = process_identity()
    assert me["pid"] == os.getpid() and not is_gone(me)
    if "start_time" not in me:
        pytest.skip("process start times need /proc (Linux)")
    assert is_gone({**me, "start_time": me["start_time"] - 1})  # same pid, another process
    assert not is_gone({**me, "host": "elsewhere", "start_time": 0})
    if "boot_id" in me:
        assert is_gone({**me, "boot_id": "another-boot"})


def test_every_run_records_its_process(sqlite_instance, tmp_path):
    script = tmp_path / "job.py"
    script.write_text("print('job')\n")

    @ol.tracked()
    def step(x: int) -> int:
        return x

    run = ol.track(path=script, capture_output=False)
    try:
        step(1)
    finally:
        ol.finish()
    finished = fresh(run.uid)
    assert finished.environment["process"] == process_identity()
    assert "packages" in finished.environment  # the environment is still stored
    function_run = ol.Run.filter(transform__kind="function").one()
    assert function_run.environment == {"process": process_identity()}
