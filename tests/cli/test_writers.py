"""Standardized files keep their input's shape: a property over generated tables.

For any table written as CSV (with or without pandas' index column, a byte order mark, LF
or CRLF line endings), TSV or parquet (any codec, categorical or plain labels, any index),
standardizing changes exactly the non-canonical labels: columns, index, dtypes, every other
cell's text, the parquet schema, metadata, codecs and row groups stay as they were; a file
rewritten in place keeps its permissions.
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
@given(
    frame=tables(),
    layout=st.sampled_from(["csv", "csv+index", "tsv"]),
    bom=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    mode=st.sampled_from([0o600, 0o640, 0o644, 0o444]),
    in_place=st.booleans(),
)
def test_csv_and_tsv_change_only_the_mapped_cells(
    schema, tmp_path, frame, layout, bom, newline, mode, in_place
):
    suffix, sep = (".tsv", "\t") if layout == "tsv" else (".csv", ",")
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
    source = tmp_path / "out" / f"in{suffix}"
    target = source if in_place else tmp_path / "out" / "new" / f"in{suffix}"
    source.parent.mkdir()
    encoding = "utf-8-sig" if bom else "utf-8"
    frame.to_csv(
        source, sep=sep, index=layout == "csv+index", lineterminator=newline, encoding=encoding
    )
    source.chmod(mode)
    stored_bytes = source.read_bytes()
    stored = read_as_ontolake(source)
    with source.open(newline="", encoding=encoding) as handle:
        before = list(csv.reader(handle, delimiter=sep))
    mapping = _standardize(source, target, schema)
    expected = {given: CANONICAL[given] for given in frame["cell_type"].dropna()}
    assert mapping.get("cell_type", {}) == {k: v for k, v in expected.items() if k != v}
    if in_place:
        assert target.stat().st_mode & 0o777 == mode
    if not mapping:
        assert target.read_bytes() == stored_bytes
        return
    written_bytes = target.read_bytes()
    assert written_bytes.startswith(b"\xef\xbb\xbf") == bom
    header = stored_bytes.split(b"\n", 1)[0]
    assert written_bytes.split(b"\n", 1)[0] == header  # BOM, names and line ending
    with target.open(newline="", encoding=encoding) as handle:
        after = list(csv.reader(handle, delimiter=sep))
    assert after[0] == before[0]  # the header, index column included
    position = before[0].index("cell_type")
    assert len(after) == len(before)
    for old, new in zip(before[1:], after[1:], strict=True):
        assert new[:position] + new[position + 1 :] == old[:position] + old[position + 1 :]
        assert new[position] == CANONICAL.get(old[position], old[position])
    written = read_as_ontolake(target)
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
