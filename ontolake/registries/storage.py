"""The storage registry's former module: :mod:`ontolake.registries.storage_location`.

The registry was renamed so that its module no longer shares the name of the top-level
:mod:`ontolake.storage` (the storage roots themselves); this path keeps working.
"""

from __future__ import annotations

from ontolake.registries.storage_location import Storage as Storage

__all__ = ["Storage"]
