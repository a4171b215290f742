"""Helpers of ``lamindb_workloads.py`` (runs in the LaminDB venv; never imports ontolake).

Results are collected in ``RESULTS`` keyed like ontolake's ``lamindb_key``; a workload that
raises is recorded as ``{"error": "failed: <short reason>"}`` instead of stopping the run.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import string
import sys
import time
import traceback

RESULTS: dict[str, dict] = {}
ONLY: set[str] = set()


def log(message: str) -> None:
    print(f"[lamindb] {message}", file=sys.stderr, flush=True)


def wanted(*keys: str) -> bool:
    return not ONLY or any(key in ONLY for key in keys)


def record(key: str, samples: list[float], count: int | None = None, note: str = "") -> None:
    RESULTS[key] = {
        "seconds": statistics.median(samples),
        "best": min(samples),
        "samples": samples,
        "count": count,
        "note": note,
    }
    log(f"{key}: median {RESULTS[key]['seconds']:.4g} s of {len(samples)} {note}")


def short_reason(error: BaseException) -> str:
    """A one-line reason: network failures name the host they tried, others are cut short."""
    text = str(error).strip()
    host = re.search(r"https?://([^/\s\"']+)", text)
    offline = ("connect" in text.lower() or "URLError" in type(error).__name__) and host
    if offline:
        return f"needs network ({host.group(1)})"
    first = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {first}"[:100]


def fail(key: str, error: BaseException) -> None:
    RESULTS[key] = {"error": f"failed: {short_reason(error)}"}
    log(f"{key}: {RESULTS[key]['error']}")
    traceback.print_exc(file=sys.stderr)


BUDGET = 30.0  # seconds: a workload whose first sample takes longer is not repeated
# seconds: a database call running longer is interrupted (reported as failed)
LIMIT = float(os.environ.get("LAMINDB_BENCH_LIMIT", "120"))


def timings(function, repeat: int, number: int = 1) -> list[float]:
    from contextlib import nullcontext

    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        # subprocess workloads run before lamindb is imported: no database to interrupt
        guard = TimeLimit(start + LIMIT) if "lamindb" in sys.modules else nullcontext()
        with guard:
            for _ in range(number):
                function()
        samples.append((time.perf_counter() - start) / number)
        if samples[0] * number > BUDGET:
            break
    return samples


class TimeLimit:
    """Interrupt SQLite (progress handler) once ``deadline`` (perf_counter) has passed."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __enter__(self) -> None:
        from django.db import connection

        connection.ensure_connection()
        self.raw = connection.connection
        self.raw.set_progress_handler(lambda: int(time.perf_counter() > self.deadline), 100_000)

    def __exit__(self, kind, error, trace) -> None:
        self.raw.set_progress_handler(None, 0)
        if error is not None and "interrupt" in str(error):
            raise TimeoutError(f"over {LIMIT:.0f} s, interrupted") from error


def guarded(*keys: str):
    """Run the decorated workload; any exception marks its keys as failed."""

    def decorate(function):
        def run(*args, **kwargs):
            if not wanted(*keys):
                return None
            try:
                return function(*args, **kwargs)
            except Exception as error:  # a failing workload must not stop the others
                for key in keys:
                    if key not in RESULTS and wanted(key):
                        fail(key, error)
                return None

        return run

    return decorate


def uid(length: int) -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=length))


def bulk(model, rows: list[dict], batch_size: int = 5000) -> None:
    """Insert plain rows through Django's bulk_create, bypassing lamindb's constructors."""
    from django.db import models

    objects = []
    for fields in rows:
        obj = model.__new__(model)
        models.Model.__init__(obj, **fields)
        objects.append(obj)
    model.objects.bulk_create(objects, batch_size=batch_size)
