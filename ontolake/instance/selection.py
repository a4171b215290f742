"""Which instance a process connects to on its own, and saying so once on stderr.

``ONTOLAKE_INSTANCE`` names the instance of its own process; without it, the saved default
(the last instance ``init``/``connect`` remembered) is used. The first connection to each
instance says which one and why, unless ``settings.quiet`` (``ONTOLAKE_QUIET=1``); passwords
in database URLs print as ``***``.

Example:
    >>> implicit_instance()  # doctest: +ELLIPSIS
    (InstanceLocation(storage='.../data'), 'the saved default (.../settings.json)')
    >>> import os
    >>> os.environ["ONTOLAKE_INSTANCE"] = "/srv/lake"
    >>> implicit_instance()
    (InstanceLocation(storage='/srv/lake'), '$ONTOLAKE_INSTANCE')
"""

from __future__ import annotations

import sys
from pathlib import Path

from ontolake._urls import mask_url
from ontolake.errors import NotConnectedError
from ontolake.instance.locate import SQLITE_FILE
from ontolake.instance.settings import INSTANCE_ENV, InstanceLocation, settings

__all__ = ["announce", "implicit_instance"]

_announced: set[tuple[str, str]] = set()


def implicit_instance() -> tuple[InstanceLocation, str]:
    """The instance to connect to when none is named, and where that choice comes from.

    Raises:
        NotConnectedError: neither ``ONTOLAKE_INSTANCE`` nor a saved default names one.
    """
    location = settings.last_instance()
    if location is None:
        raise NotConnectedError(
            "No instance is connected and none was used before: run `curate init "
            "--storage PATH` (Python: ol.init(storage=...)), or set ONTOLAKE_INSTANCE."
        )
    if settings.instance_overridden:
        return location, f"${INSTANCE_ENV}"
    return location, f"the saved default ({settings.settings_file})"


def announce(storage_root: str, db_url: str, origin: str) -> None:
    """Say once on stderr which instance an implicit connection uses (unless quiet)."""
    if settings.quiet or (storage_root, db_url) in _announced:
        return
    _announced.add((storage_root, db_url))
    embedded = db_url == f"sqlite:///{Path(storage_root) / SQLITE_FILE}"
    database = "sqlite" if embedded else mask_url(db_url)
    print(
        f"ontolake: using instance {mask_url(storage_root)} ({database}) from {origin}",
        file=sys.stderr,
        flush=True,
    )
