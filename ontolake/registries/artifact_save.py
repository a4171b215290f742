"""Saving and permanently deleting artifacts: a file and its row appear and vanish together.

Saving, per artifact:

1. the content is hashed and (for local storage) copied or serialised to a staging name
   ``<root>/.ontolake/.staging/`` — outside any transaction (large content is first looked
   up, so that content already stored is not copied);
2. in one write transaction: content that is already stored returns the existing artifact
   (nothing is written), else the version is assigned, the row inserted and the previous
   version demoted; the caller's ``on_inserted`` writes what belongs with the rows (a
   curated save: labels, feature values); then the file is placed at
   ``<root>/.ontolake/<uid><suffix>`` (an atomic rename locally; an upload to remote object
   stores, whose PUTs are atomic), then commit.

Any failure rolls the transaction back and undoes the placement, so neither row nor file
remains. A crash between placement and commit leaves a file without a row, which
``curate doctor --fix`` removes; the previous version stays intact and latest.

Concurrent writers of the same key, content or version family queue on transaction-scoped
advisory locks on PostgreSQL (on SQLite, ``BEGIN IMMEDIATE`` already serialises writers),
so each new version is numbered after, and revises, the one committed before it. A
unique-index violation that still slips through (a writer outside this path) is retried. A
failed save removes what it staged and leaves the artifact ready to be saved again.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, NoReturn, cast

from ontolake._faults import reached
from ontolake.errors import IntegrityError, InvalidDataError, StorageError
from ontolake.registries.save import write_records
from ontolake.storage.keys import key_spellings

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Insert, Select, Table
    from sqlalchemy.orm import Session

    from ontolake.instance.session import Instance
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.base import RecordVerbs
    from ontolake.storage.root import StorageRoot

__all__ = ["managed_files", "remove_files", "save_artifacts"]

logger = logging.getLogger("ontolake")

_ATTEMPTS = 5
_CHECK_BEFORE_COPY = 2**20
"""Content this large is looked up before it is copied to staging (else only under the lock)."""
PLACEMENT_LOCK = "ontolake:placements"
"""Held shared by every transaction placing files, exclusively by ``curate doctor --fix``."""


@dataclass
class _Placement:
    """A file put in place inside a transaction, and how to take that back."""

    root: StorageRoot
    source: str
    final: str
    moved: bool
    """True: ``final`` was renamed from ``source`` (undo renames back); False: ``final`` is an
    upload (undo removes it)."""

    def undo(self) -> None:
        if self.moved:
            self.root.finalise(self.final, self.source)
        else:
            self.root.remove(self.final)


def save_artifacts(
    artifacts: list[Artifact],
    *,
    on_inserted: Callable[[Session, list[Artifact]], None] | None = None,
    records: list[RecordVerbs] | None = None,
) -> list[Artifact]:
    """Save new and changed artifacts in one transaction; return what is stored, in order.

    Args:
        artifacts: new artifacts (stored) and saved ones (their changed fields are written).
        records: other records (labels, runs …) saved in the same transaction, before the
            artifacts (see :func:`ontolake.registries.save.write_records`).
        on_inserted: called inside the write transaction, once the rows are inserted and
            before any file is placed, with the session and the stored artifacts (in order;
            for content that was already stored, the existing artifact). What it writes is
            committed with the artifacts; if it raises, nothing is saved: no row, no file.

    Example:
        >>> saved = save_artifacts([ol.Artifact("cells.csv", key="cells.csv"),
        ...                         ol.Artifact("hp.obo", key="ontologies/hp.obo")])
        >>> [(artifact.key, artifact.version) for artifact in saved]
        [('cells.csv', 1), ('ontologies/hp.obo', 1)]
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.user import current_user_id

    instance = current_instance()
    user_id = current_user_id(instance)  # registered before the write transaction, on first use
    results: list[Artifact] = list(artifacts)
    changed = [artifact for artifact in artifacts if artifact.id is not None]
    for artifact in changed:
        if not artifact.is_latest:  # edits of an old version are easy to lose sight of
            logger.warning(
                "saving changes to version %s of %r (%s), which is not the latest version: "
                "ol.Artifact.get(key=...) and listings show the latest one",
                artifact.version,
                artifact.key,
                artifact.uid,
            )
    new: list[int] = []
    sources: dict[int, str] = {}  # where staged content was copied from
    try:
        for index, artifact in enumerate(artifacts):
            if artifact.id is not None or getattr(artifact, "_content", None) is None:
                continue
            if _copied_when_staged(instance, artifact) and artifact.size >= _CHECK_BEFORE_COPY:
                with instance.read() as session:  # spare copying content that is stored
                    existing = _find_same_content(session, artifact)
                if existing is not None:
                    results[index] = _reuse(artifact, existing)
                    continue
            new.append(index)
            sources[index] = artifact._content.source
            _stage(instance, artifact)
    except BaseException:
        _unstage(artifacts, sources)
        raise
    if new:
        reached("artifact.staged")
    inserted = [record for record in records or () if record.id is None]
    for attempt in range(1, _ATTEMPTS + 1):
        placements: list[_Placement] = []
        try:
            with instance.write() as session:
                try:
                    if records:
                        write_records(session, records, user_id)
                    _insert_new(session, instance, user_id, artifacts, new, results)
                    session.add_all(changed)
                    session.flush()
                    if on_inserted is not None:
                        on_inserted(session, results)
                    if new:
                        reached("artifact.inserted")
                    for index in new:
                        if results[index] is artifacts[index] and not artifacts[index].in_place:
                            placements.append(_place(instance.root, artifacts[index]))
                            reached("artifact.placed")
                except BaseException:
                    # before the rollback ends the transaction (and releases its locks)
                    _undo(placements)
                    _forget(session, [artifacts[index] for index in new])
                    _forget(session, [record for record in records or () if record in inserted])
                    raise
            break
        except IntegrityError:
            _undo(placements)  # a failed commit; a no-op when undone above
            if attempt == _ATTEMPTS:
                _unstage(artifacts, sources)
                raise
            logger.debug("artifact save lost a race (attempt %d); retrying", attempt)
            time.sleep(random.uniform(0, 0.02 * attempt))
        except BaseException:
            _undo(placements)
            _unstage(artifacts, sources)
            raise
    if new:
        reached("artifact.committed")
    for index in new:
        if results[index] is not artifacts[index]:
            _reuse(artifacts[index], results[index])
        artifacts[index]._content.discard()  # a no-op once the staged file was moved in place
    return results


