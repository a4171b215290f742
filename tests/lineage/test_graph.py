"""Lineage pictures and provenance: DOT nodes and edges, SVG via Graphviz, CLI, describe()."""

from __future__ import annotations

import logging
import os
import re
import shutil
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from click.testing import CliRunner

import ontolake as ol
from ontolake.cli import main

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def chain(instance):
    """raw → run of clean → cleaned → run of train → model (two tracked steps)."""
    raw = ol.Artifact.from_dataframe(pd.DataFrame({"a": [1, 2]}), key="raw/a.parquet").save()

    @ol.tracked("clean")
    def clean() -> ol.Artifact:
        table = ol.Artifact.get(key="raw/a.parquet").load()
        return ol.Artifact.from_dataframe(table + 1, key="clean/a.parquet").save()

    @ol.tracked("train")
    def train() -> ol.Artifact:
        table = ol.Artifact.get(key="clean/a.parquet").load()
        return ol.Artifact.from_dataframe(table * 3, key="models/a.parquet").save()

    cleaned, model = clean(), train()
    clean_run, train_run = cleaned.run, model.run
    return {
        "raw": f'"artifact_{raw.uid}"',
        "cleaned": f'"artifact_{cleaned.uid}"',
        "model": f'"artifact_{model.uid}"',
        "clean_run": f'"run_{clean_run.uid}"',
        "train_run": f'"run_{train_run.uid}"',
        "clean": f'"transform_{clean_run.transform.uid}"',
        "train": f'"transform_{train_run.transform.uid}"',
        "artifacts": (raw, cleaned, model),
        "runs": (clean_run, train_run),
    }


def nodes(dot: str) -> set[str]:
    return set(re.findall(r'^  ("[^"]+") \[label', dot, flags=re.MULTILINE))


def edges(dot: str) -> set[tuple[str, str]]:
    return set(re.findall(r'^  ("[^"]+") -> ("[^"]+")', dot, flags=re.MULTILINE))


def test_an_artifacts_lineage_goes_upstream_through_runs_inputs_and_transforms(chain):
    raw, _cleaned, model = chain["artifacts"]
    dot = model.view_lineage()
    assert dot.startswith("digraph lineage {")
    assert nodes(dot) == {chain[name] for name in ("raw", "cleaned", "model", "clean_run")} | {
        chain[name] for name in ("train_run", "clean", "train")
    }
    assert edges(dot) == {
        (chain["raw"], chain["clean_run"]),
        (chain["clean_run"], chain["cleaned"]),
        (chain["cleaned"], chain["train_run"]),
        (chain["train_run"], chain["model"]),
        (chain["clean"], chain["clean_run"]),
        (chain["train"], chain["train_run"]),
    }
    assert "models/a.parquet\\nv1" in dot and "penwidth" in dot  # the artifact asked about
    # upstream only, unless downstream is asked for
    assert nodes(raw.view_lineage()) == {chain["raw"]}
    assert nodes(raw.view_lineage(downstream=True)) == nodes(dot)
    assert edges(raw.view_lineage(downstream=True)) == edges(dot)


def test_a_runs_lineage_shows_its_inputs_outputs_and_transform(chain):
    clean_run, _train_run = chain["runs"]
    dot = clean_run.view_lineage()
    assert edges(dot) == {
        (chain["raw"], chain["clean_run"]),
        (chain["clean_run"], chain["cleaned"]),
        (chain["clean"], chain["clean_run"]),
    }
    assert chain["model"] in clean_run.view_lineage(downstream=True)


def test_nested_runs_are_linked_to_the_run_that_initiated_them(instance):
    @ol.tracked("inner")
    def inner() -> ol.Artifact:
        return ol.Artifact.from_dataframe(pd.DataFrame({"b": [1]}), key="inner.parquet").save()

    @ol.tracked("outer")
    def outer() -> ol.Artifact:
        return inner()

    made = outer()
    outer_run = ol.Run.filter(transform__key="outer").one()
    expected = (f'"run_{outer_run.uid}"', f'"run_{made.run.uid}"')
    assert expected in edges(made.view_lineage())  # upstream: who initiated the step
    assert (f'"run_{made.run.uid}"', f'"artifact_{made.uid}"') in edges(outer_run.view_lineage())


def svg_contents(svg_text: str) -> tuple[set[str], set[tuple[str, str]], list[str]]:
    """Node titles, edge titles (as quoted DOT ids) and every text of an SVG picture."""
    root = ET.fromstring(svg_text)
    found: dict[str, list[str]] = {"node": [], "edge": []}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") in found:
            found[group.get("class")].append(group.findtext(f"{SVG}title"))
    assert len(found["node"]) == len(set(found["node"]))  # one element per node
    pairs = {tuple(f'"{end}"' for end in title.split("->")) for title in found["edge"]}
    texts = [text.text or "" for text in root.iter(f"{SVG}text")]
    return {f'"{title}"' for title in found["node"]}, pairs, texts


