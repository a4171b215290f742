"""``curate doctor``: check that rows and files agree, and sweep what a crash left behind.

Checks, for the connected instance: the schema revision is current; every managed artifact's
file exists and its content hash matches (streamed); no managed file exists without a row;
no staging leftovers remain. ``fix=True`` removes orphan files and staging leftovers — it
never deletes rows or files that a row points to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from sqlalchemy import Table

    from ontolake.instance.setup import Instance
    from ontolake.storage.root import StorageRoot

__all__ = ["Diagnosis", "diagnose"]

_RESERVED = {"instance.json", "ontolake.db", "ontolake.db-wal", "ontolake.db-shm", ".staging"}


@dataclass
class Diagnosis:
    """What ``diagnose`` found; ``healthy`` when every list is empty."""

    schema_problem: str | None = None
    missing_files: list[str] = field(default_factory=list)
    """uids of artifacts whose file is missing."""
    hash_mismatches: list[str] = field(default_factory=list)
    """uids of artifacts whose file content changed."""
    orphan_files: list[str] = field(default_factory=list)
    """Managed files without a row."""
    staging_leftovers: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Files removed by ``fix=True``."""

    @property
    def healthy(self) -> bool:
        """True when nothing is wrong (removed leftovers count as fixed)."""
        return not (
            self.schema_problem
            or self.missing_files
            or self.hash_mismatches
            or [path for path in self.orphan_files if path not in self.removed]
            or [path for path in self.staging_leftovers if path not in self.removed]
        )

    def lines(self) -> list[str]:
        """A human-readable report, one finding per line."""
        found = []
        if self.schema_problem:
            found.append(f"schema: {self.schema_problem}")
        found += [f"missing file: artifact {uid}" for uid in self.missing_files]
        found += [f"hash mismatch: artifact {uid}" for uid in self.hash_mismatches]
        for path in self.orphan_files:
            found.append(f"{'removed' if path in self.removed else 'orphan'} file: {path}")
        for path in self.staging_leftovers:
            found.append(f"{'removed' if path in self.removed else 'staging'} leftover: {path}")
        return found or ["healthy: every artifact has its file, every file its row"]


def diagnose(instance: Instance, *, fix: bool = False, check_hashes: bool = True) -> Diagnosis:
    """Check the instance's rows against its default storage.

    Example:
        >>> from ontolake.instance.setup import current_instance
        >>> diagnose(current_instance(), fix=True).healthy  # doctest: +SKIP
        True
    """
    from sqlalchemy import select

    from ontolake.errors import SchemaVersionError
    from ontolake.instance.migrate import check_schema
    from ontolake.registries.artifact import Artifact
    from ontolake.storage.hashing import hash_path

    diagnosis = Diagnosis()
    try:
        check_schema(instance.engine, instance.db_description)
    except SchemaVersionError as error:
        diagnosis.schema_problem = str(error)
        return diagnosis
    root = instance.root
    table = cast("Table", Artifact.__table__)
    with instance.read() as session:
        rows = session.execute(
            select(table.c.uid, table.c.suffix, table.c.hash).where(
                table.c.in_place.is_(False), table.c.storage_id == instance.default_storage_id
            )
        ).all()
    expected = {}
    for uid, suffix, content_hash in rows:
        path = root.managed_path(uid, suffix)
        expected[path.rstrip("/")] = (uid, content_hash)
        if not root.exists(path):
            diagnosis.missing_files.append(uid)
        elif check_hashes and hash_path(path, None if root.is_local else root.fs).hash != (
            content_hash
        ):
            diagnosis.hash_mismatches.append(uid)
    managed_folder = root.join(".ontolake")
    for entry in _listing(root, managed_folder):
        name = entry.rstrip("/").rsplit("/", 1)[-1]
        if name in _RESERVED:
            continue
        if _as_location(root, entry) not in expected:
            diagnosis.orphan_files.append(_as_location(root, entry))
    staging = root.join(".ontolake", ".staging")
    diagnosis.staging_leftovers = [_as_location(root, entry) for entry in _listing(root, staging)]
    if fix:
        for path in [*diagnosis.orphan_files, *diagnosis.staging_leftovers]:
            root.remove(path)
            diagnosis.removed.append(path)
    return diagnosis


def _listing(root: StorageRoot, folder: str) -> list[str]:
    if not root.exists(folder):
        return []
    return [str(entry) for entry in root.fs.ls(folder, detail=False)]


def _as_location(root: StorageRoot, entry: str) -> str:
    """Fsspec listings drop the protocol of remote paths; put it back."""
    if root.is_local or "://" in entry:
        return entry.rstrip("/")
    return f"{root.protocol}://{entry.rstrip('/')}"
