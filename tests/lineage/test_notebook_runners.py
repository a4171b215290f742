"""Notebooks run as people run them: each runner in its own process, with a fresh HOME.

``jupyter nbconvert --to notebook --execute``, ``jupyter execute`` and ``execute_notebook``
from a new Python process; the kernel connects to the test's instance through
``ONTOLAKE_INSTANCE``. The stored run must hold the outputs the kernel produced (not the
unexecuted file) and say ``errored`` when a cell raised.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import ontolake
import ontolake as ol
from ontolake.lineage.notebook import notebook_source

ANALYSIS = [
    "# Analysis of scores",
    'import ontolake as ol\nimport pandas as pd\nrun = ol.track(params={"threshold": 0.5})',
    "import sys\nprint('kernel python', sys.executable)\nprint('ontolake from', ol.__file__)",
    "print('printed', 6 * 7)\n"
    "ol.Artifact.from_dataframe(pd.DataFrame({'x': [1, 2]}), key='nb/out.parquet').save()\n"
    "handle = display('draft ' + 'text', display_id=True)\n"
    "handle.update('final ' + 'text')\n"
    "pd.DataFrame({'column': ['cell_' + 'value']})",
    "print('last', 'cell')",
]
"""A notebook that never calls ol.finish(): its kernel finishes the run when it shuts down."""

FAILING = [
    "# A failing analysis",
    "import ontolake as ol\nrun = ol.track()",
    "print('before', 'the error')",
    "raise ValueError('bo' + 'om')",
    "print('after', 1 + 1)",
]

JUPYTER = Path(sys.executable).with_name("jupyter")

RUNNERS = {
    "nbconvert": lambda name: [str(JUPYTER), "nbconvert", "--to", "notebook", "--execute", name],
    "jupyter execute": lambda name: [str(JUPYTER), "execute", name],
    "execute_notebook": lambda name: [
        sys.executable,
        "-c",
        f"from ontolake.lineage.notebook import execute_notebook; execute_notebook({name!r})",
    ],
}
"""How a person runs a notebook in the current folder, by runner."""


def write_notebook(path: Path, cells: list[str]) -> Path:
    """Markdown for the first cell, code for the others."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(cells[0])]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in cells[1:]]
    nbformat.write(notebook, str(path))
    return path


@dataclasses.dataclass
class NotebookRunner:
    """Runs a notebook of ``folder`` as a new process with a fresh HOME and the test instance."""

    folder: Path
    env: dict[str, str]

    def __call__(self, runner: str, name: str, *options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*RUNNERS[runner](name), *options],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture
def run_notebook(sqlite_instance, curate_cli):
    """A NotebookRunner in the fresh working folder of ``curate_cli`` (no ``JPY_*`` variables)."""
    env = {name: value for name, value in curate_cli.env.items() if not name.startswith("JPY_")}
    env["ONTOLAKE_INSTANCE"] = sqlite_instance.root.root
    return NotebookRunner(curate_cli.cwd, env)


@pytest.mark.parametrize("runner", list(RUNNERS))
def test_each_runner_stores_the_outputs_the_kernel_produced(run_notebook, report_text, runner):
    notebook = write_notebook(run_notebook.folder / "analysis.ipynb", ANALYSIS)
    result = run_notebook(runner, "analysis.ipynb")
    assert result.returncode == 0, result.stderr
    assert "could not" not in result.stderr  # the kernel finished its run without a warning
    run = ol.Run.filter(transform__key="analysis.ipynb").one()
    assert run.status == "completed" and run.params == {"threshold": 0.5}
    assert run.finished_at is not None
    assert run.transform.kind == "notebook"
    assert run.transform.source_code == notebook_source(notebook)
    assert run.transform.reference == str(notebook.resolve())
    assert ol.Artifact.get(key="nb/out.parquet").run == run
    text = report_text(run)
    # the kernel is the venv's Python running the code under test
    assert f"kernel python {sys.executable}" in text
    assert f"ontolake from {ontolake.__file__}" in text
    assert "Analysis of scores" in text  # markdown cells stay
    assert "printed 42" in text  # printed text, in no cell's source
    assert "column" in text and "cell_value" in text  # the displayed DataFrame
    assert "final text" in text and "draft text" not in text  # an updated display
    assert "last cell" in text  # the last cell, run after every other


