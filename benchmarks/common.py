"""Helpers shared by the benchmark scripts: timing and a fresh instance in a temp folder."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def fresh_instance(name: str):
    """A new SQLite + local-folder instance in a temporary folder (config kept private)."""
    import ontolake as ol

    folder = Path(tempfile.mkdtemp(prefix=f"ontolake-bench-{name}-"))
    os.environ["ONTOLAKE_CONFIG_DIR"] = str(folder / "config")
    os.environ["ONTOLAKE_CACHE_DIR"] = str(folder / "cache")
    return ol.init(storage=folder / "lake"), folder


def best_of(function: Callable[[], object], repeat: int = 7) -> tuple[float, float]:
    """(best, median) wall time in seconds of ``function`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def machine() -> str:
    """A one-line description of this machine."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def report(name: str, seconds: float, target: float | None = None, unit: str = "s") -> str:
    """Print and return one result line."""
    scale = 1000 if unit == "ms" else 1
    shown = f"{seconds * scale:.3g} {unit}"
    goal = f" (target < {target * scale:g} {unit})" if target is not None else ""
    verdict = "" if target is None else ("  ok" if seconds < target else "  MISSED")
    line = f"{name}: {shown}{goal}{verdict}"
    print(line)
    return line