def _insert_new(
    session: Session,
    instance: Instance,
    user_id: int,
    artifacts: list[Artifact],
    new: list[int],
    results: list[Artifact],
) -> None:
    """Insert the rows of ``artifacts[new]``, or note in ``results`` the same stored content.

    The same-content check happens here only, under the write lock, where it is exact.
    """
    from ontolake.lineage.context import stamp_run
    from ontolake.registries.artifact import Artifact

    _lock(session, [artifacts[index] for index in new])
    for index in new:
        artifact = artifacts[index]
        artifact.id = None  # type: ignore[assignment]  # a retry inserts afresh
        same_id, latest_id = _same_content_and_latest(session, artifact)
        existing = None if same_id is None else session.get(Artifact, same_id)
        results[index] = artifact if existing is None else existing
        if existing is not None:
            continue
        artifact.created_by_id = artifact.created_by_id or user_id
        stamp_run(artifact)  # an output of the current run, if any
        artifact.storage_id = _storage_id(session, instance, artifact, user_id)
        revises = getattr(artifact, "_revises", None)
        if revises is None and latest_id is not None:
            revises = session.get(Artifact, latest_id)
        artifact.assign_version(session, revises)
        _insert(session, artifact)


def _unstage(artifacts: list[Artifact], sources: dict[int, str]) -> None:
    """Remove the staged copies of a failed save, so that ``save()`` may simply be retried."""
    for index, source in sources.items():
        content = artifacts[index]._content
        content.discard()
        if not content.in_place:
            content.source = source  # a retry copies from the original again


def _lock(session: Session, artifacts: list[Artifact]) -> None:
    """Queue this transaction behind others saving the same key, content or version family.

    Without these locks, concurrent writers on PostgreSQL (``READ COMMITTED``) read the same
    latest version: all but one fail on the unique ``uid`` index, and a writer may number its
    version after one that committed meanwhile while recording the older one as revised.
    The shared placement lock lets ``curate doctor --fix`` wait until no file is in flight.
    """
    from ontolake.instance.engine import lock_names

    lock_names(session, PLACEMENT_LOCK, shared=True)
    names: list[str] = []
    for artifact in artifacts:
        if artifact.hash is not None:
            names.append(f"artifact-hash:{artifact.hash}")
        if artifact.key is not None and not artifact.in_place:
            names.append(f"artifact-key:{artifact.key}")
        revises = getattr(artifact, "_revises", None)
        if revises is not None:
            names.append(f"artifact-stem:{revises.stem_uid}")
    lock_names(session, *names)


