"""Helpers of the relation and label-link tests: artifacts with fresh content, committed rows."""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Any

import ontolake as ol

_contents = count()


def new_artifact(folder: Path, key: str | None = None) -> ol.Artifact:
    """A saved artifact with content no other artifact has."""
    number = next(_contents)
    path = folder / f"file-{number}.txt"
    path.write_text(f"content {number}")
    return ol.Artifact(path, key=key or f"files/{number}.txt").save()


def committed(instance: Any, statement: Any) -> set[Any]:
    """The rows another connection reads: only what is committed."""
    with instance.engine.connect() as connection:
        return set(connection.execute(statement).all())
