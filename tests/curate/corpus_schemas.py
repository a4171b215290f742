"""Files of the test corpus and the schemas their tests curate them with.

Each schema is built in the connected instance from the columns the real file has, with
their real dtypes; some labels are registered in another spelling or left out on purpose,
so that validation has failures to count and standardization something to map.
"""

from __future__ import annotations

import ontolake as ol

__all__ = [
    "GENES",
    "H5MU",
    "PBMC",
    "REGISTERED_CLUSTERS",
    "REGISTERED_POPULATIONS",
    "SOURCES",
    "ZARR",
    "pbmc_obs_schema",
    "visium_schema",
    "wu2020_schema",
]

PBMC = "pbmc68k_reduced.h5ad"
ZARR = "anndata_0.7.8.zarr"
GENES = "cellxgene_genes_homo_sapiens.csv.gz"

REGISTERED_POPULATIONS = [
    "CD4+/CD25 T Reg",
    "CD4+/CD45RO+ Memory",
    "CD8+ Cytotoxic T",
    "CD8+/CD45RA+ Naive Cytotoxic",
    "CD14+ Monocyte",
    "CD19+ B",
    "CD56+ NK",
    "dendritic",  # the file says "Dendritic": a case variant, mapped by standardize
]


def pbmc_obs_schema() -> ol.Schema:
    """obs of the PBMC file with its real dtypes; bulk_labels and phase are labels."""
    population = ol.Record(name="PBMC population", is_type=True).save()
    ol.save([ol.Record(name=name, type=population) for name in REGISTERED_POPULATIONS])
    ol.save([ol.ULabel(name=phase) for phase in ("G1", "G2M", "S")])
    return ol.Schema(
        features=[
            ol.Feature(name="bulk_labels", dtype=population).save(),
            ol.Feature(name="n_genes", dtype=int, nullable=False).save(),
            ol.Feature(name="percent_mito", dtype=float).save(),
            ol.Feature(name="n_counts", dtype=float).save(),
            ol.Feature(name="phase", dtype=ol.ULabel).save(),
        ],
        name="pbmc obs",
    )


H5MU = "wu2020_200.h5mu"
SOURCES = ("blood", "tumor")  # the file says "Blood", "Tumor" and "NAT"


def wu2020_schema(*, with_rna: bool = False) -> ol.Schema:
    """Both modalities of scirpy's MuData (``with_rna``: also a modality it lacks)."""
    ol.save([ol.ULabel(name=name) for name in SOURCES])
    patient = ol.Record(name="Patient", is_type=True).save()
    ol.save([ol.Record(name=f"Lung{i}", type=patient) for i in range(1, 7)])
    gex = ol.Schema(
        features=[
            ol.Feature(name="source", dtype=ol.ULabel).save(),
            ol.Feature(name="patient", dtype=patient).save(),
        ]
    )
    airr = ol.Schema(
        features=[
            ol.Feature(name="high_confidence", dtype=bool).save(),
            ol.Feature(name="is_cell", dtype=bool).save(),
        ]
    )
    slots = {"gex:obs": gex, "airr:obs": airr}
    if with_rna:
        slots["rna:obs"] = gex
    return ol.Schema(otype="MuData", name="wu2020", slots=slots)


REGISTERED_CLUSTERS = ("0", "2")


def visium_schema(*, version_dtype: type = str) -> ol.Schema:
    """The Visium table's clusters and the store's attrs (``version_dtype`` of one of them)."""
    ol.save([ol.ULabel(name=name) for name in REGISTERED_CLUSTERS])
    table = ol.Schema(
        features=[
            ol.Feature(name="leiden", dtype=ol.ULabel).save(),
            ol.Feature(name="in_tissue", dtype=int).save(),
        ]
    )
    attrs = ol.Schema(
        features=[
            ol.Feature(name="software_version", dtype=version_dtype).save(),
            ol.Feature(name="chemistry_description", dtype=str).save(),
        ]
    )
    return ol.Schema(otype="SpatialData", name="visium", slots={"table:obs": table, "attrs": attrs})
