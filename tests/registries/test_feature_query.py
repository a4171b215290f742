"""Queries by feature value: the lookups of fields, on typed columns, on both databases; a
property test against a Python model; and ``to_dataframe(include="features")``."""

from __future__ import annotations

import operator
from datetime import date, datetime, timezone

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ontolake as ol
from ontolake.errors import InvalidFieldError, QueryError

UTC = timezone.utc


@pytest.fixture
def annotated(instance, tmp_path):
    """Five artifacts with values of every kind; the last has none."""
    ol.save(
        [
            ol.Feature(name="gc_content", dtype=float),
            ol.Feature(name="n_reads", dtype=int),
            ol.Feature(name="score", dtype="num"),
            ol.Feature(name="note", dtype=str),
            ol.Feature(name="passed_qc", dtype=bool),
            ol.Feature(name="experiment_date", dtype=date),
            ol.Feature(name="sequenced_at", dtype=datetime),
            ol.Feature(name="study_metadata", dtype=dict),
            ol.Feature(name="tags", dtype=list[str]),
            ol.Feature(name="batch", dtype=ol.ULabel),
        ]
    )
    ol.save([ol.ULabel(name=f"batch {i}") for i in range(3)])
    artifacts = []
    for i in range(5):
        path = tmp_path / f"s{i}.fasta"
        path.write_text("A" * (i + 1))
        artifacts.append(ol.Artifact(str(path), key=f"raw/s{i}.fasta").save())
    ol.features.add_values_bulk(
        artifacts[:4],
        [
            {
                "gc_content": 0.41,
                "n_reads": 10,
                "score": 1,
                "note": "Looks great",
                "passed_qc": True,
                "experiment_date": "2025-10-24",
                "sequenced_at": datetime(2025, 10, 24, 23, 30, tzinfo=UTC),
                "study_metadata": {"assay": {"type": "RNA-seq"}, "detail1": "123"},
                "tags": ["a", "b"],
                "batch": "batch 0",
            },
            {
                "gc_content": 0.55,
                "n_reads": 20,
                "score": 2.5,
                "note": "ok_100%",
                "passed_qc": False,
                "experiment_date": date(2025, 10, 25),
                "sequenced_at": datetime(2026, 1, 1, 0, 30, tzinfo=UTC),
                "study_metadata": {"assay": {"type": "ATAC-seq"}, "detail1": 123},
                "tags": ["b"],
                "batch": "batch 1",
            },
            {"gc_content": 0.6, "n_reads": 30, "note": "LOOKS GREAT", "tags": ["c"]},
            {"batch": "batch 1", "study_metadata": {"assay": {}}},
        ],
    )
    return artifacts


def found(artifacts, **lookups) -> list[int]:
    ids = [a.id for a in artifacts]
    return sorted(ids.index(a.id) for a in ol.Artifact.filter(**lookups))


def test_numbers_dates_strings_and_booleans(annotated):
    a = annotated
    assert found(a, gc_content__gte=0.5) == [1, 2]
    assert found(a, gc_content=0.55) == [1]
    assert found(a, gc_content__range=(0.4, 0.56)) == [0, 1]
    assert found(a, n_reads__lt=25, n_reads__gt=10) == [1]
    assert found(a, n_reads__in=[10, 30, 99]) == [0, 2]
    assert found(a, n_reads__gte=19.5) == [1, 2]  # ints compare with floats
    assert found(a, n_reads__gt=19.5) == [1, 2]  # never rounded to an integer first
    assert found(a, n_reads__lt=20.5) == [0, 1]
    assert found(a, n_reads=20.0) == [1]
    assert found(a, score__gt=1.5) == [1]  # num: ints and floats together
    assert found(a, score__in=[1, 2.5]) == [0, 1]
    assert found(a, experiment_date="2025-10-24") == [0]
    assert found(a, experiment_date__gt=date(2025, 10, 24)) == [1]
    assert found(a, experiment_date__day=25) == [1]
    assert found(a, sequenced_at__year=2025, sequenced_at__month=10) == [0]
    assert found(a, sequenced_at__gte="2025-12-31T23:00:00+00:00") == [1]
    assert found(a, note__icontains="great") == [0, 2]
    assert found(a, note__startswith="ok_1") == [1]
    assert found(a, note__contains="%") == [1]
    assert found(a, note__iexact="looks great") == [0, 2]
    assert found(a, passed_qc=False) == [1]
    assert found(a, passed_qc__isnull=True) == [2, 3, 4]


