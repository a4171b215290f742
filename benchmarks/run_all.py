"""Run every benchmark and print the figures to paste into RESULTS.md."""

from __future__ import annotations

import datetime

import bench_artifacts
import bench_curate
import bench_features
import bench_import
import bench_lineage
import bench_ontology
import bench_query
from common import machine

if __name__ == "__main__":
    print(f"# {datetime.date.today()} on {machine()}")
    lines = [
        *bench_import.main(),
        *bench_artifacts.main(),
        *bench_query.main(),
        *bench_ontology.main(),
        *bench_features.main(),
        *bench_lineage.main(),
        *bench_curate.main(),
    ]
