"""Migrating annotations between versions of an ontology: through replaced_by, every change and
every term that needs a person reported, one transaction, a dry run; SQLite and PostgreSQL,
small OBO files with exact expectations, two real CL releases, and a round-trip property.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from registries.link_helpers import new_artifact
from sqlalchemy import select, text

import ontolake as ol
from ontolake.errors import OntolakeError, SourceNotFoundError
from ontolake.registries.bio.version_migrate import LabelChange, NeedsPerson, migrate_labels
from ontolake.registries.feature_values import VALUE_TABLES
from ontolake.registries.links import LABEL_LINKS

VERSIONS = Path(__file__).resolve().parents[2] / "data" / "ontologies" / "versions"
HP_2024 = VERSIONS / "hp-2024.obo"
HP_2025 = VERSIONS / "hp-2025.obo"


def annotations(owner) -> dict[str, object]:
    return owner.features.get_values()


def linked(artifact) -> list[str]:
    return sorted(t.ontology_id for t in artifact.phenotypes.all())


@pytest.fixture
def annotated(instance, tmp_path):
    """Artifacts and a record annotated with terms of hp 2024; then hp 2025 is imported."""
    bt = ol.bio
    bt.Phenotype.import_source(HP_2024)
    ol.Feature(name="phenotype", dtype=bt.Phenotype, nullable=True).save()
    ol.Feature(name="phenotype_id", dtype=bt.Phenotype.ontology_id, nullable=True).save()
    ol.Feature(name="phenotype_list", dtype="list[cat[bio.Phenotype]]", nullable=True).save()
    a1, a2, a3 = (new_artifact(tmp_path, key=f"a{n}.txt") for n in (1, 2, 3))
    a1.features.add_values(
        {"phenotype": "Multicystic kidney dysplasia", "phenotype_id": "HP:0000002"}
    )
    a2.features.add_values(
        {
            "phenotype": "Abnormality of body height",
            "phenotype_list": ["Mode of inheritance", "Onset and clinical course", "Seizure"],
        }
    )
    a3.phenotypes.add(bt.Phenotype.get(ontology_id="HP:0000006"))  # a direct link
    a3.features.add_values({"phenotype": "Autosomal recessive inheritance"})
    sample = ol.Record(name="sample 1").save()
    sample.features.add_values({"phenotype": "Multicystic kidney dysplasia"})
    bt.Phenotype.import_source(HP_2025)
    return a1, a2, a3, sample


def expected(a1, a2, a3, sample) -> tuple[tuple[LabelChange, ...], tuple[NeedsPerson, ...]]:
    art = {n: f"artifact {a.uid}" for n, a in (("a1", a1), ("a2", a2), ("a3", a3))}
    changes = (
        LabelChange(
            "HP:0000002",
            "Abnormality of body height",
            "renamed",
            "HP:0000002",
            "Abnormal body height",
            (art["a2"],),  # a1 holds it by id: nothing to rename
        ),
        LabelChange(
            "HP:0000003",
            "Multicystic kidney dysplasia",
            "replaced",
            "HP:0000107",
            "Renal cyst",
            tuple(sorted([art["a1"], f"record {sample.uid}"])),
        ),
    )
    people = (
        NeedsPerson(
            "HP:0000004",
            "Onset and clinical course",
            "obsolete, consider only",
            ("HP:0000118",),
            (art["a2"],),
        ),
        NeedsPerson(
            "HP:0000005",
            "Mode of inheritance",
            "several replacements",
            ("HP:0000002", "HP:0000107"),
            (art["a2"],),
        ),
        NeedsPerson(
            "HP:0000006",
            "Autosomal dominant inheritance",
            "removed without replacement",
            (),
            (art["a3"],),
        ),
        NeedsPerson(
            "HP:0000007",
            "Autosomal recessive inheritance",
            "obsolete without replacement",
            (),
            (art["a3"],),
        ),
    )
    return changes, people


def state(a1, a2, a3, sample) -> list[object]:
    return [annotations(a) for a in (a1, a2, a3, sample)] + [linked(a) for a in (a1, a2, a3)]


def test_a_dry_run_reports_every_change_and_changes_nothing(annotated):
    before = state(*annotated)
    report = migrate_labels("hp", "2024-08-13", "2025-01-16", dry_run=True)
    assert (report.changes, report.needs_person) == expected(*annotated)
    assert report.dry_run and state(*annotated) == before
    assert report.to_text().splitlines()[0] == (
        "Phenotype hp 2024-08-13 -> 2025-01-16: would change 2 term(s); 4 need a person"
    )


def test_migrating_re_annotates_through_replaced_by_and_leaves_the_rest_for_a_person(annotated):
    a1, a2, a3, sample = annotated
    report = migrate_labels("Phenotype", "2024-08-13", "2025-01-16")
    assert (report.changes, report.needs_person) == expected(*annotated)
    assert not report.dry_run
    assert annotations(a1) == {"phenotype": "Renal cyst", "phenotype_id": "HP:0000002"}
    assert annotations(sample) == {"phenotype": "Renal cyst"}
    assert annotations(a2) == {  # renamed; the terms that need a person are as they were
        "phenotype": "Abnormal body height",
        "phenotype_list": ["Mode of inheritance", "Onset and clinical course", "Seizure"],
    }
    assert linked(a1) == ["HP:0000002", "HP:0000107"]
    assert linked(a3) == ["HP:0000006", "HP:0000007"]
    assert ol.Artifact.filter(phenotype="Renal cyst").one() == a1
    assert ol.Artifact.filter(phenotypes__ontology_id="HP:0000003").count() == 0
    # what was migrated is valid against the version the user asked for
    schema = ol.Schema(features=[ol.Feature.get(name="phenotype")])
    frame = pd.DataFrame({"phenotype": ["Renal cyst", "Abnormal body height"]})
    assert ol.curate.DataFrameCurator(frame, schema).validate() is None
    again = migrate_labels("hp", "2024-08-13", "2025-01-16")  # nothing left to change
    assert again.changes == () and again.needs_person == report.needs_person


def _refuse_relinking(instance, record_id: int) -> None:
    """A database trigger refusing to point a label link at ``record_id``."""
    column = LABEL_LINKS["bio.Phenotype"].label_column.name
    with instance.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE UPDATE ON artifact_phenotypes "
                    f"WHEN NEW.{column} = {record_id} "
                    "BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused by trigger'; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE UPDATE ON artifact_phenotypes FOR EACH ROW "
                    f"WHEN (NEW.{column} = {record_id}) EXECUTE FUNCTION refuse()"
                )
            )


def test_a_failure_part_way_leaves_nothing_half_migrated(instance, annotated):
    before = state(*annotated)
    _refuse_relinking(instance, ol.bio.Phenotype.get(ontology_id="HP:0000107").id)
    with pytest.raises(OntolakeError, match="refused by trigger"):
        migrate_labels("hp", "2024-08-13", "2025-01-16")
    # the rename (done before) and the values of the replaced term (changed before the
    # link failed) are rolled back with it
    assert state(*annotated) == before
    with instance.engine.begin() as connection:
        values = VALUE_TABLES["artifacts"]
        stored = set(connection.execute(select(values.c.value_str)).scalars())
    assert "Abnormal body height" not in stored and "Renal cyst" not in stored


def test_migrating_to_a_version_not_imported_says_how_to_import_it(instance):
    pytest.importorskip("cellxgene_ontology_guide")
    with pytest.raises(SourceNotFoundError, match=r"not imported: import it first with `curate"):
        migrate_labels("cl", "2025-04-10", "2026-03-26")


def test_real_cl_releases_forward_and_back(instance, tmp_path):
    pytest.importorskip("cellxgene_ontology_guide")
    bt = ol.bio
    bt.CellType.import_source(version="2025-04-10")
    ol.Feature(name="cell_type_list", dtype="list[cat[bio.CellType]]").save()
    artifact = new_artifact(tmp_path)
    labels = [
        "bone matrix secreting cell",  # obsolete in 2026-03-26, replaced by CL:0000062
        "fibrocyte",  # renamed "circulating fibrocyte"
        "non-terminally differentiated cell",  # obsolete, consider only
        "T cell",  # unchanged
    ]
    artifact.features.add_values({"cell_type_list": labels})
    bt.CellType.import_source(version="2026-03-26")
    forward = migrate_labels("cl", "2025-04-10", "2026-03-26")
    assert [(c.ontology_id, c.kind, c.to_id, c.to_name) for c in forward.changes] == [
        ("CL:0000054", "replaced", "CL:0000062", "osteoblast"),
        ("CL:0000135", "renamed", "CL:0000135", "circulating fibrocyte"),
    ]
    assert [(p.ontology_id, p.reason, p.candidates) for p in forward.needs_person] == [
        ("CL:0000055", "obsolete, consider only", ("CL:0011026",))  # obo.CL_0011026 in the file
    ]
    migrated = ["osteoblast", "circulating fibrocyte", labels[2], "T cell"]
    assert annotations(artifact) == {"cell_type_list": migrated}
    back = migrate_labels("cl", "2026-03-26", "2025-04-10")
    # the rename is undone; osteoblast is a term of 2025-04-10 too: the ontology gives no
    # way back to the obsolete term, so it stays (nothing guessed)
    assert [(c.ontology_id, c.to_name) for c in back.changes] == [("CL:0000135", "fibrocyte")]
    assert annotations(artifact) == {"cell_type_list": ["osteoblast", *labels[1:]]}


_prefixes = (f"G{n}" for n in itertools.count())
ACTIONS = ("keep", "rename", "replace new", "replace kept", "several", "consider", "drop", "bare")


def _obo(path: Path, name: str, version: str, terms: list[tuple[str, str, str]]) -> Path:
    """An OBO file of ``(id, name, extra lines)`` terms."""
    stanzas = [f"[Term]\nid: {term_id}\nname: {label}\n{extra}" for term_id, label, extra in terms]
    path.write_text(
        f"format-version: 1.2\ndata-version: {version}\nontology: {name}\n\n" + "\n".join(stanzas)
    )
    return path


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=6))
@example(actions=["replace kept"])  # no term left but the root
@example(actions=["rename", "replace kept", "several", "replace new", "drop"])
def test_migrating_forward_and_back_restores_labels_where_the_ontology_allows(
    sqlite_instance, tmp_path, actions
):
    prefix = next(_prefixes)
    name = prefix.lower()
    ids = [f"{prefix}:{n}" for n in range(len(actions))]
    root = (f"{prefix}:root", f"{prefix} root", "")  # in both versions: neither is empty
    old = [(i, f"{prefix} term {n}", "") for n, i in enumerate(ids)]
    kept = next((i for i, a in zip(ids, actions, strict=True) if a in ("keep", "rename")), None)
    new: list[tuple[str, str, str]] = [root]
    for n, (term_id, action) in enumerate(zip(ids, actions, strict=True)):
        label = f"{prefix} term {n}"
        fresh = f"{prefix}:new{n}"
        if action == "keep":
            new.append((term_id, label, ""))
        elif action == "rename":
            new.append((term_id, f"{label} renamed", ""))
        elif action == "replace new":
            new.append((term_id, f"obsolete {label}", f"is_obsolete: true\nreplaced_by: {fresh}\n"))
            new.append((fresh, f"{label} successor", ""))
        elif action == "replace kept" and kept is not None:
            new.append((term_id, f"obsolete {label}", f"is_obsolete: true\nreplaced_by: {kept}\n"))
        elif action == "several":
            new.append((fresh, f"{label} part", ""))
            extra = f"is_obsolete: true\nreplaced_by: {fresh}\nreplaced_by: {ids[0]}\n"
            new.append((term_id, f"obsolete {label}", extra))
        elif action == "consider":
            new.append((term_id, f"obsolete {label}", f"is_obsolete: true\nconsider: {ids[0]}\n"))
        elif action == "bare":
            new.append((term_id, f"obsolete {label}", "is_obsolete: true\n"))
        # "drop" (and "replace kept" without a kept term): not in the new version
    folder = tmp_path / prefix
    folder.mkdir()
    bt = ol.bio
    bt.Phenotype.import_source(_obo(folder / f"{name}-2024.obo", name, "2024-01-01", [root, *old]))
    feature = (
        ol.Feature.filter(name="phenotype").one_or_none()
        or ol.Feature(name="phenotype", dtype=bt.Phenotype).save()
    )
    owners = {}
    for term_id, label, _ in old:
        owners[term_id] = ol.Record(name=f"{term_id} holder").save()
        owners[term_id].features.add_values({feature.name: label})
    bt.Phenotype.import_source(_obo(folder / f"{name}-2025.obo", name, "2025-01-01", new))

    def labels() -> dict[str, str]:
        return {i: owners[i].features.get_values()[feature.name] for i in ids}

    original = labels()
    forward = migrate_labels(name, "2024-01-01", "2025-01-01")
    live_new = {term_id for term_id, label, extra in new if "is_obsolete" not in extra}
    moved = {c.ontology_id: c for c in forward.changes}
    waiting = {p.ontology_id for p in forward.needs_person}
    assert moved.keys() | waiting == {i for i, a in zip(ids, actions, strict=True) if a != "keep"}
    assert all(change.to_id in live_new for change in moved.values())
    assert all(labels()[i] == original[i] for i in waiting)  # nothing guessed
    back = migrate_labels(name, "2025-01-01", "2024-01-01")
    restored = labels()
    for term_id, action in zip(ids, actions, strict=True):
        change = moved.get(term_id)
        if change is None or change.kind == "renamed" or action == "replace new":
            # untouched, renamed back, or replaced by a term new in 2025 that only it became
            assert restored[term_id] == original[term_id], (action, back.to_text())
        else:  # replaced by a term 2024 has too: the ontology gives no way back
            assert restored[term_id] == change.to_name.removesuffix(" renamed")