def test_a_picture_is_drawn_by_graphviz_when_it_is_installed(chain, tmp_path):
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Graphviz's dot is missing (make services installs it)")
        pytest.skip("Graphviz's dot is not installed")
    _raw, _cleaned, model = chain["artifacts"]
    picture = tmp_path / "pictures" / "lineage.svg"
    dot = model.view_lineage(picture)
    svg = picture.read_text()
    assert "Generated by graphviz" in svg
    node_titles, edge_titles, texts = svg_contents(svg)
    assert node_titles == nodes(dot) and edge_titles == edges(dot)
    assert "models/a.parquet" in texts


def test_without_graphviz_the_picture_is_drawn_in_python(chain, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` anywhere
    _raw, _cleaned, model = chain["artifacts"]
    picture = tmp_path / "pictures" / "lineage.svg"
    dot = model.view_lineage(picture)
    svg = picture.read_text()
    assert "graphviz" not in svg.lower()
    node_titles, edge_titles, texts = svg_contents(svg)
    assert node_titles == nodes(dot) and edge_titles == edges(dot)
    assert {"models/a.parquet", "v1", "clean", "train"} <= set(texts)
    model.view_lineage(tmp_path / "again.svg")
    assert (tmp_path / "again.svg").read_bytes() == picture.read_bytes()
    with caplog.at_level(logging.WARNING, logger="ontolake"):
        model.view_lineage(tmp_path / "picture.png")
    assert not (tmp_path / "picture.png").exists()
    assert (tmp_path / "picture.svg").read_bytes() == picture.read_bytes()
    assert "drew " in caplog.text and "apt-get install graphviz" in caplog.text


def test_curate_lineage_draws_the_same_svg_without_graphviz(chain, tmp_path, curate_cli):
    from ontolake.instance.setup import current_instance

    _raw, _cleaned, model = chain["artifacts"]
    done = curate_cli(
        "lineage",
        "--key",
        "models/a.parquet",
        "-o",
        "new/lineage.svg",
        ONTOLAKE_INSTANCE=current_instance().root.root,
        PATH=str(tmp_path / "empty"),
    )
    assert done.returncode == 0, done.stderr
    written = curate_cli.cwd / "new" / "lineage.svg"
    assert done.stdout == "wrote new/lineage.svg (7 nodes, 6 edges)\n"
    expected = tmp_path / "expected.svg"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", str(tmp_path / "empty"))
        model.view_lineage(expected)
    assert written.read_bytes() == expected.read_bytes()


def test_curate_lineage_prints_or_writes_the_graph(chain, tmp_path):
    runner = CliRunner()
    printed = runner.invoke(main, ["lineage", "--key", "models/a.parquet"])
    assert printed.exit_code == 0, printed.output
    assert edges(printed.output) >= {(chain["train_run"], chain["model"])}
    _raw, _cleaned, model = chain["artifacts"]
    assert printed.output == model.view_lineage()
    target = tmp_path / "graph.svg"
    drawn = runner.invoke(main, ["lineage", "--key", "raw/a.parquet", "-o", target, "--downstream"])
    assert drawn.exit_code == 0, drawn.output
    assert f"wrote {target} (7 nodes, 6 edges)" in drawn.output
    by_run = runner.invoke(main, ["lineage", "--uid", chain["runs"][0].uid[:10]])
    assert by_run.exit_code == 0 and chain["clean_run"] in by_run.output
    missing = runner.invoke(main, ["lineage", "--key", "nothing.parquet"])
    assert missing.exit_code == 2 and missing.output.startswith("error: ")
    assert runner.invoke(main, ["lineage"]).exit_code == 2


def test_describe_shows_provenance(chain, capsys):
    raw, _cleaned, model = chain["artifacts"]
    model.describe()
    shown = capsys.readouterr().out
    assert "provenance" in shown
    assert "transform: train v1 (function)" in shown
    assert f"run: {model.run.uid} completed" in shown
    assert "created_by: " in shown
    assert "inputs (1)" in shown and "clean/a.parquet" in shown
    raw.describe()
    assert "run: none (saved outside a tracked run)" in capsys.readouterr().out
    model.run.describe()
    shown = capsys.readouterr().out
    assert "transform: train v1" in shown and "outputs (1)" in shown
