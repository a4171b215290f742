"""Pytest plugin: an in-process moto S3 server and a fresh bucket per test."""

from __future__ import annotations

import json
import os
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from typing import NoReturn

import pytest

INSTALL_HINT = "pip install 'ontolake[s3,test]' (s3fs and moto[server])"


def _unavailable(reason: str) -> NoReturn:
    """Fail when ``CI=true`` (never skip in CI), otherwise skip with an install hint."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"S3 (moto) unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"S3 (moto) unavailable: {reason}. To run these tests, {INSTALL_HINT}.")


def _set_auth_count(endpoint: str, count: str) -> str:
    """Set moto's ``INITIAL_NO_AUTH_ACTION_COUNT`` on a running server; return the previous one."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=count.encode(),
        # Not form-encoded (urllib's default), or the server would not see the body as raw data.
        headers={"Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """Start moto's S3 server on 127.0.0.1, point AWS env and fsspec at it; yield the endpoint."""
    try:
        import boto3  # noqa: F401
        import fsspec
        import s3fs  # noqa: F401
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        _unavailable(f"{exc.name} is not installed")

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    # start() blocks forever if the server thread dies while binding, so bound the wait.
    starter = threading.Thread(target=server.start, daemon=True)
    starter.start()
    starter.join(timeout=10)
    if starter.is_alive():
        _unavailable("moto server did not start within 10 s")
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AWS_ACCESS_KEY_ID", "testing")
            mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
            mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
            mp.setenv("FSSPEC_S3_ENDPOINT_URL", endpoint)
            mp.delenv("AWS_SESSION_TOKEN", raising=False)
            mp.delenv("AWS_PROFILE", raising=False)
            # fsspec reads FSSPEC_* variables only at import time; its conf is read per instance.
            mp.setitem(fsspec.config.conf, "s3", {"endpoint_url": endpoint})
            yield endpoint
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: str) -> Iterator[str]:
    """Return ``s3://ol-test-<random>``, a fresh empty bucket on the moto server."""
    import boto3
    import s3fs

    name = f"ol-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket=name)
    # Cached S3FileSystem instances keep directory listings from earlier tests.
    s3fs.S3FileSystem.clear_instance_cache()
    yield f"s3://{name}"
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture
def s3_bad_credentials(
    s3_server: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Return ``s3_bucket`` while the AWS keys are wrong and the server checks them.

    moto accepts any credentials by default. Its server endpoint ``POST /moto-api/reset-auth``
    sets ``INITIAL_NO_AUTH_ACTION_COUNT``; with 0 every request is authenticated against moto's
    IAM, so keys it does not know are refused (``InvalidAccessKeyId``, a ``PermissionError`` in
    s3fs). The previous setting is restored afterwards.
    """
    import s3fs

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "wrong-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-key")
    s3fs.S3FileSystem.clear_instance_cache()
    previous = _set_auth_count(s3_server, "0")
    try:
        yield s3_bucket
    finally:
        _set_auth_count(s3_server, previous)
        s3fs.S3FileSystem.clear_instance_cache()
