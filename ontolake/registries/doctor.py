"""``curate doctor``: check that rows and files agree, and sweep what a crash left behind.

Checks, for the connected instance: the schema revision is current; every managed artifact's
file exists and its content hash matches (streamed); no managed file exists without a row;
no staging leftovers remain; no run of this host stays ``started`` after its process died
(SIGKILL). ``fix=True`` removes orphan files (a save killed before its commit, a permanent
delete killed after it) and staging leftovers, puts back a file that a permanent delete of
ontolake before 2026-12 had set aside (under ``.staging/<uid>.deleting``) when it was
killed while its row remained, and marks the runs of dead processes ``aborted``. It never
deletes rows, files that a row points to, or the instance's own files (its marker and, for
SQLite, the database file its URL names, with its journal and write-ahead log, whatever its
name). Only files named like stored content (``<uid><suffix>``) are taken for orphans;
anything else in ``.ontolake/`` is reported and left alone.

Sweeping is safe while other processes save: the orphan check runs while holding the lock
every saving transaction holds shared (PostgreSQL) or the write lock (SQLite), so a file
placed by a transaction that has not committed yet is never taken for an orphan; a staging
file is left alone while the process that wrote it (named in the file name) is alive.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ontolake.instance.locate import sqlite_path

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.orm import Session

    from ontolake.instance.session import Instance
    from ontolake.storage.root import StorageRoot

__all__ = ["Diagnosis", "diagnose"]

_MANAGED_NAME = re.compile(r"[0-9A-Za-z]{16}(\.[^/]*)?")
"""How content stored by a save is named in ``.ontolake/``: ``<uid><suffix>``."""
_SQLITE_SIDECARS = ("", "-wal", "-shm", "-journal")
_DELETING = re.compile(r"(?P<uid>[0-9A-Za-z]{16})\.deleting")
FOREIGN_STAGING_GRACE_SECONDS = 24 * 3600
"""A staging file written on another machine is a leftover once it is this old."""


@dataclass
class Diagnosis:
    """What ``diagnose`` found; ``healthy`` when every list is empty."""

    schema_problem: str | None = None
    missing_files: list[str] = field(default_factory=list)
    """uids of artifacts whose file is missing."""
    hash_mismatches: list[str] = field(default_factory=list)
    """uids of artifacts whose file content changed."""
    orphan_files: list[str] = field(default_factory=list)
    """Managed files (named ``<uid><suffix>``) without a row."""
    foreign_files: list[str] = field(default_factory=list)
    """Other files in ``.ontolake/`` that ontolake did not write: reported, never removed."""
    staging_leftovers: list[str] = field(default_factory=list)
    unfinished_uploads: list[str] = field(default_factory=list)
    """Multipart uploads to managed keys that were never completed (S3), as ``url#upload-id``."""
    in_use: list[str] = field(default_factory=list)
    """Staging files of saves still running in live processes (left alone, not a problem)."""
    removed: list[str] = field(default_factory=list)
    """Files removed by ``fix=True``."""
    restored: list[str] = field(default_factory=list)
    """uids whose file ``fix=True`` put back from where an interrupted delete had moved it."""
    stale_runs: list[str] = field(default_factory=list)
    """Runs left ``started`` by a process of this host that is gone, as ``uid (process pid)``."""
    aborted_runs: list[str] = field(default_factory=list)
    """Stale runs ``fix=True`` marked ``aborted``."""

    @property
    def healthy(self) -> bool:
        """True when nothing is wrong (removed leftovers count as fixed)."""
        return not (
            self.schema_problem
            or self.missing_files
            or self.hash_mismatches
            or [path for path in self.orphan_files if path not in self.removed]
            or [path for path in self.staging_leftovers if path not in self.removed]
            or [path for path in self.unfinished_uploads if path not in self.removed]
            or [run for run in self.stale_runs if run not in self.aborted_runs]
        )

    def lines(self) -> list[str]:
        """A human-readable report, one finding per line."""
        found = []
        if self.schema_problem:
            found.append(f"schema: {self.schema_problem}")
        found += [f"missing file: artifact {uid}" for uid in self.missing_files]
        found += [f"hash mismatch: artifact {uid}" for uid in self.hash_mismatches]
        found += [f"restored file: artifact {uid} (set aside by a delete)" for uid in self.restored]
        for path in self.orphan_files:
            found.append(f"{'removed' if path in self.removed else 'orphan'} file: {path}")
        for path in self.staging_leftovers:
            found.append(f"{'removed' if path in self.removed else 'staging'} leftover: {path}")
        for upload in self.unfinished_uploads:
            state = "aborted" if upload in self.removed else "unfinished"
            found.append(f"{state} upload: {upload}")
        for run in self.stale_runs:
            state = "aborted" if run in self.aborted_runs else "stale"
            found.append(f"{state} run: {run} (its process died before it finished)")
        problems = bool(found)
        found += [
            f"not ontolake's: {path} (left alone; move it out of .ontolake/)"
            for path in self.foreign_files
        ]
        found += [f"in use: {path} (a save in a running process)" for path in self.in_use]
        if not problems:
            found.insert(0, "healthy: every artifact has its file, every file its row")
        return found


