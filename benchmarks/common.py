"""Helpers shared by the benchmark scripts: timing, structured results, a fresh instance."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_REPEAT = 3


@dataclass
class Result:
    """One workload: the median and best of its repetitions, in seconds.

    ``lamindb_key`` names the equivalent workload in ``lamindb_workloads.py`` (or None);
    ``samples`` holds every repetition, ``note`` a short remark printed next to the figures.
    """

    name: str
    seconds: float
    best: float
    target: float | None = None
    unit: str = "s"
    lamindb_key: str | None = None
    samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "ok" if self.seconds < self.target else "MISSED"

    def as_dict(self) -> dict:
        return asdict(self)


def fresh_instance(name: str):
    """A new SQLite + local-folder instance in a temporary folder (config kept private)."""
    import ontolake as ol

    folder = Path(tempfile.mkdtemp(prefix=f"ontolake-bench-{name}-"))
    os.environ["ONTOLAKE_CONFIG_DIR"] = str(folder / "config")
    os.environ["ONTOLAKE_CACHE_DIR"] = str(folder / "cache")
    return ol.init(storage=folder / "lake"), folder


def timings(function: Callable[[], object], repeat: int, number: int = 1) -> list[float]:
    """Wall time in seconds of ``function``: ``repeat`` samples, each the mean of ``number``."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        samples.append((time.perf_counter() - start) / number)
    return samples


def result(
    name: str,
    samples: list[float],
    target: float | None = None,
    unit: str = "s",
    lamindb_key: str | None = None,
    note: str = "",
) -> Result:
    """Build a :class:`Result` from timing samples and print its line."""
    outcome = Result(
        name=name,
        seconds=statistics.median(samples),
        best=min(samples),
        target=target,
        unit=unit,
        lamindb_key=lamindb_key,
        samples=list(samples),
        note=note,
    )
    report(outcome)
    return outcome


def measure(
    name: str,
    function: Callable[[], object],
    repeat: int,
    target: float | None = None,
    unit: str = "s",
    lamindb_key: str | None = None,
    number: int = 1,
    note: str = "",
) -> Result:
    """Time ``function`` (see :func:`timings`) and return its :class:`Result`."""
    samples = timings(function, repeat, number)
    return result(name, samples, target, unit, lamindb_key, note)


def best_of(function: Callable[[], object], repeat: int = 7) -> tuple[float, float]:
    """(best, median) wall time in seconds of ``function`` over ``repeat`` runs."""
    samples = timings(function, repeat)
    return min(samples), statistics.median(samples)


def fmt(seconds: float | None, unit: str = "s") -> str:
    """A duration in the given unit with three significant digits."""
    if seconds is None:
        return "—"
    value = seconds * (1000 if unit == "ms" else 1)
    return f"{value:,.0f} {unit}" if abs(value) >= 1000 else f"{value:.3g} {unit}"


def machine() -> str:
    """A one-line description of this machine (architecture, cores, RAM, Python)."""
    ram = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        ram = f", {pages / 1024**3:.0f} GB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{ram}, Python {platform.python_version()}"


def load() -> str:
    """The 1-minute load average, or an empty string where unavailable."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (OSError, AttributeError):
        return ""


def report(outcome: Result) -> str:
    """Print and return one result line."""
    goal = f" (target < {fmt(outcome.target, outcome.unit)})" if outcome.target else ""
    verdict = f"  {outcome.verdict}" if outcome.verdict else ""
    spread = f", best {fmt(outcome.best, outcome.unit)}" if len(outcome.samples) > 1 else ""
    note = f"  [{outcome.note}]" if outcome.note else ""
    line = (
        f"{outcome.name}: median {fmt(outcome.seconds, outcome.unit)}{spread}"
        f" of {len(outcome.samples)}{goal}{verdict}{note}"
    )
    print(line, flush=True)
    return line
