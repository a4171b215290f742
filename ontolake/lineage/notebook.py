"""Jupyter notebooks: finding the running notebook, its source, an HTML report, headless runs.

Under an IPython kernel, ``ol.track()`` finds the notebook's path from what the front end
tells the kernel (``JPY_SESSION_NAME``, ``__session__``, ``__vsc_ipynb_file__``), else from
the command line of the process that started the kernel (``jupyter nbconvert --execute
analysis.ipynb``, ``jupyter execute``, papermill), else from the notebooks in the kernel's
working folder, keeping only notebooks that hold the cell executing now (details in
:mod:`~ontolake.lineage.notebook_path`). When that leaves no notebook or several, pass
``ol.track(path="analysis.ipynb")``, start the kernel with
``JPY_SESSION_NAME=analysis.ipynb``, or run it with :func:`execute_notebook`, which does
that and stores the executed notebook's HTML report on the run.

The transform's source is the notebook's code cells (so re-running a notebook, which only
changes outputs, keeps its version); the HTML report needs nbconvert
(``pip install 'ontolake[notebooks]'``).
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontolake._jupyter import in_notebook
from ontolake.errors import MissingDependencyError, PathNotFoundError

if TYPE_CHECKING:
    from ontolake.registries.lineage import Run

__all__ = [
    "execute_notebook",
    "in_notebook",
    "notebook_path",
    "notebook_source",
    "render_html",
]

NEW_RUN_UID_VARIABLE = "ONTOLAKE_NEW_RUN_UID"
"""The uid the kernel's ``ol.track()`` gives its run (set by :func:`execute_notebook`)."""
HEADLESS_VARIABLE = "ONTOLAKE_HEADLESS_NOTEBOOK"


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
        >>> notebook_source("analysis.ipynb")  # doctest: +SKIP
        '# %%\\nimport ontolake as ol\\nol.track()\\n'
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
    """Write ``notebook`` (a path or an nbformat node) as a standalone HTML page.

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
        else notebook
    )
    body, _resources = nbconvert.HTMLExporter().from_notebook_node(node)
    target = Path(output)
    target.write_text(body, encoding="utf-8")
    return target


def execute_notebook(
    path: str | os.PathLike[str],
    *,
    output: str | os.PathLike[str] | None = None,
    timeout: int = 600,
    kernel_name: str = "python3",
) -> Run | None:
    """Run a notebook headless with nbclient; its ``ol.track()`` run gets the HTML report.

    The kernel runs in the notebook's folder with ``JPY_SESSION_NAME`` set to the notebook,
    so ``ol.track()`` inside it finds its source. After execution, the executed notebook is
    written to ``output`` (when given) and rendered as the run's report.

    Returns:
        The run the notebook tracked, or None when it did not call ``ol.track()``.

    Example:
        >>> from ontolake.lineage.notebook import execute_notebook
        >>> run = execute_notebook("analysis.ipynb")  # doctest: +SKIP
        >>> run.status, run.report_artifact.key  # doctest: +SKIP
        ('completed', '__ontolake__/runs/.../report.html')
    """
    try:
        nbformat: Any = importlib.import_module("nbformat")
        nbclient: Any = importlib.import_module("nbclient")
    except ImportError as error:
        raise MissingDependencyError(
            "Running notebooks headless needs nbclient and ipykernel: "
            "pip install 'ontolake[notebooks]'"
        ) from error
    from ontolake.registries.uid import new_uid

    file = Path(path).resolve()
    if not file.is_file():
        raise PathNotFoundError(f"The notebook {str(file)!r} does not exist.")
    node = nbformat.read(str(file), as_version=4)
    run_uid = new_uid(16)
    environment = {
        **os.environ,
        "JPY_SESSION_NAME": str(file),
        NEW_RUN_UID_VARIABLE: run_uid,
        HEADLESS_VARIABLE: "1",
    }
    client = nbclient.NotebookClient(
        node,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(file.parent)}},
    )
    try:
        client.execute(env=environment)
    finally:
        if output is not None:
            nbformat.write(node, os.fspath(output))
        run = _attach_report(run_uid, node)
    return run


def _attach_report(run_uid: str, node: Any) -> Run | None:
    """Render the executed notebook and store it as the report of run ``run_uid``."""
    import tempfile

    from ontolake.instance.setup import current_instance
    from ontolake.registries.lineage import Run

    found = Run.filter(uid=run_uid).one_or_none()
    if found is None:
        return None
    try:
        import nbconvert  # noqa: F401
    except ImportError:
        return found
    from ontolake.lineage.track import save_run_file

    with tempfile.TemporaryDirectory() as scratch:
        report = render_html(node, Path(scratch) / "report.html")
        artifact_id = save_run_file(report, found.uid, "report.html")
    from sqlalchemy import update

    with current_instance().write() as session:
        session.execute(
            update(Run).where(Run.id == found.id).values(report_artifact_id=artifact_id),
            execution_options={"synchronize_session": False},
        )
        session.expire(found)
    return found
