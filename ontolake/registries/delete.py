"""Deleting and restoring records: to the trash and back, or permanently, in one transaction.

After every trash, restore and permanent delete, each version family (``stem_uid``) with a
live (non-trashed) version has exactly one latest version: its highest live one. So
``Artifact.get(key=...)`` keeps answering, and the next save continues the family. A
permanently deleted version's uid is retired (:data:`retired_versions`): the family never
numbers a new version with it, so a uid always names the same content.

Permanent deletes never rewrite history, so these are refused with a message naming what
holds the record (:data:`GUARDS`): an artifact that is an input of a run or a member of a
collection (trash it instead, or delete those first), and a feature that holds values
unless ``permanent=True`` says to delete them too (features have no trash).

A permanently deleted artifact's file is removed only after the commit: a failed delete
leaves row and file both in place, and a crash before the removal leaves a file without a
row (its uid is retired, so it never collides), which ``curate doctor --fix`` removes. A
label deleted for good takes the feature values that hold it, and the label links held
only by the values of a deleted feature go too (:mod:`~ontolake.registries.label_links`).
Every statement takes at most 10,000 ids, so deletes of any size work within the
database's limits.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from ontolake._faults import reached
from ontolake.errors import IntegrityError
from ontolake.registries.label_links import id_chunks

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["GUARDS", "delete_records", "restore_records", "settle_latest"]


def delete_records(model: type[Any], ids: list[int], *, permanent: bool) -> int:
    """Trash (or, with ``permanent``, delete) the records of ``model`` with ``ids``.

    Returns how many records were deleted.

    Raises:
        IntegrityError: the delete would rewrite history or drop values unasked (see
            :data:`GUARDS`); nothing is deleted then.

    Example:
        >>> ids = [artifact.id for artifact in ol.Artifact.filter(suffix=".parquet")]
        >>> delete_records(ol.Artifact, ids, permanent=False)
        2
        >>> ol.Artifact.filter(is_trashed=True).count(), ol.Artifact.filter().count()
        (2, 1)
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.artifact_save import managed_files, remove_files
    from ontolake.registries.label_links import release_labels, unlink_deleted

    if not ids:
        return 0
    instance = current_instance()
    if hasattr(model, "is_trashed") and not permanent:
        with instance.write() as session:
            stems = _latest_stems(session, model, ids)
            for chunk in id_chunks(ids):
                session.execute(update(model).where(model.id.in_(chunk)).values(is_trashed=True))
            settle_latest(session, model, stems)
            reached("trash.marked")
        return len(ids)
    files = []
    with instance.write() as session:
        _check_guards(session, model, ids, permanent=permanent)
        if model is Artifact:
            files = managed_files(
                [
                    artifact
                    for chunk in id_chunks(ids)
                    for artifact in session.execute(
                        select(Artifact).where(Artifact.id.in_(chunk))
                    ).scalars()
                ]
            )
        stems = _latest_stems(session, model, ids)
        holders: list[int] = []
        for chunk in id_chunks(ids):
            _retire(session, model, chunk)
            holders += unlink_deleted(session, model, chunk)
            session.execute(delete(model).where(model.id.in_(chunk)))
        settle_latest(session, model, stems)
        release_labels(session, holders)
        reached("delete.deleted")
    reached("delete.committed")
    remove_files(files)
    return len(ids)


def restore_records(model: type[Any], ids: list[int]) -> None:
    """Take the records of ``model`` with ``ids`` out of the trash.

    A restored version is the latest of its family again when it is the highest live one.

    Raises:
        IntegrityError: another version family took the key of a restored record meanwhile.

    Example:
        >>> artifact = ol.Artifact.get(key="raw/sample.fasta")
        >>> artifact.delete()
        >>> restore_records(ol.Artifact, [artifact.id])
        >>> ol.Artifact.get(key="raw/sample.fasta").is_latest
        True
    """
    from ontolake.instance.session import current_instance

    with current_instance().write() as session:
        stems: set[str] = set()
        for chunk in id_chunks(ids):
            if hasattr(model, "stem_uid"):
                stems.update(
                    session.execute(select(model.stem_uid).where(model.id.in_(chunk))).scalars()
                )
                _refuse_taken_keys(session, model, chunk)
            session.execute(update(model).where(model.id.in_(chunk)).values(is_trashed=False))
        settle_latest(session, model, stems)
        reached("restore.marked")


def settle_latest(session: Session, model: type[Any], stems: Collection[str]) -> None:
    """Make the highest live version of each family in ``stems`` its only latest one.

    Families without a live version have no latest version (a trashed one never is).
    """
    if not hasattr(model, "is_latest") or not stems:
        return
    other = aliased(model)
    highest = (
        select(func.max(other.version))
        .where(other.stem_uid == model.stem_uid, other.is_trashed.is_(False))
        .scalar_subquery()
    )
    for chunk in _text_chunks(stems):
        session.execute(
            update(model)
            .where(model.stem_uid.in_(chunk), model.is_latest.is_(True))
            .values(is_latest=False)
        )
        session.execute(
            update(model)
            .where(
                model.stem_uid.in_(chunk),
                model.is_trashed.is_(False),
                model.version == highest,
            )
            .values(is_latest=True)
        )


