"""Notebooks executed headless through nbclient and ipykernel: source, run, report."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
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


def nbconvert_command() -> list[str]:
    """``python -m nbconvert`` of this environment (skipped without it, but never in CI)."""
    missing = [
        name for name in ("nbconvert", "ipykernel") if importlib.util.find_spec(name) is None
    ]
    if missing:
        message = f"{' and '.join(missing)} not installed: pip install 'ontolake[notebooks]'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return [sys.executable, "-m", "nbconvert"]


def without_session_name() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("JPY_SESSION_NAME", "JPY_PARENT_PID")}


def test_nbconvert_execute_without_a_session_name_is_tracked(notebook, tmp_path):
    command = nbconvert_command()
    folder = notebook.parent
    (folder / "copy.ipynb").write_text(notebook.read_text())  # same cells, another notebook
    write_other = nbformat.v4.new_notebook()
    write_other.cells = [nbformat.v4.new_code_cell("print('other')")]
    nbformat.write(write_other, str(folder / "other.ipynb"))
    result = subprocess.run(
        [*command, "--to", "notebook", "--execute", "analysis.ipynb", "--output", "copy.ipynb"],
        cwd=folder,
        env=without_session_name(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    run = ol.Run.filter(transform__key="analysis.ipynb").one()
    assert run.status == "completed" and run.params == {"threshold": 0.5}
    assert run.transform.kind == "notebook"
    assert run.transform.reference == str(notebook.resolve())
    assert run.transform.source_code == notebook_source(notebook)
    assert ol.Artifact.get(key="nb/out.parquet").run == run
    assert "<html" in Path(run.report_artifact.cache()).read_text()


def test_nbconvert_from_another_folder_finds_the_notebook_by_its_command_line(notebook, tmp_path):
    command = nbconvert_command()
    result = subprocess.run(
        [*command, "--to", "notebook", "--execute", f"{notebook.parent.name}/analysis.ipynb"],
        cwd=notebook.parent.parent,
        env=without_session_name(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    run = ol.Run.filter(transform__key="analysis.ipynb").one()
    assert run.transform.reference == str(notebook.resolve())


def test_a_kernel_that_cannot_tell_its_notebook_says_how_to_fix_it(notebook):
    (notebook.parent / "copy.ipynb").write_text(notebook.read_text())  # the same cells
    node = nbformat.read(str(notebook), as_version=4)
    client = NotebookClient(node, kernel_name="python3")
    with pytest.raises(CellExecutionError, match="cannot tell which notebook") as failure:
        client.execute(env=without_session_name(), cwd=str(notebook.parent))
    assert "analysis.ipynb" in str(failure.value) and "copy.ipynb" in str(failure.value)
    assert "ol.track(path=" in str(failure.value)
    assert ol.Run.filter().count() == 0


def test_a_kernel_started_in_the_notebooks_folder_finds_it_by_the_running_cell(notebook):
    node = nbformat.read(str(notebook), as_version=4)
    other = nbformat.v4.new_notebook()
    other.cells = [nbformat.v4.new_code_cell("print('other')")]
    nbformat.write(other, str(notebook.parent / "other.ipynb"))
    NotebookClient(node, kernel_name="python3").execute(
        env=without_session_name(), cwd=str(notebook.parent)
    )
    run = ol.Run.filter(transform__key="analysis.ipynb").one()
    assert run.status == "completed"
    assert run.transform.reference == str(notebook.resolve())
