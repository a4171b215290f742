"""SIGKILL at every write step of new versions, deletes, trash, restore and collection
versions, then recovery (``kill_points.py``)."""

from __future__ import annotations

import pytest
from reliability.kill_points import cases, kill_and_recover


@pytest.mark.parametrize(("name", "step", "backend"), cases("versions"))
def test_a_process_killed_at_a_write_step_recovers(request, tmp_path, name, step, backend):
    kill_and_recover(request, tmp_path, name, step, backend)
