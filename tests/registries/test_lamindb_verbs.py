"""The README's "Coming from LaminDB" block: a LaminDB user's everyday code, only the import
changed, runs on SQLite and PostgreSQL and each line returns what its comment says."""

from __future__ import annotations

from pathlib import Path

import readme_runner

README = Path(__file__).parents[2] / "README.md"


def lamindb_block() -> readme_runner.Block:
    """The first python block of the README section "Coming from LaminDB"."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Coming from LaminDB\n")
    line = text[:start].count("\n") + 2
    end = text.index("\n## ", start + 1)
    blocks = readme_runner.blocks(text[start:end])
    python = next(block for block in blocks if block.language == "python")
    return readme_runner.Block("python", python.line + line - 1, python.text)


def test_the_readme_block_runs_and_returns_what_it_says(instance, tmp_path, monkeypatch):
    """Each ``# -> VALUE`` of the block holds on SQLite and on PostgreSQL."""
    monkeypatch.chdir(tmp_path)
    block = lamindb_block()
    assert block.text.startswith("import ontolake as ln ")
    assert "lamindb" not in block.text.replace("# was: import lamindb", "")
    assert block.text.count("# -> ") >= 5
    namespace: dict[str, object] = {}
    readme_runner.run_python(block, namespace)
    # the last verbs were committed: a fresh query sees them
    artifact = namespace["artifact"]
    assert artifact.cell_types.count() == 0  # type: ignore[attr-defined]
    assert [p.name for p in artifact.projects.all()] == ["My project"]  # type: ignore[attr-defined]
