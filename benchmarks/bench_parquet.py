"""Validating a parquet or CSV file column by column against loading it first.

A 5,000,000-row parquet (3 ontology-backed string columns, 1 int and 6 float columns; the
columns of ``bench_curate.frame`` plus five float scores) is validated against a schema over
the 3 categorical and 2 numeric columns, each way in its own subprocess (peak RSS, see
:func:`peak_rss`; wall time of the validation alone):

- ``DataFrameCurator(path, schema)``: column by column, one column (plus the index) in memory;
- ``DataFrameCurator(read_table(path), schema)``: the whole frame loaded first.

Then the same table with 2,000,000 rows written as CSV (no index column), both ways; parsing
CSV is slower, and column by column parses the file once per column read (and once more for
the row count and a check of the rows' fields). The curator reads CSV files under 512 MB
whole, since that is faster; here the column-by-column path is forced for the comparison.

A third subprocess (``baseline``) does everything but validate (imports, connecting, the
schema and the registry's labels): the floor of the peak RSS, printed with both results.

    python benchmarks/bench_parquet.py [REPEAT] [N_ROWS] [CSV_ROWS]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import DEFAULT_REPEAT, Result, fresh_instance, result

N_ROWS = 5_000_000
CSV_ROWS = 2_000_000
SCHEMA = "bench_parquet"
MODES = {
    "columns": "DataFrameCurator(path).validate, column by column",
    "loaded": "DataFrameCurator(read_table(path)).validate, frame loaded first",
}


def write_file(path: Path, n_rows: int) -> None:
    """The benchmark table: ``bench_curate.frame`` plus five float columns, parquet or CSV."""
    import numpy as np
    from bench_curate import frame, pools

    table = frame(n_rows, pools())
    rng = np.random.default_rng(1)
    for i in range(5):
        table[f"score_{i}"] = rng.random(n_rows)
    if path.suffix == ".csv":
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path)


def child(mode: str, storage: str, path: str) -> None:
    """Run one mode in this (fresh) process; print its wall time and peak RSS as JSON."""
    import pandas as pd

    import ontolake as ol
    from ontolake.curate import dataframe
    from ontolake.curate.dataframe import read_table

    dataframe.CSV_CHUNKS_FROM = 0  # in parts whatever the size (by default >= 64 MB)
    ol.connect(storage)
    schema = ol.Schema.get(name=SCHEMA)
    warm = ol.curate.DataFrameCurator(pd.DataFrame(), schema)
    warm.collect()  # first-use costs (lazy imports such as pandera) out of the timing
    cache = warm._cache
    for feature in schema.members:  # the registry's labels: loaded before timing, every mode
        if feature.parsed_dtype.is_categorical:
            cache.allowed_list(feature, feature.parsed_dtype)
            cache.allowed(feature, feature.parsed_dtype)
    start = time.perf_counter()
    if mode != "baseline":
        dataset = path if mode == "columns" else read_table(Path(path))
        curator = ol.curate.DataFrameCurator(dataset, schema)
        curator._cache = cache
        curator.validate()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak": peak_rss()}))


def peak_rss() -> int:
    """This process's peak resident memory in bytes.

    On Linux ``VmHWM`` of ``/proc/self/status``: ``getrusage``'s ``ru_maxrss`` of a spawned
    child starts at the parent's peak (Linux carries it over fork and exec), which here holds
    the 5M-row table the file was written from.
    """
    import resource

    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def run(mode: str, storage: str, path: Path) -> dict[str, float]:
    """One subprocess of ``mode``: ``{"seconds": ..., "peak": bytes}``."""
    command = [sys.executable, __file__, "--child", mode, storage, str(path)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench_parquet {mode} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(
    repeat: int = DEFAULT_REPEAT, n_rows: int = N_ROWS, csv_rows: int = CSV_ROWS
) -> list[Result]:
    from bench_curate import table_features

    import ontolake as ol

    _instance, folder = fresh_instance("parquet")
    ol.bio.CellType.import_source()
    features = table_features()  # 3 categorical, n_genes (int), fraction_mito (float)
    ol.Schema(features=features, name=SCHEMA).save()
    storage = str(folder / "lake")
    floor = 0
    results = []
    for name, rows in (("cells.parquet", n_rows), ("cells.csv", csv_rows)):
        path = Path(tempfile.mkdtemp(prefix="ontolake-bench-parquet-")) / name
        write_file(path, rows)
        kind = path.suffix[1:]
        print(f"{rows:,} rows x 10 columns, {kind} file {path.stat().st_size / 1e6:.0f} MB")
        if not floor:
            floor = max(run("baseline", storage, path)["peak"] for _ in range(repeat))
            print(f"floor (imports, connect, schema, registry labels): {floor / 1e6:,.0f} MB")
        for mode, label in MODES.items():
            runs = [run(mode, storage, path) for _ in range(repeat)]
            peak = max(r["peak"] for r in runs)
            results.append(
                result(
                    f"{kind} {rows:,} rows: {label}",
                    [r["seconds"] for r in runs],
                    note=f"peak RSS {peak / 1e6:,.0f} MB, floor {floor / 1e6:,.0f} MB",
                )
            )
        shutil.rmtree(path.parent)
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        main(*(int(argument) for argument in sys.argv[1:4]))
