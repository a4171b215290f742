"""Finding the file of the notebook a Jupyter kernel is running.

A kernel is not told which notebook it runs; ``ol.track()`` asks, in order:

1. what a front end tells the kernel: ``JPY_SESSION_NAME`` (set by Jupyter Server for each
   kernel it starts), the ``__session__`` name ipykernel puts in the user namespace, and
   ``__vsc_ipynb_file__`` (VS Code);
2. the command line of the process that started the kernel (``JPY_PARENT_PID``, else the
   parent process): ``jupyter nbconvert --execute analysis.ipynb``, ``jupyter execute
   analysis.ipynb`` and ``papermill in.ipynb out.ipynb`` (its input) name the notebook;
   the paths are resolved against that process's working folder;
3. else (or when none of those holds the running cell) the ``.ipynb`` files in the
   kernel's working folder (nbconvert, nbclient, ``jupyter execute`` and Jupyter Server
   start the kernel in the notebook's folder).

Notebooks found in 2 or 3 count only when one of their code cells is the cell executing now
(the kernel's last input), so a notebook is never mistaken for another that happens to be
named or to sit in the same folder. When several notebooks remain (two notebooks with the
same ``ol.track()`` cell in one folder), none is chosen: :func:`find_notebook` raises
``TrackingError`` naming them and asking for ``ol.track(path=...)``.

The command line is read from ``/proc`` on Linux and from ``ps`` elsewhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ontolake.errors import TrackingError

__all__ = ["find_notebook"]

MAX_SCANNED_NOTEBOOKS = 200
"""At most this many notebooks of the working folder are read when looking for the cell."""


def _named_by_front_end() -> Path | None:
    main = sys.modules.get("__main__")
    names = [
        os.environ.get("JPY_SESSION_NAME"),
        getattr(main, "__session__", None),
        getattr(main, "__vsc_ipynb_file__", None),
    ]
    for name in names:
        if not isinstance(name, str) or not name.endswith(".ipynb"):
            continue
        path = Path(name).expanduser()
        for option in (path, Path.cwd() / path, Path.cwd() / path.name):
            if option.is_file():
                return option.resolve()
    return None


def _current_cell() -> str | None:
    """The source of the cell the kernel is executing (its latest input), or None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if not history or not isinstance(history[-1], str) or not history[-1].strip():
        return None
    return history[-1]


def _parent_pid() -> int:
    try:
        return int(os.environ["JPY_PARENT_PID"])
    except (KeyError, ValueError):
        return os.getppid()


def _command_line(pid: int) -> tuple[list[str], Path | None]:
    """The arguments and working folder of process ``pid`` (folder None when unknown)."""
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            arguments = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return [], None
        try:
            folder: Path | None = (proc / "cwd").readlink()
        except OSError:
            folder = None
        return [argument for argument in arguments if argument], folder
    if os.name == "nt":
        return [], None
    try:
        result = subprocess.run(
            ["ps", "-ww", "-o", "command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return [], None
    return result.stdout.split(), None


def _notebooks_on_command_line() -> list[Path]:
    """Existing notebooks named as inputs on the command line of the kernel's parent."""
    arguments, folder = _command_line(_parent_pid())
    papermill = any(Path(argument).name.startswith("papermill") for argument in arguments[:3])
    names: list[str] = []
    skip = False
    for argument in arguments[1:]:
        if skip:
            skip = False
            continue
        if argument in ("--output", "-o", "--output-dir"):
            skip = True  # an output, not the notebook being run
            continue
        if argument.endswith(".ipynb") and not argument.startswith("-"):
            names.append(argument)
    if papermill:
        names = names[:1]  # papermill INPUT OUTPUT: the input is the source
    found: list[Path] = []
    for name in names:
        path = Path(name).expanduser()
        options = [path] if path.is_absolute() else []
        if not path.is_absolute():
            options += [folder / path] if folder is not None else []
            options += [Path.cwd() / path, Path.cwd() / path.name]
        for option in options:
            if option.is_file():
                resolved = option.resolve()
                if resolved not in found:
                    found.append(resolved)
                break
    return found


def _has_cell(notebook: Path, cell: str) -> bool:
    """Whether one of the code cells of ``notebook`` is ``cell`` (ignoring outer blank space)."""
    try:
        content = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    wanted = cell.strip()
    for entry in content.get("cells", []) if isinstance(content, dict) else []:
        if not isinstance(entry, dict) or entry.get("cell_type") != "code":
            continue
        source = entry.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        if text.strip() == wanted:
            return True
    return False


def _candidates() -> tuple[list[Path], list[Path]]:
    """The notebooks that may be running, and those of them holding the executing cell."""
    cell = _current_cell()
    named = _notebooks_on_command_line()
    if named and cell is None:
        return named, named
    matching = [path for path in named if cell is not None and _has_cell(path, cell)]
    if matching:
        return named, matching
    folder = sorted(Path.cwd().glob("*.ipynb"))[:MAX_SCANNED_NOTEBOOKS]
    if cell is None:
        return folder, []
    return folder, [path.resolve() for path in folder if _has_cell(path, cell)]


def find_notebook() -> Path:
    """The path of the notebook this kernel runs (see the module's notes for how).

    Raises:
        TrackingError: no notebook, or several, can be the one running; the message says to
            pass ``ol.track(path=...)``.

    Example:
        >>> from ontolake.lineage.notebook_path import find_notebook
        >>> import os
        >>> os.environ["JPY_SESSION_NAME"] = "analysis.ipynb"  # as JupyterLab sets it
        >>> find_notebook().name
        'analysis.ipynb'
    """
    named = _named_by_front_end()
    if named is not None:
        return named
    candidates, matching = _candidates()
    if len(matching) > 1:  # nbconvert runs each notebook in its own folder
        here = [path for path in matching if path.parent == Path.cwd().resolve()]
        matching = here if len(here) == 1 else matching
    if len(matching) == 1:
        return matching[0]
    if len(matching) > 1:
        detail = "several notebooks hold the cell running ol.track(): " + ", ".join(
            str(path) for path in matching
        )
    elif candidates:
        detail = (
            "none of "
            + ", ".join(path.name for path in candidates[:5])
            + (" ..." if len(candidates) > 5 else "")
            + " holds the cell running ol.track()"
        )
    else:
        detail = f"the kernel was started without its path, in {Path.cwd()}"
    raise TrackingError(
        f"ol.track() cannot tell which notebook is running ({detail}): pass "
        "ol.track(path='analysis.ipynb'), set JPY_SESSION_NAME, or run it with "
        "ontolake.lineage.notebook.execute_notebook()."
    )
