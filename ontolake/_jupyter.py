"""Whether code runs inside a Jupyter kernel (used by pictures and by lineage tracking)."""

from __future__ import annotations

import sys

__all__ = ["in_notebook"]


def in_notebook() -> bool:
    """Whether this code runs inside a Jupyter (ipykernel) kernel.

    Example:
        >>> in_notebook()
        False
    """
    if "ipykernel" not in sys.modules or "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
