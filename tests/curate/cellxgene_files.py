"""Small ``.h5ad`` files for the CELLxGENE convention: valid except for chosen annotations.

Everything the reference validator checks besides the annotations (counts in ``X``, an
embedding in ``obsm``, ``uns["title"]``, ``var["feature_is_filtered"]``) is made valid, so
that any difference in verdict comes from the rules ontolake implements.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HUMAN_GENES = ["ENSG00000290825", "ENSG00000223972", "ENSG00000310526", "ENSG00000227232"]
MOUSE_GENES = ["ENSMUSG00000102693", "ENSMUSG00000064842", "ENSMUSG00000051951"]

VALID_HUMAN_ROW = {
    "cell_type_ontology_term_id": "CL:0000084",
    "assay_ontology_term_id": "EFO:0009922",
    "disease_ontology_term_id": "PATO:0000461",
    "sex_ontology_term_id": "PATO:0000383",
    "tissue_ontology_term_id": "UBERON:0002048",
    "self_reported_ethnicity_ontology_term_id": "unknown",
    "development_stage_ontology_term_id": "HsapDv:0000240",
    "donor_id": "donor 1",
    "suspension_type": "cell",
    "tissue_type": "tissue",
}

CELL_LINE_ROW = {
    "cell_type_ontology_term_id": "na",
    "assay_ontology_term_id": "EFO:0009922",
    "disease_ontology_term_id": "PATO:0000461",
    "sex_ontology_term_id": "na",
    "tissue_ontology_term_id": "CVCL_0023",
    "self_reported_ethnicity_ontology_term_id": "na",
    "development_stage_ontology_term_id": "na",
    "donor_id": "na",
    "suspension_type": "cell",
    "tissue_type": "cell line",
}


def write_h5ad(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    organism: str = "NCBITaxon:9606",
    genes: list[str] = HUMAN_GENES,
    uns: dict[str, Any] | None = None,
    obs_names: list[str] | None = None,
    change: Callable[[Any], Any] | None = None,
) -> Path:
    """Write one cell per row (columns as categoricals), ``is_primary_data`` True.

    The cells are named ``cell0``, ``cell1`` … unless ``obs_names`` names them. ``change``
    takes the AnnData before it is written and returns the one to write (one defect, say).
    """
    import anndata as ad
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    columns = {name: [row[name] for row in rows] for name in rows[0]}
    obs = pd.DataFrame(
        {name: pd.Categorical(values) for name, values in columns.items()},
        index=obs_names or [f"cell{i}" for i in range(len(rows))],
    )
    obs["is_primary_data"] = True
    counts = np.random.default_rng(0).poisson(2, (len(rows), len(genes))).astype(np.float32)
    counts[:, 0] = np.arange(1, len(rows) + 1)  # no cell without counts, no two cells alike
    with warnings.catch_warnings():  # duplicated names are written as given, on purpose
        warnings.filterwarnings("ignore", "(Observation|Variable) names are not unique")
        adata = ad.AnnData(
            X=sp.csr_matrix(counts),
            obs=obs,
            var=pd.DataFrame({"feature_is_filtered": [False] * len(genes)}, index=genes),
            uns={"title": "convention test", "organism_ontology_term_id": organism, **(uns or {})},
            obsm={"X_umap": np.random.default_rng(1).normal(size=(len(rows), 2))},
        )
        if change is not None:
            adata = change(adata)
        adata.write_h5ad(path)
    return path


def with_values(base: dict[str, str], **changes: str) -> dict[str, str]:
    """A copy of ``base`` with some columns changed."""
    return {**base, **changes}
