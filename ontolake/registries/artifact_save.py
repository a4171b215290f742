"""Saving and permanently deleting artifacts: a file and its row appear and vanish together.

Saving, per artifact:

1. the content is hashed and (for local storage) copied or serialised to a staging name
   ``<root>/.ontolake/.staging/`` — outside any transaction;
2. content that is already stored returns the existing artifact (nothing is written);
3. in one write transaction: the version is assigned, the row inserted and the previous
   version demoted, then the file is placed at ``<root>/.ontolake/<uid><suffix>`` (an atomic
   rename locally; an upload to remote object stores, whose PUTs are atomic), then commit.

Any failure rolls the transaction back and undoes the placement, so neither row nor file
remains. A crash between placement and commit leaves a file without a row, which
``curate doctor --fix`` removes; the previous version stays intact and latest. A race with
another writer over the same key or version (a unique-index violation) is retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ontolake.errors import IntegrityError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ontolake.instance.setup import Instance
    from ontolake.registries.artifact import Artifact
    from ontolake.storage.root import StorageRoot

__all__ = ["delete_artifact_files", "save_artifacts"]

logger = logging.getLogger("ontolake")

_ATTEMPTS = 5


@dataclass
class _Placement:
    root: StorageRoot
    source: str
    final: str
    moved: bool

    def undo(self) -> None:
        if self.moved:
            self.root.finalise(self.final, self.source)
        else:
            self.root.remove(self.final)


def save_artifacts(artifacts: list[Artifact]) -> list[Artifact]:
    """Save new and changed artifacts in one transaction; return what is stored, in order.

    Example:
        >>> save_artifacts([ol.Artifact("a.csv", key="a.csv")])  # doctest: +SKIP
    """
    from ontolake.instance.setup import current_instance

    instance = current_instance()
    user_id = instance.user_id
    results: list[Artifact] = list(artifacts)
    new: list[int] = []
    for index, artifact in enumerate(artifacts):
        if artifact.id is not None or getattr(artifact, "_content", None) is None:
            continue
        with instance.read() as session:
            existing = _find_same_content(session, artifact)
        if existing is not None:
            results[index] = _reuse(artifact, existing)
        else:
            _stage(instance, artifact)
            new.append(index)
    for attempt in range(1, _ATTEMPTS + 1):
        placements: list[_Placement] = []
        try:
            with instance.write() as session:
                for index in new:
                    artifact = artifacts[index]
                    artifact.id = None  # type: ignore[assignment]  # a retry inserts afresh
                    existing = _find_same_content(session, artifact)
                    if existing is not None:
                        results[index] = existing
                        continue
                    artifact.created_by_id = artifact.created_by_id or user_id
                    artifact.storage_id = _storage_id(session, instance, artifact, user_id)
                    artifact.assign_version(session, getattr(artifact, "_revises", None))
                    session.add(artifact)
                session.add_all([a for a in artifacts if a.id is not None])
                session.flush()
                for index in new:
                    if results[index] is artifacts[index] and not artifacts[index].in_place:
                        placements.append(_place(instance.root, artifacts[index]))
            break
        except IntegrityError:
            _undo(placements)
            if attempt == _ATTEMPTS:
                for index in new:
                    artifacts[index]._content.discard()
                raise
        except BaseException:
            _undo(placements)
            for index in new:
                artifacts[index]._content.discard()
            raise
    for index in new:
        if results[index] is not artifacts[index]:
            _reuse(artifacts[index], results[index])
        artifacts[index]._content.discard()  # a no-op once the staged file was moved in place
    return results


def _find_same_content(session: Session, artifact: Artifact) -> Artifact | None:
    from sqlalchemy import select

    from ontolake.registries.artifact import Artifact

    return session.execute(
        select(Artifact)
        .where(Artifact.hash == artifact.hash, Artifact.is_trashed.is_(False))
        .order_by(Artifact.id)
        .limit(1)
    ).scalar_one_or_none()


def _reuse(artifact: Artifact, existing: Artifact) -> Artifact:
    logger.warning(
        "returning the existing artifact %s (key=%r): the same content is already stored",
        existing.uid,
        existing.key,
    )
    artifact._content.discard()
    return existing


def _stage(instance: Instance, artifact: Artifact) -> None:
    """Copy a local source to the storage's staging area so the transaction only renames."""
    content = artifact._content
    if content.in_place or content.owns_source or not instance.root.is_local:
        return
    from ontolake.registries.uid import new_uid

    staging = instance.staging_path(new_uid(16), content.suffix)
    instance.root.upload(content.source, staging)
    content.source = staging
    content.owns_source = True


def _storage_id(session: Session, instance: Instance, artifact: Artifact, user_id: int) -> int:
    from sqlalchemy import select

    from ontolake.registries.storage import Storage

    root = artifact._content.storage_root if artifact.in_place else instance.root.root
    assert root is not None
    found = session.execute(select(Storage.id).where(Storage.root == root)).scalar()
    if found is not None:
        return int(found)
    storage = Storage(root=root, type=root.split("://", 1)[0], created_by_id=user_id)
    session.add(storage)
    session.flush()
    return storage.id


def _place(root: StorageRoot, artifact: Artifact) -> _Placement:
    content = artifact._content
    final = root.managed_path(artifact.uid, artifact.suffix)
    if root.is_local:
        root.finalise(content.source, final)
        return _Placement(root, content.source, final, moved=True)
    placement = _Placement(root, content.source, final, moved=False)
    try:
        root.upload(content.source, final)
    except BaseException:
        placement.undo()
        raise
    return placement


def _undo(placements: list[_Placement]) -> None:
    for placement in reversed(placements):
        placement.undo()


def delete_artifact_files(instance: Instance, artifacts: list[Artifact]) -> list[_Placement]:
    """Move the managed files of ``artifacts`` aside before their rows are deleted.

    Returns placements whose ``undo`` restores the files if the transaction fails; after a
    commit, remove ``final`` of each (local) or nothing (remote files are removed at once).
    """
    moved: list[_Placement] = []
    try:
        for artifact in artifacts:
            if artifact.in_place:
                continue
            root = artifact.storage_root
            if root.is_local:
                aside = root.staging_path(f"{artifact.uid}.deleting", artifact.suffix)
                if root.exists(artifact.path):
                    root.finalise(artifact.path, aside)
                    moved.append(_Placement(root, artifact.path, aside, moved=True))
            else:
                root.remove(artifact.path)
    except BaseException:
        _undo(moved)
        raise
    return moved
