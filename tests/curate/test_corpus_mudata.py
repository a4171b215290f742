"""scirpy's test MuData (corpus ``wu2020_200.h5mu``, modalities ``airr`` and ``gex``).

Validate, standardize, write, save and load it from Python; reports name the file's own
modalities. Expectations are computed from the file with mudata.
"""

from __future__ import annotations

import mudata as md
import numpy as np
import pandas as pd
import pytest
from curate.corpus_schemas import H5MU, wu2020_schema

import ontolake as ol
from ontolake.errors import ValidationError


def test_scirpy_mudata_validates_standardizes_saves_and_loads(sqlite_instance, corpus, tmp_path):
    path = corpus.copy(H5MU, tmp_path)
    expected = md.read_h5mu(path)
    gex = expected["gex"].obs
    curator = ol.curate.MuDataCurator(path, wu2020_schema())
    with pytest.raises(ValidationError) as caught:
        curator.validate()
    found = {
        (issue.slot, issue.column): {value.value: value.count for value in issue.values}
        for issue in caught.value.report.issues
    }
    sources = gex["source"].value_counts()
    patients = gex["patient"].value_counts()
    assert found == {
        ("gex:obs", "source"): {v: sources[v] for v in ("Blood", "NAT", "Tumor") if sources[v]},
        ("gex:obs", "patient"): {
            p: patients[p] for p in patients.index if patients[p] and not p.startswith("Lung")
        },
    }
    mapping = curator.standardize("gex:obs:source")
    assert mapping == {"gex:obs:source": {"Blood": "blood", "Tumor": "tumor"}}
    curator.add_new_from("gex:obs:source")
    curator.add_new_from("gex:obs:patient")
    assert curator.validate() is None

    written = md.read_h5mu(curator.write(tmp_path / "fixed.h5mu"))
    renamed = {"Blood": "blood", "Tumor": "tumor"}
    assert written["gex"].obs["source"].tolist() == [renamed.get(v, v) for v in gex["source"]]
    pd.testing.assert_frame_equal(written["airr"].obs, expected["airr"].obs)
    np.testing.assert_array_equal(written["gex"].X.toarray(), expected["gex"].X.toarray())

    artifact = curator.save_artifact(key="airr/wu2020_200.h5mu")
    assert artifact.otype == "MuData"
    assert ol.Artifact.filter(source="blood").one().id == artifact.id
    loaded = artifact.load()
    assert sorted(loaded.mod) == ["airr", "gex"]
    pd.testing.assert_frame_equal(loaded["gex"].obs, written["gex"].obs)
    assert len(loaded["airr"].obsm["airr"]) == expected["airr"].n_obs  # awkward arrays too


def test_a_missing_modality_lists_the_files_own(sqlite_instance, corpus, tmp_path):
    path = corpus.copy(H5MU, tmp_path)
    report = ol.curate.MuDataCurator(path, wu2020_schema(with_rna=True)).collect()
    (missing,) = [issue for issue in report.issues if issue.slot == "rna:obs"]
    assert missing.message == (
        "MuData has no modality 'rna' (its modalities: 'airr', 'gex'): nothing could be checked"
    )


def test_saved_as_it_is_and_loaded_back(sqlite_instance, corpus, tmp_path):
    path = corpus.copy(H5MU, tmp_path)
    expected = md.read_h5mu(path)
    artifact = ol.Artifact(str(path), key="airr/raw.h5mu").save()
    assert (artifact.otype, artifact.n_observations) == ("MuData", expected.n_obs)
    loaded = artifact.load()
    for name in ("airr", "gex"):
        pd.testing.assert_frame_equal(loaded[name].obs, expected[name].obs)
        pd.testing.assert_frame_equal(loaded[name].var, expected[name].var)
    np.testing.assert_array_equal(loaded["gex"].X.toarray(), expected["gex"].X.toarray())
