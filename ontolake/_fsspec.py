"""The fsspec helpers that storage and ontology sources share, below both of them.

They tell URLs from local paths, open a URL's filesystem and turn filesystem and
cloud-client errors into ontolake errors.

:mod:`ontolake.storage` (storage roots, hashing, the cache) and
:mod:`ontolake.ontology_sources` (ontology files at URLs) both read through these, so neither
imports the other. fsspec itself is imported on first use.
"""

from __future__ import annotations

import errno
from contextlib import contextmanager
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
    "LOCAL_PROTOCOLS",
    "is_remote_location",
    "is_storage_access_error",
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
