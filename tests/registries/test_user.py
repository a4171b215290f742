"""Users: the OS login of a process is registered on its first write, once per instance."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import ontolake as ol
from ontolake.instance.session import current_instance
from ontolake.registries.user import current_login, current_user_id


def test_the_login_is_registered_on_first_use_and_then_found(instance, monkeypatch):
    monkeypatch.setenv("ONTOLAKE_USER", "ada")
    ol.disconnect()  # a new connection: nothing of the creator's is remembered
    first = current_user_id(current_instance())
    assert current_user_id(current_instance()) == first
    ada = ol.User.get(handle="ada")
    assert (ada.id, ada.name, current_login()) == (first, "ada", "ada")
    assert ol.User.filter().count() == 2  # the creator of the instance, and ada
    ol.disconnect()
    assert current_user_id(current_instance()) == first  # found again, not added


def test_processes_registering_one_new_login_at_once_get_one_user(instance, tmp_path):
    go = tmp_path / "go"
    code = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from ontolake.instance.session import current_instance\n"
        "from ontolake.registries.user import current_user_id\n"
        "instance = current_instance()\n"
        "Path(sys.argv[1] + '.ready').touch()\n"
        "while not os.path.exists(sys.argv[2]):\n"
        "    time.sleep(0.005)\n"
        "print(current_user_id(instance))\n"
    )
    target = instance.root.root if instance.dialect == "sqlite" else instance.db_url
    env = {"ONTOLAKE_USER": "newcomer", "ONTOLAKE_INSTANCE": target, "ONTOLAKE_QUIET": "1"}
    names = [tmp_path / f"worker-{index}" for index in range(4)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(name), str(go)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        for name in names
    ]
    deadline = time.monotonic() + 60
    while not all((name.parent / f"{name.name}.ready").exists() for name in names):
        assert time.monotonic() < deadline and all(p.poll() is None for p in processes)
        time.sleep(0.01)
    go.touch()
    ids = {int(process.communicate(timeout=60)[0]) for process in processes}
    assert [process.returncode for process in processes] == [0] * 4
    newcomer = ol.User.get(handle="newcomer")
    assert ids == {newcomer.id}
    assert ol.User.filter(handle="newcomer").count() == 1
