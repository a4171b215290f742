"""What a Jupyter kernel ran: each cell's source, outputs and outcome, recorded in the kernel.

A notebook run by ``jupyter nbconvert --execute``, ``jupyter execute`` or nbclient is
written to disk only after its kernel has shut down, and a notebook open in Jupyter is on
disk as it was at its last save. So the report of a run is not rendered from the file: from
``ol.track()`` on, the kernel records what it runs.

- IPython's ``pre_run_cell`` and ``post_run_cell`` events give each cell's source, its cell
  id (sent by JupyterLab, Notebook 7 and VS Code; nbclient sends none), its execution count
  and whether it raised.
- The outputs are the messages the kernel publishes to its front ends (``stream``,
  ``display_data``, ``execute_result``, ``error``, ``update_display_data``,
  ``clear_output``), observed as they pass through the kernel's session, which sends every
  one of them: the same messages nbclient turns into the executed file, so the report shows
  what that file shows.

:meth:`NotebookRecord.notebook` lays the record over the notebook file: each code cell gets
the source and outputs of its latest run, found by cell id, else by source (the i-th cell
holding a source gets the i-th of the latest runs of that source); markdown cells stay as
they are; cells this kernel did not run keep no outputs; cells it ran that the file does not
hold (added or edited and not saved) come last, in the order they ran. Outputs of cells run
before ``ol.track()`` are not recorded. The run is ``errored`` when a cell of that notebook
raised (``aborted`` when it was interrupted), else ``completed``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CellRun", "NotebookRecord", "RecordedNotebook"]

logger = logging.getLogger("ontolake")

MAX_RUNS_PER_SOURCE = 64
"""Runs of one source kept when the front end sends no cell id (a loop re-running a cell)."""


@dataclass
class CellRun:
    """One execution of a cell: what ran, what it showed and whether it raised."""

    source: str
    cell_id: str | None
    request_id: str | None
    sequence: int
    execution_count: int | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    outcome: str | None = None  # "errored" or "aborted" when the cell raised
    clear_pending: bool = False

    def add(self, output: dict[str, Any]) -> None:
        """Append an output (after a pending ``clear_output(wait=True)``; streams coalesce)."""
        if self.clear_pending:
            self.outputs.clear()
            self.clear_pending = False
        last = self.outputs[-1] if self.outputs else None
        if (
            output["output_type"] == "stream"
            and last is not None
            and last["output_type"] == "stream"
            and last["name"] == output["name"]
        ):
            last["text"] += output["text"]
            return
        self.outputs.append(output)
        if output["output_type"] == "error" and self.outcome is None:
            self.outcome = "aborted" if output["ename"] == "KeyboardInterrupt" else "errored"

    def as_cell(self, template: dict[str, Any] | None = None) -> dict[str, Any]:
        """This run as an nbformat code cell (keeping the id and metadata of ``template``)."""
        template = template or {}
        return {
            "cell_type": "code",
            "id": template.get("id") or self.cell_id or f"ran-{self.sequence}",
            "metadata": dict(template.get("metadata") or {}),
            "source": self.source,
            "execution_count": self.execution_count,
            "outputs": [dict(output) for output in self.outputs],
        }


def _data(content: dict[str, Any]) -> dict[str, Any]:
    return {"data": dict(content.get("data") or {}), "metadata": content.get("metadata") or {}}


OUTPUTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "stream": lambda content: {
        "output_type": "stream",
        "name": str(content.get("name", "stdout")),
        "text": str(content.get("text", "")),
    },
    "display_data": lambda content: {"output_type": "display_data", **_data(content)},
    "execute_result": lambda content: {
        "output_type": "execute_result",
        "execution_count": content.get("execution_count"),
        **_data(content),
    },
    "error": lambda content: {
        "output_type": "error",
        "ename": str(content.get("ename", "")),
        "evalue": str(content.get("evalue", "")),
        "traceback": [str(line) for line in content.get("traceback") or []],
    },
}
"""nbformat outputs from the content of the kernel messages that carry one."""


class NotebookRecord:
    r"""The cells a kernel runs from :meth:`start` to :meth:`stop`, with their outputs.

    In a kernel, :meth:`start` feeds it from IPython's events and the kernel's messages;
    :meth:`begin_cell`, :meth:`receive` and :meth:`end_cell` are what they call.

    Example:
        >>> record = NotebookRecord()
        >>> record.begin_cell("print('hi')", request_id="m1")
        >>> record.receive("stream", {"name": "stdout", "text": "hi\n"}, "m1")
        >>> record.end_cell(1, None)
        >>> recorded = record.notebook(None)
        >>> recorded.document["cells"][0]["outputs"]
        [{'output_type': 'stream', 'name': 'stdout', 'text': 'hi\n'}]
        >>> recorded.status
        'completed'
    """

    def __init__(self, shell: Any = None) -> None:
        self._shell = shell
        self._lock = threading.Lock()
        self._runs: list[CellRun] = []
        self._by_request: dict[str, CellRun] = {}
        self._displays: dict[str, list[dict[str, Any]]] = {}
        self._current: CellRun | None = None
        self._sequence = itertools.count()
        self._session: Any = None
        self._original_send: Any = None
        self._send: Any = None
        self._send_was_wrapped = False
        self._active = False

    @classmethod
    def start(cls) -> NotebookRecord:
        """Begin recording in this kernel, from the cell running now.

        Raises:
            RuntimeError: this is not an IPython kernel.
        """
        from IPython import get_ipython

        shell = get_ipython()
        kernel = getattr(shell, "kernel", None)
        if shell is None or kernel is None:
            raise RuntimeError("NotebookRecord.start() runs only inside a Jupyter kernel")
        record = cls(shell)
        record._begin_request(None, None)  # the cell calling ol.track()
        record._active = True
        shell.events.register("pre_run_cell", record._pre_run_cell)
        shell.events.register("post_run_cell", record._post_run_cell)
        record._observe_session(kernel.session)
        return record

    def stop(self) -> NotebookRecord:
        """Stop recording, once what the cells printed so far has been sent (returns self)."""
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()  # ipykernel sends buffered text from its IO thread
        if not self._active:
            return self
        self._active = False
        for event, callback in (
            ("pre_run_cell", self._pre_run_cell),
            ("post_run_cell", self._post_run_cell),
        ):
            with contextlib.suppress(ValueError):
                self._shell.events.unregister(event, callback)
        session = self._session
        if session is not None and vars(session).get("send") is self._send:
            if self._send_was_wrapped:
                session.send = self._original_send
            else:
                del vars(session)["send"]  # the class's own method again
        return self

    def _observe_session(self, session: Any) -> None:
        """See every message the kernel sends (it goes on unchanged)."""
        original = session.send

        def send(stream: Any, msg_or_type: Any, *args: Any, **kwargs: Any) -> Any:
            if self._active:
                try:
                    self._observe(msg_or_type, *args, **kwargs)
                except Exception:  # a record must never break the kernel
                    logger.debug("could not record a kernel message", exc_info=True)
            return original(stream, msg_or_type, *args, **kwargs)

        self._session, self._original_send, self._send = session, original, send
        self._send_was_wrapped = "send" in vars(session)
        session.send = send

    def begin_cell(
        self,
        source: str,
        *,
        cell_id: str | None = None,
        request_id: str | None = None,
        execution_count: int | None = None,
    ) -> None:
        """A cell starts running; kernel messages whose parent is ``request_id`` are its outputs.

        A run of the same cell id replaces the earlier one; without a cell id, only the
        latest ``MAX_RUNS_PER_SOURCE`` runs of a source are kept.
        """
        run = CellRun(
            source=source,
            cell_id=cell_id or None,
            request_id=request_id,
            sequence=next(self._sequence),
            execution_count=execution_count,
        )
        with self._lock:
            self._forget_superseded(run)
            self._runs.append(run)
            if request_id:
                self._by_request[request_id] = run
            self._current = run

    def end_cell(self, execution_count: int | None, error: BaseException | None) -> None:
        """The running cell ended, with ``error`` when it raised."""
        with self._lock:
            run, self._current = self._current, None
        if run is None:
            return
        run.execution_count = execution_count
        if error is not None:
            run.outcome = "aborted" if isinstance(error, KeyboardInterrupt) else "errored"

    def receive(self, msg_type: str, content: dict[str, Any], request_id: str | None) -> None:
        """A message the kernel sends to its front ends, as a reply to ``request_id``."""
        with self._lock:
            run = self._by_request.get(str(request_id))
            if msg_type == "update_display_data":
                display_id = (content.get("transient") or {}).get("display_id")
                for output in self._displays.get(str(display_id), []):
                    output.update(_data(content))
            elif run is None:
                return
            elif msg_type == "clear_output":
                if content.get("wait"):
                    run.clear_pending = True
                else:
                    run.outputs.clear()
            elif msg_type in OUTPUTS:
                output = OUTPUTS[msg_type](content)
                run.add(output)
                display_id = (content.get("transient") or {}).get("display_id")
                if display_id is not None:
                    self._displays.setdefault(str(display_id), []).append(output)

    def _forget_superseded(self, run: CellRun) -> None:
        """Drop earlier runs of the same cell id (or the oldest runs of the same source)."""
        if run.cell_id is not None:
            old = [earlier for earlier in self._runs if earlier.cell_id == run.cell_id]
        else:
            same = [
                earlier
                for earlier in self._runs
                if earlier.cell_id is None and earlier.source == run.source
            ]
            old = same[: max(0, len(same) + 1 - MAX_RUNS_PER_SOURCE)]
        for earlier in old:
            self._runs.remove(earlier)
            if earlier.request_id is not None:
                self._by_request.pop(earlier.request_id, None)
            dropped = {id(output) for output in earlier.outputs}
            for outputs in self._displays.values():
                outputs[:] = [output for output in outputs if id(output) not in dropped]

    def _begin_request(self, source: str | None, cell_id: str | None) -> None:
        """Begin the cell of the execute request the kernel is handling now.

        ``source`` defaults to the request's code, ``cell_id`` to the one its front end sent.
        """
        kernel = getattr(self._shell, "kernel", None)
        try:
            request = kernel.get_parent("shell") if kernel is not None else None
        except (AttributeError, TypeError):
            request = None
        request = request if isinstance(request, dict) else {}
        cell_id = cell_id or (request.get("metadata") or {}).get("cellId")
        self.begin_cell(
            str((request.get("content") or {}).get("code", "")) if source is None else source,
            cell_id=str(cell_id) if cell_id else None,
            request_id=(request.get("header") or {}).get("msg_id"),
            execution_count=getattr(self._shell, "execution_count", None),
        )

    def _pre_run_cell(self, info: Any) -> None:
        self._begin_request(str(info.raw_cell or ""), getattr(info, "cell_id", None))

    def _post_run_cell(self, result: Any) -> None:
        if result is None:  # the cell was cancelled before it ran
            self.end_cell(None, None)
            return
        error = result.error_before_exec or result.error_in_exec
        self.end_cell(result.execution_count, error)

    def _observe(
        self, msg_or_type: Any, content: Any = None, parent: Any = None, *_: Any, **__: Any
    ) -> None:
        """Read the arguments of ``Session.send``: a message, or its type, content and parent."""
        if isinstance(msg_or_type, dict):
            msg_type = (msg_or_type.get("header") or {}).get("msg_type")
            content = msg_or_type.get("content")
            parent = msg_or_type.get("parent_header")
        else:
            msg_type = msg_or_type
        if not (isinstance(msg_type, str) and isinstance(content, dict)):
            return
        if not isinstance(parent, dict):
            return
        header = parent["header"] if isinstance(parent.get("header"), dict) else parent
        self.receive(msg_type, content, header.get("msg_id"))

    def notebook(self, path: Path | None) -> RecordedNotebook:
        """The notebook at ``path`` with the recorded sources and outputs laid over it.

        Without ``path`` (or when it cannot be read): the recorded cells in the order they ran.
        """
        document = _read(path)
        with self._lock:
            runs = list(self._runs)
        assigned = _assign(document["cells"], runs)
        cells: list[dict[str, Any]] = []
        shown: list[CellRun] = []
        for index, cell in enumerate(document["cells"]):
            run = assigned.get(index)
            if run is not None:
                cells.append(run.as_cell(cell))
                shown.append(run)
            elif cell.get("cell_type") == "code":
                cells.append({**cell, "outputs": [], "execution_count": None})
            else:
                cells.append(cell)
        for run in _unplaced(runs, {id(run) for run in shown}):
            cells.append(run.as_cell())
            shown.append(run)
        return RecordedNotebook({**document, "cells": cells}, tuple(shown))


@dataclass(frozen=True)
class RecordedNotebook:
    """A notebook as a kernel ran it: the nbformat 4 document and the runs its cells show."""

    document: dict[str, Any]
    runs: tuple[CellRun, ...]

    @property
    def status(self) -> str:
        """``errored`` (``aborted``) when a cell of the notebook raised, else ``completed``."""
        outcomes = {run.outcome for run in self.runs}
        if "aborted" in outcomes:
            return "aborted"
        return "errored" if "errored" in outcomes else "completed"


def _read(path: Path | None) -> dict[str, Any]:
    """The notebook at ``path`` as a dict with ``cells`` (an empty notebook when unreadable)."""
    empty: dict[str, Any] = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    if path is None:
        return empty
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        logger.warning(
            "the report shows the cells as they ran: %s cannot be read (%s)", path, error
        )
        return empty
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        return empty
    cells = [cell for cell in document["cells"] if isinstance(cell, dict)]
    for cell in cells:
        source = cell.get("source", "")
        cell["source"] = "".join(source) if isinstance(source, list) else str(source)
    return {**empty, **document, "cells": cells}


def _assign(cells: list[dict[str, Any]], runs: list[CellRun]) -> dict[int, CellRun]:
    """Which run each code cell of the file shows: by cell id, else by source."""
    assigned: dict[int, CellRun] = {}
    by_id = {run.cell_id: run for run in runs if run.cell_id is not None}
    used: set[int] = set()
    waiting: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        run = by_id.get(str(cell.get("id")))
        if run is not None:
            assigned[index] = run
            used.add(id(run))
        else:
            waiting.setdefault(str(cell.get("source", "")).strip(), []).append(index)
    by_source: dict[str, list[CellRun]] = {}
    for run in runs:
        if id(run) not in used:
            by_source.setdefault(run.source.strip(), []).append(run)
    for source, indices in waiting.items():
        candidates = by_source.get(source, [])
        latest = candidates[-len(indices) :] if len(candidates) > len(indices) else candidates
        for index, run in zip(indices, latest, strict=False):  # fewer runs than cells
            assigned[index] = run
    return assigned


def _unplaced(runs: list[CellRun], shown: set[int]) -> list[CellRun]:
    """Runs of cells the file does not hold: each cell id's, and each source's latest."""
    placed_sources = {run.source.strip() for run in runs if id(run) in shown}
    latest: dict[str, CellRun] = {}
    for run in runs:
        if id(run) in shown or run.source.strip() in placed_sources:
            continue
        latest[run.cell_id or "\0" + run.source.strip()] = run
    return sorted(latest.values(), key=lambda run: run.sequence)
