"""Label links follow categorical feature values, on SQLite and PostgreSQL: writing values links
their labels, removing values unlinks what no value holds (unless linked directly), removing a
link removes the values holding it, and deletions keep both in step."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from registries.link_helpers import committed, new_artifact
from sqlalchemy import select

import ontolake as ol
from ontolake.registries.feature_values import VALUE_TABLES
from ontolake.registries.links import LABEL_LINKS


def links(instance, registry: str, artifact) -> dict[int, bool]:
    """``{label id: direct}`` of the committed links of ``artifact``."""
    link = LABEL_LINKS[registry]
    table = link.table
    rows = committed(
        instance,
        select(link.label_column, table.c.direct).where(table.c.artifact_id == artifact.id),
    )
    return dict(rows)


@pytest.fixture
def batches(instance, tmp_path):
    """A list feature over ULabels, three labels and an artifact."""
    ol.Feature(name="batches", dtype="list[cat[ULabel]]").save()
    labels = ol.save([ol.ULabel(name=f"batch {i}") for i in range(3)])
    return new_artifact(tmp_path), labels


def test_values_link_their_labels_and_removing_them_unlinks(instance, batches):
    artifact, (b0, b1, _) = batches
    artifact.features.add_values({"batches": ["batch 0", "batch 1"]})
    assert links(instance, "ULabel", artifact) == {b0.id: False, b1.id: False}
    assert {label.name for label in artifact.ulabels.all()} == {"batch 0", "batch 1"}
    assert ol.Artifact.filter(ulabels=b1).one() == artifact
    assert b0.artifacts.count() == 1
    artifact.features.remove_values("batches", value="batch 0")
    assert links(instance, "ULabel", artifact) == {b1.id: False}
    artifact.features.remove_values("batches")
    assert links(instance, "ULabel", artifact) == {}
    assert ol.Artifact.filter(ulabels=b1).count() == 0


def test_a_direct_link_outlives_the_values(instance, batches):
    artifact, (b0, b1, _) = batches
    artifact.ulabels.add(b0)
    artifact.features.add_values({"batches": ["batch 0", "batch 1"]})
    assert links(instance, "ULabel", artifact) == {b0.id: True, b1.id: False}
    artifact.features.remove_values()  # every feature
    assert links(instance, "ULabel", artifact) == {b0.id: True}
    assert artifact.features.get_values() == {}
    # linking directly a label a value holds makes the link direct
    artifact.features.add_values({"batches": ["batch 1"]})
    artifact.ulabels.add(b1)
    artifact.features.remove_values("batches")
    assert links(instance, "ULabel", artifact) == {b0.id: True, b1.id: True}


def test_removing_a_link_removes_the_values_that_hold_it(instance, batches):
    artifact, (_, b1, b2) = batches
    artifact.features.add_values({"batches": ["batch 0", "batch 1", "batch 2"]})
    artifact.ulabels.remove(b1)
    assert artifact.features.get_values() == {"batches": ["batch 0", "batch 2"]}
    assert ol.Artifact.filter(batches="batch 1").count() == 0
    b2.artifacts.remove(artifact)  # from the label's side
    assert artifact.features.get_values() == {"batches": ["batch 0"]}
    artifact.ulabels.set([b1])
    assert artifact.features.get_values() == {}
    assert links(instance, "ULabel", artifact) == {b1.id: True}
    artifact.features.add_values({"batches": ["batch 0"]})
    artifact.ulabels.clear()
    assert artifact.features.get_values() == {} and links(instance, "ULabel", artifact) == {}


def test_replaced_values_release_their_labels(instance, tmp_path):
    ol.Feature(name="batch", dtype=ol.ULabel).save()
    ol.save([ol.ULabel(name=name) for name in ("a", "b")])
    artifacts = [new_artifact(tmp_path) for _ in range(3)]
    ol.features.add_values_bulk(artifacts, {"batch": ["a", "a", "b"]})
    assert [ol.ULabel.get(name=n).artifacts.count() for n in ("a", "b")] == [2, 1]
    ol.features.add_values_bulk(artifacts[:2], {"batch": ["b", "b"]})
    assert [ol.ULabel.get(name=n).artifacts.count() for n in ("a", "b")] == [0, 3]
    artifacts[2].features.add_values({"batch": None})  # None removes the value
    assert ol.Artifact.filter(ulabels__name="b").count() == 2


def test_records_projects_and_bio_labels_link_too(instance, tmp_path):
    sample = ol.Record(name="Sample", is_type=True).save()
    s1 = ol.Record(name="s1", type=sample).save()
    project = ol.Project(name="screen").save()
    organism = ol.bio.Organism(name="mouse", ontology_id="NCBITaxon:10090").save()
    ol.Feature(name="sample", dtype=sample).save()
    ol.Feature(name="project", dtype=ol.Project).save()
    ol.Feature(name="organism", dtype=ol.bio.Organism).save()
    artifact = new_artifact(tmp_path)
    artifact.features.add_values({"sample": "s1", "project": "screen", "organism": "mouse"})
    assert artifact.records.all().one() == s1 and s1.artifacts.count() == 1
    assert artifact.projects.all().one() == project
    assert ol.Artifact.filter(organisms=organism, records=s1, projects=project).one() == artifact
    # runs and records have feature values but no label links
    run_feature_owner = ol.Record(name="r", type=sample).save()
    ol.Feature(name="tag", dtype=ol.ULabel).save()
    tag = ol.ULabel(name="tag").save()
    run_feature_owner.features.add_values({"tag": "tag"})
    assert tag.artifacts.count() == 0


def test_deleting_labels_and_features_keeps_both_in_step(instance, batches, tmp_path):
    artifact, (b0, b1, b2) = batches
    record_owner = ol.Record(name="owner").save()
    artifact.features.add_values({"batches": ["batch 0", "batch 1", "batch 2"]})
    record_owner.features.add_values({"batches": ["batch 1"]})
    b1.delete()  # to the trash: links and values stay, for a restore
    assert links(instance, "ULabel", artifact).keys() == {b0.id, b1.id, b2.id}
    ol.ULabel.filter(id=b1.id, is_trashed=True).delete(permanent=True)
    assert artifact.features.get_values() == {"batches": ["batch 0", "batch 2"]}
    assert record_owner.features.get_values() == {}
    assert links(instance, "ULabel", artifact).keys() == {b0.id, b2.id}
    artifact.ulabels.add(b0)
    ol.Feature.filter(name="batches").delete(permanent=True)
    assert links(instance, "ULabel", artifact) == {b0.id: True}  # the direct one stays
    values = VALUE_TABLES["artifacts"]
    assert committed(instance, select(values.c.artifact_id)) == set()


def test_label_links_match_a_model_of_values_and_direct_links(instance, tmp_path):
    """Random value writes and link verbs: a label is linked while it is
    linked directly or a value holds it, never otherwise."""
    ol.Feature(name="batches", dtype="list[cat[ULabel]]").save()
    pool = ol.save([ol.ULabel(name=f"pool {i}") for i in range(4)])
    names = [label.name for label in pool]

    class ValuesAndLinks(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.artifact = new_artifact(tmp_path)
            self.values: list[int] = []  # label indices, in the feature's order
            self.direct: set[int] = set()

        chosen = st.lists(st.integers(0, 3), min_size=1, max_size=3, unique=True)

        @rule(items=chosen)
        def add_values(self, items):
            self.artifact.features.add_values({"batches": [names[i] for i in items]})
            self.values += [i for i in items if i not in self.values]

        @rule(item=st.integers(0, 3))
        def remove_one_value(self, item):
            self.artifact.features.remove_values("batches", value=names[item])
            self.values = [i for i in self.values if i != item]

        @rule()
        def remove_values(self):
            self.artifact.features.remove_values("batches")
            self.values = []

        @rule(items=chosen)
        def link(self, items):
            self.artifact.ulabels.add(*(pool[i] for i in items))
            self.direct |= set(items)

        @rule(items=chosen)
        def unlink(self, items):
            self.artifact.ulabels.remove(*(pool[i] for i in items))
            self.direct -= set(items)
            self.values = [i for i in self.values if i not in items]

        @rule(items=st.lists(st.integers(0, 3), max_size=3, unique=True))
        def set_links(self, items):
            self.artifact.ulabels.set([pool[i] for i in items])
            self.direct = set(items)
            self.values = [i for i in self.values if i in items]

        @invariant()
        def links_follow_values(self):
            expected = {pool[i].id: i in self.direct for i in {*self.direct, *self.values}}
            assert links(instance, "ULabel", self.artifact) == expected
            stored = self.artifact.features.get_values()
            assert stored == ({"batches": [names[i] for i in self.values]} if self.values else {})

    run_state_machine_as_test(
        ValuesAndLinks,
        settings=settings(
            max_examples=15,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def test_every_label_registry_has_a_flagged_link_table(instance):
    assert {"ULabel", "Record", "Project", "bio.CellType", "bio.Gene"} <= LABEL_LINKS.keys()
    for registry, link in LABEL_LINKS.items():
        assert [column.name for column in link.table.primary_key] == [
            "artifact_id",
            link.label_column.name,
        ]
        assert not link.table.c.direct.nullable, registry
