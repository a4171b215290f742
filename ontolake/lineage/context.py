"""The current run: the one ``ol.track()`` started, or the innermost ``@ol.tracked`` call.

A run started by ``ol.track()`` is process-wide: every thread of the process (and children
forked from it) sees it. Runs of ``@ol.tracked`` functions live in a context variable, so
they nest per thread and per asyncio task without leaking into other threads. Only ids are
kept, never ORM objects, so any thread may use the current run with its own session.

Child processes that are not forked (``multiprocessing`` with the ``spawn`` or
``forkserver`` start method, ``subprocess.run([sys.executable, ...])``, a shell script
calling Python) learn the run from the environment variable ``ONTOLAKE_RUN_UID``, which
``ol.track()`` sets to its run's uid (and ``ol.finish()`` puts back as it was). In a process
tracking no run of its own, that run is the current run: artifacts the child saves are its
outputs, artifacts it reads its inputs, and a child's own ``ol.track()`` or
``@ol.tracked`` call starts a run initiated by it. The variable is honoured only while the
run it names is ``started`` in the instance the child is connected to.

The registries call two hooks from here: :func:`stamp_run` when a new artifact is saved
(it becomes an output of the current run) and :func:`record_input` when an artifact is read
(it becomes an input of the current run, when ``ol.settings.track_run_inputs`` is on).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ontolake.instance.session import Instance
    from ontolake.registries.lineage import Run

__all__ = [
    "RUN_UID_VARIABLE",
    "ActiveRun",
    "current_run",
    "current_run_id",
    "inherited_run",
    "no_run",
    "record_input",
    "stamp_run",
]

logger = logging.getLogger("ontolake")


@dataclass
class ActiveRun:
    """What the process remembers about a run in progress (ids only, no ORM objects)."""

    run_id: int
    uid: str
    transform_id: int
    pid: int = field(default_factory=os.getpid)
    project_ids: tuple[int, ...] = ()
    recorded_inputs: set[int] = field(default_factory=set)


RUN_UID_VARIABLE = "ONTOLAKE_RUN_UID"
"""The environment variable naming the run child processes belong to."""

_lock = threading.RLock()
_tracked: ActiveRun | None = None
_nested: ContextVar[tuple[ActiveRun, ...]] = ContextVar("ontolake_nested_runs", default=())
_inherited: tuple[tuple[int, str, str], ActiveRun | None] | None = None
_suspended: ContextVar[bool] = ContextVar("ontolake_no_run", default=False)


def active() -> ActiveRun | None:
    """The innermost run in progress in this context, or None.

    That is the innermost ``@ol.tracked`` call, else the run ``ol.track()`` started in this
    process, else the run a parent process named in ``ONTOLAKE_RUN_UID``.
    """
    if _suspended.get():
        return None
    nested = _nested.get()
    if nested:
        return nested[-1]
    if _tracked is not None:
        return _tracked
    return inherited_run() if os.environ.get(RUN_UID_VARIABLE) else None


def in_tracked_function() -> bool:
    """Whether an ``@ol.tracked`` call is in progress in this thread or task."""
    return bool(_nested.get())


def inherited_run() -> ActiveRun | None:
    """The ``started`` run named by ``ONTOLAKE_RUN_UID`` (set by a parent process), or None.

    Looked up once per process, variable value and instance.

    Example:
        >>> import os
        >>> run = ol.track(path="train.py")  # sets ONTOLAKE_RUN_UID for child processes
        >>> os.environ["ONTOLAKE_RUN_UID"] == run.uid
        True
        >>> inherited_run().uid == run.uid  # what a spawned child finds
        True
        >>> ol.finish().status
        'completed'
    """
    global _inherited
    uid = os.environ.get(RUN_UID_VARIABLE)
    if not uid:
        return None
    from ontolake.instance.session import current_instance

    instance = current_instance()
    key = (os.getpid(), uid, instance.db_url)
    with _lock:
        if _inherited is not None and _inherited[0] == key:
            return _inherited[1]
    try:
        state = _load_run(instance, uid)
    except Exception as error:  # lineage is a courtesy: never fail the child's work
        logger.warning("ignoring %s=%s: %s", RUN_UID_VARIABLE, uid, error)
        state = None
    with _lock:
        _inherited = (key, state)
    return state


def _load_run(instance: Instance, uid: str) -> ActiveRun | None:
    """The run ``uid`` as an ActiveRun when it is ``started`` (else None, with a warning)."""
    from sqlalchemy import select

    from ontolake.registries.lineage import Run
    from ontolake.registries.links import project_run

    with instance.read() as session:
        row = session.execute(
            select(Run.id, Run.transform_id, Run.status).where(Run.uid == uid)
        ).first()
        if row is None or row[2] != "started":
            logger.warning(
                "ignoring %s=%s (%s in this instance): what this process saves is linked to "
                "no run; connect to the parent process's instance, or unset the variable",
                RUN_UID_VARIABLE,
                uid,
                "no such run" if row is None else f"the run is {row[2]}",
            )
            return None
        projects = session.execute(
            select(project_run.c.project_id).where(project_run.c.run_id == row[0])
        ).scalars()
        project_ids = tuple(int(project) for project in projects)
    return ActiveRun(
        run_id=int(row[0]),
        uid=uid,
        transform_id=int(row[1]),
        pid=0,  # not a process of ours: never finished here
        project_ids=project_ids,
    )


def tracked_run() -> ActiveRun | None:
    """The run ``ol.track()`` started in this process (or the one it was forked from)."""
    return _tracked


def set_tracked_run(state: ActiveRun | None) -> None:
    """Make ``state`` the process-wide run (None clears it)."""
    global _tracked
    with _lock:
        _tracked = state


@contextmanager
def nested_run(state: ActiveRun) -> Iterator[ActiveRun]:
    """Make ``state`` the current run of this thread/task for the duration of the block."""
    token = _nested.set((*_nested.get(), state))
    try:
        yield state
    finally:
        _nested.reset(token)


@contextmanager
def no_run() -> Iterator[None]:
    """No run is current in this thread/task for the duration of the block.

    Used while storing a run's own log and report, which are not outputs of any run.
    """
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def current_run_id() -> int | None:
    """The id of the current run, or None when nothing is tracked."""
    state = active()
    return None if state is None else state.run_id


def current_run() -> Run | None:
    """The current run record (loaded in this thread's session), or None.

    Example:
        >>> from ontolake.lineage.context import current_run
        >>> current_run() is None  # nothing tracked yet
        True
    """
    state = active()
    if state is None:
        return None
    from ontolake.instance.session import current_instance
    from ontolake.registries.lineage import Run

    with current_instance().read() as session:
        return session.get(Run, state.run_id)


def stamp_run(artifact: Any) -> None:
    """Make a new artifact an output of the current run unless it names a run already."""
    state = active()
    if state is None or getattr(artifact, "run_id", None) is not None:
        return
    from sqlalchemy import inspect

    values = inspect(artifact).dict
    if values.get("run") is not None:
        return
    values.pop("run", None)  # an explicit run=None would override run_id at flush
    artifact.run_id = state.run_id


def record_input(artifact: Any) -> None:
    """Record ``artifact`` as an input of the current run (once; never the run's own output).

    Called by ``Artifact.cache()``, ``load()`` and ``open()``; does nothing when no run is
    tracked or ``ol.settings.track_run_inputs`` is off.
    """
    state = active()
    if state is None:
        return
    from ontolake.instance.settings import settings

    artifact_id = getattr(artifact, "id", None)
    if (
        not settings.track_run_inputs
        or artifact_id is None
        or artifact_id in state.recorded_inputs
        or getattr(artifact, "run_id", None) == state.run_id
    ):
        return
    from ontolake.instance.session import current_instance
    from ontolake.registries.links import insert_links, run_input_artifact

    with current_instance().write() as session:
        insert_links(session, run_input_artifact, [(state.run_id, artifact_id)])
    state.recorded_inputs.add(artifact_id)
    expire_links(session, state.run_id, artifact_id)


def expire_links(session: Session, run_id: int, artifact_id: int | None = None) -> None:
    """Forget loaded ``inputs``/``outputs`` of a run (and ``input_of_runs`` of an artifact)."""
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.lineage import Run

    run = session.identity_map.get(session.identity_key(Run, run_id))
    if run is not None:
        session.expire(run, ["inputs", "outputs"])
    if artifact_id is not None:
        key = session.identity_key(Artifact, artifact_id)
        artifact = session.identity_map.get(key)
        if artifact is not None:
            session.expire(artifact, ["input_of_runs"])
