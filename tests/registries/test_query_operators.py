"""The lookup table is the extension point: one ``Operator`` record, registered once, is a
lookup of columns, JSON fields and feature values alike, with the same NULL semantics."""

from __future__ import annotations

import pytest

import ontolake as ol
from ontolake.errors import InvalidFieldError, QueryError
from ontolake.registries.query.operators import (
    OPERATORS,
    Operand,
    Operator,
    lookups_for,
    register,
    unregister,
)


def _differs(operand: Operand, value: object) -> object:
    return operand.expression != operand.bind(value)


@pytest.fixture
def toy():
    """``field__toy=value``: a value is there and differs from ``value`` (numbers, text)."""
    record = register(Operator("toy", frozenset({"number", "text"}), _differs))
    yield record
    unregister("toy")
    assert "toy" not in OPERATORS


@pytest.fixture
def records(instance, tmp_path):
    """Labels, runs and artifacts holding 1, 2, nothing of each kind of target."""
    ol.save([ol.ULabel(name="one", description="1"), ol.ULabel(name="two", description="2")])
    ol.ULabel(name="none").save()
    transform = ol.Transform(key="train.py").save()
    for params in ({"lr": 1}, {"lr": 2}, {"lr": "1"}, {}):
        ol.Run(transform_id=transform.id, params=params).save()
    ol.Feature(name="n_reads", dtype=int).save()
    artifacts = []
    for i in range(3):
        path = tmp_path / f"s{i}.txt"
        path.write_text("A" * (i + 1))
        artifacts.append(ol.Artifact(str(path), key=f"raw/s{i}.txt").save())
    ol.features.add_values_bulk(artifacts[:2], [{"n_reads": 1}, {"n_reads": 2}])
    return artifacts


def test_one_registered_record_is_a_lookup_of_columns_json_fields_and_features(toy, records):
    # a column: NULL is neither equal nor different, as for every other lookup
    assert [label.name for label in ol.ULabel.filter(description__toy="1")] == ["two"]
    assert sorted(label.name for label in ol.ULabel.exclude(description__toy="1")) == [
        "none",
        "one",
    ]
    assert ol.ULabel.filter(id__toy=-1).count() == 3
    # a JSON field: compared within the value's JSON type; "1" and a missing key never match
    assert [run.params for run in ol.Run.filter(params__lr__toy=1)] == [{"lr": 2}]
    assert [run.params for run in ol.Run.filter(params__lr__toy="2")] == [{"lr": "1"}]
    assert ol.Run.filter().exclude(params__lr__toy=1).count() == 3
    # a feature: records without a value never match
    assert [a.key for a in ol.Artifact.filter(n_reads__toy=1)] == [records[1].key]
    assert sorted(a.key for a in ol.Artifact.exclude(n_reads__toy=1)) == [
        records[0].key,
        records[2].key,
    ]
    # None and values of a kind the record does not list are refused like any lookup's
    with pytest.raises(QueryError, match=r"description__toy=None .*isnull"):
        ol.ULabel.filter(description__toy=None)
    with pytest.raises(QueryError, match=r"params__lr__toy compares numbers or strings"):
        ol.Run.filter(params__lr__toy=True)
    with pytest.raises(InvalidFieldError, match=r"'toy' does not apply to ULabel.is_trashed"):
        ol.ULabel.filter(is_trashed__toy=True)


def test_the_valid_lookups_listed_in_messages_come_from_the_table(toy, records):
    assert "toy" in lookups_for("number") and "toy" not in lookups_for("boolean")
    with pytest.raises(InvalidFieldError, match=r"Valid lookups: .*\btoy\b"):
        ol.ULabel.filter(name__tyo="x")
    unregister("toy")
    with pytest.raises(InvalidFieldError, match="Unknown lookup 'toy'"):
        ol.ULabel.filter(name__toy="x")


def test_a_lookup_name_is_registered_once_and_must_be_a_plain_name(toy):
    with pytest.raises(QueryError, match="'toy' exists already"):
        register(Operator("toy", frozenset({"number"}), _differs))
    with pytest.raises(QueryError, match="'a__b' cannot be a lookup name"):
        register(Operator("a__b", frozenset({"number"}), _differs))
