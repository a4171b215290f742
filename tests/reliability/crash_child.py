"""Test helper run as a child process: save one large artifact, killed in the middle of a write.

Usage: ``python crash_child.py '{"storage": ..., "db": ..., "source": ..., "key": ...,
"point": ...}'``. Named write steps (``artifact.placed`` …) are killed by ontolake's own hook
(``ONTOLAKE_FAULT_AT``, set by the test; see ``test_kill_points.py``). The two points here
lie inside a single write, in the library that does the copying, and are set up in this
child by wrapping it. Before dying the child prints ``KILLED-AT <point>``; if the save
completes, it prints ``SAVED <uid>``.

Points:

- ``mid-copy``: the staging copy has written half the bytes (local storage);
- ``mid-upload``: a multipart upload to S3 has sent two of its five parts (S3 storage).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any


def die(point: str) -> None:
    print(f"KILLED-AT {point}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def install(point: str) -> None:
    """Arrange for this process to be killed at ``point``."""
    if point == "mid-copy":
        import shutil

        def half_copy(source: str, destination: str, *args: Any, **kwargs: Any) -> str:
            with open(source, "rb") as reader, open(destination, "wb") as writer:
                writer.write(reader.read(os.path.getsize(source) // 2))
                writer.flush()
                os.fsync(writer.fileno())
            die(point)
            return destination

        def half_copy_hashed(source: str, destination: str) -> Any:
            half_copy(source, destination)

        import ontolake.storage.hashing

        shutil.copyfile = half_copy  # type: ignore[assignment]
        ontolake.storage.hashing.copy_file_hashed = half_copy_hashed
        return
    if point == "mid-upload":
        import s3fs.core

        s3fs.core.calculate_chunksize = lambda *args, **kwargs: 5 * 2**20  # S3's smallest part
        original = s3fs.core.S3FileSystem._call_s3
        parts = []

        async def call_s3(self: Any, method: str, *args: Any, **kwargs: Any) -> Any:
            if method == "upload_part":
                parts.append(kwargs.get("PartNumber"))
                if len(parts) == 3:
                    die(point)
            return await original(self, method, *args, **kwargs)

        s3fs.core.S3FileSystem._call_s3 = call_s3  # type: ignore[method-assign]


def main() -> None:
    spec = json.loads(sys.argv[1])
    import ontolake as ol

    ol.connect(spec["storage"], db=spec["db"])
    artifact = ol.Artifact(spec["source"], key=spec["key"])  # hashed before any hook
    install(spec["point"])
    saved = artifact.save()
    print(f"SAVED {saved.uid}", flush=True)


if __name__ == "__main__":
    main()
