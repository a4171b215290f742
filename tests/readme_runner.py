"""Run the code blocks of a Markdown file in order, the way a reader would type them.

Usage: ``python tests/readme_runner.py README.md [--substitute OLD=NEW ...]``, in the folder
the blocks should run in (the test gives it a fresh folder and a fresh HOME).

- ```` ```python ```` blocks run in one namespace, one statement at a time, in this process:
  later blocks see what earlier ones defined, as in one notebook.
- ```` ```bash ```` blocks run command by command with ``bash``; each must exit 0 unless its
  line ends with ``# exit N``.
- A block of any language whose first line is ``# file: NAME`` is written to NAME instead
  of running (a script that a later ```` ```bash ```` block runs, a schema file).
- Blocks with no language, or ```` ```text ````, are pictures (a folder tree, output) and
  do not run.
- A statement that ends with ``# -> VALUE`` is an expectation: the statement's value must
  equal VALUE (a Python literal), or its ``repr`` must read VALUE exactly; a note may
  follow after two spaces, in brackets (``# -> 2  (two versions)``). A bash command
  with ``# -> TEXT`` must print TEXT (on stdout or stderr).
- An HTML comment ``<!-- readme-test: skip REASON -->`` on the line before a fence keeps
  that block from running (illustrative blocks, e.g. ``make`` itself); every skipped block
  is listed with its reason.
- ``--substitute OLD=NEW`` replaces text in every block before it runs: the test points the
  README's example server addresses at its own PostgreSQL and S3 services.

Each block is announced on stdout with its line number; the first failure stops the run
with exit 1 and names the line of the README that failed.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import io
import re
import subprocess
import sys
import tokenize
import traceback
from pathlib import Path
from typing import Any

FENCE = re.compile(r"^```(\w*)\s*$")
DIRECTIVE = re.compile(r"^<!--\s*readme-test:\s*(\w+)\s*(.*?)\s*-->\s*$")
EXPECTATION = re.compile(r"#\s*->\s*(.+?)(?:\s{2,}\(.*\))?\s*$")
EXIT = re.compile(r"#\s*exit\s+(\d+)\b")


@dataclasses.dataclass
class Block:
    """One fenced block: its language, first line number (1-based) and text."""

    language: str
    line: int
    text: str
    skip: str | None = None


class Failure(Exception):
    """A block did not do what the README says; the message names the README line."""


def blocks(markdown: str) -> list[Block]:
    """The fenced blocks of ``markdown`` with the directive on the line before each."""
    lines = markdown.splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opened = FENCE.match(lines[index])
        if opened is None:
            index += 1
            continue
        language = opened.group(1)
        skip = None
        if index > 0 and (directive := DIRECTIVE.match(lines[index - 1])):
            if directive.group(1) != "skip":
                raise Failure(f"line {index}: unknown readme-test directive {directive.group(1)!r}")
            skip = directive.group(2) or "no reason given"
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        found.append(Block(language, index + 2, "\n".join(lines[index + 1 : end]), skip))
        index = end + 1
    return found


def expectations(source: str) -> dict[int, str]:
    """``{line: expected}`` for every ``# -> VALUE`` comment of a Python block."""
    expected: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and (match := EXPECTATION.match(token.string)):
            expected[token.start[0]] = match.group(1)
    return expected


def _matches(value: Any, expected: str) -> bool:
    if repr(value) == expected:
        return True
    try:
        literal = ast.literal_eval(expected)
    except (ValueError, SyntaxError):
        return False
    if hasattr(value, "tolist"):
        value = value.tolist()
    return type(value) is type(literal) and bool(value == literal)


def run_python(block: Block, namespace: dict[str, Any]) -> None:
    """Run ``block`` statement by statement; check each ``# -> VALUE`` expectation."""
    tree = ast.parse(block.text)
    expected = expectations(block.text)
    for statement in tree.body:
        assert statement.end_lineno is not None
        readme_line = block.line + statement.lineno - 1
        want = expected.get(statement.end_lineno)
        try:
            if want is not None and isinstance(statement, ast.Expr):
                code = compile(ast.Expression(statement.value), "<README>", "eval")
                value = eval(code, namespace)
                if not _matches(value, want):
                    raise Failure(f"README line {readme_line}: expected {want}, got {value!r}")
            else:
                if want is not None:
                    raise Failure(f"README line {readme_line}: '# ->' needs an expression")
                module = ast.Module(body=[statement], type_ignores=[])
                exec(compile(module, "<README>", "exec"), namespace)
        except Failure:
            raise
        except BaseException as error:
            shown = "".join(traceback.format_exception(error)[-6:])
            message = f"README line {readme_line}: {type(error).__name__}: {error}\n{shown}"
            raise Failure(message) from error


def commands(text: str) -> list[tuple[int, str]]:
    """``(line offset, command)`` per logical line of a bash block (``\\`` continues)."""
    found: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for offset, line in enumerate(text.splitlines()):
        if not pending:
            start = offset
            if not line.strip() or line.lstrip().startswith("#"):
                continue
        if line.rstrip().endswith("\\"):
            pending.append(line.rstrip()[:-1])
            continue
        pending.append(line)
        found.append((start, "\n".join(pending)))
        pending = []
    return found


def run_bash(block: Block) -> None:
    """Run each command of ``block``; check its exit code and ``# -> TEXT``."""
    for offset, command in commands(block.text):
        readme_line = block.line + offset
        exit_match = EXIT.search(command)
        want_exit = int(exit_match.group(1)) if exit_match else 0
        text_match = EXPECTATION.search(command)
        result = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, timeout=900, check=False
        )
        sys.stdout.write(result.stdout)
        sys.stdout.write(result.stderr)
        if result.returncode != want_exit:
            raise Failure(
                f"README line {readme_line}: `{command.strip()}` exited {result.returncode}, "
                f"expected {want_exit}\n{result.stderr[-2000:]}"
            )
        if text_match and text_match.group(1) not in result.stdout + result.stderr:
            raise Failure(
                f"README line {readme_line}: `{command.strip()}` did not print "
                f"{text_match.group(1)!r}"
            )


def write_file(block: Block) -> bool:
    """Write a block whose first line is ``# file: NAME`` to NAME; False for other blocks."""
    first = block.text.splitlines()[0] if block.text else ""
    match = re.match(r"#\s*file:\s*(\S+)\s*$", first)
    if match is None:
        return False
    target = Path(match.group(1))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(block.text + "\n", encoding="utf-8")
    return True


def main(arguments: list[str]) -> int:
    """Run every block of the Markdown file named first in ``arguments``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("markdown", type=Path)
    parser.add_argument("--substitute", action="append", default=[], metavar="OLD=NEW")
    options = parser.parse_args(arguments)
    path = options.markdown
    substitutions = [tuple(pair.split("=", 1)) for pair in options.substitute]
    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        for block in blocks(path.read_text(encoding="utf-8")):
            if block.skip is not None:
                print(f"--- line {block.line} ({block.language}): skipped: {block.skip}")
                continue
            text = block.text
            for old, new in substitutions:
                text = text.replace(old, new)
            block = dataclasses.replace(block, text=text)
            print(f"--- line {block.line} ({block.language})", flush=True)
            if block.language in ("", "text") or write_file(block):
                continue
            if block.language == "python":
                run_python(block, namespace)
            elif block.language == "bash":
                run_bash(block)
            else:
                raise Failure(f"README line {block.line}: no way to run a {block.language!r} block")
            sys.stdout.flush()
    except Failure as failure:
        print(f"FAILED: {failure}", flush=True)
        return 1
    print("README ran to the end", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
