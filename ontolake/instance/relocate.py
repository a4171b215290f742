"""An instance's default storage as its database records it, checked when connecting.

The database names the default storage root (``storages.root``); the storage names its
database (``.ontolake/instance.json``). A folder moved or copied elsewhere still names its
database, but the database still names the old folder. With the embedded SQLite database
(inside the folder, so it moved along), the folder is the instance's storage wherever it is:
the record is updated to the new place. A shared database may serve the folder at its
registered place: connecting through a moved folder is refused with both places named.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from ontolake._urls import mask_url
from ontolake.errors import InstanceNotFoundError

if TYPE_CHECKING:
    from ontolake.instance.session import Instance

__all__ = ["settle_default_storage"]


def settle_default_storage(instance: Instance, *, embedded: bool) -> None:
    """Make sure the database's default storage is ``instance.root``; see the module text.

    Args:
        instance: the instance being connected.
        embedded: its database is the SQLite file inside the storage folder.

    Raises:
        InstanceNotFoundError: the shared database registers another default storage.

    Example:
        >>> settle_default_storage(ol.connect("./data"), embedded=True)
    """
    import logging

    from sqlalchemy import text

    here = instance.root.root
    with instance.read() as session:
        registered = session.execute(text("SELECT root FROM storages WHERE is_default")).scalar()
    if registered is None or registered == here:
        return
    if embedded:
        with instance.write() as session:
            session.execute(
                text("UPDATE storages SET root = :root WHERE is_default"), {"root": here}
            )
        logging.getLogger("ontolake").warning(
            "the instance moved from %s: its default storage is now %s", registered, here
        )
        return
    shown = mask_url(instance.db_url)
    raise InstanceNotFoundError(
        f"{here} names {instance.db_description}, whose default storage is {registered}: the "
        f"folder moved or is a copy. Move it back to {registered}, or connect by the database "
        f"(ol.connect({shown!r}) or ONTOLAKE_INSTANCE={shlex.quote(shown)}) "
        "to use the registered storage."
    )
