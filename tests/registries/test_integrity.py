"""Deletes and versions never lose or rewrite what a stored reference names.

Regression tests of issue 16: ids and uids are never reused, a restored version is the
latest again, history (run inputs, collection members) refuses permanent deletes, a feature
with values is deleted only on request, ``ol.save`` is one transaction, and deletes of any
size work.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ontolake as ol
from ontolake.errors import DoesNotExistError, IntegrityError, InvalidDataError, OntolakeError


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / "inputs" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content)
    return path


def test_a_deleted_labels_id_is_never_given_to_a_new_label(instance, tmp_path):
    ol.Feature(name="batch", dtype=ol.ULabel).save()
    ol.ULabel(name="batch 1").save()
    gone = ol.ULabel(name="batch 2").save()
    artifact = ol.Artifact(write(tmp_path, "a.txt", "a"), key="a.txt").save()
    artifact.features.add_values({"batch": "batch 2"})
    stale_id = gone.id
    gone.delete(permanent=True)
    assert artifact.features.get_values() == {}  # the value went with its label
    newcomer = ol.ULabel(name="batch 3").save()
    assert newcomer.id != stale_id
    # a reference kept from before the delete (an object in memory) resolves to nothing
    assert ol.ULabel.filter(id=stale_id).count() == 0
    assert artifact.features.get_values() == {}


def test_every_registry_table_hands_out_ids_that_were_never_used(instance):
    from sqlalchemy import text

    from ontolake.registries.models import metadata

    labels = ol.save([ol.Record(name=f"r{i}") for i in range(3)])
    highest = max(label.id for label in labels)
    ol.Record.filter(id=highest).delete(permanent=True)
    assert ol.Record(name="next").save().id == highest + 1
    if instance.dialect == "sqlite":  # PostgreSQL sequences never go back
        registries = sorted(
            table.name
            for table in metadata.sorted_tables
            if [column.name for column in table.primary_key.columns] == ["id"]
        )
        with instance.engine.connect() as connection:
            plain = [
                name
                for name in registries
                if "AUTOINCREMENT"
                not in connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
                    {"name": name},
                ).scalar_one()
            ]
        assert "ulabels" in registries and plain == []


def test_a_uid_names_the_same_content_after_the_latest_version_is_deleted(instance, tmp_path):
    path = write(tmp_path, "a.txt", "one")
    first = ol.Artifact(path, key="a.txt").save()
    path.write_text("two")
    second = ol.Artifact(path, key="a.txt").save()
    taken = second.uid
    second.delete(permanent=True)
    assert ol.Artifact.get(key="a.txt").uid == first.uid  # the family keeps a latest version
    path.write_text("three")
    third = ol.Artifact(path, key="a.txt").save()
    assert third.uid != taken
    assert third.version == 3 and third.stem_uid == first.stem_uid
    assert Path(ol.Artifact.get(third.uid).cache()).read_text() == "three"


def test_a_restored_only_version_is_the_latest_and_the_next_save_continues_it(instance, tmp_path):
    path = write(tmp_path, "a.txt", "one")
    only = ol.Artifact(path, key="a.txt").save()
    only.delete()
    only.restore()
    assert ol.Artifact.get(key="a.txt").is_latest
    assert ol.Artifact.filter(key="a.txt", is_latest=True).count() == 1
    path.write_text("two")
    following = ol.Artifact(path, key="a.txt").save()
    assert following.stem_uid == only.stem_uid and following.version == 2
    assert [a.is_latest for a in following.versions] == [False, True]


def test_restoring_an_older_version_keeps_one_latest_per_family(instance, tmp_path):
    path = write(tmp_path, "a.txt", "one")
    first = ol.Artifact(path, key="a.txt").save()
    path.write_text("two")
    second = ol.Artifact(path, key="a.txt").save()
    second.delete()  # the first is promoted
    first.delete()  # nothing live remains
    second.restore()
    first.restore()
    latest = ol.Artifact.filter(key="a.txt", is_latest=True).to_list()
    assert [artifact.uid for artifact in latest] == [second.uid]


def test_a_restore_under_a_key_another_family_took_is_refused(instance, tmp_path):
    path = write(tmp_path, "a.txt", "one")
    old = ol.Artifact(path, key="a.txt").save()
    old.delete()
    path.write_text("two")
    new = ol.Artifact(path, key="a.txt").save()
    assert new.stem_uid != old.stem_uid
    with pytest.raises(IntegrityError, match=r"a\.txt.*" + new.uid):
        old.restore()
    assert ol.Artifact.filter(uid=old.uid, is_trashed=True).count() == 1
    assert ol.Artifact.filter(key="a.txt", is_latest=True).count() == 1


def test_a_run_input_cannot_be_deleted_for_good(instance, tmp_path):
    source = ol.Artifact(write(tmp_path, "in.txt", "in"), key="in.txt").save()
    run = ol.Run(transform_id=ol.Transform(key="train.py").save().id).save()
    run.inputs.add(source)
    with pytest.raises(IntegrityError, match=r"in\.txt.*input of 1 run.*trash"):
        source.delete(permanent=True)
    assert [artifact.key for artifact in ol.Run.get(run.uid).inputs.all()] == ["in.txt"]
    source.delete()  # to the trash: history keeps the link, and a restore shows it again
    source.restore()
    assert [artifact.key for artifact in ol.Run.get(run.uid).inputs.all()] == ["in.txt"]
    ol.Run.filter(id=run.id).delete(permanent=True)  # the run goes first: then the input may
    source.delete(permanent=True)
    assert ol.Artifact.filter(uid=source.uid, is_trashed=True).count() == 0


def test_a_collection_member_cannot_be_deleted_for_good(instance, tmp_path):
    members = [
        ol.Artifact(write(tmp_path, f"{i}.txt", str(i)), key=f"{i}.txt").save() for i in range(2)
    ]
    collection = ol.Collection(key="both", artifacts=members).save()
    digest = collection.hash
    with pytest.raises(IntegrityError, match=r"0\.txt.*member of 1 collection"):
        ol.Artifact.filter(key="0.txt").delete(permanent=True)
    kept = ol.Collection.get(collection.uid)
    assert [artifact.key for artifact in kept.artifacts] == ["0.txt", "1.txt"]
    assert kept.hash == digest


def test_deleting_a_feature_with_values_needs_permanent(instance, tmp_path):
    artifact = ol.Artifact(write(tmp_path, "a.txt", "a"), key="a.txt").save()
    feature = ol.Feature(name="gc_content", dtype=float).save()
    artifact.features.add_values({"gc_content": 0.5})
    with pytest.raises(IntegrityError, match=r"gc_content.*1 value.*permanent=True"):
        feature.delete()
    assert artifact.features.get_values() == {"gc_content": 0.5}
    feature.delete(permanent=True)
    assert artifact.features.get_values() == {}
    ol.Feature(name="unused", dtype=int).save().delete()  # no values: nothing to confirm
    assert ol.Feature.filter(name="unused").count() == 0


def test_ol_save_is_one_transaction(instance, tmp_path):
    good = ol.ULabel(name="kept only with the artifact")
    missing = ol.Artifact(write(tmp_path, "a.txt", "a"), key="a.txt")
    Path(missing._content.source).unlink()
    with pytest.raises(OntolakeError):
        ol.save([good, missing])
    assert ol.ULabel.filter(name="kept only with the artifact").count() == 0
    assert ol.Artifact.filter().count() == 0


def test_ol_save_rolls_back_the_records_when_an_artifact_fails_in_the_transaction(
    instance, tmp_path, monkeypatch
):
    import ontolake.registries.artifact_save as artifact_save

    def refuse(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(artifact_save, "_place", refuse)
    with pytest.raises(OSError, match="disk full"):
        ol.save(
            [
                ol.ULabel(name="only with the artifact"),
                ol.Artifact(write(tmp_path, "a.txt", "a"), key="a.txt"),
            ]
        )
    assert ol.ULabel.filter(name="only with the artifact").count() == 0
    assert ol.Artifact.filter().count() == 0
    monkeypatch.undo()
    label, artifact = ol.save(
        [ol.ULabel(name="only with the artifact"), ol.Artifact(write(tmp_path, "b.txt", "b"))]
    )
    assert label.id is not None and artifact.id is not None


def test_deleting_more_records_than_the_database_takes_variables(sqlite_instance):
    from sqlalchemy import insert, text

    from ontolake.registries.labels import ULabel

    count = 260_000
    with sqlite_instance.write() as session:
        session.execute(
            insert(ULabel),
            [
                {"uid": f"u{i:011d}", "name": f"label {i}", "is_trashed": False}
                for i in range(count)
            ],
        )
    assert ol.ULabel.filter().delete() == count
    assert ol.ULabel.filter().count() == 0
    assert ol.ULabel.filter(is_trashed=True).delete(permanent=True) == count
    with sqlite_instance.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ulabels")).scalar_one() == 0


@pytest.mark.parametrize("text", ["a\udcffb", "\ud800"])
def test_text_with_a_lone_surrogate_is_a_clear_error_and_nothing_is_written(instance, text):
    """Saved or filtered on, half of a surrogate pair is an InvalidDataError naming it."""
    with pytest.raises(InvalidDataError, match="half of a surrogate pair") as refused:
        ol.ULabel(name=text).save()
    assert "\n" not in str(refused.value)
    with pytest.raises(InvalidDataError, match="half of a surrogate pair"):
        ol.ULabel.filter(name=text).count()
    assert ol.ULabel.filter().count() == 0
    ol.ULabel(name="after the refusal").save()  # the session is usable again
    assert ol.ULabel.filter().count() == 1


def test_a_record_deleted_for_good_is_not_saved_or_restored_again(instance, tmp_path):
    """Saving or restoring a record whose row was deleted permanently is a clear error."""
    label = ol.ULabel(name="gone").save()
    label.delete(permanent=True)
    with pytest.raises(DoesNotExistError, match="deleted permanently"):
        label.save()
    with pytest.raises(DoesNotExistError, match="deleted permanently"):
        ol.save([ol.ULabel(name="kept"), label])
    assert ol.ULabel.filter().count() == 0  # one transaction: nothing of it was written
    data = tmp_path / "data.txt"
    data.write_text("content")
    artifact = ol.Artifact(data, key="data.txt").save()
    artifact.delete(permanent=True)
    for again in (artifact.save, artifact.restore):
        with pytest.raises(DoesNotExistError, match="deleted permanently"):
            again()
    assert ol.Artifact.filter(is_trashed__in=[True, False]).count() == 0
