"""Shared fixtures: real PostgreSQL and S3 (moto) services, and fresh instances on each backend.

Every test runs with its own config and cache folders, so no test sees another's settings
or the user's. Registry tests take ``instance``, which is parametrised over SQLite and a
real PostgreSQL server started by ``services.postgres``.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["services.postgres", "services.s3"]


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, monkeypatch):
    """A private config and cache folder for each test; no instance connected."""
    import ontolake.instance.setup as setup

    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ONTOLAKE_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("ONTOLAKE_CACHE_DIR", str(base / "cache"))
    monkeypatch.delenv("ONTOLAKE_INSTANCE", raising=False)
    setup.disconnect()
    yield base
    setup.disconnect()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request):
    """``None`` (SQLite inside the storage) or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def instance(tmp_path, database):
    """A fresh connected instance with local storage, on SQLite and on PostgreSQL."""
    import ontolake as ol

    return ol.init(storage=tmp_path / "lake", db=database)


@pytest.fixture
def sqlite_instance(tmp_path):
    """A fresh connected instance on the embedded default (SQLite + local folder)."""
    import ontolake as ol

    return ol.init(storage=tmp_path / "lake")
