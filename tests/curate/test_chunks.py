"""A CSV file validated in chunks of rows gives the report of the file validated whole.

Random small tables (labels in and out of a registry, numbers with words and gaps, booleans
with gaps, repeated index values, missing and extra columns) are written to CSV and validated
twice: read whole, and in chunks of 1 to 7 rows. The reports must be equal byte for byte —
including what spans rows: values most frequent first with ties in the order the file holds
them, the first five example rows, row counts, duplicated index values, missing values.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ontolake as ol
from ontolake.curate import dataframe
from ontolake.curate.chunks import CsvChunks, block_rows

LABELS = ["T cell", "B cell", "monocyte", "t cell", "unknown cell", "T-cell", "B cell "]


@pytest.fixture
def features(sqlite_instance):
    for name in ("T cell", "B cell", "monocyte"):
        ol.ULabel(name=name).save()
    return {
        "cell_type": ol.Feature(name="cell_type", dtype=ol.ULabel, nullable=False),
        "n_genes": ol.Feature(name="n_genes", dtype=int, nullable=False),
        "score": ol.Feature(name="score", dtype=float),
        "flag": ol.Feature(name="flag", dtype=bool),
        "sample": ol.Feature(name="sample", dtype=str, nullable=False),
        "barcode": ol.Feature(name="barcode", dtype=str),
    }


cells = {
    "cell_type": st.one_of(st.sampled_from(LABELS), st.none()),
    "n_genes": st.one_of(st.integers(-3, 3), st.none(), st.sampled_from(["x", "2.5", "1e3"])),
    "score": st.one_of(st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 2)), st.none()),
    "flag": st.one_of(st.booleans(), st.none()),
    "sample": st.one_of(st.sampled_from(["s1", "s2", "s10"]), st.integers(0, 3), st.none()),
}


@st.composite
def tables(draw):
    n = draw(st.integers(1, 25))
    names = draw(st.permutations(list(cells)))
    kept = [name for name in names if draw(st.booleans()) or name in ("cell_type", "sample")]
    frame = pd.DataFrame(
        {name: draw(st.lists(cells[name], min_size=n, max_size=n)) for name in kept}
    )
    if draw(st.booleans()):
        frame["extra"] = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n))
    index = draw(st.sampled_from(["none", "barcode", "unnamed"]))
    if index != "none":
        values = draw(
            st.lists(st.sampled_from(["AAC", "AAG", "ACT", "GGA", 7]), min_size=n, max_size=n)
        )
        frame.index = pd.Index(values, name="barcode" if index == "barcode" else None)
    options = {
        "ordered_set": draw(st.booleans()),
        "maximal_set": draw(st.booleans()),
        "coerce_dtype": draw(st.booleans()),
        "indexed": draw(st.booleans()),
    }
    return frame, index != "none", options, draw(st.integers(1, 7))


def _report(path: Path, schema: ol.Schema, chunk_rows: int | None) -> str:
    curator = ol.curate.DataFrameCurator(path, schema)
    if chunk_rows is not None:
        assert isinstance(curator._data, CsvChunks)
        curator._data = CsvChunks(path, schema.index.name if schema.index else None, chunk_rows)
    else:
        assert isinstance(curator._data, pd.DataFrame)
    report = curator.collect()
    return report.to_json() + report.to_markdown()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=tables())
def test_a_csv_in_chunks_is_reported_as_the_whole_file(features, monkeypatch, table):
    frame, with_index, options, chunk_rows = table
    indexed = options.pop("indexed")
    schema = ol.Schema(
        features=[features[name] for name in cells],
        index=features["barcode"] if indexed else None,
        minimal_set=True,
        **options,
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "cells.csv")
        frame.to_csv(path, index=with_index)
        monkeypatch.setattr(dataframe, "CSV_CHUNKS_FROM", 1 << 40)
        whole = _report(path, schema, None)
        monkeypatch.setattr(dataframe, "CSV_CHUNKS_FROM", 0)
        assert _report(path, schema, chunk_rows) == whole


def test_chunks_of_whole_blocks_give_the_types_of_a_whole_read(features, tmp_path, monkeypatch):
    """Past pandas' first block of rows a whole read mixes ints and words in one column."""
    width = 100
    block = block_rows(width)
    n = 2 * block + 10
    frame = pd.DataFrame({f"c{i}": range(n) for i in range(width - 3)})
    frame["sample"] = ["s1"] * n
    frame["n_genes"] = [1] * (block + 5) + ["many"] * (n - block - 5)  # ints, then words
    frame["cell_type"] = ["T cell"] * (n - 3) + ["T-cell", None, "B cell"]
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    schema = ol.Schema(features=[features[name] for name in ("sample", "n_genes", "cell_type")])
    monkeypatch.setattr(dataframe, "CSV_CHUNKS_FROM", 1 << 40)
    whole = _report(path, schema, None)
    assert "got pandas dtype object" in whole  # ints and strings: not integers
    monkeypatch.setattr(dataframe, "CSV_CHUNKS_FROM", 0)
    for chunk_rows in (block, 2 * block, None):
        curator = ol.curate.DataFrameCurator(path, schema)
        assert isinstance(curator._data, CsvChunks)
        if chunk_rows is not None:
            curator._data = CsvChunks(path, None, chunk_rows)
        report = curator.collect()
        assert report.to_json() + report.to_markdown() == whole, chunk_rows


def test_coercion_judges_each_value_even_when_row_labels_repeat(sqlite_instance):
    """Found by the property above: an integral value shared a label with a fractional one."""
    frame = pd.DataFrame({"n_genes": [2.5, 2.0, 3.0]}, index=["r1", "r1", "r2"])
    schema = ol.Schema(features=[ol.Feature(name="n_genes", dtype=int)], coerce_dtype=True)
    curator = ol.curate.DataFrameCurator(frame, schema)
    (issue,) = [issue for issue in curator.collect().issues if issue.kind == "dtype"]
    assert issue.message == "1 value(s) cannot be converted to integers"
    assert [(v.value, v.count, v.rows) for v in issue.values] == [("2.5", 1, ["r1"])]
