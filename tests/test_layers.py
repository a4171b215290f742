"""The layers hold, and ``make lint`` says so: an import that runs up a layer fails lint.

``.importlinter`` states the layers of README "Architecture" (DESIGN.md "Layers") and
``lint-imports`` checks every import statement against them, the ones inside functions
included. What it cannot see are imports by name (``importlib.import_module("ontolake…")``):
the second test keeps those to a declared few that point down. The third counts
function-level imports that have no reason to be late; that count may only go down.
"""

from __future__ import annotations

import ast
import configparser
import dataclasses
import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ontolake"
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Modules that import ontolake modules by name, and why. import-linter cannot see these
# imports, so each one is declared here and must point to the same or a lower layer.
BY_NAME = {
    "ontolake": "the public API, resolved on first access so that `import ontolake` is light",
    "ontolake.curate": "the curator classes of ol.curate, resolved on first access",
    "ontolake.registries.base": "the mapper hook that maps every model before the first query",
    "ontolake.registries.bio": "ol.bio.diff_versions and migrate_labels, resolved on first use",
}

# Importers that keep `import ontolake` and `curate --help` fast: a function-level import
# there is the point.
LIGHT = ("ontolake", "ontolake.curate", "ontolake.instance.settings", "ontolake.cli")

# Libraries worth deferring: a function-level import of a module that loads one of them at
# its top (directly or through other modules) keeps the importer light.
HEAVY = frozenset(
    {
        "alembic",
        "anndata",
        "awkward",
        "click",
        "dask",
        "fastobo",
        "fsspec",
        "h5py",
        "mudata",
        "nbclient",
        "nbconvert",
        "nbformat",
        "numpy",
        "owlready2",
        "pandas",
        "pandera",
        "pronto",
        "psycopg",
        "pyarrow",
        "rapidfuzz",
        "rich",
        "s3fs",
        "scipy",
        "spatialdata",
        "sqlalchemy",
        "yaml",
        "zarr",
    }
)

# Function-level imports of ontolake modules with none of the three reasons (a light
# importer, an import cycle at module level, a heavy target): each could move to the top of
# its module. Measured when the count was introduced (issue 14, stage S0). When you hoist
# some, lower this number to the new count the failure message (or a run with a lower
# number) shows; never raise it: import new code at the top of the module instead.
LATE_IMPORTS_WITHOUT_REASON = 191


@dataclasses.dataclass(frozen=True)
class Import:
    """One internal import: importer and imported module, line, and whether it is late."""

    importer: str
    imported: str
    line: int
    late: bool


