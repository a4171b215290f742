"""Jupyter notebooks: finding the running notebook, its source, an HTML report, headless runs.

Under an IPython kernel, ``ol.track()`` finds the notebook's path from what the front end
tells the kernel (``JPY_SESSION_NAME``, ``__session__``, ``__vsc_ipynb_file__``), else from
the command line of the process that started the kernel (``jupyter nbconvert --execute
analysis.ipynb``, ``jupyter execute``, papermill), else from the notebooks in the kernel's
working folder, keeping only notebooks that hold the cell executing now (details in
:mod:`~ontolake.lineage.notebook_path`). When that leaves no notebook or several, pass
``ol.track(path="analysis.ipynb")``, start the kernel with
``JPY_SESSION_NAME=analysis.ipynb``, or run it with :func:`execute_notebook`, which does
that.

The transform's source is the notebook's code cells (so re-running a notebook, which only
changes outputs, keeps its version). The run's HTML report shows the outputs the kernel
produced, recorded in the kernel as the cells run (:mod:`~ontolake.lineage.notebook_record`),
and needs nbconvert (``pip install 'ontolake[notebooks]'``).
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontolake._jupyter import in_notebook
from ontolake.errors import MissingDependencyError, NotebookError, PathNotFoundError

if TYPE_CHECKING:
    from ontolake.registries.lineage import Run

__all__ = [
    "execute_notebook",
    "in_notebook",
    "notebook_path",
    "notebook_source",
    "prepare_renderer",
    "render_html",
]

NEW_RUN_UID_VARIABLE = "ONTOLAKE_NEW_RUN_UID"
"""The uid the kernel's ``ol.track()`` gives its run (set by :func:`execute_notebook`)."""


def notebook_path() -> Path | None:
    """The path of the running notebook, or None when it cannot be told.

    See :mod:`~ontolake.lineage.notebook_path` for how it is found.

    Example:
        >>> notebook_path() is None  # not in a notebook
        True
    """
    from ontolake.errors import TrackingError
    from ontolake.lineage.notebook_path import find_notebook

    if not in_notebook():
        return None
    try:
        return find_notebook()
    except TrackingError:
        return None


def notebook_source(path: str | os.PathLike[str]) -> str:
    r"""The code cells of a notebook as one Python text, cell by cell (``# %%`` separators).

    Example:
        >>> print(notebook_source("analysis.ipynb"))
        # %%
        import ontolake as ol
        ol.track()
        <BLANKLINE>
        # %%
        print("hello")
        <BLANKLINE>
    """
    file = Path(path)
    try:
        notebook = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise PathNotFoundError(f"The notebook {str(file)!r} does not exist.") from error
    except (OSError, ValueError) as error:
        raise PathNotFoundError(
            f"The notebook {str(file)!r} cannot be read as a notebook ({error}): save it in "
            "Jupyter and retry."
        ) from error
    cells: list[str] = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        cells.append("# %%\n" + text.rstrip("\n") + "\n")
    return "\n".join(cells)


def render_html(notebook: str | os.PathLike[str] | Any, output: str | os.PathLike[str]) -> Path:
    """Write ``notebook`` (a path, an nbformat node or a notebook dict) as an HTML page.

    Raises ``MissingDependencyError`` when nbconvert is not installed.
    """
    try:
        nbformat: Any = importlib.import_module("nbformat")
        nbconvert: Any = importlib.import_module("nbconvert")
    except ImportError as error:
        raise MissingDependencyError(
            "Notebook reports need nbconvert: pip install 'ontolake[notebooks]'"
        ) from error
    node = (
        nbformat.read(os.fspath(notebook), as_version=4)
        if isinstance(notebook, (str, os.PathLike))
        else nbformat.from_dict(notebook)
    )
    body, _resources = nbconvert.HTMLExporter().from_notebook_node(node)
    target = Path(output)
    target.write_text(body, encoding="utf-8")
    return target


def prepare_renderer() -> None:
    """Load everything the HTML report needs now.

    ``ol.track()`` calls this in its background thread when the run will have a report: a
    kernel that finishes its run at exit can import no module that registers an exit
    handler (nbconvert imports tornado, which imports ``concurrent.futures.thread``), and its
    kernel manager kills it a few seconds after asking it to shut down. Rendering a small
    notebook beforehand leaves only the rendering of the report itself for the end.

    Raises ``MissingDependencyError`` when nbconvert is not installed.
    """
    import tempfile

    cell = {"cell_type": "code", "id": "warm-up", "metadata": {}, "source": "1"}
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [{**cell, "execution_count": 1, "outputs": []}],
    }
    with tempfile.TemporaryDirectory() as scratch:
        render_html(notebook, Path(scratch) / "warm-up.html")


