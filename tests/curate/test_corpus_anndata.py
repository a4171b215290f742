"""Real public AnnData files from the corpus: validate, standardize, save and load from Python.

``pbmc68k_reduced.h5ad`` (scanpy) is in the layout of anndata < 0.7: obs and var are HDF5
compound datasets and the categories live in ``uns``. ``anndata_0.7.8.zarr`` is anndata's own
archive of a zarr store (zarr format 2, no root attributes). Every expectation is computed from
the file with anndata or pandas, independently of ontolake.
"""

from __future__ import annotations

from pathlib import Path

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from curate.corpus_schemas import GENES, PBMC, REGISTERED_POPULATIONS, ZARR, pbmc_obs_schema

import ontolake as ol
from ontolake.errors import InvalidDataError, ValidationError


def _assert_same_anndata(found: ad.AnnData, expected: ad.AnnData, *, categories=True) -> None:
    """Equal obs, var and X (``categories=False``: categories may be in another order)."""
    pd.testing.assert_frame_equal(found.obs, expected.obs, check_categorical=categories)
    pd.testing.assert_frame_equal(found.var, expected.var)
    x_found = found.X.toarray() if sp.issparse(found.X) else np.asarray(found.X)
    x_expected = expected.X.toarray() if sp.issparse(expected.X) else np.asarray(expected.X)
    np.testing.assert_array_equal(x_found, x_expected)


def test_legacy_h5ad_is_read_like_anndata_reads_it(sqlite_instance, corpus, tmp_path):
    path = corpus.copy(PBMC, tmp_path)
    with h5py.File(path) as file:  # the legacy layout: compound datasets, no encoding
        assert isinstance(file["obs"], h5py.Dataset) and file["obs"].dtype.names
    expected = ad.read_h5ad(path)
    curator = ol.curate.AnnDataCurator(
        path, ol.Schema(otype="AnnData", slots={"obs": pbmc_obs_schema()})
    )
    pd.testing.assert_frame_equal(curator.obs, expected.obs)
    pd.testing.assert_frame_equal(curator.var, expected.var)

    with pytest.raises(ValidationError) as caught:
        curator.validate()
    (issue,) = caught.value.report.issues
    assert (issue.slot, issue.column, issue.kind) == ("obs", "bulk_labels", "invalid_values")
    counts = expected.obs["bulk_labels"].value_counts()
    unregistered = {v for v in counts.index if v not in REGISTERED_POPULATIONS}
    assert {v.value: v.count for v in issue.values} == {v: counts[v] for v in unregistered}
    assert unregistered == {"Dendritic", "CD34+", "CD4+/CD45RA+/CD25- Naive T"}

    assert curator.standardize("bulk_labels") == {"obs:bulk_labels": {"Dendritic": "dendritic"}}
    added = curator.add_new_from("bulk_labels")
    assert sorted(record.name for record in added) == ["CD34+", "CD4+/CD45RA+/CD25- Naive T"]
    assert curator.validate() is None

    written = curator.write(tmp_path / "pbmc.current.h5ad")
    with h5py.File(written) as file:  # a curated copy is in the current layout
        assert file.attrs["encoding-type"] == "anndata"
        assert file["obs"].attrs["encoding-type"] == "dataframe"
    standardized = expected.copy()
    standardized.obs["bulk_labels"] = standardized.obs["bulk_labels"].cat.rename_categories(
        {"Dendritic": "dendritic"}
    )
    _assert_same_anndata(ad.read_h5ad(written), standardized)

    artifact = curator.save_artifact(key="pbmc/pbmc68k.h5ad")
    assert ol.Artifact.filter(bulk_labels="dendritic").one().id == artifact.id
    assert artifact.otype == "AnnData" and artifact.n_observations == expected.n_obs
    _assert_same_anndata(artifact.load(), standardized)


def test_legacy_h5ad_saved_as_it_is_loads_back_equal(sqlite_instance, corpus, tmp_path):
    path = corpus.copy(PBMC, tmp_path)
    expected = ad.read_h5ad(path)
    artifact = ol.Artifact(str(path), key="pbmc/raw.h5ad").save()
    assert (artifact.otype, artifact.n_observations) == ("AnnData", 700)
    assert Path(artifact.cache()).read_bytes() == corpus.path(PBMC).read_bytes()
    _assert_same_anndata(artifact.load(), expected)