@pytest.mark.parametrize("runner", list(RUNNERS))
def test_a_notebook_whose_cell_raises_is_recorded_as_errored(run_notebook, report_text, runner):
    notebook = write_notebook(run_notebook.folder / "failing.ipynb", FAILING)
    result = run_notebook(runner, "failing.ipynb")
    assert result.returncode == 1
    run = ol.Run.filter(transform__key="failing.ipynb").one()
    assert run.status == "errored" and run.finished_at is not None
    assert run.transform.source_code == notebook_source(notebook)
    text = report_text(run)
    assert "before the error" in text
    assert "ValueError: boom" in text  # the error, as the kernel showed it
    assert "after 2" not in text  # the runner stopped at the error
    if runner == "execute_notebook":
        last_line = result.stderr.strip().splitlines()[-1]
        assert last_line == (
            f"ontolake.errors.NotebookError: The notebook {str(notebook.resolve())!r} stopped "
            f"in code cell 3 (ValueError: boom): run {run.uid} is errored; its report holds "
            "the outputs."
        )


def test_allow_errors_runs_every_cell_and_the_run_is_still_errored(run_notebook, report_text):
    write_notebook(run_notebook.folder / "failing.ipynb", [*FAILING, "ol.finish()"])
    result = run_notebook("nbconvert", "failing.ipynb", "--allow-errors")
    assert result.returncode == 0, result.stderr
    run = ol.Run.filter(transform__key="failing.ipynb").one()
    assert run.status == "errored"  # explicit ol.finish(), yet a cell raised
    text = report_text(run)
    assert "ValueError: boom" in text and "after 2" in text


def test_a_notebook_run_twice_keeps_its_transform_and_gets_a_second_run(run_notebook, report_text):
    write_notebook(run_notebook.folder / "analysis.ipynb", ANALYSIS)
    for _ in range(2):
        result = run_notebook("jupyter execute", "analysis.ipynb")
        assert result.returncode == 0, result.stderr
    first, second = ol.Run.filter(transform__key="analysis.ipynb").order_by("id").all()
    assert first.transform == second.transform and first.uid != second.uid
    assert "printed 42" in report_text(second)


def test_nbconvert_without_a_session_name_finds_the_notebook_beside_others(
    run_notebook, report_text
):
    notebook = write_notebook(run_notebook.folder / "analysis.ipynb", ANALYSIS)
    (run_notebook.folder / "copy.ipynb").write_text(notebook.read_text())  # the same cells
    write_notebook(run_notebook.folder / "other.ipynb", ["# Other", "print('other')"])
    result = run_notebook("nbconvert", "analysis.ipynb", "--output", "copy.ipynb")
    assert result.returncode == 0, result.stderr
    run = ol.Run.filter(transform__key="analysis.ipynb").one()
    assert run.transform.reference == str(notebook.resolve())
    assert "printed 42" in report_text(run)
    assert "printed 42" in (run_notebook.folder / "copy.ipynb").read_text()


def test_nbconvert_from_another_folder_finds_the_notebook_by_its_command_line(run_notebook):
    folder = run_notebook.folder / "analyses"
    folder.mkdir()
    notebook = write_notebook(folder / "analysis.ipynb", ANALYSIS)
    result = run_notebook("nbconvert", "analyses/analysis.ipynb")
    assert result.returncode == 0, result.stderr
    run = ol.Run.filter(transform__key="analysis.ipynb").one()
    assert run.transform.reference == str(notebook.resolve())
    assert run.status == "completed"
