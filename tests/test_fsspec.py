"""The fsspec helpers below storage and ontology sources: neither package needs the other.

Each check runs in a fresh interpreter, so what it imports is exactly what one import
pulls in (the test process has loaded everything long before).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from ontolake import _fsspec
from ontolake.errors import PathNotFoundError, StorageError
from ontolake.storage import root


def _loaded_after(code: str) -> set[str]:
    """The ``ontolake`` modules loaded by running ``code`` in a new interpreter."""
    listing = "print(' '.join(m for m in sys.modules if m.startswith('ontolake')))"
    script = f"{code}\nimport sys\n{listing}"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(result.stdout.split())


def test_ontology_files_at_urls_are_read_without_loading_storage():
    loaded = _loaded_after(
        "import fsspec\n"
        "from ontolake.ontology_sources.locations import open_binary\n"
        "fs = fsspec.filesystem('memory')\n"
        "fs.pipe_file('/onto/x.obo', b'format-version: 1.2')\n"
        "with open_binary('memory://onto/x.obo') as handle:\n"
        "    assert handle.read() == b'format-version: 1.2'\n"
    )
    assert "ontolake._fsspec" in loaded
    assert not {name for name in loaded if name.startswith("ontolake.storage")}


def test_hashing_does_not_import_storage_roots():
    loaded = _loaded_after("import ontolake.storage.hashing, ontolake.storage.cache")
    assert "ontolake.storage.root" not in loaded


@pytest.mark.parametrize("name", ["is_remote_location", "storage_errors", "url_to_fs"])
def test_storage_root_keeps_offering_the_moved_helpers(name):
    assert getattr(root, name) is getattr(_fsspec, name)
    assert name in root.__all__


def test_errors_of_a_memory_url_become_ontolake_errors():
    fs, path = _fsspec.url_to_fs("memory://no-such-bucket/cl.obo")
    url = "memory://no-such-bucket/cl.obo"
    with (
        pytest.raises(PathNotFoundError, match=re.escape(f"{url}: no such file")),
        _fsspec.storage_errors(url),
    ):
        fs.open(path, "rb")
    with pytest.raises(StorageError, match="unknown storage protocol 'nosuch'"):
        _fsspec.url_to_fs("nosuch://bucket/cl.obo")
