"""Which process a run belongs to, and finding runs whose process died without finishing.

A process killed by a signal it cannot handle (SIGKILL, the OOM killer, a power cut) never
runs ``ol.finish()``, so its run would stay ``started`` forever. To notice, every run
records the process that started it in ``run.environment["process"]``:

- ``pid`` and ``host`` (the machine's name, as in staging files),
- on Linux also ``start_time`` (the process's start, in clock ticks since boot, from
  ``/proc/<pid>/stat``), ``boot_id`` and ``pid_namespace``, so a process id reused after
  the run's process ended, a reboot or another container is never taken for it.

A ``started`` run is *stale* when it was started on this host (same host name, boot and
pid namespace where known) and its process is gone: no such pid, a zombie, or a pid
running a process that started at another time. Stale runs are marked ``aborted`` (with
``finished_at`` = when this was noticed) by the next ``ol.track()`` in the instance and by
``curate doctor --fix``. Runs started on other hosts are never touched: nothing here can
tell whether their processes live. Where liveness cannot be judged (Windows), no run is
stale.

Example:
    >>> from ontolake.lineage.processes import process_identity
    >>> sorted(process_identity())  # on Linux
    ['boot_id', 'host', 'pid', 'pid_namespace', 'start_time']
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ontolake.instance.session import Instance

__all__ = ["StaleRun", "abort_stale_runs", "find_stale_runs", "is_gone", "process_identity"]

_identity: tuple[int, dict[str, Any]] | None = None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:
        return None


def _stat(pid: int) -> tuple[str, int] | None:
    """The state letter and start time (clock ticks since boot) of ``pid`` (Linux only)."""
    text = _read(f"/proc/{pid}/stat")
    if text is None:
        return None
    fields = text.rpartition(")")[2].split()  # the command name may hold spaces and ")"
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def _boot_id() -> str | None:
    text = _read("/proc/sys/kernel/random/boot_id")
    return (text.strip() or None) if text is not None else None


def _pid_namespace() -> str | None:
    try:
        return str(Path("/proc/self/ns/pid").readlink())
    except OSError:
        return None


def process_identity() -> dict[str, Any]:
    """This process as stored in ``run.environment["process"]`` (computed once per process).

    Example:
        >>> import os
        >>> process_identity()["pid"] == os.getpid()
        True
    """
    global _identity
    pid = os.getpid()
    if _identity is not None and _identity[0] == pid:
        return dict(_identity[1])
    from ontolake.instance.session import HOST

    identity: dict[str, Any] = {"pid": pid, "host": HOST}
    stat = _stat(pid)
    if stat is not None:
        identity["start_time"] = stat[1]
    boot_id = _boot_id()
    if boot_id is not None:
        identity["boot_id"] = boot_id
    namespace = _pid_namespace()
    if namespace is not None:
        identity["pid_namespace"] = namespace
    _identity = (pid, identity)
    return dict(identity)


def is_gone(process: Mapping[str, Any] | None) -> bool:
    """Whether the process described by ``process`` (a stored identity) has surely ended.

    False whenever that cannot be told: another host, boot or pid namespace, Windows, or
    an identity without a pid.

    Example:
        >>> is_gone(process_identity())
        False
    """
    if not isinstance(process, Mapping) or os.name == "nt":
        return False
    from ontolake.instance.session import HOST

    pid = process.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or process.get("host") != HOST:
        return False
    boot_id = process.get("boot_id")
    if boot_id is not None and _boot_id() is not None and boot_id != _boot_id():
        return True  # this host rebooted since: every process of that boot is gone
    namespace = process.get("pid_namespace")
    if namespace is not None and namespace != _pid_namespace():
        return False  # another container on this host: its pids are not ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, owned by someone else
    except OSError:
        return False
    stat = _stat(pid)
    if stat is None:
        return False  # no /proc: a live pid is taken for the run's process
    state, start_time = stat
    if state in ("Z", "X"):
        return True  # killed, not reaped yet
    recorded = process.get("start_time")
    return isinstance(recorded, int) and recorded != start_time


@dataclass(frozen=True)
class StaleRun:
    """A ``started`` run whose process is gone."""

    id: int
    uid: str
    pid: int

    def describe(self) -> str:
        """One line for reports."""
        return f"run {self.uid} (process {self.pid} is gone)"


def find_stale_runs(instance: Instance) -> list[StaleRun]:
    """The ``started`` runs of this host whose process is gone, oldest first.

    Example:
        >>> from ontolake.instance.session import current_instance
        >>> stale = find_stale_runs(current_instance())
        >>> [ol.Run.get(uid=run.uid).transform.key for run in stale]
        ['crash.py']
    """
    from sqlalchemy import select

    from ontolake.registries.lineage import Run

    with instance.read() as session:
        rows = session.execute(
            select(Run.id, Run.uid, Run.environment["process"])
            .where(Run.status == "started")
            .order_by(Run.id)
        ).all()
    stale: list[StaleRun] = []
    for run_id, uid, process in rows:
        if isinstance(process, Mapping) and is_gone(process):
            stale.append(StaleRun(id=int(run_id), uid=str(uid), pid=int(process["pid"])))
    return stale


def abort_stale_runs(instance: Instance, stale: list[StaleRun] | None = None) -> list[StaleRun]:
    """Mark stale runs ``aborted`` with ``finished_at`` now; return the runs it marked.

    Args:
        instance: the instance whose runs to sweep.
        stale: the runs to mark (default: :func:`find_stale_runs`). A run that finished in
            the meantime is left as it is.

    Example:
        >>> from ontolake.instance.session import current_instance
        >>> crashed = ol.Run.get(transform__key="crash.py")  # its process was killed
        >>> crashed.status
        'started'
        >>> [run.uid for run in abort_stale_runs(current_instance())] == [crashed.uid]
        True
        >>> ol.Run.get(transform__key="crash.py").status
        'aborted'
    """
    from sqlalchemy import update

    from ontolake.registries.base import utcnow
    from ontolake.registries.lineage import Run

    runs = find_stale_runs(instance) if stale is None else stale
    if not runs:
        return []
    marked: list[StaleRun] = []
    with instance.write() as session:
        for run in runs:
            result = session.execute(
                update(Run)
                .where(Run.id == run.id, Run.status == "started")
                .values(status="aborted", finished_at=utcnow()),
                execution_options={"synchronize_session": False},
            )
            if getattr(result, "rowcount", 0):
                marked.append(run)
            known = session.identity_map.get(session.identity_key(Run, run.id))
            if known is not None:
                session.expire(known)
    return marked
