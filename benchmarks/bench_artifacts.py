"""Saving 1,000 small DataFrame artifacts and 1,000 small files one by one (SQLite + local)."""

from __future__ import annotations

import time

from common import fresh_instance, report


def main(count: int = 1000) -> list[str]:
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
    files = time.perf_counter() - start
    return [
        report(f"{count} small DataFrame artifacts saved one by one", dataframes, 2.0),
        report(f"{count} small files saved one by one", files, 1.0),
    ]


if __name__ == "__main__":
    main()
