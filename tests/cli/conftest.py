"""Fixtures of the ``curate`` tests: a fresh HOME with an instance and the Cell Ontology."""

from __future__ import annotations

import pytest

CELLS_YAML = """\
ontolake_schema: 1
name: cells
otype: DataFrame
features:
  - name: cell_type
    dtype: cat[bio.CellType]
  - name: n_genes
    dtype: int
"""
"""A schema file: a Cell Ontology column and an integer column."""

SCRNA_YAML = """\
ontolake_schema: 1
name: scrna
otype: AnnData
slots:
  obs:
    features:
      - name: cell_type
        dtype: cat[bio.CellType]
"""
"""A schema file of an AnnData: a Cell Ontology column in ``obs``."""


@pytest.fixture
def lake(curate_cli):
    """``curate_cli`` after ``curate init --storage ./data`` and ``ontology import CellType``.

    The working folder also holds ``cells.yaml`` (:data:`CELLS_YAML`).
    """
    for step in (("init", "--storage", "./data"), ("ontology", "import", "CellType")):
        result = curate_cli(*step)
        assert result.returncode == 0, (step, result.stderr)
    (curate_cli.cwd / "cells.yaml").write_text(CELLS_YAML)
    return curate_cli
