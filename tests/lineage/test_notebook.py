"""Notebooks executed headless through nbclient and ipykernel: source, run, report."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import ontolake as ol
from ontolake.lineage.notebook import execute_notebook, notebook_source

CELLS = [
    "import ontolake as ol\nimport pandas as pd",
    'run = ol.track(params={"threshold": 0.5})',
    'ol.Artifact.from_dataframe(pd.DataFrame({"x": [1, 2]}), key="nb/out.parquet").save()\n'
    'print("printed by the notebook")',
    "ol.finish()",
]


def write_notebook(path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Analysis")]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in CELLS]
    nbformat.write(notebook, str(path))


@pytest.fixture
def notebook(sqlite_instance, tmp_path, monkeypatch):
    monkeypatch.setenv("ONTOLAKE_INSTANCE", sqlite_instance.root.root)
    path = tmp_path / "analysis.ipynb"
    write_notebook(path)
    return path


def test_a_headless_notebook_is_tracked_with_its_source_and_an_html_report(notebook, tmp_path):
    executed = tmp_path / "executed.ipynb"
    run = execute_notebook(notebook, output=executed)
    assert run is not None and run.status == "completed"
    assert run.params == {"threshold": 0.5}
    transform = run.transform
    assert transform.key == "analysis.ipynb" and transform.kind == "notebook"
    assert transform.source_code == notebook_source(notebook)
    assert transform.source_code.startswith("# %%\nimport ontolake as ol\n")
    assert "# Analysis" not in transform.source_code  # code cells only
    assert transform.reference == str(notebook.resolve())
    output = ol.Artifact.get(key="nb/out.parquet")
    assert output.run == run
    report = run.report_artifact
    assert report.key == f"__ontolake__/runs/{run.uid}/report.html"
    html = Path(report.cache()).read_text(encoding="utf-8")
    assert "printed by the notebook" in html and "<html" in html
    assert "printed by the notebook" in executed.read_text()
    # executing again changes outputs only: the same transform, a second run
    again = execute_notebook(notebook)
    assert again.transform == transform and again != run


def test_a_kernel_that_does_not_know_its_notebook_says_how_to_fix_it(notebook):
    node = nbformat.read(str(notebook), as_version=4)
    environment = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}
    client = NotebookClient(node, kernel_name="python3")
    with pytest.raises(CellExecutionError, match="cannot tell which notebook"):
        client.execute(env=environment, cwd=str(notebook.parent))
    assert ol.Run.filter().count() == 0