def test_var_index_checked_against_the_cellxgene_gene_table(sqlite_instance, corpus, tmp_path):
    """The gene symbols of 2018 that GENCODE no longer lists are exactly the ones reported."""
    genes = corpus.path(GENES)
    ol.bio.Gene.import_source(genes)
    symbols = set(pd.read_csv(genes, header=None)[1].astype(str))
    path = corpus.copy(PBMC, tmp_path)
    var_names = ad.read_h5ad(path).var_names
    schema = ol.Schema(
        otype="AnnData", slots={"var.T": ol.Schema(itype=ol.bio.Gene.symbol, dtype="num")}
    )
    report = ol.curate.AnnDataCurator(path, schema).collect()
    (issue,) = report.issues
    assert (issue.slot, issue.kind) == ("var.T", "invalid_names")
    unknown = {name for name in var_names if name not in symbols}
    assert {value.value for value in issue.values} == unknown
    assert 0 < len(unknown) < len(var_names)
    assert report.slots["var.T"] == len(var_names)


def test_anndata_zarr_from_anndatas_archive(sqlite_instance, corpus, tmp_path):
    path = corpus.copy(ZARR, tmp_path)
    expected = ad.read_zarr(path)
    ol.save([ol.ULabel(name=letter) for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"])
    obs = ol.Schema(
        features=[
            ol.Feature(name="obs_cat", dtype=ol.ULabel).save(),
            ol.Feature(name="int64", dtype=int).save(),
            ol.Feature(name="float64", dtype=float).save(),
            ol.Feature(name="uint8", dtype=int).save(),
        ]
    )
    schema = ol.Schema(otype="AnnData", name="archive", slots={"obs": obs})
    curator = ol.curate.AnnDataCurator(path, schema)
    pd.testing.assert_frame_equal(curator.obs, expected.obs)

    report = curator.collect()
    (issue,) = report.issues
    counts = expected.obs["obs_cat"].value_counts()
    lower = sorted(v for v in counts.index if v.islower() and counts[v])
    assert {v.value: v.count for v in issue.values} == {v: counts[v] for v in lower}
    assert curator.standardize() == {"obs:obs_cat": {v: v.upper() for v in lower}}
    assert curator.validate() is None

    fixed = ad.read_zarr(curator.write(tmp_path / "fixed.zarr"))
    assert fixed.obs["obs_cat"].tolist() == [v.upper() for v in expected.obs["obs_cat"]]
    _assert_same_anndata(fixed, _with_upper_obs_cat(expected), categories=False)
    as_h5ad = ad.read_h5ad(curator.write(tmp_path / "fixed.h5ad"))  # a change of format
    _assert_same_anndata(as_h5ad, _with_upper_obs_cat(expected), categories=False)

    artifact = curator.save_artifact(key="archive/adata.zarr")
    assert (artifact.otype, artifact.n_observations) == ("AnnData", expected.n_obs)
    assert ol.Artifact.filter(obs_cat="A").one().id == artifact.id
    _assert_same_anndata(artifact.load(), _with_upper_obs_cat(expected), categories=False)


def _with_upper_obs_cat(adata: ad.AnnData) -> ad.AnnData:
    copy = adata.copy()
    copy.obs["obs_cat"] = pd.Categorical([v.upper() for v in copy.obs["obs_cat"]])
    return copy


def test_unreadable_files_name_the_file_and_what_to_do(sqlite_instance, corpus, tmp_path):
    schema = ol.Schema(otype="AnnData", slots={"obs": ol.Schema(features=[])})
    truncated = tmp_path / "truncated.h5ad"
    truncated.write_bytes(corpus.path(PBMC).read_bytes()[:4096])
    not_anndata = tmp_path / "matrix.h5ad"
    with h5py.File(not_anndata, "w") as file:
        file["matrix/data"] = np.arange(3)
    for path in (truncated, not_anndata):
        for curator in (lambda p: ol.curate.AnnDataCurator(p, schema), ol.curate.CellxgeneCurator):
            with pytest.raises(InvalidDataError) as caught:
                curator(path)
            message = str(caught.value)
            assert str(path) in message and "written by anndata" in message
            assert "\n" not in message and caught.value.exit_code == 2


def test_the_cellxgene_convention_reads_the_legacy_layout(corpus, tmp_path):
    path = corpus.copy(PBMC, tmp_path)
    expected = ad.read_h5ad(path)
    curator = ol.curate.CellxgeneCurator(path)
    pd.testing.assert_frame_equal(curator.obs, expected.obs)
    assert curator.var_index == expected.var_names.tolist()


RETIRED_CLONE_NAMES = {  # Vega clone-based names that no nomenclature authority lists
    *("RP11-782C8.1", "RP11-277L2.3", "RP3-467N11.1", "RP11-390E23.6", "RP11-489E7.4"),
    *("RP11-291B21.2", "RP11-620J15.3", "TMBIM4-1", "AC084018.1", "CTD-3138B18.5"),
}


def test_pbmc68k_retired_and_renamed_symbols_standardize(sqlite_instance, corpus, tmp_path):
    """scanpy's pbmc68k (symbols of 2018) against GENCODE 48 with HGNC's history: 700 of the
    765 var names are current symbols, 54 retired or renamed ones map to one current symbol
    each, one is ambiguous (C19orf24 is now FAM174C, a symbol GENCODE gives two genes: said,
    never guessed), and 10 clone-based names stay as they are, with no suggestion."""
    ol.bio.Gene.import_source(organism="human")
    path = corpus.copy(PBMC, tmp_path)
    names = ad.read_h5ad(path).var_names.tolist()
    assert len(names) == 765
    valid = ol.bio.Gene.validate(names, field="symbol")
    mapping = ol.bio.Gene.standardize(names, field="symbol", return_mapper=True)
    result = ol.bio.Gene.inspect(names, field="symbol")
    kinds = {value: {s.kind for s in found} for value, found in result.suggestions.items()}
    assert int(valid.sum()) == 700
    assert {value for value, found in kinds.items() if found == {"synonym"}} == set(mapping)
    assert len(mapping) == 54
    ambiguous = {value for value, found in kinds.items() if "ambiguous" in found}
    assert ambiguous == {"C19orf24"}
    assert {s.term_id for s in result.suggestions["C19orf24"]} == {
        "ENSG00000228300",
        "ENSG00000310576",
    }
    assert {value for value, found in kinds.items() if not found} == RETIRED_CLONE_NAMES
    renamed = {
        *[("SEPT7", "SEPTIN7"), ("ATPIF1", "ATP5IF1"), ("H2AFY", "MACROH2A1"), ("IGJ", "JCHAIN")],
        *[("CARS", "CARS1"), ("PHB", "PHB1"), ("SELT", "SELENOT"), ("AL928768.3", "IGHA1")],
    }
    assert renamed <= set(mapping.items())
    assert not set(mapping.values()) & set(names)  # no two var names become one

    schema = ol.Schema(
        otype="AnnData", slots={"var.T": ol.Schema(itype=ol.bio.Gene.symbol, dtype="num")}
    )
    curator = ol.curate.AnnDataCurator(path, schema)
    (issue,) = curator.collect().issues
    assert (issue.kind, issue.n_values) == ("invalid_names", 65)
    assert [step.action for step in issue.steps] == ["standardize"]
    assert curator.standardize("var.T") == {"var.T": mapping}
    (issue,) = curator.collect().issues
    assert {value.value for value in issue.values} == RETIRED_CLONE_NAMES | ambiguous
    assert all(value.suggestions == [] for value in issue.values if value.value != "C19orf24")
    assert "standardize" not in [step.action for step in issue.steps]
    written = ad.read_h5ad(curator.write(tmp_path / "pbmc.standardized.h5ad"))
    assert written.var_names.tolist() == [mapping.get(name, name) for name in names]
