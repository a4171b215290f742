"""``__in`` with lists of any size: one statement, the same answers and NULL semantics as a
short list, on SQLite and PostgreSQL (no "too many SQL variables", no "Expression tree is
too large")."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import ontolake as ol

MANY = 300_000


@pytest.fixture
def labels(instance):
    """Twelve labels; every third has no description."""
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    records = [
        ol.ULabel(
            name=f"label {i}",
            description=None if i % 3 == 0 else f"about {i}",
            created_at=start + timedelta(hours=i),
        )
        for i in range(12)
    ]
    ol.save(records)
    return records


def names(query) -> list[str]:
    return sorted(record.name for record in query)


def test_id_in_takes_300000_values_and_exclude_is_its_complement(labels):
    ids = [label.id for label in labels]
    wanted = [ids[1], ids[4], ids[7]]
    # the stored ids among 300,000 that are not stored
    values = wanted + [max(ids) + 1 + n for n in range(MANY)]
    assert names(ol.ULabel.filter(id__in=values)) == ["label 1", "label 4", "label 7"]
    assert ol.ULabel.filter(id__in=values).count() == 3
    assert ol.ULabel.filter().exclude(id__in=values).count() == 9
    assert ol.ULabel.filter(id__in=range(MANY)).count() == 12
    assert ol.ULabel.filter(pk__in=range(MANY)).exclude(id__in=wanted).count() == 9


def test_long_lists_of_strings_and_dates_keep_null_semantics(labels):
    descriptions = [f"about {n}" for n in range(MANY)]
    with_description = [label.name for label in labels if label.description is not None]
    without = [label.name for label in labels if label.description is None]
    assert names(ol.ULabel.filter(description__in=descriptions)) == sorted(with_description)
    # a NULL description is neither in nor out of a list without None ...
    assert names(ol.ULabel.filter().exclude(description__in=descriptions)) == sorted(without)
    # ... and None in the list matches it, however long the list
    assert ol.ULabel.filter(description__in=[*descriptions, None]).count() == 12
    assert ol.ULabel.filter().exclude(description__in=[*descriptions, None]).count() == 0
    assert ol.ULabel.filter(description__in=[None, *descriptions[:3]]).count() == 4 + 2
    times = [labels[0].created_at + timedelta(hours=n) for n in range(0, 20_000, 2)]
    assert names(ol.ULabel.filter(created_at__in=times)) == names(labels[::2])
    iso = [time.isoformat() for time in times]
    assert ol.ULabel.filter(created_at__in=iso).count() == 6


def test_relations_take_long_lists_of_records_or_ids(labels):
    parent = labels[0]
    for child in labels[1:4]:
        child.parents.append(parent)
    ol.save(labels[1:4])
    many = [parent.id, *range(10**6, 10**6 + MANY)]
    assert names(ol.ULabel.filter(parents__in=many)) == ["label 1", "label 2", "label 3"]
    assert ol.ULabel.filter().exclude(parents__in=many).count() == 9
    users = [labels[0].created_by_id, *range(10**6, 10**6 + MANY)]
    assert ol.ULabel.filter(created_by__in=users).count() == 12


@pytest.fixture
def runs(instance):
    """Runs with a number, a string, a boolean, a dict or nothing as ``params["lr"]``."""
    transform = ol.Transform(key="train.py").save()
    params = [
        *({"lr": n} for n in range(0, 60, 7)),
        {"lr": 3.0},
        {"lr": 2.5},
        {"lr": "14"},
        {"lr": True},
        {"lr": {"a": 1}},
        {"lr": None},
        {},
    ]
    return [ol.Run(transform_id=transform.id, params=value).save() for value in params]


def lr_values(query) -> list[object]:
    return sorted((run.params.get("lr") for run in query), key=repr)


def test_json_in_takes_5000_values_of_their_own_type(runs):
    numbers = list(range(5000))
    expected = sorted([*range(0, 60, 7), 3.0], key=repr)  # 2.5, "14" and True are no match
    assert lr_values(ol.Run.filter(params__lr__in=range(5000))) == expected
    assert ol.Run.filter(params__lr__in=numbers).count() == len(expected)
    assert ol.Run.filter().exclude(params__lr__in=numbers).count() == len(runs) - len(expected)
    strings = [str(n) for n in numbers]
    assert lr_values(ol.Run.filter(params__lr__in=strings)) == ["14"]
    mixed = [*strings, *numbers, True, {"a": 1}, 2.5]
    assert ol.Run.filter(params__lr__in=mixed).count() == len(runs) - 2
    # None matches a JSON null and a missing key, in a long list as in a short one
    assert ol.Run.filter(params__lr__in=[*mixed, None]).count() == len(runs)
    assert ol.Run.filter().exclude(params__lr__in=[*numbers, None]).count() == 4


def test_feature_in_takes_long_lists(instance, tmp_path):
    ol.save([ol.Feature(name="n_reads", dtype=int), ol.Feature(name="note", dtype=str)])
    ol.save([ol.Feature(name="score", dtype="num"), ol.Feature(name="batch", dtype=ol.ULabel)])
    ol.save([ol.ULabel(name=f"batch {i}") for i in range(3)])
    artifacts = []
    for i in range(4):
        path = tmp_path / f"s{i}.txt"
        path.write_text("A" * (i + 1))
        artifacts.append(ol.Artifact(str(path), key=f"raw/s{i}.txt").save())
    ol.features.add_values_bulk(
        artifacts[:3],
        [
            {"n_reads": 10, "note": "n10", "score": 2.5, "batch": "batch 0"},
            {"n_reads": 7001, "note": "n7001", "score": 3, "batch": "batch 1"},
            {"n_reads": -4, "note": "x", "score": 4.0},
        ],
    )

    def found(**lookups) -> list[int]:
        return sorted(artifacts.index(a) for a in ol.Artifact.filter(**lookups))

    assert found(n_reads__in=range(5000)) == [0]
    assert found(n_reads__in=[*range(MANY), None]) == [0, 1, 3]
    assert sorted(artifacts.index(a) for a in ol.Artifact.exclude(n_reads__in=range(MANY))) == [
        2,
        3,
    ]
    assert found(score__in=[n / 2 for n in range(20_000)]) == [0, 1, 2]
    assert found(score__in=list(range(20_000))) == [1, 2]
    assert found(note__in=[f"n{n}" for n in range(MANY)]) == [0, 1]
    batches = list(ol.ULabel.filter(name__startswith="batch"))
    assert found(batch__in=[*batches, *(f"batch {n}" for n in range(5, 5000))]) == [0, 1]
