"""Atomic writes keep what the replaced file or folder had: its mode, its owner, its place.

A private file (``0600``) stays private when rewritten, a read-only one stays read-only, a
folder's files keep their modes, and a symbolic link is written through, never replaced.
"""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ontolake._atomic import atomic, write_bytes_atomic

MODES = st.integers(0, 0o777).map(lambda mode: mode | 0o600)  # the owner can read and write
"""Permission bits of a file the owner rewrites."""
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(mode=MODES, data=st.binary(max_size=64))
def test_a_replaced_file_keeps_its_mode(tmp_path, mode, data):
    target = tmp_path / "table.csv"
    target.write_bytes(b"old")
    target.chmod(mode)
    write_bytes_atomic(target, data)
    assert target.read_bytes() == data
    assert target.stat().st_mode & 0o7777 == mode
    assert os.listdir(tmp_path) == ["table.csv"]  # no temporary left


@SETTINGS
@given(top=MODES.map(lambda mode: mode | 0o700), inner=st.lists(MODES, min_size=1, max_size=3))
def test_a_replaced_folder_keeps_the_modes_of_what_it_held(tmp_path, top, inner):
    shutil.rmtree(tmp_path / "store.zarr", ignore_errors=True)
    store = tmp_path / "store.zarr"
    (store / "obs").mkdir(parents=True)
    names = [f"obs/chunk{index}" for index in range(len(inner))]
    for name, mode in zip(names, inner, strict=True):
        (store / name).write_text("old")
        (store / name).chmod(mode)
    store.chmod(top)
    with atomic(store) as temporary:
        (temporary / "obs").mkdir(parents=True)
        for name in [*names, "obs/new"]:
            (temporary / name).write_text("new")
    assert store.stat().st_mode & 0o7777 == top
    assert [(store / name).stat().st_mode & 0o7777 for name in names] == inner
    assert (store / "obs" / "new").read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["store.zarr"]  # no backup nor temporary left


def test_a_new_file_gets_the_umask_and_a_link_is_written_through(tmp_path):
    previous = os.umask(0o027)
    try:
        write_bytes_atomic(tmp_path / "new.csv", b"a")
    finally:
        os.umask(previous)
    assert (tmp_path / "new.csv").stat().st_mode & 0o777 == 0o640
    real = tmp_path / "data" / "cells.csv"
    real.parent.mkdir()
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "cells.csv"
    link.symlink_to(real)
    write_bytes_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert real.stat().st_mode & 0o777 == 0o600
    assert sorted(os.listdir(real.parent)) == ["cells.csv"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: only root gives a file away")
def test_a_replaced_file_keeps_its_owner_and_group(tmp_path):
    target = tmp_path / "shared.csv"
    target.write_bytes(b"old")
    os.chown(target, 4242, 4343)
    write_bytes_atomic(target, b"new")
    assert (target.stat().st_uid, target.stat().st_gid) == (4242, 4343)
