"""Built-in schemas by name: valid_features and ensembl_gene_ids_and_valid_features_in_obs."""

from __future__ import annotations

from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import ontolake as ol
from ontolake.errors import DoesNotExistError, ValidationError
from ontolake.schemas.builtin import BUILTIN_SCHEMAS, builtin_schema

DATA = Path(__file__).parent.parent / "data" / "ontologies"


@pytest.fixture
def features(sqlite_instance):
    ol.Feature(name="gc_content", dtype=float).save()
    ol.Feature(name="cell_type", dtype=ol.bio.CellType).save()
    ol.bio.CellType.import_source()


def test_valid_features_checks_every_column_against_the_feature_registry(features):
    schema = builtin_schema("valid_features")
    assert builtin_schema("valid_features").id == schema.id  # saved once, then reused
    good = pd.DataFrame({"gc_content": [0.4, 0.6], "cell_type": ["T cell", "B cell"]})
    ol.curate.DataFrameCurator(good, schema).validate()

    bad = good.assign(batch=["a", "b"], cell_type=["T cell", "T-cell"])
    report = ol.curate.DataFrameCurator(bad, schema).collect()
    kinds = {(issue.column, issue.kind) for issue in report.issues}
    assert (None, "invalid_names") in kinds or ("columns", "invalid_names") in kinds
    assert "batch" in report.summary()
    assert ("cell_type", "invalid_values") in kinds
    with pytest.raises(ValidationError, match="T-cell"):
        ol.curate.DataFrameCurator(bad, schema).validate()


def test_ensembl_gene_ids_and_valid_features_in_obs(features):
    ol.bio.Gene.import_source(DATA / "genes_homo_sapiens_subset.csv.gz")
    genes = [row.ontology_id for row in ol.bio.Gene.filter().order_by("id")[:3]]
    schema = builtin_schema("ensembl_gene_ids_and_valid_features_in_obs")
    assert schema.otype == "AnnData"
    obs = pd.DataFrame({"cell_type": ["T cell", "B cell"]}, index=["c1", "c2"])
    adata = ad.AnnData(np.ones((2, 3), dtype=np.float32), obs=obs, var=pd.DataFrame(index=genes))
    ol.curate.AnnDataCurator(adata, schema).validate()

    wrong = ad.AnnData(
        np.ones((2, 3), dtype=np.float32),
        obs=obs,
        var=pd.DataFrame(index=[*genes[:2], "ENSG99999999999"]),
    )
    with pytest.raises(ValidationError, match="ENSG99999999999"):
        ol.curate.AnnDataCurator(wrong, schema).validate()


def test_unknown_and_convention_names_are_clear_errors(sqlite_instance):
    assert "cellxgene" in BUILTIN_SCHEMAS
    with pytest.raises(DoesNotExistError, match="valid_features"):
        builtin_schema("valid_feature")
    with pytest.raises(DoesNotExistError, match="CellxgeneCurator"):
        builtin_schema("cellxgene")


def test_curators_take_a_schema_name(features):
    good = pd.DataFrame({"gc_content": [0.4, 0.6]})
    ol.curate.DataFrameCurator(good, "valid_features").validate()
    saved = ol.Schema(features=[ol.Feature.get(name="gc_content")], name="gc table").save()
    assert ol.curate.DataFrameCurator(good, "gc table").schema.id == saved.id
    with pytest.raises(DoesNotExistError, match="No saved schema is named 'gc tabel'"):
        ol.curate.DataFrameCurator(good, "gc tabel")


def test_artifact_from_dataframe_with_a_schema_validates_on_save(features):
    good = pd.DataFrame({"gc_content": [0.4, 0.6], "cell_type": ["T cell", "B cell"]})
    artifact = ol.Artifact.from_dataframe(good, key="tables/gc.parquet", schema="valid_features")
    saved = artifact.save()
    assert saved.schema.name == "valid_features"
    assert (
        ol.Artifact.filter(cell_type="T cell", schema__name="valid_features").one().id == saved.id
    )

    bad = good.assign(batch=["a", "b"])
    unsaved = ol.Artifact.from_dataframe(bad, key="tables/bad.parquet", schema="valid_features")
    with pytest.raises(ValidationError, match="batch"):
        unsaved.save()
    assert not ol.Artifact.filter(key="tables/bad.parquet").exists()