@dataclasses.dataclass
class Module:
    """A module of the package: its syntax tree and what it imports."""

    name: str
    path: Path
    tree: ast.Module
    imports: list[Import] = dataclasses.field(default_factory=list)
    top_external: set[str] = dataclasses.field(default_factory=set)

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def statements(
    nodes: list[ast.stmt], late: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement in ``nodes`` that runs, with whether it runs in a function."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, late
        elif isinstance(node, ast.If) and is_type_checking(node.test):
            yield from statements(node.orelse, late)
        else:
            function = late or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for field in ("body", "orelse", "finalbody"):
                yield from statements(getattr(node, field, []), function)
            for part in getattr(node, "handlers", []) + getattr(node, "cases", []):
                yield from statements(part.body, function)


@functools.cache
def package() -> dict[str, Module]:
    """Every module of ``ontolake/`` with its internal imports and top-level libraries."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        found[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    for module in found.values():
        for statement, late in statements(module.tree.body):
            if isinstance(statement, ast.Import):
                targets = [alias.name for alias in statement.names]
            else:
                base = statement.module or ""
                if statement.level:
                    anchor = module.name.split(".")
                    anchor = anchor[: len(anchor) - statement.level + module.is_package]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in found else base
                    for alias in statement.names
                ]
            for target in dict.fromkeys(targets):
                if target.split(".")[0] != "ontolake":
                    if not late:
                        module.top_external.add(target.split(".")[0])
                    continue
                while target not in found:
                    target = target.rpartition(".")[0]
                module.imports.append(Import(module.name, target, statement.lineno, late))
    return found


@functools.cache
def loaded_with(name: str) -> frozenset[str]:
    """The ontolake modules that importing ``name`` runs (its parents and top-level imports)."""
    modules = package()
    seen = {name}
    pending = [name]
    while pending:
        current = pending.pop()
        parent = current.rpartition(".")[0]
        following = [i.imported for i in modules[current].imports if not i.late]
        for other in [parent, *following] if parent else following:
            if other not in seen:
                seen.add(other)
                pending.append(other)
    return frozenset(seen)


@functools.cache
def contract(identifier: str) -> configparser.SectionProxy:
    """One contract of ``.importlinter``."""
    config = configparser.ConfigParser()
    config.read(CONFIG, encoding="utf-8")
    return config[f"importlinter:contract:{identifier}"]


def layer_lines() -> list[str]:
    """The layers of ``.importlinter`` from the top down, one line each."""
    return [line.strip() for line in contract("layers")["layers"].splitlines() if line.strip()]


@functools.cache
def layer_ranks() -> dict[str, int]:
    """Module → rank of its layer in ``.importlinter`` (0 is the top layer)."""
    ranks = {}
    for rank, line in enumerate(layer_lines()):
        for tail in re.split(r"[|:]", line):
            ranks[f"ontolake.{tail.strip().strip('()')}"] = rank
    return ranks


def layer_of(name: str) -> int:
    """Rank of the layer holding ``name``; the public package ``ontolake`` is above all."""
    parts = name.split(".")
    for length in range(len(parts), 1, -1):
        rank = layer_ranks().get(".".join(parts[:length]))
        if rank is not None:
            return rank
    assert name == "ontolake", f"{name} is in no layer of .importlinter"
    return -1


def test_an_upward_import_fails_lint_naming_the_contract(tmp_path):
    copy = tmp_path / "ontolake"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    name = contract("layers")["name"]
    command = [str(LINT_IMPORTS), "--no-logo", "--no-cache", str(CONFIG)]
    environment = {**os.environ, "PYTHONPATH": str(tmp_path), "COLUMNS": "300"}

    def lint() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=tmp_path, env=environment, capture_output=True, text=True, check=False
        )

    clean = lint()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    keys = copy / "storage" / "keys.py"
    line = len(keys.read_text(encoding="utf-8").splitlines()) + 4
    with keys.open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef _check_with_a_curator():\n    from ontolake.curate import base\n")
    broken = lint()
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"{name} BROKEN" in broken.stdout
    assert f"ontolake.storage.keys -> ontolake.curate.base (l.{line})" in broken.stdout
    assert "Do not add an ignore_imports line" in broken.stdout


def by_name_targets(module: Module) -> set[str]:
    """The ontolake modules ``module`` imports by name (``import_module``, ``__import__``).

    A module that calls one of them counts as importing by name every ontolake module named
    in one of its strings (docstrings aside): a table of module names, a literal argument.
    """
    calls = [
        node
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__"))
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
        )
    ]
    if not calls:
        return set()
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    found = set()
    for node in ast.walk(module.tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in docstrings or not re.fullmatch(r"ontolake\.[\w.]*(:\w+)?", node.value):
            continue
        target = node.value.partition(":")[0].rstrip(".")
        while target not in package():
            target = target.rpartition(".")[0]
        found.add(target)
    return found


def test_only_declared_modules_import_by_name():
    importing = {name: by_name_targets(module) for name, module in package().items()}
    importing = {name: targets for name, targets in importing.items() if targets}
    assert set(importing) == set(BY_NAME), (
        f"undeclared: {sorted(set(importing) - set(BY_NAME))}; "
        f"declared but no longer importing by name: {sorted(set(BY_NAME) - set(importing))}"
    )
    upward = sorted(
        f"{importer} -> {target}"
        for importer, targets in importing.items()
        for target in targets
        if layer_of(target) < layer_of(importer)
    )
    assert upward == []


def late_imports_without_reason() -> list[str]:
    """``file:line importer -> imported`` of each late import that could be at the top."""
    modules = package()
    found = []
    for module in modules.values():
        if module.name in LIGHT or module.name.startswith("ontolake.cli."):
            continue
        for late in (i for i in module.imports if i.late):
            loaded = loaded_with(late.imported)
            cycle = module.name in loaded
            heavy = any(modules[other].top_external & HEAVY for other in loaded)
            if not (cycle or heavy):
                where = module.path.relative_to(ROOT)
                found.append(f"{where}:{late.line} {module.name} -> {late.imported}")
    return sorted(found)


def test_late_internal_imports_are_downward_or_declared():
    found = late_imports_without_reason()
    assert len(found) <= LATE_IMPORTS_WITHOUT_REASON, (
        f"{len(found)} function-level imports have no reason to be late, more than the "
        f"{LATE_IMPORTS_WITHOUT_REASON} allowed: import new code at the top of its module.\n"
        + "\n".join(found)
    )


def test_the_readme_shows_the_layers_lint_checks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Layers, checked by `make lint`\n", 1)[1]
    shown = section.split("```text\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert shown == layer_lines()