def diagnose(instance: Instance, *, fix: bool = False, check_hashes: bool = True) -> Diagnosis:
    """Check the instance's rows against its default storage.

    Example:
        >>> from ontolake.instance.session import current_instance
        >>> found = diagnose(current_instance())  # a run of crash.py whose process died
        >>> found.healthy, len(found.stale_runs)
        (False, 1)
        >>> fixed = diagnose(current_instance(), fix=True)  # marks it aborted
        >>> fixed.healthy, fixed.aborted_runs == found.stale_runs
        (True, True)
    """
    from ontolake.errors import SchemaVersionError
    from ontolake.instance.engine import lock_names
    from ontolake.instance.migrate import check_schema
    from ontolake.registries.artifact_save import PLACEMENT_LOCK
    from ontolake.storage.hashing import hash_path

    diagnosis = Diagnosis()
    try:
        check_schema(instance.engine, instance.db_description)
    except SchemaVersionError as error:
        diagnosis.schema_problem = str(error)
        return diagnosis
    _check_runs(instance, diagnosis, fix=fix)
    root = instance.root
    with instance.read() as session:
        expected = _expected_files(session, instance)
    for path, (uid, content_hash) in expected.items():
        if not root.exists(path):
            diagnosis.missing_files.append(uid)
        elif check_hashes and hash_path(path, None if root.is_local else root.fs).hash != (
            content_hash
        ):
            diagnosis.hash_mismatches.append(uid)
    if not fix:
        _survey(instance, expected, diagnosis)
        return diagnosis
    # No save may place a file between listing the rows and removing what has none.
    with instance.write() as session:
        lock_names(session, PLACEMENT_LOCK)
        expected = _expected_files(session, instance)
        _survey(instance, expected, diagnosis)
        _restore_set_aside(root, expected, diagnosis)
        for path in [*diagnosis.orphan_files, *diagnosis.staging_leftovers]:
            _remove(root, path)
            diagnosis.removed.append(path)
        for upload in diagnosis.unfinished_uploads:
            _abort_upload(root, upload)
            diagnosis.removed.append(upload)
    return diagnosis


def _check_runs(instance: Instance, diagnosis: Diagnosis, *, fix: bool) -> None:
    """Find runs whose process died while ``started``; with ``fix``, mark them aborted."""
    from ontolake.lineage.processes import abort_stale_runs, find_stale_runs

    stale = find_stale_runs(instance)
    diagnosis.stale_runs = [f"{run.uid} (process {run.pid})" for run in stale]
    if fix and stale:
        aborted = abort_stale_runs(instance, stale)
        diagnosis.aborted_runs = [f"{run.uid} (process {run.pid})" for run in aborted]


def _expected_files(session: Session, instance: Instance) -> dict[str, tuple[str, str | None]]:
    """Managed path → (uid, hash) of every artifact row in the default storage."""
    from sqlalchemy import select

    from ontolake.registries.artifact import Artifact
    from ontolake.registries.storage_location import default_storage_id

    table = cast("Table", Artifact.__table__)
    rows = session.execute(
        select(table.c.uid, table.c.suffix, table.c.hash).where(
            table.c.in_place.is_(False), table.c.storage_id == default_storage_id(instance)
        )
    ).all()
    root = instance.root
    return {
        root.managed_path(uid, suffix).rstrip("/"): (uid, content_hash)
        for uid, suffix, content_hash in rows
    }


def _survey(
    instance: Instance, expected: dict[str, tuple[str, str | None]], diagnosis: Diagnosis
) -> None:
    """List orphan managed files and staging leftovers (and staging files still in use)."""
    root = instance.root
    spared = _instance_files(instance)
    for entry in _listing(root, root.join(".ontolake")):
        location = _as_location(root, entry)
        name = location.rsplit("/", 1)[-1]
        if location in expected or location in spared:
            continue
        if _MANAGED_NAME.fullmatch(name):
            diagnosis.orphan_files.append(location)
        else:
            diagnosis.foreign_files.append(location)
    staged = [_as_location(root, e) for e in _listing(root, root.join(".ontolake", ".staging"))]
    if not root.is_local:  # remote instances stage in this user's cache; only tagged files
        from ontolake.instance.session import staging_owner
        from ontolake.storage.cache import cache_dir

        folder = cache_dir() / "staging"
        if folder.is_dir():
            staged += [str(p) for p in sorted(folder.iterdir()) if staging_owner(p.name)]
    diagnosis.unfinished_uploads = _unfinished_uploads(root)
    for path in staged:
        if _in_use(root, path):
            diagnosis.in_use.append(path)
        else:
            diagnosis.staging_leftovers.append(path)


