"""Named write steps, where a fault-injection test kills the process (SIGKILL) to check recovery.

Every write path (saving an artifact, deleting, ``init``, migrating, importing an ontology)
calls :func:`reached` between two of its effects: a file written or moved, a transaction
committed. :data:`STEPS` lists them all. With ``ONTOLAKE_FAULT_AT=<step>`` in its
environment, a process kills itself with SIGKILL the first time it reaches that step, as a
power cut or the out-of-memory killer would: no ``finally`` runs, no transaction is rolled
back by Python. ``tests/reliability/test_kill_*.py`` do so at every step and check that
the next ordinary call works and that ``curate doctor --fix`` restores every invariant;
``test_kill_points.py`` fails for a step no test kills. Unset (always, outside those
tests), reaching a step costs one comparison.

Example:
    >>> reached("artifact.placed")  # ONTOLAKE_FAULT_AT is unset: nothing happens
    >>> sorted(STEPS)[:2]
    ['artifact.committed', 'artifact.inserted']
"""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["ENVIRONMENT_VARIABLE", "STEPS", "reached"]

ENVIRONMENT_VARIABLE = "ONTOLAKE_FAULT_AT"

STEPS: dict[str, str] = {
    "artifact.staged": "a save copied its content to staging; no transaction is open",
    "artifact.inserted": "a save inserted its rows in its transaction; no file is placed yet",
    "artifact.placed": "a save placed a file at its managed path; the commit has not run",
    "artifact.committed": "a save committed; its staging copies are not discarded yet",
    "records.written": "records (labels, collections …) are written; the commit has not run",
    "trash.marked": "records are marked trashed and latest versions settled; not committed",
    "restore.marked": "records are taken out of the trash; not committed",
    "delete.deleted": "a permanent delete removed the rows; the commit has not run",
    "delete.committed": "a permanent delete committed; the artifacts' files are not removed yet",
    "init.folder": "init made the storage's .ontolake folder; the database is not migrated",
    "init.migrated": "init migrated the new database; the default storage is not registered",
    "init.registered": "init registered the default storage and the user; no marker yet",
    "init.marked": "init wrote the instance marker; the instance is not remembered yet",
    "migration.revision": "a schema migration applied one revision; later ones and the commit not",
    "migration.applied": "a schema migration applied every revision; the commit has not run",
    "ontology-import.written": "an ontology import wrote its terms; the commit has not run",
    "ontology-migrate.written": "an ontology migration re-annotated labels; not committed",
}
"""Every write step, by name, with what has happened when a process is killed there."""

_FAULT_AT = os.environ.get(ENVIRONMENT_VARIABLE) or None


def reached(step: str) -> None:
    """Note that a write path reached ``step``; kill the process if it is ``ONTOLAKE_FAULT_AT``.

    Example:
        >>> reached("init.marked")  # not armed: returns at once
    """
    if _FAULT_AT is not None:
        _arrive(step)


def _arrive(step: str) -> None:
    if step == _FAULT_AT:
        sys.stderr.write(f"ontolake: killed at write step {step} ({ENVIRONMENT_VARIABLE})\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
