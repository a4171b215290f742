"""Capturing what a tracked script prints: ``sys.stdout`` and ``sys.stderr`` teed to a file.

The streams keep printing to the terminal as before; a copy of every write goes to a log
file that ``ol.finish()`` stores as the run's log artifact. Only writes through Python's
``sys.stdout``/``sys.stderr`` are captured (output written by C extensions straight to the
file descriptors is not).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

__all__ = ["OutputCapture"]


class _Tee:
    """A text stream writing to ``stream`` and, under a lock, to ``sink``."""

    def __init__(self, stream: Any, sink: IO[str], lock: threading.Lock) -> None:
        self._stream = stream
        self._sink = sink
        self._lock = lock

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        with self._lock:
            if not self._sink.closed:
                self._sink.write(text)
        return int(written) if written is not None else len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()
        with self._lock:
            if not self._sink.closed:
                self._sink.flush()

    def isatty(self) -> bool:
        return bool(self._stream.isatty())

    def fileno(self) -> int:
        return int(self._stream.fileno())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class OutputCapture:
    r"""Tee ``sys.stdout`` and ``sys.stderr`` into a log file until :meth:`stop`.

    Example:
        >>> capture = OutputCapture("# run abc\n").start()
        >>> print("hello")
        hello
        >>> path = capture.stop()
        >>> open(path).read()
        '# run abc\nhello\n'
    """

    def __init__(self, header: str = "") -> None:
        self._header = header
        self._lock = threading.Lock()
        self._sink: IO[str] | None = None
        self._path: str | None = None
        self._originals: tuple[Any, Any] | None = None
        self._tees: tuple[_Tee, _Tee] | None = None

    def start(self) -> OutputCapture:
        """Begin capturing (returns self)."""
        descriptor, self._path = tempfile.mkstemp(prefix="ontolake-run-", suffix=".log.txt")
        self._sink = os.fdopen(descriptor, "w", encoding="utf-8", errors="replace")
        self._sink.write(self._header)
        self._originals = (sys.stdout, sys.stderr)
        self._tees = (
            _Tee(sys.stdout, self._sink, self._lock),
            _Tee(sys.stderr, self._sink, self._lock),
        )
        sys.stdout, sys.stderr = self._tees
        return self

    def stop(self) -> str | None:
        """Stop capturing; the path of the log file, or None when nothing was printed.

        The streams are put back unless something else replaced them in the meantime.
        """
        if self._sink is None or self._path is None:
            return None
        if self._tees is not None and self._originals is not None:
            for stream in self._tees:
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            if sys.stdout is self._tees[0]:
                sys.stdout = self._originals[0]
            if sys.stderr is self._tees[1]:
                sys.stderr = self._originals[1]
        with self._lock:
            size = self._sink.tell()
            self._sink.close()
        path, self._path, self._sink = self._path, None, None
        if size <= len(self._header.encode("utf-8")):
            Path(path).unlink(missing_ok=True)
            return None
        return path
