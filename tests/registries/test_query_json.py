"""Lookups into JSON columns (``params__lr=0.01``): typed, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

import ontolake as ol
from ontolake.errors import QueryError

PARAMS = [
    {"lr": 0.01, "name": "alpha", "flag": True, "n": 1, "model": {"depth": 3}, "layers": [64, 32]},
    {"lr": "0.01", "name": "Beta", "flag": 1, "n": 1.0},
    {"lr": 0.1, "name": None, "flag": False, "n": 2},
    None,
]


@pytest.fixture
def runs(instance):
    transform = ol.Transform(key="train.py").save()
    runs = []
    for params in PARAMS:
        fields = {"params": params} if params is not None else {}
        runs.append(ol.Run(transform_id=transform.id, **fields).save())
    return runs


def test_values_compare_with_their_json_type(runs):
    def found(**lookups) -> list[int]:
        return [runs.index(run) for run in ol.Run.filter(**lookups).order_by("id")]

    assert found(params__lr=0.01) == [0]  # a number never matches the string "0.01"
    assert found(params__lr="0.01") == [1]
    assert found(params__lr__exact=0.1) == [2]
    assert found(params__n=1) == [0, 1]  # 1 and 1.0 are the same number
    assert found(params__flag=True) == [0]  # True never matches 1
    assert found(params__flag=1) == [1]
    assert found(params__flag=False) == [2]
    assert found(params__lr__gt=0.05) == [2]
    assert found(params__lr__lte=0.01) == [0]
    assert found(params__lr__range=(0.001, 0.05)) == [0]
    assert found(params__n__in=[2, 5]) == [2]
    assert found(params__name__in=["alpha", "Beta"]) == [0, 1]


def test_strings_nested_keys_lists_and_missing_values(runs):
    def found(**lookups) -> list[int]:
        return [runs.index(run) for run in ol.Run.filter(**lookups).order_by("id")]

    assert found(params__name__startswith="al") == [0]
    assert found(params__name__istartswith="be") == [1]
    assert found(params__name__icontains="ET") == [1]
    assert found(params__name__endswith="pha") == [0]
    assert found(params__model__depth__gte=3) == [0]
    assert found(params__model={"depth": 3}) == [0]
    assert found(params__layers=[64, 32]) == [0]
    assert found(params__name=None) == [2, 3]  # JSON null or missing
    assert found(params__name__isnull=True) == [2, 3]
    assert found(params__name__isnull=False) == [0, 1]
    assert found(params__isnull=True) == [3]  # the column itself


def test_exclude_is_the_complement_of_filter(runs):
    for lookups in (
        {"params__lr": 0.01},
        {"params__name__startswith": "al"},
        {"params__lr__gt": 0.05},
        {"params__name__isnull": True},
        {"params__model__depth": 3},
    ):
        matching = set(ol.Run.filter(**lookups))
        excluded = set(ol.Run.filter().exclude(**lookups))
        assert matching | excluded == set(runs) and not matching & excluded, lookups


def test_bad_json_lookups_say_what_to_do(runs):
    with pytest.raises(QueryError, match="takes a string"):
        ol.Run.filter(params__name__startswith=3).count()
    with pytest.raises(QueryError, match="compares numbers or strings"):
        ol.Run.filter(params__flag__gt=True).count()
    with pytest.raises(QueryError, match="list of values"):
        ol.Run.filter(params__n__in=3).count()
    with pytest.raises(QueryError, match="quotes"):
        ol.Run.filter(**{'params__a"b': 1}).count()
