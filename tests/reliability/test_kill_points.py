"""Crash anywhere, recover always: every write step is killed by a test (``kill_points.py``).

A step in ``ontolake._faults.STEPS`` that no operation passes, or one that a write path
calls without listing it there, fails ``test_every_write_step_is_killed_by_a_test``; an
operation that passes a step its entry does not list fails
``test_each_operation_passes_exactly_its_steps``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from reliability.kill_points import (
    GROUPS,
    MIGRATED_FROM,
    OPERATIONS,
    migrate_revisions_after,
    passed_steps,
)

from ontolake import _faults


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_operation_passes_exactly_its_steps(request, tmp_path, name):
    """Traced without a kill, each operation passes the steps its entry lists, in order."""
    passed = passed_steps(request, tmp_path, name)
    if name in ("init", "migrate"):  # a migration passes its step once per revision applied
        applied = migrate_revisions_after(None if name == "init" else MIGRATED_FROM)
        assert passed.count("migration.revision") == len(applied) > 1
    once = [step for index, step in enumerate(passed) if index == 0 or step != passed[index - 1]]
    assert tuple(once) == OPERATIONS[name].steps


def steps_called_in_the_code() -> set[str]:
    """The step names ontolake's code passes to ``reached(...)`` (read from its source)."""
    package = Path(_faults.__file__).parent
    found: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "reached"
            ):
                argument = node.args[0]
                assert isinstance(argument, ast.Constant), f"{path}: name steps literally"
                found.add(argument.value)
    return found


def test_every_write_step_is_killed_by_a_test():
    killed = {step for operation in OPERATIONS.values() for step in operation.steps}
    assert steps_called_in_the_code() == set(_faults.STEPS)
    assert killed == set(_faults.STEPS)
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(OPERATIONS)
    for group in GROUPS:
        assert Path(__file__).with_name(f"test_kill_{group}.py").is_file(), group
