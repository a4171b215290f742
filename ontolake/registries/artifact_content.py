"""What an artifact holds before it is saved: a hashed local source or a URL used in place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ontolake._files import require_file_or_folder
from ontolake._urls import mask_url, secret_parameters, without_credentials
from ontolake.errors import InvalidKeyError, PathNotFoundError

__all__ = ["Content", "prepare_content"]

_REMOTE_PROTOCOLS_SKIPPED = ("file", "local")


@dataclass
class Content:
    """The content of an unsaved artifact and where to take it from."""

    key: str | None
    suffix: str
    size: int
    hash: str
    n_files: int | None
    n_observations: int | None
    otype: str | None
    in_place: bool
    source: str
    """Local path to upload from, or the URL of content registered in place."""
    owns_source: bool = False
    """True when ``source`` is a staging file ontolake wrote and must remove after saving."""
    storage_root: str | None = None
    """For content registered in place: the root of the storage that holds it."""

    def discard(self) -> None:
        """Remove the staging file written for this content, if any."""
        if self.owns_source:  # staging files are always local (os, not Path: every save)
            try:
                os.unlink(self.source)  # noqa: PTH108
            except FileNotFoundError:
                pass
            except OSError:
                if not os.path.isdir(self.source):  # noqa: PTH112
                    raise
                import shutil

                shutil.rmtree(self.source, ignore_errors=True)
            self.owns_source = False


def prepare_content(data: Any, key: str | None) -> Content:
    """Hash ``data`` (a path, an fsspec URL or an in-memory object) and check ``key``.

    Example:
        >>> content = prepare_content("sample.fasta", "raw/sample.fasta")
        >>> content.suffix, content.size, content.hash[:16]
        ('.fasta', 34, '3691f7ca153ceb3d')
    """
    from ontolake.storage.keys import validate_key

    if key is not None:
        key = validate_key(key)
    if isinstance(data, (str, Path)):
        location = str(data)
        if _is_remote_url(location):
            return _register_in_place(location, key)
        return _local_path(location, key)
    return _stage_object(data, key)


def _is_remote_url(location: str) -> bool:
    if "://" not in location:
        return False
    return location.split("://", 1)[0] not in _REMOTE_PROTOCOLS_SKIPPED


def _check_suffix(key: str | None, suffix: str) -> None:
    from ontolake.storage.keys import key_suffix

    if key is None:
        return
    key_ending = key_suffix(key)
    if key_ending and suffix and key_ending != suffix:
        raise InvalidKeyError(
            f"Key {key!r} ends in {key_ending!r} but the content is a {suffix!r} file: "
            f"use a key ending in {suffix!r}.",
            rule="suffix",
        )


def _local_path(location: str, key: str | None) -> Content:
    from ontolake.storage.formats import describe_file
    from ontolake.storage.hashing import hash_path
    from ontolake.storage.keys import key_suffix

    path = Path(location.removeprefix("file://")).expanduser()
    if not path.exists():
        raise PathNotFoundError(
            f"No file or folder at {str(path)!r}: check the path (relative paths start at "
            f"{str(Path.cwd())!r})."
        )
    if not os.access(path, os.R_OK):
        raise PathNotFoundError(f"{str(path)!r} is not readable: check its permissions.")
    require_file_or_folder(path)  # a fifo or a device would be read forever
    suffix = key_suffix(path.name)
    _check_suffix(key, suffix)
    digest = hash_path(str(path))
    otype, n_observations = describe_file(str(path), suffix)
    return Content(
        key=key,
        suffix=suffix,
        size=digest.size,
        hash=digest.hash,
        n_files=digest.n_files,
        n_observations=n_observations,
        otype=otype,
        in_place=False,
        source=os.path.abspath(path),  # noqa: PTH100 - os, not Path: on every save
    )


def _register_in_place(url: str, key: str | None) -> Content:
    from ontolake.storage.formats import describe_file
    from ontolake.storage.hashing import hash_path
    from ontolake.storage.keys import key_suffix
    from ontolake.storage.root import storage_errors, url_to_fs

    if key is not None:
        raise InvalidKeyError(
            f"{mask_url(url)!r} is registered in place, so its key is its path: omit key=.",
            rule="in-place",
        )
    secret = secret_parameters(url)
    if secret:
        raise InvalidKeyError(
            f"{mask_url(url)} carries a credential in its query ({', '.join(secret)}), which "
            "would be stored with the artifact's key: download the file and save the local "
            "copy, or register the URL without it (credentials from the environment).",
            rule="in-place",
        )
    protocol, rest = url.split("://", 1)
    bucket, _, path_in_bucket = rest.partition("/")
    if not path_in_bucket:
        raise InvalidKeyError(
            f"{mask_url(url)!r} names a bucket, not a file or folder in it.", rule="in-place"
        )
    with storage_errors(url):
        fs, path = url_to_fs(url)  # some filesystems (FTP) connect here
        if not fs.exists(path):
            raise PathNotFoundError(f"Nothing exists at {mask_url(url)!r}: check the URL.")
    suffix = key_suffix(path_in_bucket)
    digest = hash_path(path, fs)
    otype, n_observations = describe_file(path, suffix, fs)
    return Content(
        key=path_in_bucket.rstrip("/"),
        suffix=suffix,
        size=digest.size,
        hash=digest.hash,
        n_files=digest.n_files,
        n_observations=n_observations,
        otype=otype,
        in_place=True,
        source=url,
        storage_root=without_credentials(f"{protocol}://{bucket}"),  # stored: no secrets
    )


def _stage_object(data: Any, key: str | None) -> Content:
    from ontolake.instance.session import current_instance
    from ontolake.registries.uid import new_uid
    from ontolake.storage.formats import default_suffix, detect_otype, n_observations, write_object
    from ontolake.storage.hashing import hash_path

    otype = detect_otype(data)
    suffix = default_suffix(otype, key)
    staging = current_instance().staging_path(new_uid(16), suffix)
    try:
        write_object(data, otype, staging, suffix)
        digest = hash_path(staging)
    except BaseException:
        from ontolake.storage.root import StorageRoot

        StorageRoot(str(Path(staging).parent)).remove(staging)
        raise
    return Content(
        key=key,
        suffix=suffix,
        size=digest.size,
        hash=digest.hash,
        n_files=digest.n_files,
        n_observations=n_observations(data, otype),
        otype=otype,
        in_place=False,
        source=staging,
        owns_source=True,
    )
