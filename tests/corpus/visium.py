"""A SpatialData store built from squidpy's Visium test file (corpus ``squidpy_visium.h5ad``).

No scverse distribution on the package index ships a SpatialData store (the sdists and wheels
of spatialdata, spatialdata-io, squidpy, napari-spatialdata, spatialdata-plot, sopa and harpy
were searched), so the store is built with the installed spatialdata from real public data:
squidpy's Visium AnnData of a mouse brain (49 spots, their ``leiden`` clusters and the tissue
image in ``uns["spatial"]``). It holds every kind of element:

- images: the ``hires`` tissue image, scaled to full-resolution pixels;
- shapes: the spots as circles of the spot diameter;
- labels: the spots painted with their instance id on the ``hires`` grid;
- points: the spot centres with their cluster;
- tables: the AnnData (``obs``, ``var``, ``X``), annotating the spots;
- attrs: the Space Ranger metadata of the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["LIBRARY", "build_visium", "write_visium"]

LIBRARY = "V1_Adult_Mouse_Brain"
"""The library id of the Visium file (the key of its ``uns["spatial"]``)."""


def build_visium(h5ad: Path) -> Any:
    """The SpatialData of the Visium AnnData at ``h5ad`` (see the module docstring)."""
    import anndata as ad
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import spatialdata as sd
    from shapely.geometry import Point
    from spatialdata.models import (
        Image2DModel,
        Labels2DModel,
        PointsModel,
        ShapesModel,
        TableModel,
    )
    from spatialdata.transformations import Scale

    adata = ad.read_h5ad(h5ad)
    library = adata.uns.pop("spatial")[LIBRARY]
    scale = float(library["scalefactors"]["tissue_hires_scalef"])
    radius = float(library["scalefactors"]["spot_diameter_fullres"]) / 2
    to_fullres = {"global": Scale([1 / scale, 1 / scale], axes=("y", "x"))}
    xy = np.asarray(adata.obsm["spatial"], dtype=float)

    hires = np.asarray(library["images"]["hires"])
    image = Image2DModel.parse(
        (np.clip(hires, 0, 1) * 255).astype(np.uint8).transpose(2, 0, 1),
        dims=("c", "y", "x"),
        transformations=to_fullres,
    )
    spots = ShapesModel.parse(
        gpd.GeoDataFrame(
            {"radius": radius}, geometry=[Point(x, y) for x, y in xy], index=range(len(xy))
        ),
        transformations={"global": Scale([1.0, 1.0], axes=("x", "y"))},
    )
    labels = Labels2DModel.parse(
        _spot_raster(xy * scale, radius * scale), dims=("y", "x"), transformations=to_fullres
    )
    centres = PointsModel.parse(
        pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "leiden": adata.obs["leiden"].to_numpy()})
    )
    adata.obs["region"] = pd.Categorical(["spots"] * adata.n_obs)
    adata.obs["instance_id"] = np.arange(adata.n_obs)
    table = TableModel.parse(adata, region="spots", region_key="region", instance_key="instance_id")
    return sd.SpatialData(
        images={"tissue_hires": image},
        labels={"spot_labels": labels},
        points={"spot_centres": centres},
        shapes={"spots": spots},
        tables={"table": table},
        attrs={key: str(value) for key, value in library["metadata"].items()},
    )


def _spot_raster(centres: Any, radius: float) -> Any:
    """A label image with each spot's disk painted with its instance id + 1 (0 = none)."""
    import numpy as np

    height = int(np.ceil(centres[:, 1].max() + radius)) + 1
    width = int(np.ceil(centres[:, 0].max() + radius)) + 1
    rows, columns = np.mgrid[0:height, 0:width]
    raster = np.zeros((height, width), dtype=np.int32)
    for instance, (x, y) in enumerate(centres):
        raster[(columns - x) ** 2 + (rows - y) ** 2 <= radius**2] = instance + 1
    return raster


def write_visium(h5ad: Path, target: Path) -> Path:
    """Build the SpatialData of ``h5ad`` and write it to the ``.zarr`` folder ``target``."""
    build_visium(h5ad).write(target)
    return target
