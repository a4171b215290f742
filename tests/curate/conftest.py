"""Fixtures of the curator tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def cellxgene_registry(tmp_path_factory) -> Path:
    """One instance for the CELLxGENE tests of a worker (the convention itself needs none:
    it looks its terms up in the pinned ontology files)."""
    import ontolake as ol
    from ontolake.instance import setup

    storage = tmp_path_factory.mktemp("cellxgene-registry") / "lake"
    ol.init(storage=storage, remember=False)
    setup.disconnect()
    return storage
