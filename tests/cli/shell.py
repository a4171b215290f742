"""Reading what a ``curate`` process printed."""

from __future__ import annotations

INSTANCE_LINE = "ontolake: using instance "
"""How the line naming the instance of an implicit connection starts."""


def error_line(result) -> str:
    """The one line a failed command prints (the instance line, if any, left out)."""
    lines = [line for line in result.stderr.splitlines() if not line.startswith(INSTANCE_LINE)]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]
