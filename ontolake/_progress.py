"""Progress of long work, on stderr: a bar on a terminal, a line now and then elsewhere.

A step reports how far it got (:func:`progress`); nothing is shown unless the step is still
running after ``DELAY_SECONDS`` (2 s), so quick steps stay silent. Then, when stderr is a
terminal, a bar (rich) is drawn; otherwise (CI logs, redirected output) a plain line is
written every ``LINE_EVERY_SECONDS`` (10 s) or every 10 % of the total, whichever comes
first, and one when the step ends:

    ontolake: importing ncbitaxon v2025-04-16: 410,000 / 1,260,000 terms (32%)
    ontolake: importing ncbitaxon v2025-04-16: 1,260,000 terms in 80 s

A step left by an exception says so instead of reading like a finished one ("interrupted"
for Ctrl-C, "stopped" for an error):

    ontolake: reading ncbitaxon: interrupted after 6.8 MB in 10 s

Progress never goes to stdout. ``ONTOLAKE_QUIET=1`` (or ``ol.settings.progress = False``)
turns it off.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "DELAY_SECONDS",
    "LINE_EVERY_SECONDS",
    "Progress",
    "enabled",
    "progress",
    "set_enabled",
    "showing",
]

DELAY_SECONDS = 2.0
"""Nothing is shown for steps that end sooner."""
LINE_EVERY_SECONDS = 10.0
"""Without a terminal, a line at least this often (and at every 10 % of the total)."""
QUIET_VARIABLE = "ONTOLAKE_QUIET"
_OFF = ("", "0", "false", "no", "off")
_switch = {"on": True}
_bars: list[Progress] = []
"""The step whose bar is on screen (a terminal shows one bar at a time; nested steps wait)."""
_decided: ContextVar[bool | None] = ContextVar("ontolake_progress_decided", default=None)


def enabled() -> bool:
    """Whether progress is shown: not turned off in Python nor by ``ONTOLAKE_QUIET``.

    Example:
        >>> enabled()
        True
        >>> import os
        >>> os.environ["ONTOLAKE_QUIET"] = "1"
        >>> enabled()
        False
    """
    quiet = os.environ.get(QUIET_VARIABLE, "").strip().lower() not in _OFF
    return _switch["on"] and not quiet


def set_enabled(value: bool) -> None:
    """Turn progress reports on or off for this process (``ol.settings.progress``)."""
    _switch["on"] = bool(value)


@contextmanager
def showing(show: bool | None) -> Iterator[None]:
    """Inside the block, show (True) or hide (False) every report; None changes nothing.

    Lets a caller decide for the steps it runs, e.g. ``import_source(progress=False)`` for
    the reading and the writing of an ontology.

    Example:
        >>> with showing(False):
        ...     pass
    """
    token = _decided.set(show if show is not None else _decided.get())
    try:
        yield
    finally:
        _decided.reset(token)


class Progress:
    """How far one step got; call :meth:`advance` or :meth:`update` as it goes.

    Example:
        >>> with progress("importing cl", total=3, unit="terms") as step:
        ...     step.advance(3)
    """

    def __init__(
        self,
        description: str,
        total: int | None,
        unit: str,
        stream: TextIO,
        show: bool,
        delay: float = DELAY_SECONDS,
    ) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.done = 0
        self._stream = stream
        self._show = show
        self._delay = delay
        self._started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._lines = 0
        self._last_line = 0.0
        self._last_tenth = -1

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc_info: object) -> None:
        if not self._show:
            return
        if kind is None:
            self.finish()
        else:
            self.finish("interrupted" if issubclass(kind, KeyboardInterrupt) else "stopped")

    def advance(self, count: int = 1) -> None:
        """``count`` more units are done."""
        self.update(self.done + count)

    def update(self, done: int) -> None:
        """``done`` units are done in all."""
        self.done = done
        if not self._show:
            return
        now = time.monotonic()
        if now - self._started < self._delay:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
        elif self._stream.isatty():
            if not _bars:
                self._start_bar()
        else:
            tenth = self.done * 10 // self.total if self.total else -1
            if now - self._last_line >= LINE_EVERY_SECONDS or tenth > self._last_tenth:
                self._line(self._state())
                self._last_line, self._last_tenth = now, tenth

    def finish(self, stopped: str = "") -> None:
        """End the report: stop the bar, or write the last line (only if anything was shown).

        Args:
            stopped: why the step ended early (``interrupted``); empty when it is done.
        """
        if self._bar is not None:
            if stopped:
                self._bar.update(self._task, description=f"{self.description} ({stopped})")
            self._bar.update(self._task, completed=self.done)
            self._bar.stop()
            _bars.remove(self)
        elif self._lines:
            elapsed = time.monotonic() - self._started
            state = f"{self._count(self.done)}{self._unit()} in {elapsed:.0f} s"
            self._line(f"{stopped} after {state}" if stopped else state)

    def _state(self) -> str:
        if not self.total:
            return f"{self._count(self.done)}{self._unit()}"
        share = min(100, self.done * 100 // self.total)
        return f"{self._count(self.done)} / {self._count(self.total)}{self._unit()} ({share}%)"

    def _count(self, value: int) -> str:
        if self.unit == "bytes":
            return f"{value / 1e6:,.1f} MB" if value >= 100_000 else f"{value:,} bytes"
        return f"{value:,}"

    def _unit(self) -> str:
        """The unit after the counts (bytes carry their own)."""
        return f" {self.unit}" if self.unit and self.unit != "bytes" else ""

    def _line(self, state: str) -> None:
        self._lines += 1
        print(f"ontolake: {self.description}: {state}", file=self._stream, flush=True)

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as Bar

        counts = DownloadColumn() if self.unit == "bytes" else MofNCompleteColumn()
        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            counts,
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=Console(file=self._stream),
            transient=False,
        )
        self._task = self._bar.add_task(self.description, total=self.total, completed=self.done)
        self._bar.start()
        _bars.append(self)


def progress(
    description: str,
    total: int | None = None,
    unit: str = "",
    *,
    show: bool | None = None,
    stream: TextIO | None = None,
) -> Progress:
    """Report the progress of a step on stderr while the ``with`` block runs.

    Args:
        description: what is being done, e.g. ``importing cl v2025-04-10``.
        total: how many units the step has, when known (percentages and a bar need it).
        unit: the units counted (``terms``, ``files``); ``bytes`` are shown in MB.
        show: True or False to decide; None (default): as an enclosing :func:`showing`
            decided, else when :func:`enabled`. Asked for (True), progress shows at once;
            otherwise only steps still running after ``DELAY_SECONDS`` show it.
        stream: where to write; ``sys.stderr`` (never stdout) by default.

    Example:
        >>> with progress("hashing x.h5ad", total=10, unit="bytes") as step:
        ...     step.update(10)
    """
    decided = show if show is not None else _decided.get()
    shown = enabled() if decided is None else decided
    delay = 0.0 if decided else DELAY_SECONDS
    return Progress(description, total, unit, stream or sys.stderr, shown, delay)
