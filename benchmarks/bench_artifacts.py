"""Saving 1,000 small DataFrame artifacts and 1,000 small files one by one (SQLite + local).

Each repetition starts from a fresh instance so every sample saves into the same state.
"""

from __future__ import annotations

import sys
import time

from common import DEFAULT_REPEAT, Result, fresh_instance, result


def _once(count: int) -> tuple[float, float]:
    import pandas as pd

    import ontolake as ol

    _instance, folder = fresh_instance("artifacts")
    frames = [pd.DataFrame({"sample": [f"s{i}"], "value": [float(i)]}) for i in range(count)]
    start = time.perf_counter()
    for i, frame in enumerate(frames):
        ol.Artifact.from_dataframe(frame, key=f"tables/t{i}.parquet").save()
    dataframes = time.perf_counter() - start

    sources = folder / "sources"
    sources.mkdir()
    paths = []
    for i in range(count):
        path = sources / f"reads{i}.txt"
        path.write_text(f">read{i}\nACGT{i}\n")
        paths.append(path)
    start = time.perf_counter()
    for i, path in enumerate(paths):
        ol.Artifact(path, key=f"raw/reads{i}.txt").save()
    return dataframes, time.perf_counter() - start


def main(repeat: int = DEFAULT_REPEAT, count: int = 1000) -> list[Result]:
    samples = [_once(count) for _ in range(repeat)]
    return [
        result(
            f"{count:,} small DataFrame artifacts saved one by one",
            [s[0] for s in samples],
            2.0,
            lamindb_key="save_dataframes_1000" if count == 1000 else None,
        ),
        result(
            f"{count:,} small files saved one by one",
            [s[1] for s in samples],
            1.0,
            lamindb_key="save_files_1000" if count == 1000 else None,
        ),
    ]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT)
