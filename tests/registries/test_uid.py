"""Random uids: base62, the asked length, uniform characters, and version suffixes."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ontolake.registries.uid import BASE62, VERSION_LENGTH, new_uid, version_suffix


@given(st.integers(min_value=1, max_value=64))
def test_new_uid_has_the_length_asked_for_and_only_base62_characters(length: int) -> None:
    uid = new_uid(length)
    assert len(uid) == length
    assert set(uid) <= set(BASE62)


def test_new_uid_characters_are_uniform() -> None:
    counts = Counter("".join(new_uid(16) for _ in range(20_000)))
    assert set(counts) == set(BASE62)
    expected = 20_000 * 16 / 62
    # a bias such as ``byte % 62`` over all 256 bytes makes the first 8 characters 1.3x as
    # frequent; chance deviations are about 1% here
    assert max(counts.values()) / expected < 1.08
    assert min(counts.values()) / expected > 0.92


def test_new_uids_do_not_repeat() -> None:
    uids = [new_uid(12) for _ in range(50_000)]
    assert len(set(uids)) == len(uids)


@given(st.integers(min_value=1, max_value=62**VERSION_LENGTH - 1))
def test_version_suffixes_sort_like_their_versions(version: int) -> None:
    suffix = version_suffix(version)
    assert len(suffix) == VERSION_LENGTH
    if version > 1:
        assert version_suffix(version - 1) < suffix


@pytest.mark.parametrize("version", [0, 62**VERSION_LENGTH])
def test_version_suffix_refuses_versions_out_of_range(version: int) -> None:
    with pytest.raises(ValueError, match="version must be between"):
        version_suffix(version)