def test_missing_values_lists_labels_and_combined_lookups(annotated):
    a = annotated
    batch_1 = ol.ULabel.get(name="batch 1")
    assert found(a, gc_content__isnull=True) == [3, 4]
    assert found(a, gc_content__isnull=False) == [0, 1, 2]
    assert found(a, gc_content=None) == [3, 4]
    assert found(a, n_reads__in=[10, None]) == [0, 3, 4]
    assert found(a, tags="b") == [0, 1]  # any element
    assert found(a, tags__in=["a", "c"]) == [0, 2]
    assert found(a, batch="batch 1") == [1, 3]
    assert found(a, batch=batch_1) == [1, 3]
    assert found(a, batch__in=[batch_1, "batch 0"]) == [0, 1, 3]
    assert found(a, batch__startswith="batch") == [0, 1, 3]
    assert found(a, gc_content__gte=0.5, key__endswith="2.fasta") == [2]
    assert found(a, gc_content__lt=0.5, batch="batch 0", note="Looks great") == [0]
    assert sorted(
        [
            a.index(x)
            for x in annotated
            if x.id in {y.id for y in ol.Artifact.exclude(gc_content__gte=0.5)}
        ]
    ) == [0, 3, 4]  # exclude is the complement: records without a value included


def test_nested_dict_values(annotated):
    a = annotated
    assert found(a, study_metadata__assay__type="RNA-seq") == [0]
    assert found(a, study_metadata__assay__type__endswith="-seq") == [0, 1]
    assert found(a, study_metadata__detail1="123") == [0]  # JSON types: "123" is not 123
    assert found(a, study_metadata__detail1=123) == [1]
    assert found(a, study_metadata__assay__type__isnull=True) == [2, 3, 4]
    assert found(a, study_metadata__assay__type__isnull=False) == [0, 1]
    assert found(a, study_metadata={"assay": {}}) == [3]
    assert found(a, study_metadata__isnull=True) == [2, 4]


def test_runs_and_records_are_queried_the_same_way(instance):
    ol.Feature(name="learning_rate", dtype=float).save()
    transform = ol.Transform(key="train.py").save()
    runs = [ol.Run(transform_id=transform.id).save() for _ in range(3)]
    ol.features.add_values_bulk(runs, {"learning_rate": [0.1, 0.01, None]})
    assert [r.id for r in ol.Run.filter(learning_rate__lt=0.05)] == [runs[1].id]
    samples = ol.save([ol.Record(name="s1"), ol.Record(name="s2")])
    ol.features.add_values_bulk(samples, {"learning_rate": [0.5, 0.7]})
    assert ol.Record.get(learning_rate__gt=0.6).name == "s2"


@pytest.mark.parametrize(
    ("lookups", "error", "message"),
    [
        (
            {"gc_content__like": 1},
            InvalidFieldError,
            r"Unknown lookup 'like' on feature 'gc_content'",
        ),
        (
            {"gc_content__startswith": "0"},
            InvalidFieldError,
            r"does not apply to feature 'gc_content'",
        ),
        ({"gc_content__year": 2025}, InvalidFieldError, "applies to date features"),
        ({"gc_content": "high"}, QueryError, r"compares with numbers, got 'high'"),
        ({"passed_qc": 1}, QueryError, "compares with True or False"),
        ({"note": 3}, QueryError, "compares with strings"),
        ({"experiment_date": "24/10/2025"}, QueryError, "is not an ISO date"),
        ({"gc_content__gt": None}, QueryError, "use gc_content__isnull=True"),
        ({"gc_content__in": 0.5}, QueryError, "takes a list of values"),
        ({"study_metadata__gt": 1}, InvalidFieldError, "name keys before the lookup"),
        ({"gc_contnt": 1}, InvalidFieldError, "Artifact has no field 'gc_contnt'"),
    ],
)
def test_bad_feature_lookups_say_what_is_valid(annotated, lookups, error, message):
    with pytest.raises(error, match=message):
        ol.Artifact.filter(**lookups).count()


