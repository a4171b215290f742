"""Many-to-many relations with LaminDB's verbs, on SQLite and PostgreSQL: ``add``, ``remove``,
``set`` and ``clear`` commit at once; ``all``, ``filter``, ``count`` and ``to_dataframe`` query
afresh; the list verbs (``append`` + ``save``, iteration, ``len``, ``in``) work as before."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from registries.link_helpers import committed, new_artifact
from sqlalchemy import select

import ontolake as ol
from ontolake.errors import IntegrityError, RelationError
from ontolake.registries.links import artifact_ulabel, record_parent


def links_of(instance, artifact) -> set[int]:
    table = artifact_ulabel
    rows = committed(instance, select(table.c.ulabel_id).where(table.c.artifact_id == artifact.id))
    return {row[0] for row in rows}


@pytest.fixture
def labelled(instance, tmp_path):
    labels = ol.save([ol.ULabel(name=name) for name in ("batch 1", "batch 2", "control")])
    return new_artifact(tmp_path), labels


def test_add_remove_set_clear_commit_at_once(instance, labelled):
    artifact, (batch1, batch2, control) = labelled
    artifact.ulabels.add(batch1)
    assert links_of(instance, artifact) == {batch1.id}  # no save() needed
    artifact.ulabels.add(batch1, batch2)  # linked ones stay as they are
    assert links_of(instance, artifact) == {batch1.id, batch2.id}
    artifact.ulabels.remove(batch1)
    assert links_of(instance, artifact) == {batch2.id}
    artifact.ulabels.set([control, batch1])
    assert links_of(instance, artifact) == {control.id, batch1.id}
    artifact.ulabels.clear()
    assert links_of(instance, artifact) == set()
    artifact.ulabels.remove(batch2)  # not linked: nothing to do
    assert list(artifact.ulabels) == []


def test_the_loaded_lists_on_both_sides_follow(instance, labelled):
    artifact, (batch1, batch2, _) = labelled
    held = artifact.ulabels
    assert batch1.artifacts == []  # loaded before the change
    artifact.ulabels.add(batch1, batch2)
    assert held == [batch1, batch2] and batch1 in artifact.ulabels and len(held) == 2
    assert batch1.artifacts == [artifact]
    batch2.artifacts.remove(artifact)  # from the other side
    assert artifact.ulabels == [batch1] and batch2.artifacts == []
    artifact.ulabels.set([batch2])
    assert (
        artifact.ulabels == [batch2] and batch1.artifacts == [] and batch2.artifacts[0] is artifact
    )


def test_query_verbs_read_the_database(instance, labelled, tmp_path):
    artifact, (batch1, batch2, control) = labelled
    artifact.ulabels.add(batch1, batch2, control)
    other = new_artifact(tmp_path)
    other.ulabels.add(control)
    assert artifact.ulabels.count() == 3 and artifact.ulabels.all().count() == 3
    assert [label.name for label in artifact.ulabels.filter(name__startswith="batch")] == [
        "batch 1",
        "batch 2",
    ]
    assert [label.name for label in artifact.ulabels.exclude(name="control")] == [
        "batch 1",
        "batch 2",
    ]
    assert artifact.ulabels.get(name="control") == control
    assert artifact.ulabels.first() == batch1
    frame = artifact.ulabels.to_dataframe(include=["artifacts__key"])
    assert list(frame["name"]) == ["batch 1", "batch 2", "control"]
    assert sorted(frame.loc[control.id, "artifacts__key"]) == sorted([artifact.key, other.key])
    assert control.artifacts.count() == 2
    control.delete()  # trashed: hidden by the query verbs like by every query
    assert artifact.ulabels.count() == 2


def test_list_verbs_still_take_effect_on_save(instance, labelled, tmp_path):
    artifact, (batch1, batch2, _) = labelled
    artifact.ulabels.append(batch1)
    artifact.ulabels.append(batch1)  # once: a relation is a set
    assert len(artifact.ulabels) == 1 and links_of(instance, artifact) == set()
    artifact.save()
    assert links_of(instance, artifact) == {batch1.id}
    # before the first save: appended links are saved with the record
    path = tmp_path / "new.txt"
    path.write_text("new")
    new = ol.Artifact(path, key="new.txt")
    new.ulabels.append(batch2)
    new.save()
    assert links_of(instance, new) == {batch2.id}
    # links appended but not saved are committed before a database verb runs after them
    artifact.ulabels.append(batch2)
    artifact.ulabels.remove(batch1)
    assert links_of(instance, artifact) == {batch2.id}


def test_unsaved_and_foreign_records_are_clear_errors(instance, labelled):
    artifact, (batch1, *_) = labelled
    unsaved_label = ol.ULabel(name="not saved")
    with pytest.raises(RelationError, match=r"Save ULabel.*'not saved'.*before linking it"):
        artifact.ulabels.add(unsaved_label)
    unsaved_project = ol.Project(name="unsaved")
    with pytest.raises(RelationError, match=r"Save the Project before using Project.artifacts"):
        unsaved_project.artifacts.add(artifact)
    with pytest.raises(RelationError, match=r"Save the Project"):
        unsaved_project.artifacts.count()
    project = ol.Project(name="saved").save()
    with pytest.raises(RelationError, match=r"Artifact.ulabels links ULabel records, got Project"):
        artifact.ulabels.add(project)
    with pytest.raises(RelationError, match=r"use record.ulabels.set\(\[...\]\)"):
        artifact.ulabels = [batch1]
    assert links_of(instance, artifact) == set()
    # assigning is for records not saved yet (and their constructor)
    unsaved_project.artifacts = [artifact]
    unsaved_project.save()
    assert project.artifacts.count() == 0 and unsaved_project.artifacts.count() == 1


def test_a_failed_write_leaves_no_link(instance, labelled):
    artifact, (batch1, batch2, _) = labelled
    doomed = ol.ULabel.get(name="batch 2")
    ol.ULabel.filter(id=doomed.id).delete(permanent=True)  # batch2 keeps its id, row is gone
    with pytest.raises(IntegrityError):
        artifact.ulabels.add(batch1, batch2)
    assert links_of(instance, artifact) == set()
    assert artifact.ulabels == []
    artifact.ulabels.add(batch1)  # the session is usable again
    assert links_of(instance, artifact) == {batch1.id}


def test_record_hierarchies_and_projects(instance, tmp_path):
    kind = ol.Record(name="Sample", is_type=True).save()
    parent = ol.Record(name="P53mutant1", type=kind).save()
    child = ol.Record(name="P53mutant1-replicate1", type=kind).save()
    child.parents.add(parent)
    assert committed(instance, select(record_parent)) == {(child.id, parent.id)}
    assert list(parent.children.to_dataframe()["name"]) == ["P53mutant1-replicate1"]
    assert list(child.parents.to_dataframe()["name"]) == ["P53mutant1"]
    assert parent.children.filter(name__endswith="replicate1").one() == child
    project = ol.Project(name="Drug screen").save()
    artifact = new_artifact(tmp_path)
    artifact.projects.add(project)
    project.records.add(parent, child)
    assert ol.Artifact.filter(projects=project).one() == artifact
    assert project.records.count() == 2 and [p.name for p in parent.projects] == ["Drug screen"]
    tag = ol.ULabel(name="tag").save()
    tag.children.add(ol.ULabel(name="subtag").save())
    assert [label.name for label in tag.children.all()] == ["subtag"]


def test_one_to_many_and_fixed_relations_read_but_do_not_write(instance, tmp_path):
    artifact = new_artifact(tmp_path)
    collection = ol.Collection(key="all", artifacts=[artifact]).save()
    assert collection.artifacts.count() == 1 and artifact.collections.count() == 1
    with pytest.raises(RelationError, match=r"Collection.artifacts cannot be changed.*new version"):
        collection.artifacts.add(new_artifact(tmp_path))
    schema = ol.Schema(features=[ol.Feature(name="n", dtype=int).save()], name="s").save()
    assert schema.artifacts.count() == 0
    with pytest.raises(RelationError, match=r"Schema.artifacts .*follows Artifact.schema"):
        schema.artifacts.add(artifact)


def test_relation_verbs_match_a_set_model(instance, tmp_path):
    """Random add/remove/set/clear/append sequences against a Python set per artifact."""
    pool = ol.save([ol.ULabel(name=f"label {i}") for i in range(4)])

    class Links(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.artifacts = [new_artifact(tmp_path) for _ in range(2)]
            self.model: list[set[int]] = [set(), set()]

        labels = st.lists(st.sampled_from(range(4)), max_size=4)

        @rule(which=st.integers(0, 1), chosen=labels)
        def add(self, which, chosen):
            self.artifacts[which].ulabels.add(*(pool[i] for i in chosen))
            self.model[which] |= {pool[i].id for i in chosen}

        @rule(which=st.integers(0, 1), chosen=labels)
        def remove(self, which, chosen):
            self.artifacts[which].ulabels.remove(*(pool[i] for i in chosen))
            self.model[which] -= {pool[i].id for i in chosen}

        @rule(which=st.integers(0, 1), chosen=labels)
        def set(self, which, chosen):
            self.artifacts[which].ulabels.set([pool[i] for i in chosen])
            self.model[which] = {pool[i].id for i in chosen}

        @rule(which=st.integers(0, 1))
        def clear(self, which):
            self.artifacts[which].ulabels.clear()
            self.model[which] = set()

        @rule(which=st.integers(0, 1), label=st.integers(0, 3))
        def append_and_save(self, which, label):
            self.artifacts[which].ulabels.append(pool[label])
            self.artifacts[which].save()
            self.model[which].add(pool[label].id)

        @invariant()
        def database_and_memory_agree_with_the_model(self):
            for artifact, expected in zip(self.artifacts, self.model, strict=True):
                assert {label.id for label in artifact.ulabels.all()} == expected
                assert {label.id for label in artifact.ulabels} == expected
                assert links_of(instance, artifact) == expected
            for label in pool:
                found = {a.id for a in ol.Artifact.filter(ulabels=label, id__in=self.ids)}
                pairs = zip(self.artifacts, self.model, strict=True)
                expected = {artifact.id for artifact, ids in pairs if label.id in ids}
                assert found == expected

        @property
        def ids(self) -> list[int]:
            return [artifact.id for artifact in self.artifacts]

    run_state_machine_as_test(
        Links,
        settings=settings(
            max_examples=15,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
