"""Pictures shared by lineage graphs and ontology hierarchies: DOT text to SVG, PNG or PDF.

Pictures are drawn by Graphviz's ``dot`` program when it is installed (``apt-get install
graphviz``, ``brew install graphviz``, ``conda install graphviz``). Without it, ontolake lays
the graph out itself (:mod:`ontolake._svg`) and writes an SVG: ``graph.svg`` as asked, and for
``graph.png`` or ``graph.pdf`` an SVG next to it (``graph.svg``) with a warning.
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
    """Write ``dot`` to ``path``: a picture for .svg/.png/.pdf, else the DOT text.

    Graphviz's ``dot`` draws the picture when it is installed. Without it, an SVG is drawn in
    Python: at ``path`` for .svg, next to it for .png/.pdf (``graph.png`` → ``graph.svg``,
    with a warning). Returns the path written.

    Example:
        >>> render("digraph { a -> b }", "graph.svg").name in ("graph.svg", "graph.dot")
        True
    """
    from ontolake._atomic import write_text_atomic

    target = Path(path)
    picture = _PICTURE_FORMATS.get(target.suffix.lower())
    program = shutil.which("dot")
    if picture is None:
        return write_text_atomic(target, dot)
    if program is None:
        if picture != "svg":
            target = target.with_suffix(".svg")
            logger.warning(
                "Graphviz's `dot` is not installed, so no %s was drawn: drew %s instead "
                "(install graphviz, e.g. apt-get install graphviz, for PNG and PDF)",
                picture.upper(),
                target,
            )
        return write_text_atomic(target, _python_svg(dot))
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [program, f"-T{picture}", "-o", str(target)],
        input=dot.encode("utf-8"),
        check=True,
        capture_output=True,
        timeout=DOT_TIMEOUT_SECONDS,
    )
    return target


def display(dot: str) -> None:
    """Show the picture of ``dot`` in a Jupyter notebook (a no-op elsewhere)."""
    from ontolake._jupyter import in_notebook

    if not in_notebook():
        return
    ipython_display: Any = importlib.import_module("IPython.display")
    program = shutil.which("dot")
    if program is None:
        ipython_display.display(ipython_display.SVG(_python_svg(dot)))
        return
    drawn = subprocess.run(
        [program, "-Tsvg"],
        input=dot.encode("utf-8"),
        capture_output=True,
        timeout=DOT_TIMEOUT_SECONDS,
        check=False,
    )
    if drawn.returncode == 0:
        ipython_display.display(ipython_display.SVG(drawn.stdout))


def _python_svg(dot: str) -> str:
    from ontolake._svg import dot_to_svg

    return dot_to_svg(dot)
