"""The environment of a process started the way a person starts one: a fresh HOME."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["user_environment"]


def user_environment(home: Path, **extra: str) -> dict[str, str]:
    """This process's variables with ``HOME=home`` and no ``ONTOLAKE_*`` or ``XDG_*`` ones.

    So nothing the test process configured (settings, caches, the instance) can help the
    child: it finds what a new user's shell would give it. ``extra`` adds or replaces
    variables (``PATH=...``).
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ONTOLAKE_", "XDG_")) and name != "PYTHONHASHSEED"
    }
    return {**env, "HOME": str(home), **extra}
