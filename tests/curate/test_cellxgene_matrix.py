"""Matrices read block by block give what the whole matrix gives, in every storage format."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")
sp = pytest.importorskip("scipy.sparse")
ad = pytest.importorskip("anndata")
h5py = pytest.importorskip("h5py")

from ontolake.curate import cellxgene_matrix  # noqa: E402
from ontolake.curate.cellxgene_matrix import h5_matrix, memory_matrix  # noqa: E402

STORED = {"csr": sp.csr_matrix, "csc": sp.csc_matrix, "dense": np.asarray}

matrices = st.integers(1, 9).flatmap(
    lambda rows: st.integers(1, 7).flatmap(
        lambda columns: st.lists(
            st.sampled_from([0.0, 0.0, 0.0, 1.0, 2.0, 3.5, -1.0]),
            min_size=rows * columns,
            max_size=rows * columns,
        ).map(lambda values: np.array(values, dtype=np.float32).reshape(rows, columns))
    )
)


def _expected(values):
    nonzero = values != 0
    return {
        "nnz": int(nonzero.sum()),
        "invalid": bool(np.any((values[nonzero] % 1 > 0) | (values[nonzero] < 0))),
        "row_nnz": nonzero.sum(axis=1).tolist(),
        "column_sums": values.sum(axis=0, dtype=np.float64).tolist(),
        "column_nnz": nonzero.sum(axis=0).tolist(),
    }


def _found(scan):
    return {
        "nnz": scan.nnz,
        "invalid": scan.invalid_nonzero,
        "row_nnz": scan.row_nnz.tolist(),
        "column_sums": scan.column_sums.tolist(),
        "column_nnz": scan.column_nnz.tolist(),
    }


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=matrices, form=st.sampled_from(sorted(STORED)), block=st.integers(1, 6))
def test_a_scan_in_small_blocks_equals_the_whole_matrix(values, form, block, tmp_path, monkeypatch):
    """Blocks of a few values (rows for CSR and dense, columns for CSC), from a file and from
    memory: counts, sums, invalid values and row digests are those of the whole matrix."""
    monkeypatch.setattr(cellxgene_matrix, "BLOCK_VALUES", block)
    stored = STORED[form](values)
    path = tmp_path / f"{form}-{block}.h5ad"
    ad.AnnData(X=stored).write_h5ad(path)
    on_disk = h5_matrix(path, "X", "X")
    in_memory = memory_matrix("X", stored)
    assert on_disk is not None and on_disk.format == in_memory.format == form
    for matrix in (on_disk, in_memory):
        scan = matrix.scan(digests=True, columns=True)
        assert _found(scan) == _expected(values)
        if form == "csc":  # the reference does not look for duplicated cells in CSC either
            assert scan.row_digests is None
        else:
            rows = [row.tobytes() for row in values]
            same = [[a == b for b in rows] for a in rows]
            digests = scan.row_digests
            assert [[a == b for b in digests] for a in digests] == same


def test_a_matrix_is_never_read_whole(tmp_path, monkeypatch):
    """With blocks of 1,000 values, no block of a 200 x 50 CSR matrix holds more: the
    largest read is a tenth of the matrix."""
    values = np.ones((200, 50), dtype=np.float32)
    path = tmp_path / "x.h5ad"
    ad.AnnData(X=sp.csr_matrix(values)).write_h5ad(path)
    monkeypatch.setattr(cellxgene_matrix, "BLOCK_VALUES", 1000)
    matrix = h5_matrix(path, "X", "X")
    assert matrix is not None
    sizes = [block.nnz for block in matrix.blocks()]
    assert max(sizes) <= 1000 and sum(sizes) == values.size
    assert matrix.scan().nnz == values.size


def test_every_matrix_rule_reads_each_matrix_once(tmp_path):
    """X and raw.X are each read in one pass, whatever the rules ask of them."""
    from ontolake.curate.cellxgene_checks import CHECKS, Context
    from ontolake.curate.h5ad_annotations import read_h5ad_data
    from ontolake.curate.term_index import TermIndex

    counts = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 1.0]], dtype=np.float32)
    adata = ad.AnnData(X=sp.csr_matrix(np.log1p(counts)))
    adata.raw = ad.AnnData(X=sp.csr_matrix(counts))
    adata.var["feature_is_filtered"] = False
    path = tmp_path / "raw.h5ad"
    adata.write_h5ad(path)
    data = read_h5ad_data(path)
    assert data is not None and data.x is not None and data.raw_x is not None
    passes = {"X": 0, "raw.X": 0}
    for matrix in (data.x, data.raw_x):

        def counted(blocks=matrix.blocks, name=matrix.name):
            passes[name] += 1
            return blocks()

        matrix.blocks = counted
    context = Context(data, TermIndex())
    found = [
        finding.rule
        for rule, check in CHECKS.items()
        if rule.startswith(("matrix.", "raw.", "var.feature_is_filtered"))
        for finding in check(context)
    ]
    assert found == []
    assert passes == {"X": 1, "raw.X": 1}
