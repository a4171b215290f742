"""The README's "Coming from LaminDB" block: a LaminDB user's everyday code, only the import
changed, runs on SQLite and PostgreSQL and each line returns what its comment says."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

README = Path(__file__).parents[2] / "README.md"


def lamindb_block() -> str:
    """The first python block of the README section "Coming from LaminDB"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Coming from LaminDB\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert found is not None, "no python block in the section"
    return found.group(1)


def run_like_a_session(source: str) -> dict[str, Any]:
    """Run ``source`` statement by statement; return the value of each expression line."""
    namespace: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr):
            expression = ast.Expression(node.value)
            code = compile(expression, "README.md", "eval")
            values[ast.get_source_segment(source, node) or ""] = eval(code, namespace)
        else:
            exec(compile(ast.Module([node], []), "README.md", "exec"), namespace)
    values["namespace"] = namespace
    return values


def test_the_readme_block_runs_and_returns_what_it_says(instance, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = lamindb_block()
    assert source.startswith("import ontolake as ln ")
    assert "lamindb" not in source.replace("# was: import lamindb", "")
    values = run_like_a_session(source)
    namespace = values.pop("namespace")
    labelled = values["ln.Artifact.filter(ulabels=my_label, projects=project).to_dataframe()"]
    assert list(labelled["key"]) == ["examples/seq.fasta"]
    assert values["artifact.ulabels.all().count()"] == 1
    counted = values[
        'ln.Artifact.filter(read_count__gt=1_000_000).to_dataframe(include="features")'
    ]
    assert list(counted["read_count"]) == [1_200_000]
    assert list(values["d1.children.to_dataframe()"]["name"]) == ["D1 replicate"]
    donors = values["ln.Record.filter(type=donor).to_dataframe()"]
    assert list(donors["name"]) == ["D1", "D1 replicate"]
    assert list(values["t_cell.parents.to_dataframe()"]["name"]) == ["lymphocyte"]
    linked = values[
        'ln.Artifact.filter(cell_types=t_cell, key__startswith="examples/").to_dataframe()'
    ]
    assert list(linked["key"]) == ["examples/seq.fasta"]
    # the last verbs were committed: a fresh query sees them
    artifact = namespace["artifact"]
    assert artifact.cell_types.count() == 0
    assert [p.name for p in artifact.projects.all()] == ["My project"]
