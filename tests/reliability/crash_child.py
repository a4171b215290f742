"""Test helper run as a child process: save one artifact and SIGKILL itself at a chosen point.

Usage: ``python crash_child.py '{"storage": ..., "db": ..., "source": ..., "key": ...,
"point": ...}'``. The kill points are set up here, in the child, by tracing calls into
ontolake (``sys.settrace``) or by wrapping the library that does the copying — ontolake
itself has no test hooks. Before dying the child prints ``KILLED-AT <point>`` so the test can
tell that the point was reached. If the save completes, it prints ``SAVED <uid>``.

Points:

- ``mid-copy``: the staging copy has written half the bytes (local storage);
- ``staged``: the staging copy is complete, the transaction has not begun (local storage);
- ``placing``: inside the write transaction, the file is about to be moved in place;
- ``placed``: the file is in place (renamed or uploaded), the transaction not yet committed;
- ``committed``: the transaction committed, the save has not returned;
- ``mid-upload``: a multipart upload to S3 has sent two of its five parts (S3 storage);
- ``set-aside``: a permanent delete (``"action": "delete"``) has moved the latest version's
  file aside and not yet deleted its row.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from types import FrameType
from typing import Any


def die(point: str) -> None:
    print(f"KILLED-AT {point}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def called(frame: FrameType, module_suffix: str, name: str, caller: str | None = None) -> bool:
    code = frame.f_code
    if code.co_name != name or not code.co_filename.endswith(module_suffix):
        return False
    return caller is None or (frame.f_back is not None and frame.f_back.f_code.co_name == caller)


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
        return

    def on_return(frame: FrameType, event: str, _arg: Any) -> Any:
        if event == "return":
            die(point)
        return on_return

    kill_on_call = {
        "staged": ("artifact_save.py", "_check_unchanged", "_stage"),
        "placing": ("root.py", "finalise", "_place_at"),
        "committed": ("artifact_content.py", "discard", "save_artifacts"),
    }

    def tracer(frame: FrameType, event: str, _arg: Any) -> Any:
        if event != "call":
            return None
        if point in kill_on_call and called(frame, *kill_on_call[point]):
            die(point)
        if point == "staged" and called(frame, "hashing.py", "copy_file_hashed", "_stage"):
            return on_return  # a single file is copied and hashed in one pass
        if point == "placed" and called(frame, "artifact_save.py", "_place"):
            return on_return
        if point == "set-aside" and called(frame, "artifact_save.py", "delete_artifact_files"):
            return on_return
        return None

    sys.settrace(tracer)


def main() -> None:
    spec = json.loads(sys.argv[1])
    import ontolake as ol

    ol.connect(spec["storage"], db=spec["db"])
    if spec.get("action") == "delete":
        stored = ol.Artifact.get(key=spec["key"], is_latest=True)
        install(spec["point"])
        stored.delete(permanent=True)
        sys.settrace(None)
        print(f"DELETED {stored.uid}", flush=True)
        return
    artifact = ol.Artifact(spec["source"], key=spec["key"])  # hashed before any hook
    install(spec["point"])
    saved = artifact.save()
    sys.settrace(None)
    print(f"SAVED {saved.uid}", flush=True)


if __name__ == "__main__":
    main()
