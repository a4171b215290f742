"""Overhead of ``ol.track()`` + ``ol.finish()`` for an empty script (issue: < 50 ms / < 20 ms).

Each measurement runs a fresh interpreter on a SQLite instance:

- *cold*: ``ol.track()`` is the first call into ontolake, so it also connects (imports
  SQLAlchemy and the models, checks the schema) — what any first call pays;
- *connected*: after ``ol.connect()``; ``ol.track()`` still pays the one-time SQLAlchemy
  mapper set-up and statement compilation that the first query of a process pays;
- *warm*: the script has queried the instance before;
- *whole script*: median wall time of ``python empty.py`` with track/finish minus the median
  without (the two are run alternately).

Each figure is the median over ``repeat`` processes (at least 5: one process is noisy).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from common import DEFAULT_REPEAT, Result, fresh_instance, result

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


def _whole(folder: Path, repeat: int) -> list[float]:
    """Tracked minus untracked wall time, one pair of processes per sample."""
    scripts = []
    for name, body in (("untracked", ""), ("tracked", "ol.track()\nol.finish()\n")):
        script = folder / f"whole_{name}.py"
        script.write_text(EMPTY.format(body=body))
        scripts.append(script)
    samples = []
    for _ in range(repeat):
        times = []
        for script in scripts:
            start = time.perf_counter()
            subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        samples.append(times[1] - times[0])
    return samples


def main(repeat: int = DEFAULT_REPEAT) -> list[Result]:
    repeat = max(repeat, 5)
    instance, _base = fresh_instance("lineage")
    os.environ["ONTOLAKE_INSTANCE"] = instance.root.root
    folder = Path(tempfile.mkdtemp(prefix="ontolake-bench-scripts-"))
    results = []
    for mode in ("cold", "connected", "warm"):
        tracks, finishes = _timed(folder, mode, repeat)
        # the targets are for track()/finish() themselves: a cold call also connects, which
        # any first call pays once per process (LaminDB connects when it is imported)
        cold = mode == "cold"
        label = "cold call, includes connecting" if cold else f"{mode} call"
        results.append(result(f"ol.track() ({label})", tracks, None if cold else 0.05, "ms"))
        results.append(result(f"ol.finish() ({mode} call)", finishes, 0.02, "ms"))
    results.append(
        result(
            "empty script: tracked minus untracked process",
            _whole(folder, repeat),
            unit="ms",
            lamindb_key="track_whole",
        )
    )
    return results


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT)