def _latest_stems(session: Session, model: type[Any], ids: list[int]) -> set[str]:
    """The families whose latest version is among ``ids`` (their latest is settled anew)."""
    if not hasattr(model, "is_latest"):
        return set()
    stems: set[str] = set()
    for chunk in id_chunks(ids):
        stems.update(
            session.execute(
                select(model.stem_uid).where(model.id.in_(chunk), model.is_latest.is_(True))
            ).scalars()
        )
    return stems


def _text_chunks(values: Collection[str]) -> list[list[str]]:
    ordered = sorted(set(values))
    return [ordered[start : start + 10_000] for start in range(0, len(ordered), 10_000)]


def _retire(session: Session, model: type[Any], ids: list[int]) -> None:
    """Record the uids of versions deleted for good, so that no new version takes them."""
    from ontolake.registries.versioning import retired_versions

    if not hasattr(model, "stem_uid"):
        return
    rows = select(literal(model.__tablename__), model.uid, model.stem_uid, model.version).where(
        model.id.in_(ids)
    )
    table = retired_versions
    columns = [table.c.registry, table.c.uid, table.c.stem_uid, table.c.version]
    session.execute(insert(table).from_select(columns, rows))


def _refuse_taken_keys(session: Session, model: type[Any], ids: list[int]) -> None:
    """Refuse to restore a record whose key another live version family holds now."""
    if not hasattr(model, "key") or not hasattr(model, "is_latest"):
        return
    other = aliased(model)
    conditions = [
        other.key == model.key,
        other.stem_uid != model.stem_uid,
        other.is_latest.is_(True),
        other.is_trashed.is_(False),
    ]
    if hasattr(model, "in_place"):
        conditions += [other.in_place.is_(False), model.in_place.is_(False)]
    taken = session.execute(
        select(model.key, model.uid, other.uid)
        .join(other, and_(*conditions))
        .where(model.id.in_(ids), model.is_trashed.is_(True))
        .limit(1)
    ).first()
    if taken is not None:
        key, uid, holder = taken
        name = model.__name__
        raise IntegrityError(
            f"Cannot restore {name} {uid}: its key {key!r} belongs to another version family "
            f"now (latest: {holder}). Trash or delete that one first "
            f"(ol.{name}.get({holder!r}).delete()), or give this record another key "
            "(record.key = '...'; record.save()) and restore it then."
        )


# ---- guards: permanent deletes that would rewrite history or drop values unasked ----------
def _artifacts_in_history(session: Session, ids: list[int], permanent: bool) -> str | None:
    """An artifact that is an input of a run or a member of a collection stays stored."""
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.links import collection_artifact, run_input_artifact

    named: tuple[Any, ...] = (Artifact.key, Artifact.uid, Artifact.id)
    for chunk in id_chunks(ids):
        held = (
            select(*named)
            .where(
                Artifact.id.in_(chunk),
                exists().where(run_input_artifact.c.artifact_id == Artifact.id)
                | exists().where(collection_artifact.c.artifact_id == Artifact.id),
            )
            .order_by(Artifact.id)
            .limit(1)
        )
        found = session.execute(held).first()
        if found is None:
            continue
        key, uid, artifact_id = found
        runs = session.execute(
            select(func.count()).where(run_input_artifact.c.artifact_id == artifact_id)
        ).scalar_one()
        collections = session.execute(
            select(func.count()).where(collection_artifact.c.artifact_id == artifact_id)
        ).scalar_one()
        holders = [
            *([f"an input of {runs} run(s)"] if runs else []),
            *([f"a member of {collections} collection version(s)"] if collections else []),
        ]
        return (
            f"Artifact {key or uid!r} ({uid}) is {' and '.join(holders)}: deleting it for good "
            "would rewrite that history. Move it to the trash instead (artifact.delete()), or "
            "delete those runs and collections for good first."
        )
    return None


def _features_with_values(session: Session, ids: list[int], permanent: bool) -> str | None:
    """A feature holding values is deleted, with its values, only with ``permanent=True``."""
    from ontolake.registries.feature_values import VALUE_TABLES
    from ontolake.registries.features import Feature

    if permanent:
        return None
    for chunk in id_chunks(ids):
        for table in VALUE_TABLES.values():
            found = session.execute(
                select(Feature.name, func.count())
                .join(table, table.c.feature_id == Feature.id)
                .where(Feature.id.in_(chunk))
                .group_by(Feature.name)
                .order_by(Feature.name)
                .limit(1)
            ).first()
            if found is not None:
                name, count = found
                return (
                    f"Feature {name!r} holds {count} value(s) on {table.name.split('_')[0]}s: "
                    "features have no trash, so delete(permanent=True) deletes the feature with "
                    "all its values; remove_values(...) on the records removes some."
                )
    return None


GUARDS: dict[str, Callable[[Session, list[int], bool], str | None]] = {
    "artifacts": _artifacts_in_history,
    "features": _features_with_values,
}
"""Checks before a delete, by table: each returns why the delete is refused, or None."""


def _check_guards(session: Session, model: type[Any], ids: list[int], *, permanent: bool) -> None:
    guard = GUARDS.get(getattr(model, "__tablename__", ""))
    reason = None if guard is None else guard(session, ids, permanent)
    if reason is not None:
        raise IntegrityError(reason)
