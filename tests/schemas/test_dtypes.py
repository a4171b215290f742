"""Feature dtypes: Python types, registries, fields, record types and unions parse to one
canonical string; the string grammar round-trips; bad dtypes and values say what was expected."""

from __future__ import annotations

import typing
from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ontolake as ol
from ontolake.errors import DtypeError
from ontolake.schemas.dtypes import CatTarget, DType, parse_dtype
from ontolake.schemas.values import coerce_scalar, is_missing


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (int, "int"),
        (float, "float"),
        (str, "str"),
        (bool, "bool"),
        (date, "date"),
        (datetime, "datetime"),
        (dict, "dict"),
        (list[int], "list[int]"),
        (typing.List[str], "list[str]"),  # noqa: UP006
        (int | float, "num"),
        (typing.Union[float, int], "num"),  # noqa: UP007
        ("num", "num"),
        ("cat", "cat[ULabel]"),
        ("list[date]", "list[date]"),
        (" cat[ bio.CellType | ULabel ] ".replace(" ", ""), "cat[bio.CellType|ULabel]"),
        ("cat[bio.CellType.name]", "cat[bio.CellType]"),
    ],
)
def test_python_types_and_strings_parse_to_canonical_dtypes(spec, expected):
    assert str(parse_dtype(spec)) == expected
    assert str(parse_dtype(expected)) == expected


def test_registries_fields_record_types_and_unions():
    bt = ol.bio
    assert str(parse_dtype(bt.CellType)) == "cat[bio.CellType]"
    assert str(parse_dtype(bt.CellType.ontology_id)) == "cat[bio.CellType.ontology_id]"
    assert str(parse_dtype(ol.ULabel)) == "cat[ULabel]"
    assert str(parse_dtype(list[bt.Tissue])) == "list[cat[bio.Tissue]]"
    assert str(parse_dtype([bt.CellType, bt.CellLine])) == "cat[bio.CellType|bio.CellLine]"
    assert str(parse_dtype(bt.CellType | bt.Tissue)) == "cat[bio.CellType|bio.Tissue]"
    sample = ol.Record(name="Sample", is_type=True)
    assert str(parse_dtype(sample)) == "cat[Record[Sample]]"
    assert str(parse_dtype([sample, ol.ULabel])) == "cat[Record[Sample]|ULabel]"
    parsed = parse_dtype("list[cat[Record[Sample].uid|bio.Gene.stable_id]]")
    assert parsed == DType(
        "cat",
        is_list=True,
        targets=(
            CatTarget("Record", field="uid", type_name="Sample"),
            CatTarget("bio.Gene", field="stable_id"),
        ),
    )
    assert parsed.targets[1].model is bt.Gene


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("flot", r"Unknown dtype 'flot'\. Did you mean 'float'\?.*Valid dtypes: int, float"),
        ("integer", r"Unknown dtype 'integer'"),
        ("list[list[int]]", "Lists of lists"),
        ("list[dict]", r"list\[dict\] is not a feature dtype"),
        (list, r"needs its element type, e\.g\. list\[str\]"),
        (int | str, "Unions are for categorical dtypes"),
        ("cat[bio.CellTyp]", r"No registry 'bio\.CellTyp'\. Did you mean 'bio\.CellType'\?"),
        ("cat[bio.CellType.ontologyid]", r"no field 'ontologyid'\. Did you mean 'ontology_id'\?"),
        ("cat[bio.CellType[T cells]]", "has no record types"),
        ("cat[ULabel.name.x]", "Malformed categorical"),
        ("cat[]", "Malformed categorical"),
        (3.5, "is not a feature dtype"),
        (object, "is not a feature dtype"),
    ],
)
def test_bad_dtypes_say_what_is_valid(spec, message):
    with pytest.raises(DtypeError, match=message):
        parse_dtype(spec)


@pytest.mark.parametrize("depth", [2, 1000, 100_000])
def test_a_deeply_nested_dtype_is_refused_at_once_in_one_short_line(depth):
    """From a schema file or a caller: no RecursionError, no quadratic re-slicing, and the
    message quotes the dtype shortened."""
    spec = "list[" * depth + "str" + "]" * depth
    with pytest.raises(DtypeError, match="Lists of lists") as refused:
        parse_dtype(spec)
    assert len(str(refused.value)) < 150 and "\n" not in str(refused.value)


