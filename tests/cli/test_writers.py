"""Standardized files keep their input's shape: a property over generated tables.

For any table written as CSV (with or without pandas' index column), TSV or parquet (any
codec, categorical or plain labels, any index), standardizing changes exactly the
non-canonical labels: columns, index, dtypes, every other cell's text, the parquet schema,
metadata, codecs and row groups stay as they were.
"""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ontolake as ol
from ontolake.cli.writers import write_standardized
from ontolake.curate.dataframe import DataFrameCurator
from ontolake.curate.dataframe import read_table as read_as_ontolake

CANONICAL = {"T cell": "T cell", "B cell": "B cell", "T-cell": "T cell", "t cell": "T cell"}
CANONICAL |= {"b cell": "B cell", "B-cell": "B cell"}
"""Labels and what standardize makes of them (synonyms and case variants of two terms)."""

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
COLUMNS = {
    "count": st.integers(-(2**40), 2**40),
    "score": st.floats(allow_nan=True, allow_infinity=False, width=64),
    "note": TEXT,
    "flag": st.booleans(),
}


@st.composite
def tables(draw):
    rows = draw(st.integers(1, 12))
    labels = draw(st.lists(st.sampled_from([*CANONICAL, None]), min_size=rows, max_size=rows))
    frame = pd.DataFrame({"cell_type": labels})
    for name in draw(st.lists(st.sampled_from(sorted(COLUMNS)), unique=True, max_size=4)):
        frame[name] = draw(st.lists(COLUMNS[name], min_size=rows, max_size=rows))
    if draw(st.booleans()):
        names = draw(st.lists(TEXT.filter(str.strip), min_size=rows, max_size=rows, unique=True))
        frame.index = pd.Index(names, name=draw(st.sampled_from([None, "barcode"])))
    return frame


@pytest.fixture
def schema(sqlite_instance):
    ol.bio.CellType.import_source()
    return ol.Schema(features=[ol.Feature(name="cell_type", dtype=ol.bio.CellType)], name="cells")


def _standardize(path, target, schema):
    curator = DataFrameCurator(path, schema)
    mapping = curator.standardize()
    write_standardized(curator, path, target, mapping)
    return mapping


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frame=tables(), layout=st.sampled_from(["csv", "csv+index", "tsv"]))
def test_csv_and_tsv_change_only_the_mapped_cells(schema, tmp_path, frame, layout):
    suffix, sep = (".tsv", "\t") if layout == "tsv" else (".csv", ",")
    source, target = tmp_path / f"in{suffix}", tmp_path / "out" / f"in{suffix}"
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
    frame.to_csv(source, sep=sep, index=layout == "csv+index")
    mapping = _standardize(source, target, schema)
    expected = {given: CANONICAL[given] for given in frame["cell_type"].dropna()}
    assert mapping.get("cell_type", {}) == {k: v for k, v in expected.items() if k != v}
    if not mapping:
        assert target.read_bytes() == source.read_bytes()
        return
    with source.open(newline="") as a, target.open(newline="") as b:
        before, after = list(csv.reader(a, delimiter=sep)), list(csv.reader(b, delimiter=sep))
    assert after[0] == before[0]  # the header, index column included
    position = before[0].index("cell_type")
    assert len(after) == len(before)
    for old, new in zip(before[1:], after[1:], strict=True):
        assert new[:position] + new[position + 1 :] == old[:position] + old[position + 1 :]
        assert new[position] == CANONICAL.get(old[position], old[position])
    stored, written = read_as_ontolake(source), read_as_ontolake(target)
    pd.testing.assert_frame_equal(
        written, stored.assign(cell_type=stored["cell_type"].replace(CANONICAL))
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    frame=tables(),
    codec=st.sampled_from(["snappy", "zstd", "gzip", "none"]),
    categorical=st.booleans(),
    row_group=st.integers(1, 5),
)
def test_parquet_keeps_schema_codecs_and_row_groups(
    schema, tmp_path, frame, codec, categorical, row_group
):
    source, target = tmp_path / "in.parquet", tmp_path / "out" / "in.parquet"
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
    if categorical:
        frame["cell_type"] = frame["cell_type"].astype("category")
    frame.to_parquet(source, compression=codec, row_group_size=row_group)
    mapping = _standardize(source, target, schema)
    assert pq.read_schema(target) == pq.read_schema(source)
    assert pq.read_schema(target).metadata == pq.read_schema(source).metadata
    before, after = pq.ParquetFile(source).metadata, pq.ParquetFile(target).metadata
    if mapping:
        assert after.row_group(0).num_rows == before.row_group(0).num_rows
        assert [after.row_group(0).column(i).compression for i in range(after.num_columns)] == [
            before.row_group(0).column(i).compression for i in range(before.num_columns)
        ]
    written, stored = pd.read_parquet(target), pd.read_parquet(source)
    labels = stored["cell_type"]
    values = [CANONICAL.get(v, v) if isinstance(v, str) else None for v in labels]
    if isinstance(labels.dtype, pd.CategoricalDtype):  # labels that map to one merge, in order
        merged = list(dict.fromkeys(CANONICAL[c] for c in labels.cat.categories))
        values = pd.Categorical(values, categories=merged)
    mapped = pd.Series(values, index=labels.index, name="cell_type", dtype=labels.dtype.name)
    pd.testing.assert_frame_equal(written, stored.assign(cell_type=mapped))
