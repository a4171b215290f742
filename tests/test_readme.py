"""The README is executable: its code blocks run in order, as a reader would type them.

``tests/readme_runner.py`` runs every ```python and ```bash block of README.md in a fresh
folder with a fresh HOME, in one Python process (so later blocks see earlier ones), and
checks every ``# -> VALUE`` the text promises. The README's example server addresses are
pointed at this test run's own PostgreSQL server and S3 endpoint.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import readme_runner
from fresh_process import user_environment

README = Path(__file__).parents[1] / "README.md"
RUNNER = Path(readme_runner.__file__)


def test_every_skipped_block_says_why_and_skips_are_rare():
    found = readme_runner.blocks(README.read_text(encoding="utf-8"))
    skipped = [block for block in found if block.skip is not None]
    assert all(block.skip != "no reason given" for block in skipped)
    assert len(skipped) <= 4, [block.line for block in skipped]
    assert {block.language for block in found} <= {"python", "bash", "yaml", "text", ""}


def test_the_readme_runs_from_top_to_bottom(tmp_path, postgres_url, s3_bucket, s3_server):
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = user_environment(
        home,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        FSSPEC_S3_ENDPOINT_URL=s3_server,
    )
    database = postgres_url.rsplit("/", 1)
    substitutions = {
        "postgresql://me@db-host/lake": postgres_url,
        "postgresql://owner@db-host/lake": postgres_url,
        "@db-host/lake": f"@{database[0].split('@', 1)[1]}/{database[1]}",
        "s3://my-bucket": s3_bucket,
    }
    arguments = [sys.executable, str(RUNNER), str(README)]
    for old, new in substitutions.items():
        arguments += ["--substitute", f"{old}={new}"]
    result = subprocess.run(
        arguments, cwd=work, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\nx + 1  # -> 2\n", None),
        ("x = 1\nx + 1  # -> 3\n", "expected 3, got 2"),
        ("[1, 2]  # -> [1, 2]\n", None),
        ("[1, 2]  # -> [1, 2]  (a note)\n", None),
        ("[1, 2]  # -> [1, 3]  (a note)\n", "expected \\[1, 3\\], got"),
        ("True  # -> 1\n", "expected 1, got True"),
        ("'a'  # -> 'a'\n", None),
        ("1 / 0\n", "ZeroDivisionError"),
    ],
)
def test_the_runner_checks_what_the_text_promises(source, expected):
    block = readme_runner.Block("python", 10, source)
    if expected is None:
        readme_runner.run_python(block, {})
        return
    with pytest.raises(readme_runner.Failure, match=expected):
        readme_runner.run_python(block, {})


def test_bash_commands_check_exit_codes_and_printed_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    readme_runner.run_bash(readme_runner.Block("bash", 1, "echo hi  # -> hi\nfalse  # exit 1"))
    with pytest.raises(readme_runner.Failure, match="line 1: `false` exited 1, expected 0"):
        readme_runner.run_bash(readme_runner.Block("bash", 1, "false"))
    with pytest.raises(readme_runner.Failure, match="did not print"):
        readme_runner.run_bash(readme_runner.Block("bash", 1, "echo ho  # -> hi"))
    markdown = "text\n<!-- readme-test: skip needs make -->\n```bash\nmake\n```\n"
    blocks = readme_runner.blocks(markdown)
    assert blocks == [readme_runner.Block("bash", 4, "make", "needs make")]