def _instance_files(instance: Instance) -> set[str]:
    """Files in ``.ontolake/`` the instance itself needs, never taken for orphans.

    Its marker, its staging folder and, for SQLite, the database file its URL names (whatever
    the name) with its journal and write-ahead log.
    """
    root = instance.root
    needed = {root.join(".ontolake", "instance.json"), root.join(".ontolake", ".staging")}
    if instance.dialect == "sqlite" and root.is_local:
        database = sqlite_path(instance.db_url).expanduser()
        # the file its URL names (a symlink, maybe) and the file that link leads to
        for path in {str(database.absolute()), str(database.resolve())}:
            needed |= {path + sidecar for sidecar in _SQLITE_SIDECARS}
    return needed


def _unfinished_uploads(root: StorageRoot) -> list[str]:
    """Multipart uploads below ``<root>/.ontolake/`` never completed (a crash mid-upload).

    Their parts are invisible to listings but kept (and billed) until aborted.
    """
    if root.protocol not in ("s3", "s3a"):
        return []
    bucket, _, prefix = root.root.split("://", 1)[1].partition("/")
    managed = f"{prefix}/.ontolake/".lstrip("/")
    uploads = root.fs.list_multipart_uploads(bucket)
    return sorted(
        f"{root.protocol}://{bucket}/{upload['Key']}#{upload['UploadId']}"
        for upload in uploads
        if str(upload.get("Key", "")).startswith(managed)
    )


def _abort_upload(root: StorageRoot, upload: str) -> None:
    location, upload_id = upload.rsplit("#", 1)
    bucket, key = location.split("://", 1)[1].split("/", 1)
    root.fs.abort_mpu(bucket, key, upload_id)


def _restore_set_aside(
    root: StorageRoot, expected: dict[str, tuple[str, str | None]], diagnosis: Diagnosis
) -> None:
    """Put back files a crashed permanent delete moved aside while their rows remain.

    Deletes no longer move files aside (they remove them after the commit), but an instance
    may hold such a file from a crash under an earlier ontolake.
    """
    by_uid = {uid: path for path, (uid, _hash) in expected.items()}
    for staged in list(diagnosis.staging_leftovers):
        match = _DELETING.match(staged.rsplit("/", 1)[-1])
        if match is None or match["uid"] not in by_uid:
            continue
        uid = match["uid"]
        if uid in diagnosis.missing_files and not root.exists(by_uid[uid]):
            root.finalise(staged, by_uid[uid])
            diagnosis.staging_leftovers.remove(staged)
            diagnosis.missing_files.remove(uid)
            diagnosis.restored.append(uid)


def _in_use(root: StorageRoot, path: str) -> bool:
    """Whether a staging file may belong to a save still in progress."""
    from ontolake.instance.session import HOST, staging_owner

    owner = staging_owner(path.rstrip("/").rsplit("/", 1)[-1])
    if owner is None:
        return False  # untagged: not written by a save of this version
    pid, host = owner
    if host == HOST:
        return _alive(pid)
    try:
        modified = (
            Path(path).stat().st_mtime if root.is_local else root.fs.modified(path).timestamp()
        )
    except (OSError, NotImplementedError, ValueError):
        return False
    return time.time() - modified < FOREIGN_STAGING_GRACE_SECONDS


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _remove(root: StorageRoot, path: str) -> None:
    if root.is_local or "://" in path:
        root.remove(path)
    else:  # a remote instance's staging file in the local cache
        from ontolake.storage.root import StorageRoot

        StorageRoot(str(Path(path).parent)).remove(path)


def _listing(root: StorageRoot, folder: str) -> list[str]:
    if not root.exists(folder):
        return []
    return [str(entry) for entry in root.fs.ls(folder, detail=False)]


def _as_location(root: StorageRoot, entry: str) -> str:
    """Fsspec listings drop the protocol of remote paths; put it back."""
    if root.is_local or "://" in entry:
        return entry.rstrip("/")
    return f"{root.protocol}://{entry.rstrip('/')}"
