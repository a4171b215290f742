"""``ol.save``: insert or update many records, artifacts among them, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar, cast

from ontolake._faults import reached
from ontolake.errors import DoesNotExistError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ontolake.registries.base import RecordVerbs

__all__ = ["refuse_deleted", "save", "write_records"]

RecordT = TypeVar("RecordT", bound="RecordVerbs")


def save(records: Iterable[RecordT]) -> list[RecordT]:
    """Save records in bulk, in one transaction: all of them are stored, or none.

    Artifacts go through the artifact path (content placed atomically with the rows, in
    the same transaction as the other records); a record whose content is already stored
    comes back as the existing artifact.

    Example:
        >>> import ontolake as ol
        >>> plates = ol.save([ol.ULabel(name=f"plate {i}") for i in range(1, 97)])
        >>> len(plates), ol.ULabel.filter(name__startswith="plate ").count()
        (96, 96)
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.artifact_save import save_artifacts
    from ontolake.registries.user import current_user_id

    records = list(records)
    refuse_deleted(records)
    artifacts = [record for record in records if isinstance(record, Artifact)]
    others = [record for record in records if not isinstance(record, Artifact)]
    instance = current_instance()
    if not artifacts:
        if others:
            user_id = current_user_id(instance)
            with instance.write() as session:
                write_records(session, cast("list[RecordVerbs]", others), user_id)
        return records
    stored = save_artifacts(
        cast("list[Artifact]", artifacts), records=cast("list[RecordVerbs]", others)
    )
    saved = dict(zip(map(id, artifacts), stored, strict=True))
    return [saved.get(id(record), record) for record in records]  # type: ignore[misc]


def refuse_deleted(records: Iterable[object]) -> None:
    """Refuse records deleted for good: their rows are gone and their uids retired.

    Raises:
        DoesNotExistError: naming the first such record and what to do.

    Example:
        >>> import ontolake as ol
        >>> label = ol.ULabel(name="gone").save()
        >>> label.delete(permanent=True)
        >>> refuse_deleted([label])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ontolake.errors.DoesNotExistError: ULabel ... was deleted permanently: ...
    """
    from sqlalchemy import inspect

    for record in records:
        state = inspect(record, raiseerr=False)
        if state is not None and state.was_deleted:
            uid = getattr(record, "uid", "")
            raise DoesNotExistError(
                f"{type(record).__name__} {uid!r} was deleted permanently: it cannot be saved "
                "or restored again; create a new record (a new uid) instead."
            )


def write_records(session: Session, records: list[RecordVerbs], user_id: int) -> None:
    """Insert or update ``records`` (not artifacts) inside the caller's write transaction.

    Example:
        >>> from ontolake.instance.session import current_instance
        >>> from ontolake.registries.user import current_user_id
        >>> instance = current_instance()
        >>> with instance.write() as session:
        ...     write_records(session, [ol.ULabel(name="batch 9")], current_user_id(instance))
        >>> ol.ULabel.filter(name="batch 9").count()
        1
    """
    from ontolake.registries.versioning import Versioned

    for record in records:
        if getattr(record, "created_by_id", user_id) is None:
            record.created_by_id = user_id  # type: ignore[attr-defined]
        if isinstance(record, Versioned) and record.id is None:
            record.assign_version(session, None)
        if record.before_save(session):
            session.add(record)
    session.flush()
    for record in records:
        record.after_flush(session)
    reached("records.written")