def execute_notebook(
    path: str | os.PathLike[str],
    *,
    output: str | os.PathLike[str] | None = None,
    timeout: int = 600,
    kernel_name: str = "python3",
    allow_errors: bool = False,
) -> Run | None:
    """Run a notebook headless with nbclient; return the run its ``ol.track()`` started.

    The kernel runs in the notebook's folder with ``JPY_SESSION_NAME`` set to the notebook,
    so ``ol.track()`` inside it finds its source without guessing. As under any runner, the
    kernel records each cell's outputs and finishes the run with the report when the notebook
    calls ``ol.finish()`` or the kernel shuts down (see
    :mod:`~ontolake.lineage.notebook_record`); when this returns, the run is finished. The
    executed notebook is written to ``output`` when given.

    Args:
        path: the notebook.
        output: where to write the executed notebook (with its outputs).
        timeout: seconds a cell may run.
        kernel_name: the Jupyter kernel to start.
        allow_errors: run the cells after a cell that raises (the run is ``errored`` all the
            same), like ``jupyter nbconvert --execute --allow-errors``.

    Returns:
        The run the notebook tracked, or None when it did not call ``ol.track()``.

    Raises:
        NotebookError: a cell raised (unless ``allow_errors``) or timed out, or the kernel
            died; ``error.run`` is the run, recorded as ``errored``.
        PathNotFoundError: the notebook does not exist.

    Example:
        >>> from ontolake.lineage.notebook import execute_notebook
        >>> run = execute_notebook("analysis.ipynb")
        >>> run.status, run.report_artifact.key == f"__ontolake__/runs/{run.uid}/report.html"
        ('completed', True)
    """
    try:
        nbformat: Any = importlib.import_module("nbformat")
        nbclient: Any = importlib.import_module("nbclient")
    except ImportError as error:
        raise MissingDependencyError(
            "Running notebooks headless needs nbclient and ipykernel: "
            "pip install 'ontolake[notebooks]'"
        ) from error
    from nbclient.exceptions import CellControlSignal, DeadKernelError

    from ontolake.registries.lineage import Run
    from ontolake.registries.uid import new_uid

    file = Path(path).resolve()
    if not file.is_file():
        raise PathNotFoundError(f"The notebook {str(file)!r} does not exist.")
    node = nbformat.read(str(file), as_version=4)
    run_uid = new_uid(16)
    environment = {**os.environ, "JPY_SESSION_NAME": str(file), NEW_RUN_UID_VARIABLE: run_uid}
    client = nbclient.NotebookClient(
        node,
        timeout=timeout,
        kernel_name=kernel_name,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(file.parent)}},
    )
    stopped: Exception | None = None
    try:
        client.execute(env=environment)
    except (CellControlSignal, DeadKernelError) as error:
        stopped = error
    finally:
        if output is not None:
            nbformat.write(node, os.fspath(output))
    run = Run.filter(uid=run_uid).one_or_none()
    if stopped is not None:
        raise NotebookError(_stop_message(file, node, stopped, run), run=run) from stopped
    return run


def _stop_message(file: Path, node: Any, error: Exception, run: Run | None) -> str:
    """One line: where the notebook stopped, why, and what became of its run."""
    code_cells = [cell for cell in node.cells if cell.cell_type == "code"]
    failed = next(
        (
            number
            for number, cell in enumerate(code_cells, start=1)
            if any(output.get("output_type") == "error" for output in cell.get("outputs", []))
        ),
        None,
    )
    where = f" in code cell {failed}" if failed is not None else ""
    ename = getattr(error, "ename", None)
    why = f"{ename}: {getattr(error, 'evalue', '')}" if ename else str(error).splitlines()[0]
    if run is None:
        outcome = "it started no run (no ol.track())"
    else:
        outcome = f"run {run.uid} is {run.status}; its report holds the outputs"
    return f"The notebook {str(file)!r} stopped{where} ({why}): {outcome}."