def _forget(session: Session, artifacts: list[Any]) -> None:
    """Detach records whose insert is about to be rolled back, keeping their fields.

    Done before the rollback, which would otherwise leave them attached under an id that no
    longer exists (the next insert may reuse it) and expire the fields a retry needs.
    """
    from sqlalchemy import inspect
    from sqlalchemy.orm import make_transient

    for artifact in artifacts:
        if artifact in session:
            session.expunge(artifact)
        if inspect(artifact).key is not None:
            make_transient(artifact)
        artifact.id = None


def _find_same_content(session: Session, artifact: Artifact) -> Artifact | None:
    """The stored, non-trashed artifact with the same hash (the oldest), if any."""
    from ontolake.registries.artifact import Artifact

    found = session.connection().execute(_same_content(), {"hash": artifact.hash}).scalar()
    return None if found is None else session.get(Artifact, found)


def _same_content_and_latest(session: Session, artifact: Artifact) -> tuple[int | None, int | None]:
    """In one query: the artifact with the same content, and the latest one under the key.

    The latest is the one new content under a managed key supersedes (None without a key
    and for artifacts registered in place). Keys are saved in NFC; a key stored in its NFD
    spelling by an earlier version of ontolake names the same family.
    """
    key = None if artifact.in_place else artifact.key
    spellings = [] if key is None else key_spellings(key)
    row = (
        session.connection()
        .execute(_same_content_and_latest_query(), {"hash": artifact.hash, "keys": spellings})
        .one()
    )
    return row[0], row[1]


@cache
def _same_content_and_latest_query() -> Select[Any]:
    """Both ids of :func:`_same_content_and_latest` as scalar subqueries (built once)."""
    from sqlalchemy import bindparam, select

    from ontolake.registries.artifact import Artifact

    latest = (
        select(Artifact.id)
        .where(
            Artifact.key.in_(bindparam("keys", expanding=True)),
            Artifact.is_latest.is_(True),
            Artifact.is_trashed.is_(False),
            Artifact.in_place.is_(False),
        )
        .order_by(Artifact.id.desc())
        .limit(1)
    )
    return select(_same_content().scalar_subquery(), latest.scalar_subquery())


@cache
def _same_content() -> Select[Any]:
    """The id of the oldest stored, non-trashed artifact with a given hash (built once)."""
    from sqlalchemy import bindparam, select

    from ontolake.registries.artifact import Artifact

    return (
        select(Artifact.id)
        .where(Artifact.hash == bindparam("hash"), Artifact.is_trashed.is_(False))
        .order_by(Artifact.id)
        .limit(1)
    )


def _insert(session: Session, artifact: Artifact) -> None:
    """Insert the row with one Core statement, then attach the object as persistent.

    An artifact with links set before its first save (labels, a run object) goes through
    the ORM unit of work instead, which writes the links too.
    """
    from sqlalchemy import inspect
    from sqlalchemy.orm import make_transient_to_detached

    state = inspect(artifact)
    if any(relationship.key in state.dict for relationship in state.mapper.relationships):
        session.add(artifact)
        return
    table = cast("Table", state.mapper.local_table)
    fields = state.dict
    values = {key: fields[key] for key in _column_keys() if fields.get(key) is not None}
    inserted = session.connection().execute(_insert_into(table), values)
    assert inserted.inserted_primary_key is not None
    artifact.id = inserted.inserted_primary_key[0]
    make_transient_to_detached(artifact)
    session.add(artifact)


@cache
def _column_keys() -> tuple[str, ...]:
    """The artifact fields an insert may set (every mapped column but ``id``), listed once."""
    from sqlalchemy import inspect

    from ontolake.registries.artifact import Artifact

    return tuple(column.key for column in inspect(Artifact).columns if column.key != "id")


@cache
def _insert_into(table: Table) -> Insert:
    """``INSERT INTO table`` built once; the values come as parameters."""
    from sqlalchemy import insert

    return insert(table)


def _reuse(artifact: Artifact, existing: Artifact) -> Artifact:
    logger.warning(
        "returning the existing artifact %s (key=%r): the same content is already stored",
        existing.uid,
        existing.key,
    )
    artifact._content.discard()
    return existing


def _copied_when_staged(instance: Instance, artifact: Artifact) -> bool:
    """Whether staging copies the content (a local source saved to local storage)."""
    content = artifact._content
    return not (content.in_place or content.owns_source or not instance.root.is_local)


