"""The same validation gives byte-identical output in every process, whatever the hash seed.

Each run is a new Python process with its own ``PYTHONHASHSEED`` (string hashing, and so the
order of sets of strings, changes with it). The values are chosen so that fuzzy suggestions
and search results tie, which is where an order left to hashing would show.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import pandas as pd
import pytest
from rapidfuzz import fuzz

import ontolake as ol

SEEDS = ("0", "4242")
VALUES = ["T cel", "stem cel", "macrophag", "lymphocite", "a", "b", "T-cell", "b", "CD4+ T cell"]
SCRIPT = """
import sys

import pandas as pd

import ontolake as ol

ol.connect(sys.argv[1])
values = sys.argv[2:]
curator = ol.curate.DataFrameCurator(pd.DataFrame({"cell_type": values}), "cells")
report = curator.collect()
print(report.to_json())
print(report.to_markdown())
print(report.to_html())
print(report.summary())
print(ol.bio.CellType.inspect(values).suggestions)
print([record.ontology_id for record in ol.bio.CellType.search("cell", limit=60)])
print(ol.bio.CellType.public().search("cell", limit=60).index.tolist())
"""


@pytest.fixture
def lake(sqlite_instance, tmp_path):
    """The folder of an instance with the Cell Ontology and a saved schema ``cells``."""
    ol.bio.CellType.import_source()
    ol.Schema(features=[ol.Feature(name="cell_type", dtype=ol.bio.CellType)], name="cells").save()
    return tmp_path / "lake"


def _run(seed: str, *arguments: str) -> str:
    import os

    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *arguments],
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _check_tie_order(report: dict) -> int:
    """Assert the documented order of fuzzy suggestions; return how many ties were seen."""
    ties = 0
    for value in report["issues"][0]["values"]:
        fuzzy = [s for s in value["suggestions"] if s["kind"] == "fuzzy"]
        text = value["value"].casefold()
        keys = [
            (-s["score"], -fuzz.ratio(text, s["value"].casefold()), s["value"].casefold())
            for s in fuzzy
        ]
        assert keys == sorted(keys), value
        ties += sum(a[0] == b[0] for a, b in itertools.pairwise(keys))
    return ties


def test_python_output_is_byte_identical_under_two_hash_seeds(lake):
    first, second = (_run(seed, str(lake), *VALUES) for seed in SEEDS)
    assert first == second
    report = json.loads(first[: first.index("\n}\n") + 2])
    assert report["n_issues"] == 1
    assert _check_tie_order(report) >= 3  # the suggestions do tie: the order is the rule's


def test_curate_validate_json_is_byte_identical_under_two_hash_seeds(curate_cli):
    from ontolake.ontology_sources import catalog

    version = catalog.find("CellType").spec.version
    (curate_cli.cwd / "cells.yaml").write_text(
        "ontolake_schema: 1\nname: cells\notype: DataFrame\n"
        f"sources:\n  - {{entity: CellType, name: cl, version: {version}}}\n"
        "features:\n  - name: cell_type\n    dtype: cat[bio.CellType]\n"
    )
    pd.DataFrame({"cell_type": VALUES}).to_csv(curate_cli.cwd / "cells.csv", index=False)
    runs = [
        curate_cli(
            "validate",
            "cells.csv",
            "--schema",
            "cells.yaml",
            "--format",
            "json",
            PYTHONHASHSEED=seed,
        )
        for seed in SEEDS
    ]
    assert [run.returncode for run in runs] == [1, 1], runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
    assert _check_tie_order(json.loads(runs[0].stdout)) >= 3
