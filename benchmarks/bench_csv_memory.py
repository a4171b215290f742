"""Peak memory of ``curate validate`` on generated CSV files of growing size.

Each file has a string column, an integer and a float column and a categorical column of
a few labels (typed ``str`` in the schema), at ~28 bytes per row. Every validation runs in a
fresh process (``python -m ontolake.cli validate``) and reports its peak resident memory
(``VmHWM``; ``ru_maxrss`` would count the memory of this script, which wrote the file, since
the child starts by vfork); files below ``CSV_CHUNKS_FROM`` (64 MB) are read whole, larger ones in
chunks of rows. ``--whole`` reads every file whole, for comparison.

Usage: ``python benchmarks/bench_csv_memory.py [--sizes 75,150,300] [--whole]`` (sizes in
MB), or ``--csv FILE`` for a file written before. Prints one line per file: size, rows,
seconds, peak memory, and peak memory divided by the file size.

Measured 2026-12-06 (2 shared cores, load average 15-23 from seven other helpers' test runs:
seconds are not comparable, memory is), 2.0 GB file, 65 million rows:

    before (column by column, the default from 512 MB)   2001 MB: 1203 s, peak 5590 MB
    after (chunks of rows, the default from 64 MB)        2001 MB:  579 s, peak  315 MB
    read whole (before: the default below 512 MB)         330 MB:   98 s, peak 1779 MB
    after (chunks of rows)                                330 MB:   88 s, peak  312 MB

In chunks, peak memory no longer grows with the file: one chunk (~2 million values) and the
libraries.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHEMA = """\
ontolake_schema: 1
name: cells
otype: DataFrame
features:
  - {name: sample, dtype: str}
  - {name: n_genes, dtype: int}
  - {name: score, dtype: float}
  - {name: cell_type, dtype: str}
"""

CHILD = """
import sys
from ontolake.cli import main
import ontolake.curate.dataframe as dataframe
if sys.argv[3] == "whole":
    dataframe.CSV_CHUNKS_FROM = 1 << 60
try:
    main(["validate", sys.argv[1], "--schema", sys.argv[2]], standalone_mode=False)
finally:  # VmHWM: ru_maxrss counts the parent's memory too after a vfork and exec
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
    print("PEAK_KB", status, file=sys.stderr)
"""


def write_csv(path: Path, megabytes: int) -> int:
    """Write a CSV of about ``megabytes`` MB; return its number of rows."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    labels = np.array(["T cell", "B cell", "monocyte", "natural killer cell"])
    rows_per_chunk = 1_000_000
    rows = 0
    with path.open("w") as handle:
        handle.write("sample,n_genes,score,cell_type\n")
        while path.stat().st_size < megabytes * 2**20:
            handle.flush()
            chunk = pd.DataFrame(
                {
                    "sample": np.char.add("s", np.arange(rows, rows + rows_per_chunk).astype(str)),
                    "n_genes": rng.integers(100, 5000, rows_per_chunk),
                    "score": rng.random(rows_per_chunk).round(4),
                    "cell_type": labels[rng.integers(0, len(labels), rows_per_chunk)],
                }
            )
            chunk.to_csv(handle, header=False, index=False)
            rows += rows_per_chunk
            handle.flush()
    return rows


def validate(path: Path, schema: Path, whole: bool) -> tuple[float, int]:
    """Seconds and peak resident memory (bytes) of one validation in a fresh process."""
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(schema), "whole" if whole else "auto"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    peak = [line for line in child.stderr.splitlines() if line.startswith("PEAK_KB")]
    if not peak or "is valid" not in child.stdout:  # the file is valid: a validation ran
        raise RuntimeError(child.stdout[-1000:] + child.stderr[-2000:])
    return seconds, int(peak[-1].split()[1]) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="75,150,300", help="file sizes in MB")
    parser.add_argument("--whole", action="store_true", help="read every file whole")
    parser.add_argument("--csv", help="validate this file (written by this script) instead")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        schema = Path(folder, "cells.yaml")
        schema.write_text(SCHEMA)
        if options.csv:
            size = Path(options.csv).stat().st_size
            seconds, peak = validate(Path(options.csv), schema, options.whole)
            print(f"{size / 2**20:7.0f} MB  {seconds:6.1f} s  peak {peak / 2**20:7.0f} MB")
            return
        for megabytes in (int(size) for size in options.sizes.split(",")):
            path = Path(folder, f"cells-{megabytes}.csv")
            rows = write_csv(path, megabytes)
            size = path.stat().st_size
            seconds, peak = validate(path, schema, options.whole)
            print(
                f"{size / 2**20:7.0f} MB  {rows:>10,} rows  {seconds:6.1f} s  "
                f"peak {peak / 2**20:7.0f} MB  ({peak / size:.2f} x the file)"
            )
            path.unlink()


if __name__ == "__main__":
    main()
