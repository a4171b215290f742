"""The current run: the one ``ol.track()`` started, or the innermost ``@ol.tracked`` call.

A run started by ``ol.track()`` is process-wide: every thread of the process (and children
forked from it) sees it. Runs of ``@ol.tracked`` functions live in a context variable, so
they nest per thread and per asyncio task without leaking into other threads. Only ids are
kept, never ORM objects, so any thread may use the current run with its own session.

The registries call two hooks from here: :func:`stamp_run` when a new artifact is saved
(it becomes an output of the current run) and :func:`record_input` when an artifact is read
(it becomes an input of the current run, when ``ol.settings.track_run_inputs`` is on).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.orm import Session

    from ontolake.registries.lineage import Run

__all__ = [
    "ActiveRun",
    "current_run",
    "current_run_id",
    "insert_links",
    "record_input",
    "stamp_run",
]


@dataclass
class ActiveRun:
    """What the process remembers about a run in progress (ids only, no ORM objects)."""

    run_id: int
    uid: str
    transform_id: int
    pid: int = field(default_factory=os.getpid)
    project_ids: tuple[int, ...] = ()
    recorded_inputs: set[int] = field(default_factory=set)


_lock = threading.RLock()
_tracked: ActiveRun | None = None
_nested: ContextVar[tuple[ActiveRun, ...]] = ContextVar("ontolake_nested_runs", default=())


def active() -> ActiveRun | None:
    """The innermost run in progress in this context, or None."""
    nested = _nested.get()
    return nested[-1] if nested else _tracked


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
    from ontolake.instance.setup import current_instance
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
    from ontolake.instance.setup import current_instance
    from ontolake.registries.links import run_input_artifact

    with current_instance().write() as session:
        insert_links(session, run_input_artifact, [(state.run_id, artifact_id)])
    state.recorded_inputs.add(artifact_id)
    expire_links(session, state.run_id, artifact_id)


def insert_links(session: Session, table: Table, pairs: list[tuple[int, int]]) -> None:
    """Insert rows into a two-column link table, leaving rows that exist alone (idempotent)."""
    if not pairs:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    left, right = (column.key for column in table.columns)
    rows = [{left: first, right: second} for first, second in pairs]
    session.connection().execute(statement.values(rows).on_conflict_do_nothing())


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
