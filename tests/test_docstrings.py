"""Docstring examples run: one is skipped only with a ``# needs ...`` line saying why.

The examples of ``ontolake/`` run as doctests (see the root conftest.py). An example marked
``# doctest: +SKIP`` shows nothing a reader can trust, so each skipped example (or run of
consecutive skipped examples) must follow a comment line naming what it needs that the
doctest run does not have, e.g. ``>>> # needs a PostgreSQL server``.
"""

from __future__ import annotations

import ast
import doctest
import re
import textwrap
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ontolake"
NEEDS = re.compile(r"^\s*>>> # needs \S")
DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def unexplained_skips(source: str, filename: str) -> list[str]:
    """``file:line`` of each skipped example in ``source`` without a ``# needs`` line above."""
    parser = doctest.DocTestParser()
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, DOCUMENTED) or not node.body:
            continue
        first = node.body[0]
        if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)):
            continue
        docstring = first.value.value
        if not isinstance(docstring, str):
            continue
        lines = docstring.splitlines()
        skipped_until = -1  # the last line of the skipped example just before, if any
        for example in parser.get_examples(docstring, filename):
            end = example.lineno + example.source.count("\n") + example.want.count("\n") - 1
            if not example.options.get(doctest.SKIP):
                skipped_until = -1
                continue
            above = example.lineno - 1
            if above != skipped_until and not (above >= 0 and NEEDS.match(lines[above])):
                found.append(f"{filename}:{first.lineno + example.lineno}")
            skipped_until = end
    return found


def test_every_skipped_example_in_the_package_says_what_it_needs() -> None:
    offenders = [
        place
        for path in sorted(PACKAGE.rglob("*.py"))
        for place in unexplained_skips(
            path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent))
        )
    ]
    assert not offenders, (
        "docstring examples marked +SKIP without a '>>> # needs ...' line right above "
        "(make them run, or say what they need): " + ", ".join(offenders)
    )


def test_a_skip_without_a_reason_is_reported_with_its_line() -> None:
    source = textwrap.dedent(
        '''
        def load():
            """Load.

            Example:
                >>> load()  # doctest: +SKIP
                1
            """
        '''
    )
    assert unexplained_skips(source, "x.py") == ["x.py:6"]


def test_a_reason_covers_the_skipped_examples_right_below_it_only() -> None:
    source = textwrap.dedent(
        '''
        def connect():
            """Connect.

            Example:
                >>> # needs a PostgreSQL server
                >>> engine = connect("postgresql://host/db")  # doctest: +SKIP
                >>> engine.dialect.name  # doctest: +SKIP
                'postgresql'
                >>> 1 + 1
                2
                >>> connect("postgresql://other/db")  # doctest: +SKIP

                Prose between examples ends what a reason covers:

                >>> connect("postgresql://third/db")  # doctest: +SKIP
            """
        '''
    )
    assert unexplained_skips(source, "x.py") == ["x.py:12", "x.py:16"]


def test_a_comment_that_is_no_reason_does_not_count() -> None:
    source = '"""Example:\n\n>>> # TODO\n>>> f()  # doctest: +SKIP\n"""\n'
    assert unexplained_skips(source, "x.py") == ["x.py:4"]
