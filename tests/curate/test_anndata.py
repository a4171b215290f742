"""AnnDataCurator on real h5ad files written by anndata: obs, var index, uns, from paths."""

from __future__ import annotations

from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import ontolake as ol
from ontolake.errors import InvalidDataError, ValidationError

DATA = Path(__file__).parent.parent / "data" / "ontologies"


@pytest.fixture
def schema(sqlite_instance):
    ol.bio.CellType.import_source()
    ol.bio.Gene.import_source(DATA / "genes_homo_sapiens_subset.csv.gz")
    ol.Feature(name="title", dtype=str).save()
    obs = ol.Schema(
        features=[
            ol.Feature(name="cell_type", dtype=ol.bio.CellType),
            ol.Feature(name="n_counts", dtype=float, nullable=False),
        ]
    )
    uns = ol.Schema(features=[ol.Feature.get(name="title")])
    var = ol.Schema(itype=ol.bio.Gene.ontology_id, dtype="num")
    return ol.Schema(otype="AnnData", name="scRNA", slots={"obs": obs, "var.T": var, "uns": uns})


def _genes(n):
    return [row.ontology_id for row in ol.bio.Gene.filter().order_by("id")[:n]]


def _adata(cell_types, genes, *, title="pbmc"):
    n_obs, n_var = len(cell_types), len(genes)
    x = sp.random(n_obs, n_var, density=0.3, format="csr", dtype=np.float32, random_state=0)
    obs = pd.DataFrame(
        {"cell_type": cell_types, "n_counts": np.arange(n_obs, dtype=float)},
        index=[f"c{i}" for i in range(n_obs)],
    )
    return ad.AnnData(x, obs=obs, var=pd.DataFrame(index=genes), uns={"title": title})


def test_valid_in_memory_and_from_file(schema, tmp_path):
    adata = _adata(["T cell", "B cell", "T cell"], _genes(5))
    assert ol.curate.AnnDataCurator(adata, schema).validate() is None
    path = tmp_path / "valid.h5ad"
    adata.write_h5ad(path)
    curator = ol.curate.AnnDataCurator(path, schema)
    assert curator.validate() is None
    assert curator.report.slots == {"obs": 3, "var.T": 5, "uns": 1, "features": 1}


def test_invalid_obs_var_index_and_uns_from_file(schema, tmp_path):
    genes = _genes(4)
    genes[1] = genes[1].lower()  # a case variant of an Ensembl id
    adata = _adata(["T-cell", "B cell", "T-cell"], [*genes, "ENSG_NOT_A_GENE"], title=3)
    adata.obs.loc["c1", "n_counts"] = np.nan
    path = tmp_path / "invalid.h5ad"
    adata.write_h5ad(path)
    curator = ol.curate.AnnDataCurator(path, schema)
    with pytest.raises(ValidationError) as caught:
        curator.validate()
    report = caught.value.report
    where = {(issue.slot, issue.column, issue.kind) for issue in report.issues}
    assert ("obs", "cell_type", "invalid_values") in where
    assert ("obs", "n_counts", "missing_values") in where
    assert ("var.T", "index", "invalid_names") in where
    assert ("uns", "title", "dtype") in where  # reported where the value was read
    (names,) = [i for i in report.issues if i.kind == "invalid_names"]
    assert {v.value for v in names.values} == {genes[1], "ENSG_NOT_A_GENE"}
    mapping = curator.standardize()
    assert mapping["obs:cell_type"] == {"T-cell": "T cell"}
    assert mapping["var.T"] == {genes[1]: genes[1].upper()}
    out = curator.write(tmp_path / "fixed.h5ad")
    fixed = ad.read_h5ad(out)
    assert fixed.obs["cell_type"].tolist() == ["T cell", "B cell", "T cell"]
    assert fixed.var_names[1] == genes[1].upper()
    assert fixed.X.nnz == adata.X.nnz


