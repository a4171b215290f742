"""``ol.save``: insert or update many records in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar, cast

if TYPE_CHECKING:
    from ontolake.registries.base import RecordVerbs

__all__ = ["save"]

RecordT = TypeVar("RecordT", bound="RecordVerbs")


def save(records: Iterable[RecordT]) -> list[RecordT]:
    """Save records in bulk: one transaction for the records, one for the artifacts.

    Artifacts go through the artifact path (content placed atomically with the rows); a
    record whose content is already stored comes back as the existing artifact.

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
    from ontolake.registries.versioning import Versioned

    records = list(records)
    artifacts = [record for record in records if isinstance(record, Artifact)]
    others = [record for record in records if not isinstance(record, Artifact)]
    instance = current_instance()
    if others:
        user_id = current_user_id(instance)
        with instance.write() as session:
            for record in others:
                if getattr(record, "created_by_id", user_id) is None:
                    record.created_by_id = user_id  # type: ignore[attr-defined]
                if isinstance(record, Versioned) and record.id is None:
                    record.assign_version(session, None)
                if record.before_save(session):
                    session.add(record)
            session.flush()
            for record in others:
                record.after_flush(session)
    stored = save_artifacts(cast("list[Artifact]", artifacts)) if artifacts else []
    saved = dict(zip(map(id, artifacts), stored, strict=True))
    return [saved.get(id(record), record) for record in records]  # type: ignore[misc]
