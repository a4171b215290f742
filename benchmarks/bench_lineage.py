"""Overhead of ``ol.track()`` + ``ol.finish()`` for an empty script (issue: < 50 ms / < 20 ms).

Each measurement runs a fresh interpreter on a SQLite instance:

- *cold*: ``ol.track()`` is the first call into ontolake, so it also connects (imports
  SQLAlchemy and the models, checks the schema) — what any first call pays;
- *connected*: after ``ol.connect()``; ``ol.track()`` still pays the one-time SQLAlchemy
  mapper set-up and statement compilation that the first query of a process pays;
- *warm*: the script has queried the instance before;
- *whole script*: best wall time of ``python empty.py`` with track/finish minus without.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from common import fresh_instance, report

TIMED = textwrap.dedent(
    """
    import sys, time
    import ontolake as ol
    if sys.argv[1] in ("connected", "warm"):
        ol.connect()
    if sys.argv[1] == "warm":
        ol.Artifact.filter().count()
    start = time.perf_counter()
    ol.track()
    tracked = time.perf_counter()
    ol.finish()
    done = time.perf_counter()
    print(tracked - start, done - tracked)
    """
)
EMPTY = "import ontolake as ol\nol.Artifact.filter().count()\n{body}"


def _timed(folder: Path, mode: str, repeat: int) -> tuple[list[float], list[float]]:
    script = folder / f"timed_{mode}.py"
    script.write_text(TIMED)
    tracks, finishes = [], []
    for _ in range(repeat):
        output = subprocess.run(
            [sys.executable, str(script), mode], check=True, capture_output=True, text=True
        ).stdout.split()
        tracks.append(float(output[0]))
        finishes.append(float(output[1]))
    return tracks, finishes


def _whole(folder: Path, body: str, repeat: int) -> float:
    script = folder / f"whole_{abs(hash(body))}.py"
    script.write_text(EMPTY.format(body=body))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main(repeat: int = 9) -> list[str]:
    instance, _base = fresh_instance("lineage")
    os.environ["ONTOLAKE_INSTANCE"] = instance.root.root
    folder = Path(tempfile.mkdtemp(prefix="ontolake-bench-scripts-"))
    lines = []
    for mode in ("cold", "connected", "warm"):
        tracks, finishes = _timed(folder, mode, repeat)
        track, finish = statistics.median(tracks), statistics.median(finishes)
        lines.append(report(f"ol.track() ({mode} call, median)", track, 0.05, unit="ms"))
        lines.append(report(f"ol.finish() ({mode} call, median)", finish, 0.02, unit="ms"))
    untracked = _whole(folder, "", repeat)
    tracked = _whole(folder, "ol.track()\nol.finish()\n", repeat)
    overhead = tracked - untracked
    lines.append(report("empty script: tracked minus untracked process", overhead, unit="ms"))
    return lines


if __name__ == "__main__":
    main()
