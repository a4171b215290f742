"""`curate validate` and `curate standardize`: exit codes, formats, via click and a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

import ontolake as ol
from ontolake.cli import main


@pytest.fixture
def setup_files(sqlite_instance, tmp_path):
    ol.bio.CellType.import_source()
    ol.Schema(
        features=[
            ol.Feature(name="cell_type", dtype=ol.bio.CellType),
            ol.Feature(name="n_genes", dtype=int),
        ],
        name="cells",
    ).save()
    good = tmp_path / "good.parquet"
    pd.DataFrame({"cell_type": ["T cell", "B cell"], "n_genes": [1, 2]}).to_parquet(good)
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"cell_type": ["T-cell", "B cell"], "n_genes": [1, 2]}).to_parquet(bad)
    return good, bad


def test_validate_exit_codes_and_formats(setup_files, tmp_path):
    good, bad = setup_files
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(good), "--schema", "cells"]).exit_code == 0
    result = runner.invoke(main, ["validate", str(bad), "--schema", "cells", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["valid"] is False and data["issues"][0]["values"][0]["value"] == "T-cell"
    page = tmp_path / "report.html"
    result = runner.invoke(
        main, ["validate", str(bad), "--schema", "cells", "--format", "markdown", "--report", page]
    )
    assert result.exit_code == 1 and "| T-cell | 1 |" in result.output
    assert "<!DOCTYPE html>" in page.read_text()
    dry_run = runner.invoke(main, ["validate", str(bad), "--schema", "cells", "--standardize"])
    assert dry_run.exit_code == 1 and "'T-cell' → 'T cell' x1" in dry_run.output
    assert runner.invoke(main, ["validate", str(good), "--schema", "nope"]).exit_code == 2
    assert (
        runner.invoke(
            main, ["validate", str(tmp_path / "x.parquet"), "--schema", "cells"]
        ).exit_code
        == 2
    )
    (tmp_path / "x.txt").write_text("x")
    assert (
        runner.invoke(main, ["validate", str(tmp_path / "x.txt"), "--schema", "cells"]).exit_code
        == 2
    )


def test_standardize_batch(setup_files, tmp_path):
    good, bad = setup_files
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["standardize", str(good), str(bad), "--schema", "cells", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert pd.read_parquet(out / "bad.parquet")["cell_type"].tolist() == ["T cell", "B cell"]
    assert "valid" in result.output


def test_validate_in_a_subprocess(setup_files):
    good, bad = setup_files
    env = dict(os.environ)  # the private config folder names the last used instance
    command = [sys.executable, "-c", "from ontolake.cli import main; main()", "validate"]
    ok = subprocess.run(
        [*command, str(good), "--schema", "cells"], capture_output=True, text=True, env=env
    )
    assert ok.returncode == 0, ok.stderr
    failed = subprocess.run(
        [*command, str(bad), "--schema", "cells"], capture_output=True, text=True, env=env
    )
    assert failed.returncode == 1
    assert f"curate standardize {bad} --schema cells -o" in failed.stdout


def test_validate_with_a_schema_file_on_a_fresh_machine(tmp_path):
    from ontolake.ontology_sources import catalog

    version = catalog.find("CellType").spec.version
    schema = tmp_path / "cells.yaml"
    schema.write_text(
        "ontolake_schema: 1\n"
        "name: cells\n"
        "otype: DataFrame\n"
        f"sources:\n  - {{entity: CellType, name: cl, version: {version}}}\n"
        "features:\n"
        "  - name: cell_type\n"
        "    dtype: cat[bio.CellType]\n"
        "  - name: n_genes\n"
        "    dtype: int\n"
    )
    good = tmp_path / "good.csv"
    pd.DataFrame({"cell_type": ["T cell", "B cell"], "n_genes": [1, 2]}).to_csv(good, index=False)
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"cell_type": ["T-cell", "B cell"], "n_genes": [1, 2]}).to_csv(bad, index=False)
    fresh = {
        **os.environ,
        "ONTOLAKE_CONFIG_DIR": str(tmp_path / "no-config"),
        "ONTOLAKE_CACHE_DIR": str(tmp_path / "cache"),
    }
    fresh.pop("ONTOLAKE_INSTANCE", None)
    command = [sys.executable, "-c", "from ontolake.cli import main; main()", "validate"]
    ok = subprocess.run(
        [*command, str(good), "--schema", str(schema)], capture_output=True, text=True, env=fresh
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    failed = subprocess.run(
        [*command, str(bad), "--schema", str(schema)], capture_output=True, text=True, env=fresh
    )
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "T-cell" in failed.stdout
    assert (tmp_path / "cache" / "schema-registry" / ".ontolake" / "ontolake.db").exists()
    assert not (tmp_path / "no-config" / "settings.json").exists()  # nothing remembered
