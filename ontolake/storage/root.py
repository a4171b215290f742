"""Storage roots: a local folder or an fsspec URL, and the file operations ontolake needs on it.

Every path a :class:`StorageRoot` hands out or takes is a full location: an absolute local
path for local roots, a URL (``s3://bucket/prefix/.ontolake/<uid>.parquet``) for remote ones.
fsspec filesystems accept both forms. Failures surface as :class:`~ontolake.errors.StorageError`
subclasses through :func:`storage_errors`.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from contextlib import contextmanager, suppress
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ontolake._urls import hide_credentials
from ontolake.errors import (
    MissingDependencyError,
    OntolakeError,
    PathNotFoundError,
    StorageCredentialsError,
    StorageError,
    StorageNotWritableError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fsspec import AbstractFileSystem

__all__ = [
    "StorageRoot",
    "is_remote_location",
    "is_storage_access_error",
    "make_folder",
    "storage_errors",
    "url_to_fs",
]

LOCAL_PROTOCOLS = ("file", "local")
_FSSPEC_EXTRAS = {"s3": "s3", "s3a": "s3"}
_CREDENTIAL_ERROR_NAMES = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "CredentialRetrievalError",
        "NoAuthTokenError",
    }
)
_CREDENTIAL_ERROR_CODES = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "AllAccessDisabled",
        "403",
    }
)
_REMOTE_CLIENT_MODULES = ("botocore", "aiobotocore", "s3fs", "aiohttp")
_CREDENTIALS_ADVICE = (
    "check the storage credentials (for S3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or "
    "AWS_PROFILE, and FSSPEC_S3_ENDPOINT_URL for an S3-compatible endpoint) and that they allow "
    "reading and writing there"
)


def is_remote_location(location: str) -> bool:
    """Whether ``location`` is a URL of a remote filesystem (not a local path or ``file://``).

    Example:
        >>> is_remote_location("s3://bucket/lake"), is_remote_location("file:///data")
        (True, False)
    """
    return "://" in location and location.split("://", 1)[0] not in LOCAL_PROTOCOLS


def url_to_fs(url: str) -> tuple[AbstractFileSystem, str]:
    """The fsspec filesystem for ``url`` and the path within it.

    Endpoints and credentials come from fsspec's and the cloud SDKs' own configuration, for
    example ``FSSPEC_S3_ENDPOINT_URL`` and the ``AWS_*`` environment variables.

    Raises:
        MissingDependencyError: the fsspec backend of the protocol is not installed.
        StorageError: the protocol is unknown.

    Example:
        >>> fs, path = url_to_fs("memory://lake/table.parquet")
        >>> path
        '/lake/table.parquet'
    """
    from fsspec.core import url_to_fs as fsspec_url_to_fs

    protocol = url.split("://", 1)[0] if "://" in url else "file"
    try:
        fs, path = fsspec_url_to_fs(url)
    except ImportError as error:
        extra = _FSSPEC_EXTRAS.get(protocol)
        install = f"pip install 'ontolake[{extra}]'" if extra else "install the package it names"
        raise MissingDependencyError(
            f"Storage {url!r} needs an fsspec backend that is not installed ({error}): {install}."
        ) from error
    except ValueError as error:
        raise StorageError(
            f"{url!r} uses an unknown storage protocol {protocol!r} ({error}): use a local "
            "folder or a URL such as 's3://bucket/prefix'."
        ) from error
    return fs, str(path)


@contextmanager
def storage_errors(description: str, *, remote: bool | None = None) -> Iterator[None]:
    """Translate filesystem and cloud-client errors raised inside into ontolake errors.

    Args:
        description: what was being accessed (a path, URL or short phrase); it starts the
            message.
        remote: whether the location is remote; by default, whether ``description`` is a URL.
            A refused permission means bad credentials remotely and an unwritable folder
            locally.

    Raises:
        PathNotFoundError: for a missing file, folder, bucket or object.
        StorageCredentialsError: for missing or refused credentials on remote storage.
        StorageNotWritableError: for a refused permission on local storage.
        StorageError: for any other filesystem, network or cloud-client error.

    Example:
        >>> with storage_errors("/no/such/file.csv"):
        ...     open("/no/such/file.csv").close()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ontolake.errors.PathNotFoundError: /no/such/file.csv: no such file or folder ...
    """
    try:
        yield
    except OntolakeError:
        raise
    except Exception as error:
        is_remote = is_remote_location(description) if remote is None else remote
        translated = _translate(error, description, is_remote)
        if translated is None:
            raise
        # a client may quote a password from the URL (an S3 "bucket name" with the keys)
        raise type(translated)(hide_credentials(str(translated), description)) from error


def _translate(error: Exception, description: str, is_remote: bool) -> StorageError | None:
    """The ontolake error for ``error``, or None when it is not a storage error."""
    if isinstance(error, FileNotFoundError):
        return PathNotFoundError(
            f"{description}: no such file or folder ({error}); check the path or URL."
        )
    if _is_refused(error):
        if is_remote:
            return StorageCredentialsError(
                f"{description}: access was refused ({error}); {_CREDENTIALS_ADVICE}."
            )
        return StorageNotWritableError(
            f"{description}: permission denied ({error}); choose a location you may write to "
            "or fix its permissions."
        )
    if not is_remote and isinstance(error, (NotADirectoryError, FileExistsError)):
        return StorageNotWritableError(
            f"{description}: a file is in the way where a folder is needed ({error}); "
            "choose another location or move that file."
        )
    if isinstance(error, OSError) or _is_remote_client_error(error):
        return StorageError(
            f"{description}: storage operation failed ({type(error).__name__}: {error}); check "
            "that the storage is reachable (endpoint URL, network) and has space, then try again."
        )
    return None


def is_storage_access_error(error: BaseException) -> bool:
    """Whether ``error`` is about reaching storage (missing, refused, unreachable), not content.

    Example:
        >>> is_storage_access_error(FileNotFoundError("x")), is_storage_access_error(KeyError("x"))
        (True, False)
    """
    return (
        isinstance(error, (FileNotFoundError, PermissionError, ConnectionError, TimeoutError))
        or _is_credentials_error(error)
        or _is_remote_client_error(error)
    )


def _is_refused(error: BaseException) -> bool:
    """Whether ``error`` refuses access (denied permission, read-only filesystem, credentials)."""
    if isinstance(error, PermissionError) or _is_credentials_error(error):
        return True
    return isinstance(error, OSError) and error.errno == errno.EROFS


def _is_credentials_error(error: BaseException) -> bool:
    if {cls.__name__ for cls in type(error).__mro__} & _CREDENTIAL_ERROR_NAMES:
        return True
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
        return code in _CREDENTIAL_ERROR_CODES
    return False


def _is_remote_client_error(error: BaseException) -> bool:
    return any(cls.__module__.startswith(_REMOTE_CLIENT_MODULES) for cls in type(error).__mro__)


class StorageRoot:
    """A storage location: a local folder or an fsspec URL such as ``s3://bucket/prefix``.

    Attributes:
        root: the normalised location: an absolute local path, or ``protocol://bucket/prefix``,
            without a trailing slash.
        protocol: ``"local"`` for a local folder, else the URL's protocol (``"s3"``).

    Example:
        >>> root = StorageRoot("s3://bucket/lake/")
        >>> root.root, root.protocol, root.is_local
        ('s3://bucket/lake', 's3', False)
        >>> root.managed_path("3kd8Qm2LxPa90000", ".parquet")
        's3://bucket/lake/.ontolake/3kd8Qm2LxPa90000.parquet'
    """

    def __init__(self, location: str | os.PathLike[str]) -> None:
        location = str(location)
        if is_remote_location(location):
            protocol, rest = location.split("://", 1)
            rest = rest.strip("/")
            if not rest:
                raise StorageError(
                    f"{location!r} names no bucket or folder: use a URL such as "
                    f"'{protocol}://bucket/prefix'."
                )
            self.protocol = protocol
            self.root = f"{protocol}://{rest}"
        else:
            for prefix in (f"{protocol}://" for protocol in LOCAL_PROTOCOLS):
                location = location.removeprefix(prefix)
            self.protocol = "local"
            self.root = str(Path(location).expanduser().resolve())

    @property
    def is_local(self) -> bool:
        """Whether the root is a folder on this machine."""
        return self.protocol == "local"

    @cached_property
    def fs(self) -> AbstractFileSystem:
        """The fsspec filesystem of the root, created on first use.

        Locally, writing a file creates its parent folders, as on object stores.
        """
        if self.is_local:
            from fsspec.implementations.local import LocalFileSystem

            return LocalFileSystem(auto_mkdir=True)
        return url_to_fs(self.root)[0]

    def join(self, *parts: str) -> str:
        """The location of ``parts`` (relative POSIX paths) under the root.

        Example:
            >>> StorageRoot("s3://bucket/lake").join("raw", "sample.fasta")
            's3://bucket/lake/raw/sample.fasta'
        """
        return "/".join([self.root.rstrip("/"), *parts])

    def managed_path(self, uid: str, suffix: str) -> str:
        """Where the content of the artifact ``uid`` is stored.

        Example:
            >>> StorageRoot("/data").managed_path("3kd8Qm2LxPa90000", ".h5ad")
            '/data/.ontolake/3kd8Qm2LxPa90000.h5ad'
        """
        return self.join(".ontolake", uid + suffix)

    def staging_path(self, token: str, suffix: str) -> str:
        """A location in the root's staging area, for content not yet saved.

        Example:
            >>> StorageRoot("/data").staging_path("Xq81", ".csv")
            '/data/.ontolake/.staging/Xq81.csv'
        """
        return self.join(".ontolake", ".staging", token + suffix)

    def exists(self, path: str) -> bool:
        """Whether a file or folder exists at ``path``.

        Example:
            >>> root = StorageRoot("data")
            >>> root.exists(root.join(".ontolake", "instance.json")), root.exists(root.join("x"))
            (True, False)
        """
        if self.is_local:
            return os.path.lexists(path)
        with storage_errors(path, remote=True):
            return bool(self.fs.exists(path))

    def read_text(self, path: str) -> str:
        """The text of the file at ``path`` (locally without loading fsspec).

        Example:
            >>> root = StorageRoot("data")
            >>> print(root.read_text(root.join(".ontolake", "instance.json")))
            {
              "format": 1,
              "db": "sqlite"
            }
        """
        if self.is_local:
            return Path(path).read_text(encoding="utf-8")
        with storage_errors(path, remote=True), self.fs.open(path, "r", encoding="utf-8") as handle:
            return str(handle.read())

    def upload(self, local_source: str, destination: str) -> None:
        """Copy a local file or folder to ``destination``, creating parent folders.

        Stored content is never overwritten, and a failed copy leaves nothing at
        ``destination``.

        Raises:
            StorageError: something already exists at ``destination``.

        Example:
            >>> root = StorageRoot("memory://bucket/lake")
            >>> root.upload("reads", root.join("raw", "reads"))
            >>> root.fs.ls(root.join("raw", "reads"), detail=False)
            ['/bucket/lake/raw/reads/a.fasta', '/bucket/lake/raw/reads/b.fasta']
        """
        if self.exists(destination):
            raise StorageError(
                f"{destination} already exists, and stored content is never overwritten: "
                "remove it first or upload to a new location."
            )
        with storage_errors(f"{destination} (copy of {local_source})", remote=not self.is_local):
            try:
                if self.is_local:
                    _copy_local(local_source, destination)
                elif Path(local_source).is_dir():
                    self._put_folder(local_source, destination)
                else:
                    self.fs.put_file(local_source, destination)
            except BaseException:
                self.remove(destination)
                raise

    def _put_folder(self, local_source: str, destination: str) -> None:
        """Upload the files the folder's hash covers, in one batch (concurrent on s3fs).

        fsspec's own recursive ``put`` lists a link to a folder as a file, so the stored copy
        would miss the files behind it; links out of the folder are refused by the listing.
        """
        from ontolake.storage.hashing import list_local_files

        files = list_local_files(local_source)
        base = destination.rstrip("/")
        self.fs.put([full for _, full in files], [f"{base}/{name}" for name, _ in files])

    def finalise(self, source: str, destination: str) -> None:
        """Move ``source`` to ``destination`` (atomically for local roots), creating parents.

        Remote stores have no rename: the content is copied, then the source removed.

        Example:
            >>> root = StorageRoot("memory://bucket/lake")
            >>> staged = root.staging_path("Xq81", ".csv")
            >>> managed = root.managed_path("3kd8", ".csv")
            >>> root.upload("cells.csv", staged)
            >>> root.finalise(staged, managed)
            >>> root.exists(staged), root.exists(managed)
            (False, True)
        """
        with storage_errors(f"{destination} (move from {source})", remote=not self.is_local):
            if self.is_local:
                try:  # os, not Path: on every save
                    os.replace(source, destination)  # noqa: PTH105
                except FileNotFoundError:
                    if not os.path.lexists(source):
                        raise
                    make_folder(os.path.dirname(destination))  # noqa: PTH120
                    os.replace(source, destination)  # noqa: PTH105
            else:  # copy and remove: fs.mv fails on object-store folders (missing dir keys)
                self.fs.copy(source, destination, recursive=True)
                self.remove(source)

    def remove(self, path: str) -> None:
        """Delete the file or folder at ``path``; a missing path is not an error.

        Example:
            >>> root = StorageRoot("reads")
            >>> root.remove(root.join("a.fasta"))
            >>> root.remove(root.join("a.fasta"))  # already gone: nothing to do
            >>> sorted(os.listdir("reads"))
            ['b.fasta']
        """
        with storage_errors(path, remote=not self.is_local):
            if self.is_local:
                if Path(path).is_dir() and not Path(path).is_symlink():
                    shutil.rmtree(path)
                else:
                    Path(path).unlink(missing_ok=True)
            else:
                with suppress(FileNotFoundError):
                    self.fs.rm(path, recursive=True)

    def check_writable(self) -> None:
        """Make sure files can be written to the root, creating a local folder if needed.

        Raises:
            StorageNotWritableError: the folder or bucket cannot be written to (or is missing).
            StorageCredentialsError: remote credentials are missing or refused.

        Example:
            >>> StorageRoot("./new-lake").check_writable()  # creates the folder
            >>> os.listdir("new-lake")  # and leaves nothing in it
            []
        """
        probe = self.join(f".ontolake-write-probe-{secrets.token_hex(8)}")
        description = f"storage root {self.root}"
        if self.is_local:
            if Path(self.root).exists() and not Path(self.root).is_dir():
                raise StorageNotWritableError(
                    f"{description} is a file, not a folder: choose a folder for the storage."
                )
            with storage_errors(description, remote=False):
                Path(self.root).mkdir(parents=True, exist_ok=True)
                Path(probe).write_bytes(b"")
                Path(probe).unlink()
            return
        try:
            with storage_errors(description, remote=True):
                self.fs.pipe_file(probe, b"")
                self.fs.rm_file(probe)
        except PathNotFoundError as error:
            bucket = self.root.split("://", 1)[1].split("/", 1)[0]
            raise StorageNotWritableError(
                f"{description} is not writable: the bucket {bucket!r} does not exist; create it "
                "or choose an existing bucket."
            ) from error

    def __repr__(self) -> str:
        return f"StorageRoot({self.root!r})"


def make_folder(folder: str) -> None:
    """Create the local ``folder`` and its parents unless it exists (as ``mkdir -p``).

    One system call when the folder exists, the common case on every save.

    Raises:
        FileExistsError: a file is in the way.

    Example:
        >>> make_folder("lake/.ontolake/.staging")
        >>> make_folder("lake/.ontolake/.staging")  # already there: nothing to do
        >>> os.path.isdir("lake/.ontolake/.staging")
        True
    """
    try:  # os, not Path: on every save
        os.mkdir(folder)  # noqa: PTH102
    except FileExistsError:
        if not os.path.isdir(folder):  # noqa: PTH112
            raise
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)  # noqa: PTH103


def _copy_local(source: str, destination: str) -> None:
    Path(destination).parent.mkdir(parents=True, exist_ok=True)
    if Path(source).is_dir():
        shutil.copytree(source, destination)
    else:
        shutil.copyfile(source, destination)
