"""SIGKILL at every write step of ``ol.init``, ``curate migrate``, ontology imports and
ontology migrations (``migrate_labels``), then recovery (``kill_points.py``)."""

from __future__ import annotations

import pytest
from reliability.kill_points import cases, kill_and_recover


@pytest.mark.parametrize(("name", "step", "backend"), cases("setup"))
def test_a_process_killed_at_a_write_step_recovers(request, tmp_path, name, step, backend):
    kill_and_recover(request, tmp_path, name, step, backend)
