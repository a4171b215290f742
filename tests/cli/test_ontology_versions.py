"""``curate ontology import``/``ls``/``diff``/``migrate`` with two versions of one ontology, in
fresh processes: files named by release are one source, the diff and the migration report are
byte-identical across processes, a dry run writes nothing, and bad versions are one line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli.shell import error_line

VERSIONS = Path(__file__).resolve().parents[1] / "data" / "ontologies" / "versions"

ANNOTATE = """
import ontolake as ol
bt = ol.bio
ol.Feature(name="phenotype", dtype=bt.Phenotype).save()
path = "a1.txt"
open(path, "w").write("one")
artifact = ol.Artifact(path, key="a1.txt").save()
artifact.features.add_values({"phenotype": "Multicystic kidney dysplasia"})
open("a2.txt", "w").write("two")
ol.Artifact("a2.txt", key="a2.txt").save().features.add_values({"phenotype": "Mode of inheritance"})
"""

SHOW = """
import ontolake as ol
for key in ("a1.txt", "a2.txt"):
    print(key, ol.Artifact.get(key=key).features.get_values()["phenotype"])
"""


@pytest.fixture
def two_versions(curate_cli):
    """An instance with hp 2024 (two annotated artifacts), then hp 2025 imported."""
    for name in ("hp-2024.obo", "hp-2025.obo"):
        shutil.copy(VERSIONS / name, curate_cli.cwd / name)
    assert curate_cli("init", "--storage", "./lake").returncode == 0
    first = curate_cli("ontology", "import", "Phenotype", "--source", "hp-2024.obo")
    assert first.returncode == 0, first.stderr
    python(curate_cli, ANNOTATE)
    second = curate_cli("ontology", "import", "Phenotype", "--source", "hp-2025.obo")
    assert second.returncode == 0, second.stderr
    return curate_cli


def python(curate_cli, script: str) -> str:
    """Run ``script`` in a fresh interpreter with the command's HOME and folder."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=curate_cli.cwd,
        env=curate_cli.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_files_named_by_release_are_one_source_with_two_versions(two_versions):
    listed = two_versions("ontology", "ls")
    assert listed.returncode == 0, listed.stderr
    lines = [line.split() for line in listed.stdout.splitlines()]
    assert [line[:3] for line in lines] == [
        ["Phenotype", "hp", "2024-08-13"],
        ["Phenotype", "hp", "2025-01-16"],
    ]
    assert lines[1][-1] == "*" and lines[0][-1] == "terms"


def test_a_file_named_against_its_header_is_reported_on_one_line(curate_cli):
    shutil.copy(VERSIONS / "hp-2025.obo", curate_cli.cwd / "hp-2024.obo")
    assert curate_cli("init", "--storage", "./lake").returncode == 0
    done = curate_cli("ontology", "import", "Phenotype", "--source", "hp-2024.obo")
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if "SourceNameWarning" in line]
    assert len(said) == 1 and "hp-2024.obo: its name says version 2024" in said[0]
    assert "imported as hp 2025-01-16" in said[0]
    assert "hp 2025-01-16" in done.stdout


def test_diff_is_the_same_text_and_json_in_every_process(two_versions):
    arguments = ("ontology", "diff", "hp", "2024-08-13", "2025-01-16")
    texts = {two_versions(*arguments, PYTHONHASHSEED=seed).stdout for seed in ("0", "1")}
    assert len(texts) == 1
    text = texts.pop()
    assert text.splitlines()[0] == (
        "Phenotype hp 2024-08-13 -> 2025-01-16: 1 added, 1 removed, 1 renamed, 4 newly "
        "obsolete, 0 no longer obsolete, 1 with synonym changes"
    )
    assert "  HP:0000005  Mode of inheritance (replaced by HP:0000002, HP:0000107)" in text
    documents = {
        two_versions(*arguments, "--format", "json", PYTHONHASHSEED=seed).stdout
        for seed in ("0", "1")
    }
    assert len(documents) == 1
    diff = json.loads(documents.pop())
    assert [t["ontology_id"] for t in diff["removed"]] == ["HP:0000006"]
    assert diff["renamed"] == [
        {
            "ontology_id": "HP:0000002",
            "before": "Abnormality of body height",
            "after": "Abnormal body height",
        }
    ]
    back = json.loads(
        two_versions(
            "ontology", "diff", "hp", "2025-01-16", "2024-08-13", "--format", "json"
        ).stdout
    )
    assert (back["added"], back["removed"]) == (diff["removed"], diff["added"])
    assert back["revived"] == diff["newly_obsolete"]


def test_diff_of_a_version_that_does_not_exist_lists_the_ones_that_do(two_versions):
    done = two_versions("ontology", "diff", "hp", "2024-08-13", "2023")
    assert done.returncode == 2 and done.stdout == ""
    line = error_line(done)
    assert "Phenotype source hp has no version '2023'" in line
    assert "2024-08-13" in line and "2025-01-16" in line


def test_diff_of_two_real_cl_releases_without_an_instance(curate_cli):
    pytest.importorskip("cellxgene_ontology_guide")
    done = curate_cli("ontology", "diff", "CellType", "2025-04-10", "2026-03-26")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("CellType cl v2025-04-10 -> v2026-03-26: 428 added, 0 removed")


def test_migrate_dry_run_then_for_real(two_versions):
    before = python(two_versions, SHOW)
    dry = two_versions("ontology", "migrate", "hp", "2024-08-13", "2025-01-16", "--dry-run")
    assert dry.returncode == 1, dry.stderr  # a term needs a person
    lines = dry.stdout.splitlines()
    assert lines[0] == (
        "Phenotype hp 2024-08-13 -> 2025-01-16: would change 1 term(s); 1 need a person"
    )
    assert lines[1].startswith(
        "  replaced: HP:0000003 'Multicystic kidney dysplasia' -> HP:0000107 'Renal cyst' "
        "(1 annotated: artifact "
    )
    assert lines[2].startswith(
        "  needs a person: HP:0000005 'Mode of inheritance', several replacements: "
        "HP:0000002, HP:0000107 (1 annotated: artifact "
    )
    assert python(two_versions, SHOW) == before
    done = two_versions(
        "ontology", "migrate", "Phenotype", "2024-08-13", "2025-01-16", "--format", "json"
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["dry_run"] is False
    assert [(c["ontology_id"], c["to_id"]) for c in report["changes"]] == [
        ("HP:0000003", "HP:0000107")
    ]
    assert python(two_versions, SHOW) == "a1.txt Renal cyst\na2.txt Mode of inheritance\n"
    unknown = two_versions("ontology", "migrate", "hp", "2024-08-13", "2031")
    assert unknown.returncode == 2 and "no version '2031'" in error_line(unknown)
