"""Notebooks in real kernels started from the test: headless clients and an interactive session."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import ontolake as ol
from ontolake.lineage.notebook import execute_notebook, notebook_source

CELLS = [
    "import ontolake as ol\nimport pandas as pd",
    'run = ol.track(params={"threshold": 0.5})',
    'ol.Artifact.from_dataframe(pd.DataFrame({"x": [1, 2]}), key="nb/out.parquet").save()\n'
    "print('printed', 6 * 7)",
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


def without_session_name() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("JPY_SESSION_NAME", "JPY_PARENT_PID")}


def test_execute_notebook_returns_the_finished_run_and_writes_the_executed_notebook(
    notebook, tmp_path, report_text
):
    executed = tmp_path / "executed.ipynb"
    run = execute_notebook(notebook, output=executed)
    assert run is not None and run.status == "completed"
    assert run.params == {"threshold": 0.5}
    transform = run.transform
    assert transform.key == "analysis.ipynb" and transform.kind == "notebook"
    assert transform.source_code == notebook_source(notebook)
    assert transform.source_code.startswith("# %%\nimport ontolake as ol\n")
    assert "# Analysis" not in transform.source_code  # code cells only
    assert ol.Artifact.get(key="nb/out.parquet").run == run
    assert "printed 42" in report_text(run)
    assert "printed 42" in executed.read_text()


def test_allow_errors_runs_on_and_an_explicit_status_has_the_last_word(
    sqlite_instance, tmp_path, monkeypatch, report_text
):
    monkeypatch.setenv("ONTOLAKE_INSTANCE", sqlite_instance.root.root)
    path = tmp_path / "failing.ipynb"
    failing = nbformat.v4.new_notebook()
    failing.cells = [
        nbformat.v4.new_code_cell(source)
        for source in [
            "import ontolake as ol\nrun = ol.track()",
            "raise ValueError('bo' + 'om')",
            "print('after', 1 + 1)",
            "ol.finish('completed')  # the error is known and accepted",
        ]
    ]
    nbformat.write(failing, str(path))
    run = execute_notebook(path, allow_errors=True)  # no NotebookError
    assert run is not None and run.status == "completed"
    text = report_text(run)
    assert "ValueError: boom" in text and "after 2" in text


def test_execute_notebook_without_track_returns_none(sqlite_instance, tmp_path, monkeypatch):
    monkeypatch.setenv("ONTOLAKE_INSTANCE", sqlite_instance.root.root)
    path = tmp_path / "plain.ipynb"
    plain = nbformat.v4.new_notebook()
    plain.cells = [nbformat.v4.new_code_cell("print('no tracking')")]
    nbformat.write(plain, str(path))
    assert execute_notebook(path) is None
    assert ol.Run.filter().count() == 0


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


class Frontend:
    """A kernel driven the way JupyterLab drives it: cells sent with their cell ids."""

    def __init__(self, notebook: Path) -> None:
        self.manager = KernelManager(kernel_name="python3")
        env = {**without_session_name(), "JPY_SESSION_NAME": str(notebook)}
        self.manager.start_kernel(env=env, cwd=str(notebook.parent))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, cell_id: str, code: str) -> str:
        """Execute ``code`` as the cell ``cell_id``; the reply's status (``ok``/``error``)."""
        content = {"code": code, "silent": False, "store_history": True, "allow_stdin": False}
        request = self.client.session.msg(
            "execute_request",
            {**content, "user_expressions": {}, "stop_on_error": True},
            metadata={"cellId": cell_id},
        )
        self.client.shell_channel.send(request)
        while True:
            reply = self.client.get_shell_msg(timeout=120)
            if reply["parent_header"].get("msg_id") == request["header"]["msg_id"]:
                return str(reply["content"]["status"])

    def shut_down(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel()


def test_an_interactive_session_is_reported_as_it_ran_not_as_it_was_saved(
    sqlite_instance, tmp_path, monkeypatch, report_text
):
    monkeypatch.setenv("ONTOLAKE_INSTANCE", sqlite_instance.root.root)
    path = tmp_path / "live.ipynb"
    saved = nbformat.v4.new_notebook()
    saved.cells = [nbformat.v4.new_markdown_cell("# Exploring")]
    for cell_id, source in [
        ("track", "import ontolake as ol\nrun = ol.track()"),
        ("typo", "print(value)"),
        ("twice", "print('shown', 2 * 3)"),
        ("twice-again", "print('shown', 2 * 3)"),
    ]:
        cell = nbformat.v4.new_code_cell(source)
        cell.id = cell_id
        saved.cells.append(cell)
    nbformat.write(saved, str(path))
    frontend = Frontend(path)
    try:
        assert frontend.run("track", "import ontolake as ol\nrun = ol.track()") == "ok"
        assert frontend.run("typo", "print(value)") == "error"
        assert frontend.run("twice", "print('shown', 2 * 3)") == "ok"
        # the typo fixed in the same cell, not saved yet, and run again
        assert frontend.run("typo", "value = 'fixed ' + 'value'\nprint(value)") == "ok"
        assert frontend.run("new", "print('unsaved', 3 * 3)") == "ok"
    finally:
        frontend.shut_down()  # closing the notebook: the kernel finishes the run as it exits
    run = ol.Run.filter(transform__key="live.ipynb").one()
    assert run.status == "completed"  # the cell that raised ran again without error
    text = report_text(run)
    assert "fixed value" in text and "NameError" not in text
    assert "value = 'fixed ' + 'value'" in text  # the source as it ran, not as saved
    assert text.count("shown 6") == 1  # "twice-again" never ran: no output of its own
    assert "Exploring" in text
    assert text.index("shown 6") < text.index("unsaved 9")  # unsaved cells come last
