"""Pausing Python's cyclic garbage collector around bulk work that makes no cycles.

Reading rows builds thousands of tuples (an ontology import: hundreds of thousands of
objects). Each one counts toward the collector's next run, and a full collection walks every
object of the process — with pandas, pyarrow and SQLAlchemy loaded, a pause of tens of
milliseconds that lands on whichever call happens to cross the threshold. The tuples form
no reference cycles and are freed by reference counting, so while the collector waits,
their allocation and release cancel out and nothing is collected late.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block (if it was enabled).

    Example:
        >>> with collector_paused():
        ...     rows = [(i, str(i)) for i in range(1000)]
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
