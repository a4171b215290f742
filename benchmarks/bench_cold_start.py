"""A first run on a fresh machine: ``curate validate --schema cellxgene`` in a fresh HOME.

Each repetition runs the command as a child process with a new, empty HOME (no config, no
cache, no instance, no ``ONTOLAKE_*`` variables), so every ontology preparation the check
needs is part of the figure. Wall time and the peak resident memory of the child (from
``wait4``) are recorded. Then the same command again in the same HOME (warm), the reference
validator on the same file (it has no cache: every run is cold), and, with ``--ncbitaxon``, a
full NCBITaxon import asked for by a user (``curate ontology import Organism``), also in a
fresh HOME.

    python benchmarks/bench_cold_start.py [REPEAT] [--ncbitaxon]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_cellxgene import dataset, reference_validator
from common import DEFAULT_REPEAT, Result, load, result

N_CELLS = 1_000
N_GENES = 500


def fresh_env(home: Path) -> dict[str, str]:
    """The environment of a first run: a new HOME, nothing of ontolake's configured."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("ONTOLAKE_", "XDG_"))
    }
    home.mkdir(parents=True, exist_ok=True)
    return {**env, "HOME": str(home)}


def run_child(
    command: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)
) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in bytes, CPU seconds) of one child process; raise on failure.

    The CPU time (user + system) varies less than the wall time on a shared machine.
    """
    start = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} exited {child.returncode}:\n{output[-3000:]}")
    return elapsed, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def _with_memory(name: str, runs: list[tuple[float, int, float]], target: float | None) -> Result:
    peak = max(rss for _, rss, _ in runs) / 1024**2
    cpu = sorted(cpu for _, _, cpu in runs)[len(runs) // 2]
    note = f"peak RSS {peak:,.0f} MB, CPU {cpu:.1f} s"
    return result(name, [wall for wall, _, _ in runs], target, note=note)


def main(repeat: int = DEFAULT_REPEAT, *, ncbitaxon: bool = False) -> list[Result]:
    print(f"load average (1 min) at start: {load()}")
    folder = Path(tempfile.mkdtemp(prefix="ontolake-bench-cold-"))
    path = dataset(folder, N_CELLS, N_GENES)
    command = [sys.executable, "-m", "ontolake.cli", "validate", str(path), "--schema", "cellxgene"]
    cold, warm = [], []
    for i in range(repeat):
        home = folder / f"home{i}"
        env = fresh_env(home)
        cold.append(run_child(command, env))
        warm.append(run_child(command, env))
        shutil.rmtree(home)
    results = [
        _with_memory(
            f"curate validate --schema cellxgene, {N_CELLS:,} cells, fresh HOME (cold)", cold, 10.0
        ),
        _with_memory("same, second run in the same HOME (warm)", warm, None),
    ]
    reference = reference_validator()
    if reference is not None:
        env = fresh_env(folder / "reference")
        runs = [run_child([reference, "validate", str(path)], env) for _ in range(repeat)]
        results.append(
            _with_memory("cellxgene-schema validate, same file (always cold)", runs, None)
        )
    if ncbitaxon:
        runs = []
        for i in range(max(1, repeat - 1)):
            home = folder / f"import{i}"
            runs.append(
                run_child(
                    [sys.executable, "-m", "ontolake.cli", "ontology", "import", "Organism"],
                    fresh_env(home),
                )
            )
            shutil.rmtree(home)
        results.append(_with_memory("full NCBITaxon import (1.26 M terms), fresh HOME", runs, 20.0))
    shutil.rmtree(folder)
    print(f"load average (1 min) at end: {load()}")
    return results


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(arguments[0]) if arguments else DEFAULT_REPEAT, ncbitaxon="--ncbitaxon" in sys.argv)
