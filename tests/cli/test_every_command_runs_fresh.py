"""Every ``curate`` command is exercised as a user types it: a subprocess in a fresh HOME.

The in-process runner cannot see failures of a fresh interpreter (models not yet mapped,
settings not yet read), so each command and ``ontology`` subcommand must appear in a test
that runs the installed executable through the ``curate_cli`` fixture.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from ontolake.cli import main

TESTS = Path(__file__).resolve().parents[1]


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
        else:
            paths.append((*prefix, name))
    return paths


def _fresh_process_sources() -> str:
    texts = (path.read_text() for path in sorted(TESTS.rglob("test_*.py")))
    return "\n".join(text for text in texts if "curate_cli" in text)


def test_every_command_has_a_fresh_process_test():
    sources = _fresh_process_sources()
    missing = []
    for path in _command_paths(main):
        arguments = r",\s*".join(f'"{re.escape(part)}"' for part in path)
        if not re.search(rf"\(\s*{arguments}\s*[,)]", sources):
            missing.append(" ".join(path))
    assert len(_command_paths(main)) >= 15  # 12 commands and 3 ontology subcommands
    assert missing == [], f"no fresh-process test runs: {missing}"
