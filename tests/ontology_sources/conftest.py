"""Fixtures for the ontology readers: the committed subsets and the installed catalog files."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

from ontolake.ontology_sources.locations import PACKAGE_EXTRAS

DATA = Path(__file__).parents[1] / "data" / "ontologies"


def _require(name: str) -> None:
    try:
        distribution(name)
    except PackageNotFoundError:
        reason = f"{name} is not installed ({PACKAGE_EXTRAS.get(name, 'pip install ' + name)})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must have it", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def data() -> Path:
    """The folder of committed ontology subsets."""
    return DATA


@pytest.fixture
def require_package():
    """A function that skips the test (fails it with ``CI=true``) when a package is missing."""
    return _require
