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

from common import DEFAULT_REPEAT, Result, result

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

N_CELLS = 1_000
N_GENES = 500


def dataset(folder: Path, n_cells: int = N_CELLS) -> Path:
    """A valid human dataset of ``n_cells`` cells using terms of every pinned ontology kind."""
    from curate.cellxgene_files import CELL_LINE_ROW, VALID_HUMAN_ROW, with_values, write_h5ad

    from ontolake.ontology_sources import catalog

    terms = catalog.find("Gene", organism="human").terms()
    genes = [next(terms).ontology_id for _ in range(N_GENES)]
    kinds = [
        VALID_HUMAN_ROW,
        with_values(VALID_HUMAN_ROW, cell_type_ontology_term_id="CL:0000236"),
        with_values(VALID_HUMAN_ROW, disease_ontology_term_id="MONDO:0005148"),
        with_values(VALID_HUMAN_ROW, self_reported_ethnicity_ontology_term_id="AfPO:0000145"),
        CELL_LINE_ROW,
    ]
    rows = [kinds[i % len(kinds)] for i in range(n_cells)]
    return write_h5ad(folder / "cold.h5ad", rows, genes=genes)


def fresh_env(home: Path) -> dict[str, str]:
    """The environment of a first run: a new HOME, nothing of ontolake's configured."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("ONTOLAKE_", "XDG_"))
    }
    home.mkdir(parents=True, exist_ok=True)
    return {**env, "HOME": str(home)}


def run_child(
    command: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)
) -> tuple[float, int]:
    """(wall seconds, peak RSS in bytes) of one child process; raise when it fails."""
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
    return elapsed, usage.ru_maxrss * 1024


def _reference() -> str | None:
    candidates = [
        os.environ.get("ONTOLAKE_CELLXGENE_SCHEMA", ""),
        str(ROOT / ".venv-cellxgene-schema" / "bin" / "cellxgene-schema"),
        "/work/main/.venv-cellxgene-schema/bin/cellxgene-schema",
    ]
    return next((c for c in candidates if c and Path(c).exists()), None)


def _with_memory(name: str, runs: list[tuple[float, int]], target: float | None) -> Result:
    peak = max(rss for _, rss in runs) / 1024**2
    return result(name, [s for s, _ in runs], target, note=f"peak RSS {peak:,.0f} MB")


def main(repeat: int = DEFAULT_REPEAT, *, ncbitaxon: bool = False) -> list[Result]:
    folder = Path(tempfile.mkdtemp(prefix="ontolake-bench-cold-"))
    path = dataset(folder)
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
    reference = _reference()
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
    return results


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(arguments[0]) if arguments else DEFAULT_REPEAT, ncbitaxon="--ncbitaxon" in sys.argv)
