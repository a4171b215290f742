"""Deleting records: to the trash, or permanently (with their files) in one transaction.

Trashing or deleting the latest version of a versioned record makes the highest remaining
version the latest, so ``Artifact.get(key=...)`` keeps answering. A permanently deleted
artifact's file is moved aside before the transaction and removed only after the commit;
if the transaction fails the file is moved back, so rows and files never disagree. A label
deleted for good takes the feature values that hold it, and the label links held only by the
values of a deleted feature go too (:mod:`~ontolake.registries.label_links`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["delete_records", "promote_latest"]


def delete_records(model: type[Any], ids: list[int], *, permanent: bool) -> int:
    """Trash (or, with ``permanent``, delete) the records of ``model`` with ``ids``.

    Returns how many records were deleted.

    Example:
        >>> ids = [artifact.id for artifact in ol.Artifact.filter(suffix=".parquet")]
        >>> delete_records(ol.Artifact, ids, permanent=False)
        2
        >>> ol.Artifact.filter(is_trashed=True).count(), ol.Artifact.filter().count()
        (2, 1)
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.artifact_save import delete_artifact_files
    from ontolake.registries.label_links import release_labels, unlink_deleted

    if not ids:
        return 0
    instance = current_instance()
    if hasattr(model, "is_trashed") and not permanent:
        with instance.write() as session:
            session.execute(update(model).where(model.id.in_(ids)).values(is_trashed=True))
            promote_latest(session, model, ids)
        return len(ids)
    aside = []
    if model is Artifact:
        with instance.read() as session:
            artifacts = list(
                session.execute(select(Artifact).where(Artifact.id.in_(ids))).scalars()
            )
        aside = delete_artifact_files(instance, artifacts)
    try:
        with instance.write() as session:
            promote_latest(session, model, ids)
            holders = unlink_deleted(session, model, ids)
            session.execute(delete(model).where(model.id.in_(ids)))
            release_labels(session, holders)
    except BaseException:
        for placement in reversed(aside):
            placement.undo()
        raise
    for placement in aside:
        placement.root.remove(placement.final)
    return len(ids)


def promote_latest(session: Session, model: type[Any], ids: list[int]) -> None:
    """Give the families of the leaving records ``ids`` a new latest version, if any remains."""
    if not hasattr(model, "is_latest"):
        return
    stems = list(
        session.execute(
            select(model.stem_uid).where(model.id.in_(ids), model.is_latest.is_(True))
        ).scalars()
    )
    if not stems:
        return
    session.execute(update(model).where(model.id.in_(ids)).values(is_latest=False))
    remaining = (
        select(model.stem_uid, func.max(model.version))
        .where(model.stem_uid.in_(stems), model.id.not_in(ids), model.is_trashed.is_(False))
        .group_by(model.stem_uid)
    )
    for stem, version in session.execute(remaining).all():
        session.execute(
            update(model)
            .where(model.stem_uid == stem, model.version == version)
            .values(is_latest=True)
        )
