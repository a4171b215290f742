"""Graphviz output shared by lineage graphs and ontology hierarchies: DOT text to pictures.

Pictures (SVG, PNG, PDF) are drawn by Graphviz's ``dot`` program when it is installed
(``apt-get install graphviz``, ``brew install graphviz``, ``conda install graphviz``);
without it, the DOT text is written next to the requested file (``graph.svg`` →
``graph.dot``) with a warning, and can be drawn anywhere later.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["DOT_TIMEOUT_SECONDS", "display", "quote", "render"]

logger = logging.getLogger("ontolake")

DOT_TIMEOUT_SECONDS = 60
_PICTURE_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


def quote(text: str) -> str:
    """``text`` as a quoted DOT identifier.

    Example:
        >>> quote("T cell")
        '"T cell"'
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render(dot: str, path: str | os.PathLike[str]) -> Path:
    """Write ``dot`` to ``path``: a picture for .svg/.png/.pdf when Graphviz is installed.

    Without Graphviz's ``dot`` program, a picture path gets the DOT text next to it instead
    (``graph.svg`` → ``graph.dot``) and a warning. Returns the path written.

    Example:
        >>> render("digraph { a -> b }", "graph.svg").name in ("graph.svg", "graph.dot")
        True
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    picture = _PICTURE_FORMATS.get(target.suffix.lower())
    program = shutil.which("dot")
    if picture is None or program is None:
        if picture is not None:
            target = target.with_suffix(".dot")
            logger.warning(
                "Graphviz's `dot` is not installed, so no %s was drawn: wrote the DOT text to %s "
                "(install graphviz, e.g. apt-get install graphviz, to draw pictures)",
                picture.upper(),
                target,
            )
        target.write_text(dot, encoding="utf-8")
        return target
    subprocess.run(
        [program, f"-T{picture}", "-o", str(target)],
        input=dot.encode("utf-8"),
        check=True,
        capture_output=True,
        timeout=DOT_TIMEOUT_SECONDS,
    )
    return target


def display(dot: str) -> None:
    """Show the picture of ``dot`` in a Jupyter notebook (a no-op elsewhere or without dot)."""
    from ontolake._jupyter import in_notebook

    program = shutil.which("dot")
    if program is None or not in_notebook():
        return
    ipython_display: Any = importlib.import_module("IPython.display")
    drawn = subprocess.run(
        [program, "-Tsvg"],
        input=dot.encode("utf-8"),
        capture_output=True,
        timeout=DOT_TIMEOUT_SECONDS,
        check=False,
    )
    if drawn.returncode == 0:
        ipython_display.display(ipython_display.SVG(drawn.stdout))