def test_a_record_that_is_not_a_type_is_not_a_dtype():
    with pytest.raises(DtypeError, match="is not a type: pass a record made with is_type=True"):
        parse_dtype(ol.Record(name="P53mutant1"))


# ---- values --------------------------------------------------------------------------------
UTC = timezone.utc


@pytest.mark.parametrize(
    ("kind", "value", "coerce", "expected"),
    [
        ("int", 3, False, 3),
        ("int", "3", True, 3),
        ("int", 3.0, True, 3),
        ("float", 3, False, 3.0),
        ("float", "0.5", True, 0.5),
        ("num", 3, False, 3),
        ("num", 2.5, False, 2.5),
        ("num", "7", True, 7),
        ("str", "x", False, "x"),
        ("str", 5, True, "5"),
        ("bool", True, False, True),
        ("bool", "yes", True, True),
        ("bool", 0, True, False),
        ("date", "2025-10-24", False, date(2025, 10, 24)),
        ("date", date(2025, 1, 2), False, date(2025, 1, 2)),
        ("date", datetime(2025, 1, 2, 13, 0), True, date(2025, 1, 2)),
        ("datetime", "2025-10-24T10:00:00", False, datetime(2025, 10, 24, 10, tzinfo=UTC)),
        ("datetime", date(2025, 1, 2), True, datetime(2025, 1, 2, tzinfo=UTC)),
        ("dict", {"a": {"b": [1, 2]}}, False, {"a": {"b": [1, 2]}}),
    ],
)
def test_values_are_checked_and_coerced(kind, value, coerce, expected):
    result = coerce_scalar(kind, value, coerce=coerce)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("int", "3", r"expected an integer, got str '3' \(define the feature with coerce=True"),
        ("int", True, "expected an integer, got bool"),
        ("int", 2.5, "expected an integer"),
        ("float", "x", "expected a number"),
        ("num", False, "expected a number"),
        ("str", 5, "expected a string"),
        ("bool", 1, "expected True or False"),
        ("date", "24/10/2025", "expected a date or an ISO date string"),
        ("date", datetime(2025, 1, 2), "expected a date"),
        ("datetime", "yesterday", "expected a datetime"),
        ("dict", [1, 2], "expected a JSON-serialisable dict"),
        ("dict", {1: "a"}, "expected a JSON-serialisable dict"),
        ("dict", {"a": float("nan")}, "expected a JSON-serialisable dict"),
        ("dict", {"a": object()}, "expected a JSON-serialisable dict"),
        ("str", "x" * 2001, "strings hold at most 2000 bytes"),
    ],
)
def test_wrong_values_say_what_was_expected(kind, value, message):
    with pytest.raises(ValueError, match=message):
        coerce_scalar(kind, value)


def test_numpy_and_pandas_scalars_are_plain_values():
    import numpy as np
    import pandas as pd

    assert type(coerce_scalar("int", np.int64(4))) is int
    assert type(coerce_scalar("float", np.float32(0.5))) is float
    assert coerce_scalar("bool", np.bool_(True)) is True
    stamp = coerce_scalar("datetime", pd.Timestamp("2025-01-02T03:04:05Z"))
    assert stamp == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert all(is_missing(v) for v in (None, float("nan"), np.nan, pd.NA, pd.NaT))
    assert not any(is_missing(v) for v in (0, "", [], {}, False))


# ---- the grammar round-trips ---------------------------------------------------------------
TARGETS = st.sampled_from(
    [
        CatTarget("ULabel"),
        CatTarget("ULabel", type_name="Batch"),
        CatTarget("Record", type_name="Sample 1"),
        CatTarget("Record", field="uid"),
        CatTarget("bio.CellType"),
        CatTarget("bio.CellType", field="ontology_id"),
        CatTarget("bio.Tissue"),
        CatTarget("bio.Gene", field="stable_id"),
    ]
)
DTYPES = st.one_of(
    st.builds(
        DType,
        st.sampled_from(["int", "float", "num", "str", "bool", "date", "datetime"]),
        st.booleans(),
    ),
    st.just(DType("dict")),
    st.builds(
        lambda targets, is_list: DType("cat", is_list, tuple(dict.fromkeys(targets))),
        st.lists(TARGETS, min_size=1, max_size=3),
        st.booleans(),
    ),
)


@given(DTYPES)
def test_every_dtype_round_trips_through_its_string(dtype):
    assert parse_dtype(str(dtype)) == dtype