def test_var_index_failure_never_passes_silently(schema):
    adata = _adata(["T cell"], ["ENSG_UNKNOWN"])
    with pytest.raises(ValidationError, match=r"var\.T"):
        ol.curate.AnnDataCurator(adata, schema).validate()


def test_x_dtype_checked(schema):
    adata = _adata(["T cell"], _genes(2))
    adata.X = np.array([["a", "b"]], dtype=object)
    with pytest.raises(ValidationError) as caught:
        ol.curate.AnnDataCurator(adata, schema).validate()
    assert any(i.column == "X" for i in caught.value.report.issues)


def test_save_artifact_with_labels_and_uns(schema):
    adata = _adata(["T cell", "B cell"], _genes(3))
    artifact = ol.curate.AnnDataCurator(adata, schema).save_artifact(key="scrna/pbmc.h5ad")
    assert artifact.otype == "AnnData"
    assert ol.Artifact.filter(cell_type="T cell").one().id == artifact.id
    assert artifact.features.get_values()["title"] == "pbmc"


def test_bad_files_are_clear_errors(schema, tmp_path):
    path = tmp_path / "whole.h5ad"
    _adata(["T cell"], _genes(2)).write_h5ad(path)
    truncated = tmp_path / "truncated.h5ad"
    truncated.write_bytes(path.read_bytes()[:200])
    with pytest.raises(InvalidDataError, match=r"truncated\.h5ad"):
        ol.curate.AnnDataCurator(truncated, schema)
    with pytest.raises(ol.errors.UnsupportedObjectError):
        ol.curate.AnnDataCurator(tmp_path / "x.loom", schema) if (tmp_path / "x.loom").write_text(
            "x"
        ) else None
    with pytest.raises(InvalidDataError, match="otype"):
        ol.curate.AnnDataCurator(path, schema.slots["obs"])


def test_gene_stable_ids_are_unversioned_ensembl_ids(sqlite_instance, tmp_path):
    """The README's ``itype=bt.Gene.stable_id`` with real ids of the shipped GENCODE 48 table:
    unversioned ids are valid; a versioned id is reported with the id to use, and
    standardize drops the version."""
    ol.bio.Gene.import_source()
    var = ol.Schema(itype=ol.bio.Gene.stable_id, dtype="num")
    schema = ol.Schema(otype="AnnData", slots={"var.T": var})
    tp53, brca2, brca1 = "ENSG00000141510", "ENSG00000139618", "ENSG00000012048"
    var_names = pd.DataFrame(index=[tp53, brca2, brca1])
    unversioned = ad.AnnData(np.ones((2, 3), dtype=np.float32), var=var_names)
    assert ol.curate.AnnDataCurator(unversioned, schema).validate() is None
    genes = [tp53, f"{brca1}.23", "ENSG00000000000", brca2]
    path = tmp_path / "versioned.h5ad"
    ad.AnnData(np.ones((2, 4), dtype=np.float32), var=pd.DataFrame(index=genes)).write_h5ad(path)
    curator = ol.curate.AnnDataCurator(path, schema)
    with pytest.raises(ValidationError) as caught:
        curator.validate()
    (names,) = caught.value.report.issues
    by_value = {value.value: value for value in names.values}
    assert set(by_value) == {f"{brca1}.23", "ENSG00000000000"}
    versioned = by_value[f"{brca1}.23"]
    assert versioned.reason == (
        f"version suffix: bio.Gene.stable_id holds ids without version ({brca1})"
    )
    assert [(s.kind, s.value) for s in versioned.suggestions] == [("version", brca1)]
    assert not any(s.kind == "version" for s in by_value["ENSG00000000000"].suggestions)
    assert names.hint == "curator.standardize('var.T')"
    assert curator.standardize("var.T:index") == {"var.T": {f"{brca1}.23": brca1}}
    (left,) = curator.collect().issues
    assert [value.value for value in left.values] == ["ENSG00000000000"]
    assert ol.bio.Gene.get(stable_id=brca1).symbol == "BRCA1"
