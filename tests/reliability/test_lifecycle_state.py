"""Invariants of the artifact, collection, label and feature lifecycle, as a state machine.

Hypothesis drives random sequences of saves, new versions, edits, trash, restore, permanent
deletes, collections, runs with inputs, labels and annotations on one instance (SQLite and
PostgreSQL). After every step, read from the database afresh (a connection of its own, not
the session's objects), these must hold:

- every version family with a live (non-trashed) version has exactly one latest version,
  its highest live one, and a trashed version is never latest;
- a uid always names the same content (also after its version was deleted for good);
- every stored reference resolves: categorical values name existing labels, run inputs and
  collection members existing artifacts (a delete that would break one is refused);
- no artifact row without its file and no managed file without a row;
- history is never rewritten: a run's inputs and every collection version's members and
  hash stay what they were when saved.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text

import ontolake as ol
from ontolake.errors import IntegrityError
from ontolake.registries.query.queryset import QuerySet

KEYS = ("a.txt",)
CONTENTS = ("one", "two", "three", "four")
SETTINGS = settings(
    max_examples=10,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def any_state(model, uid: str):
    """The record with ``uid``, trashed or not; None once deleted for good."""
    return QuerySet(model, include_trashed=True).filter(uid=uid).one_or_none()


def lifecycle(instance, folder: Path) -> type[RuleBasedStateMachine]:
    """The state machine class on ``instance``; each example works under its own prefix."""
    examples = itertools.count()
    hashes: dict[str, str] = {}  # every artifact uid ever stored -> its content hash
    feature = ol.Feature(name="batch", dtype=ol.ULabel).save()

    class Lifecycle(RuleBasedStateMachine):
        artifacts = Bundle("artifacts")
        labels = Bundle("labels")

        def __init__(self) -> None:
            super().__init__()
            self.prefix = f"e{next(examples)}/"
            self.runs: dict[str, list[str]] = {}  # run uid -> input uids
            self.collections: dict[str, tuple[list[str], str | None]] = {}

        def source(self, content: str) -> Path:
            path = folder / f"{self.prefix.strip('/')}-{content}.txt"
            path.write_text(f"{self.prefix}{content}")
            return path

        # ---- rules ------------------------------------------------------------------------
        @rule(target=artifacts, key=st.sampled_from(KEYS), content=st.sampled_from(CONTENTS))
        def save(self, key: str, content: str) -> str:
            artifact = ol.Artifact(self.source(content), key=self.prefix + key).save()
            hashes.setdefault(artifact.uid, artifact.hash)
            return artifact.uid

        @rule(uid=artifacts, description=st.text(max_size=8))
        def edit(self, uid: str, description: str) -> None:
            artifact = any_state(ol.Artifact, uid)
            if artifact is not None and not artifact.is_trashed:
                artifact.description = description
                artifact.save()

        @rule(uid=artifacts)
        def trash(self, uid: str) -> None:
            artifact = any_state(ol.Artifact, uid)
            if artifact is not None:
                artifact.delete()

        @rule(uid=artifacts)
        def restore(self, uid: str) -> None:
            artifact = any_state(ol.Artifact, uid)
            if artifact is not None and artifact.is_trashed:
                try:
                    artifact.restore()
                except IntegrityError as error:  # another family took the key meanwhile
                    assert "belongs to another version family" in str(error)
                    assert any_state(ol.Artifact, uid).is_trashed

        @rule(uid=consumes(artifacts))
        def delete_for_good(self, uid: str) -> None:
            artifact = any_state(ol.Artifact, uid)
            if artifact is None:
                return
            try:
                artifact.delete(permanent=True)
            except IntegrityError as error:  # history holds it: refused, nothing deleted
                assert "rewrite that history" in str(error)
                assert any_state(ol.Artifact, uid) is not None

        @rule(uids=st.lists(artifacts, min_size=1, max_size=3, unique=True))
        def collect(self, uids: list[str]) -> None:
            members = [artifact for uid in uids if (artifact := any_state(ol.Artifact, uid))]
            members = [artifact for artifact in members if not artifact.is_trashed]
            if members:
                collection = ol.Collection(key=self.prefix + "set", artifacts=members).save()
                self.collections[collection.uid] = ([a.uid for a in members], collection.hash)

        @rule(uids=st.lists(artifacts, min_size=1, max_size=2, unique=True))
        def run_with_inputs(self, uids: list[str]) -> None:
            inputs = [artifact for uid in uids if (artifact := any_state(ol.Artifact, uid))]
            inputs = [artifact for artifact in inputs if not artifact.is_trashed]
            if inputs:
                transform = ol.Transform(key=self.prefix + "step.py").save()
                run = ol.Run(transform_id=transform.id).save()
                run.inputs.add(*inputs)
                self.runs[run.uid] = sorted(a.uid for a in inputs)

        @rule(target=labels, name=st.sampled_from(["x", "y", "z"]))
        def label(self, name: str) -> str:
            return ol.ULabel(name=self.prefix + name).save().uid

        @rule(uid=artifacts, label=labels)
        def annotate(self, uid: str, label: str) -> None:
            artifact = any_state(ol.Artifact, uid)
            found = any_state(ol.ULabel, label)
            if artifact is not None and found is not None and not found.is_trashed:
                artifact.features.add_values({feature.name: found.name})

        @rule(uid=consumes(labels), permanent=st.booleans())
        def delete_label(self, uid: str, permanent: bool) -> None:
            label = any_state(ol.ULabel, uid)
            if label is not None:
                label.delete(permanent=permanent)
                ol.ULabel(name=self.prefix + "newcomer").save()  # would take a reused id

        # ---- invariants -------------------------------------------------------------------
        @invariant()
        def one_latest_per_live_family(self) -> None:
            for table in ("artifacts", "collections", "transforms"):
                wrong = query(
                    f"SELECT stem_uid FROM {table} GROUP BY stem_uid HAVING "
                    "SUM(CASE WHEN is_latest AND NOT is_trashed THEN 1 ELSE 0 END) "
                    "<> (CASE WHEN SUM(CASE WHEN is_trashed THEN 0 ELSE 1 END) > 0 "
                    "THEN 1 ELSE 0 END) OR SUM(CASE WHEN is_latest AND is_trashed "
                    "THEN 1 ELSE 0 END) > 0"
                )
                assert wrong == [], f"{table}: families without exactly one latest: {wrong}"
                misplaced = query(
                    f"SELECT t.uid FROM {table} t WHERE t.is_latest AND t.version < "
                    f"(SELECT MAX(o.version) FROM {table} o WHERE o.stem_uid = t.stem_uid "
                    "AND NOT o.is_trashed)"
                )
                assert misplaced == [], f"{table}: a lower version is latest: {misplaced}"

        @invariant()
        def a_uid_names_one_content(self) -> None:
            for uid, digest in query("SELECT uid, hash FROM artifacts"):
                assert hashes.setdefault(uid, digest) == digest, f"{uid} names new content"

        @invariant()
        def references_resolve(self) -> None:
            dangling = query(
                "SELECT v.cat_id FROM artifact_feature_values v WHERE v.cat_registry = 'ULabel' "
                "AND v.cat_id NOT IN (SELECT id FROM ulabels)"
            )
            assert dangling == []
            renamed = query(  # a value names the label it was written with, not a newcomer
                "SELECT v.cat_id FROM artifact_feature_values v JOIN ulabels u ON u.id = v.cat_id "
                "WHERE v.cat_registry = 'ULabel' AND v.value_str <> u.name"
            )
            assert renamed == []
            for table in ("run_input_artifact", "collection_artifact"):
                missing = query(
                    f"SELECT artifact_id FROM {table} WHERE artifact_id NOT IN "
                    "(SELECT id FROM artifacts)"
                )
                assert missing == [], table

        @invariant()
        def rows_and_files_agree(self) -> None:
            rows = {f"{uid}{suffix}" for uid, suffix in query("SELECT uid, suffix FROM artifacts")}
            managed = Path(instance.root.root) / ".ontolake"
            files = {
                path.name
                for path in managed.iterdir()
                if not path.name.startswith((".", "ontolake.db", "instance.json"))
            }
            assert files == rows

        @invariant()
        def history_is_kept(self) -> None:
            for run, inputs in self.runs.items():
                stored = query(
                    "SELECT a.uid FROM run_input_artifact l JOIN runs r ON r.id = l.run_id "
                    "JOIN artifacts a ON a.id = l.artifact_id WHERE r.uid = :uid",
                    uid=run,
                )
                assert sorted(uid for (uid,) in stored) == inputs
            for collection, (members, digest) in self.collections.items():
                stored = query(
                    "SELECT a.uid FROM collection_artifact l JOIN collections c "
                    "ON c.id = l.collection_id JOIN artifacts a ON a.id = l.artifact_id "
                    "WHERE c.uid = :uid ORDER BY l.position",
                    uid=collection,
                )
                assert [uid for (uid,) in stored] == members
                assert query("SELECT hash FROM collections WHERE uid = :uid", uid=collection) == [
                    (digest,)
                ]

    def query(sql: str, **parameters: str) -> list[tuple]:
        with instance.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), parameters)]

    return Lifecycle


def test_the_lifecycle_keeps_every_invariant(instance, tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    run_state_machine_as_test(lifecycle(instance, folder), settings=SETTINGS)
