"""Progress of long work: lines in logs, a bar on a terminal, never on stdout, quiet on request."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys

import pytest

from ontolake import _progress
from ontolake._progress import progress, showing

# The import of the human gene table (GENCODE 48, 78,894 genes), with the 2 s delay
# shortened so that every phase reports, however fast this machine is.
SCRIPT = """
import sys
import ontolake as ol
from ontolake import _progress

_progress.DELAY_SECONDS = 0.0
ol.init(storage=sys.argv[1], remember=False)
source = ol.bio.Gene.import_source(organism="human")
print(f"imported {source.n_terms:,} genes")
"""
STDOUT = "imported 78,894 genes\n"


def run_import(tmp_path, stderr=subprocess.PIPE, **env):
    """Run SCRIPT in a fresh process; return (stdout, the process)."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "lake")],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", **env},
        check=False,
        timeout=300,
    )
    return done.stdout, done


def test_logs_get_periodic_lines_on_stderr_and_stdout_stays_clean(tmp_path):
    stdout, done = run_import(tmp_path)
    assert done.returncode == 0, done.stderr
    assert stdout == STDOUT
    lines = done.stderr.splitlines()
    assert lines, "no progress lines"
    assert all(line.startswith("ontolake: ") for line in lines), lines
    reading = [line for line in lines if line.startswith("ontolake: reading genes_homo_sapiens")]
    assert re.fullmatch(
        r"ontolake: reading genes_homo_sapiens.csv.gz: 0.9 MB in \d+ s", reading[-1]
    )
    importing = [line for line in lines if line.startswith("ontolake: importing gencode 48: ")]
    counted = re.compile(r"ontolake: importing gencode 48: ([\d,]+) / 78,894 terms \((\d+)%\)")
    steps = [
        (int(m[1].replace(",", "")), int(m[2])) for x in importing if (m := counted.fullmatch(x))
    ]
    assert len(steps) >= 9  # every 10 %
    assert steps == sorted(steps) and steps[-1] == (78_894, 100)
    assert re.fullmatch(r"ontolake: importing gencode 48: 78,894 terms in \d+ s", importing[-1])
    assert "\x1b" not in done.stderr and "\r" not in done.stderr  # plain lines, no bar


def test_a_terminal_gets_a_bar_and_stdout_stays_clean(tmp_path):
    leader, follower = pty.openpty()
    try:
        stdout, done = run_import(tmp_path, stderr=follower)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    assert done.returncode == 0, terminal
    assert stdout == STDOUT
    assert "━" in terminal and "importing gencode 48" in terminal and "78894/78894" in terminal
    assert "ontolake: importing" not in terminal  # a bar, not log lines


def test_quiet_turns_it_off(tmp_path):
    stdout, done = run_import(tmp_path, ONTOLAKE_QUIET="1")
    assert done.returncode == 0 and stdout == STDOUT
    assert done.stderr == ""


def test_steps_shorter_than_the_delay_show_nothing_unless_asked_for(monkeypatch):
    monkeypatch.delenv("ONTOLAKE_QUIET", raising=False)
    stream = io.StringIO()
    with progress("hashing x", total=100, unit="bytes", stream=stream) as step:
        step.update(100)
    assert stream.getvalue() == ""
    with progress("hashing x", total=100, unit="bytes", show=True, stream=stream) as step:
        step.update(100)
    assert stream.getvalue().splitlines()[0] == "ontolake: hashing x: 100 bytes / 100 bytes (100%)"


def test_lines_every_tenth_and_when_done():
    stream = io.StringIO()
    with progress("standardizing", total=4, unit="files", show=True, stream=stream) as step:
        for _ in range(4):
            step.advance()
    lines = stream.getvalue().splitlines()
    assert lines[:4] == [
        "ontolake: standardizing: 1 / 4 files (25%)",
        "ontolake: standardizing: 2 / 4 files (50%)",
        "ontolake: standardizing: 3 / 4 files (75%)",
        "ontolake: standardizing: 4 / 4 files (100%)",
    ]
    assert re.fullmatch(r"ontolake: standardizing: 4 files in \d+ s", lines[4])
    big = io.StringIO()
    with progress("hashing a.h5ad", total=300_000_000, unit="bytes", show=True, stream=big) as s:
        s.update(150_000_000)
    assert big.getvalue().splitlines()[0] == ("ontolake: hashing a.h5ad: 150.0 MB / 300.0 MB (50%)")


@pytest.mark.parametrize(
    ("error", "word"), [(KeyboardInterrupt, "interrupted"), (OSError, "stopped")]
)
def test_a_step_left_by_an_exception_does_not_read_as_done(error, word):
    stream = io.StringIO()
    with pytest.raises(error), progress("reading x", unit="bytes", show=True, stream=stream) as s:
        s.update(6_800_000)
        raise error
    lines = stream.getvalue().splitlines()
    assert lines[0] == "ontolake: reading x: 6.8 MB"
    assert re.fullmatch(rf"ontolake: reading x: {word} after 6\.8 MB in \d+ s", lines[-1])


def test_who_decides_whether_it_shows(monkeypatch):
    import ontolake as ol

    monkeypatch.delenv("ONTOLAKE_QUIET", raising=False)
    assert _progress.enabled() and ol.settings.progress
    monkeypatch.setenv("ONTOLAKE_QUIET", "1")
    assert not _progress.enabled() and not ol.settings.progress
    monkeypatch.setenv("ONTOLAKE_QUIET", "0")
    assert _progress.enabled()
    ol.settings.progress = False
    try:
        assert not _progress.enabled()
        with showing(True), progress("x") as step:
            assert step._show  # an explicit import_source(progress=True) wins
    finally:
        ol.settings.progress = True
    with showing(False), progress("x") as step:
        assert not step._show


@pytest.mark.parametrize("unit", ["terms", "bytes"])
def test_progress_never_writes_to_stdout(monkeypatch, capsys, unit):
    monkeypatch.setattr(_progress, "DELAY_SECONDS", 0.0)
    monkeypatch.delenv("ONTOLAKE_QUIET", raising=False)
    with progress("step", total=10, unit=unit) as step:
        step.update(10)
    captured = capsys.readouterr()
    assert captured.out == "" and "ontolake: step: 10" in captured.err
