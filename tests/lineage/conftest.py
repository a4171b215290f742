"""Fixtures for lineage tests: running real scripts against the test's instance."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def run_script(tmp_path):
    """Write ``source`` to a script and run it with Python in a subprocess on the instance.

    The subprocess connects to the connected test instance (``ONTOLAKE_INSTANCE``) and uses
    the test's private config folder.
    """

    def run(source: str, name: str = "analysis.py", folder: Path | None = None, check=True):
        from ontolake.instance.setup import current_instance

        script = (folder or tmp_path / "scripts") / name
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(textwrap.dedent(source))
        env = {**os.environ, "ONTOLAKE_INSTANCE": current_instance().root.root}
        result = subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            env=env,
            cwd=script.parent,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"script failed:\n{result.stdout}\n{result.stderr}")
        return result

    return run


@pytest.fixture
def report_text():
    """The text a reader sees in a run's HTML report (tags removed, entities decoded)."""
    import html
    import re

    def text(run) -> str:
        assert run.report_artifact is not None, f"run {run.uid} has no report"
        assert run.report_artifact.key == f"__ontolake__/runs/{run.uid}/report.html"
        page = Path(run.report_artifact.cache()).read_text(encoding="utf-8")
        body = page[page.index("<body") :]  # past the page's styles and scripts
        return html.unescape(re.sub(r"<[^>]+>", "", body))

    return text
