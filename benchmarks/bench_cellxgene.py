"""`curate validate x.h5ad --schema cellxgene` against `cellxgene-schema validate`, same file.

A 20,000-cell x 2,000-gene human dataset with valid annotations. Both commands run as
subprocesses (interpreter start and imports included). ontolake's registry is warmed by one
run first (the pinned ontologies are imported once per machine); the reference validator
has no cache. The reference comes from ``ONTOLAKE_CELLXGENE_SCHEMA`` or
``.venv-cellxgene-schema`` (``make test`` creates it); without it only ontolake is timed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import DEFAULT_REPEAT, Result, result

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

N_CELLS = 20_000
N_GENES = 2_000


def dataset(folder: Path, n_cells: int = N_CELLS, n_genes: int = N_GENES) -> Path:
    """A valid human dataset (``bench.h5ad``) whose cells use CL, EFO, MONDO, PATO, UBERON,
    HsapDv, Cellosaurus and NCBITaxon terms, and ``n_genes`` human genes."""
    from curate.cellxgene_files import CELL_LINE_ROW, VALID_HUMAN_ROW, with_values, write_h5ad

    from ontolake.ontology_sources import catalog

    terms = catalog.find("Gene", organism="human").terms()
    genes = [next(terms).ontology_id for _ in range(n_genes)]
    kinds = [
        VALID_HUMAN_ROW,
        with_values(VALID_HUMAN_ROW, cell_type_ontology_term_id="CL:0000236"),
        with_values(VALID_HUMAN_ROW, disease_ontology_term_id="MONDO:0005148"),
        CELL_LINE_ROW,
    ]
    rows = [kinds[i % len(kinds)] for i in range(n_cells)]
    return write_h5ad(folder / "bench.h5ad", rows, genes=genes)


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command[0]}: the benchmark file should be valid:\n{done.stdout}")
    return elapsed


def reference_validator() -> str | None:
    """The ``cellxgene-schema`` executable, or None."""
    candidates = [
        os.environ.get("ONTOLAKE_CELLXGENE_SCHEMA", ""),
        str(ROOT / ".venv-cellxgene-schema" / "bin" / "cellxgene-schema"),
    ]
    return next((c for c in candidates if c and Path(c).exists()), None)


def main(repeat: int = DEFAULT_REPEAT) -> list[Result]:
    folder = Path(tempfile.mkdtemp(prefix="ontolake-bench-cellxgene-"))
    path = dataset(folder)
    env = {
        **os.environ,
        "ONTOLAKE_CONFIG_DIR": str(folder / "config"),
        "ONTOLAKE_CACHE_DIR": str(folder / "cache"),
    }
    ours = [sys.executable, "-m", "ontolake.cli", "validate", str(path), "--schema", "cellxgene"]
    results = [
        result(
            "cellxgene convention, first run (imports the pinned ontologies)", [_timed(ours, env)]
        ),
        result(
            f"curate validate --schema cellxgene, {N_CELLS:,} cells (warm registry)",
            [_timed(ours, env) for _ in range(repeat)],
        ),
    ]
    reference = reference_validator()
    if reference is None:
        print("cellxgene-schema not found: set ONTOLAKE_CELLXGENE_SCHEMA to compare")
        return results
    theirs = result(
        "cellxgene-schema validate, same file",
        [_timed([reference, "validate", str(path)], env) for _ in range(repeat)],
    )
    ratio = theirs.seconds / results[1].seconds
    theirs.note = f"{ratio:.1f}x the warm ontolake run"
    print(f"cellxgene-schema / ontolake (warm): {ratio:.1f}x")
    return [*results, theirs]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT)