def test_to_dataframe_includes_typed_feature_columns(annotated):
    frame = ol.Artifact.filter(key__startswith="raw/").to_dataframe(
        include=["features", "created_by__handle"]
    )
    assert list(frame.columns[-11:]) == [
        "batch",
        "experiment_date",
        "gc_content",
        "n_reads",
        "note",
        "passed_qc",
        "score",
        "sequenced_at",
        "study_metadata",
        "tags",
        "created_by__handle",
    ]
    assert frame["gc_content"].dtype == "float64"
    assert frame["n_reads"].dtype == "Int64"
    assert frame["passed_qc"].dtype == "boolean"
    assert str(frame["sequenced_at"].dtype) == "datetime64[ns, UTC]"
    assert frame["gc_content"].tolist()[:3] == [0.41, 0.55, 0.6]
    assert pd.isna(frame["gc_content"].iloc[4]) and pd.isna(frame["n_reads"].iloc[4])
    assert frame["tags"].tolist() == [["a", "b"], ["b"], ["c"], None, None]
    assert frame["experiment_date"].iloc[0] == date(2025, 10, 24)
    assert frame["batch"].tolist() == ["batch 0", "batch 1", None, "batch 1", None]
    only = ol.Artifact.filter(gc_content__gte=0.5).to_dataframe(include="features")
    assert len(only) == 2 and "study_metadata" in only.columns
    assert ol.Artifact.filter(key="none").to_dataframe(include="features").empty


# ---- property: filters agree with a Python model -------------------------------------------
QUERY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
N = 8
NUMBERS = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from([0.5, -1.5, 2.0]))
WORDS = st.one_of(st.none(), st.sampled_from(["a", "A", "ab", "b%", "b_", "ß", "é", ""]))
OPERATORS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


@pytest.fixture
def canvas(instance, tmp_path):
    ol.save([ol.Feature(name="x", dtype="num"), ol.Feature(name="w", dtype=str)])
    artifacts = []
    for i in range(N):
        path = tmp_path / f"p{i}.txt"
        path.write_text(str(i))
        artifacts.append(ol.Artifact(str(path), key=f"p/{i}.txt").save())
    return artifacts


@QUERY_SETTINGS
@given(
    xs=st.lists(NUMBERS, min_size=N, max_size=N),
    ws=st.lists(WORDS, min_size=N, max_size=N),
    lookup=st.sampled_from([*OPERATORS, "in", "isnull", "range"]),
    operand=st.integers(-3, 3) | st.sampled_from([0.5, 2.0]),
    text_lookup=st.sampled_from(["exact", "startswith", "icontains", "iexact", "in"]),
    word=st.sampled_from(["a", "b", "B%", "ß", "SS", "É", ""]),
)
def test_feature_filters_match_a_python_model(canvas, xs, ws, lookup, operand, text_lookup, word):
    ol.features.add_values_bulk(canvas, {"x": xs, "w": ws})

    def number_matches(value) -> bool:
        if lookup == "isnull":
            return value is None
        if value is None:
            return False
        if lookup == "in":
            return value in (operand, operand + 1)
        if lookup == "range":
            return operand <= value <= operand + 1
        return OPERATORS[lookup](value, operand)

    def word_matches(value) -> bool:
        if value is None:
            return False
        return {
            "exact": value == word,
            "startswith": value.startswith(word),
            "icontains": word.lower() in value.lower(),
            "iexact": value.lower() == word.lower(),
            "in": value in (word, "a"),
        }[text_lookup]

    number_operand = {
        "in": [operand, operand + 1],
        "range": (operand, operand + 1),
        "isnull": True,
    }.get(lookup, operand)
    word_operand = [word, "a"] if text_lookup == "in" else word
    lookups = {f"x__{lookup}": number_operand, f"w__{text_lookup}": word_operand}
    expected = [i for i in range(N) if number_matches(xs[i]) and word_matches(ws[i])]
    assert found(canvas, **lookups) == expected
    excluded = {a.id for a in ol.Artifact.exclude(**lookups)}
    assert sorted(i for i, a in enumerate(canvas) if a.id in excluded) == [
        i for i in range(N) if i not in expected
    ]