def _stage(instance: Instance, artifact: Artifact) -> None:
    """Copy a local source to the storage's staging area so the transaction only renames."""
    if not _copied_when_staged(instance, artifact):
        return
    content = artifact._content
    from ontolake.registries.uid import new_uid

    staging = instance.staging_path(new_uid(16), content.suffix)
    if content.n_files is None and not os.path.isdir(content.source):  # noqa: PTH112
        # a single file: copied and re-hashed in one read
        from ontolake.storage.hashing import copy_file_hashed

        digest = copy_file_hashed(content.source, staging)
        content.source = staging
        content.owns_source = True
        if digest.hash != artifact.hash:
            _refuse_changed(artifact)
        return
    instance.root.upload(content.source, staging)
    content.source = staging
    content.owns_source = True
    _check_unchanged(artifact, staging)


def _check_unchanged(artifact: Artifact, path: str) -> None:
    """Refuse content that changed on disk between ``Artifact(...)`` and ``save()``."""
    from ontolake.storage.hashing import hash_path

    if hash_path(path).hash != artifact.hash:
        _refuse_changed(artifact)


def _refuse_changed(artifact: Artifact) -> NoReturn:
    """Remove what was staged for ``artifact`` and refuse its changed content."""
    artifact._content.discard()
    raise InvalidDataError(
        f"The content for key {artifact.key!r} changed after it was hashed (it is being "
        "written to right now?): create the Artifact again once it is complete."
    )


def _storage_id(session: Session, instance: Instance, artifact: Artifact, user_id: int) -> int:
    """The storage holding ``artifact``: the default, or (in place) its bucket's (made once)."""
    from sqlalchemy import select

    from ontolake.registries.storage_location import Storage, default_storage_id

    if not artifact.in_place:
        return default_storage_id(instance)
    root = artifact._content.storage_root
    assert root is not None
    found = session.execute(select(Storage.id).where(Storage.root == root)).scalar()
    if found is not None:
        return int(found)
    storage = Storage(root=root, type=root.split("://", 1)[0], created_by_id=user_id)
    session.add(storage)
    session.flush()
    return storage.id


def _place(root: StorageRoot, artifact: Artifact) -> _Placement:
    """Put the staged content of ``artifact`` at its managed path.

    Something already there is the orphan of a save that crashed after placing its file and
    before committing its row: no row holds this uid (its row was just inserted, under the
    unique index), and the writers of this key or family queue behind this one. The orphan
    is removed and the content placed again, so a crash never blocks a key.
    """
    final = root.managed_path(artifact.uid, artifact.suffix)
    try:
        return _place_at(root, artifact, final)
    except StorageError:
        if not root.exists(final):
            raise
    logger.warning("replacing %s, left by a save that crashed before its commit", final)
    root.remove(final)
    return _place_at(root, artifact, final)


def _place_at(root: StorageRoot, artifact: Artifact, final: str) -> _Placement:
    content = artifact._content
    if root.is_local:
        root.finalise(content.source, final)
        return _Placement(root, content.source, final, moved=True)
    if not content.owns_source:
        _check_unchanged(artifact, content.source)
    root.upload(content.source, final)  # a failed upload leaves nothing behind
    return _Placement(root, content.source, final, moved=False)


def _undo(placements: list[_Placement]) -> None:
    """Take back ``placements`` (emptying the list, so a second call does nothing).

    An undo that fails is logged, not raised: the error being handled matters more, and
    ``curate doctor --fix`` sweeps what is left.
    """
    while placements:
        placement = placements.pop()
        try:
            placement.undo()
        except Exception as error:
            logger.warning(
                "could not take back %s (%s); run `curate doctor --fix`", placement.final, error
            )


def managed_files(artifacts: list[Artifact]) -> list[tuple[StorageRoot, str]]:
    """The storage root and managed path of each of ``artifacts`` (in-place ones have none).

    Example:
        >>> [path.endswith(f"/data/.ontolake/{artifact.uid}.fasta")
        ...  for _, path in managed_files([artifact])]
        [True]
    """
    return [(a.storage_root, a.path) for a in artifacts if not a.in_place]


def remove_files(files: list[tuple[StorageRoot, str]]) -> None:
    """Remove the files of artifacts whose rows a committed permanent delete removed.

    Called only after the commit, so a failed delete never loses a file whose row remains. A
    crash before it (or a removal that fails, which is logged) leaves files without rows:
    their uids are retired, so nothing ever collides with them, and ``curate doctor --fix``
    removes them.
    """
    for root, path in files:
        try:
            root.remove(path)
        except StorageError as error:
            logger.warning(
                "could not remove %s, whose artifact is deleted (%s); `curate doctor --fix` "
                "removes it",
                path,
                error,
            )
