"""Feature values (SQLite): bulk annotation with 3 values per artifact, and filters by feature
value over 100,000 annotated artifacts.

The artifact rows are inserted in bulk (their files are irrelevant here). Each artifact gets
``gc_content`` (float, uniform in [0, 1)), ``experiment_date`` (date, 365 distinct days) and
``batch`` (a ULabel out of 20). Targets: annotation under 1 ms per artifact in bulk; a feature
value filter under 10 ms.
"""

from __future__ import annotations

import random
import sys
import time

from common import DEFAULT_REPEAT, Result, fresh_instance, measure, result

N_ARTIFACTS = 100_000
N_ANNOTATE = 10_000


def seed_artifacts(count: int) -> list:
    from sqlalchemy import insert, select

    import ontolake as ol
    from ontolake.instance.session import current_instance
    from ontolake.registries.storage_location import default_storage_id
    from ontolake.registries.uid import new_uid, version_suffix
    from ontolake.registries.user import current_user_id

    instance = current_instance()
    storage_id = default_storage_id(instance)
    rows = []
    for i in range(count):
        stem = new_uid(12)
        rows.append(
            {
                "uid": stem + version_suffix(1),
                "stem_uid": stem,
                "version": 1,
                "is_latest": True,
                "key": f"samples/{i:06d}.fastq.gz",
                "suffix": ".fastq.gz",
                "size": 1000 + i,
                "hash": new_uid(20),
                "storage_id": storage_id,
                "created_by_id": current_user_id(instance),
                "in_place": False,
                "is_trashed": False,
            }
        )
    with instance.write() as session:
        session.execute(insert(ol.Artifact), rows)
    with instance.read() as session:
        return list(session.execute(select(ol.Artifact).order_by(ol.Artifact.id)).scalars())


def values_for(count: int, rng: random.Random) -> dict[str, list]:
    import datetime

    start = datetime.date(2025, 1, 1)
    return {
        "gc_content": [rng.random() for _ in range(count)],
        "experiment_date": [
            start + datetime.timedelta(days=rng.randrange(365)) for _ in range(count)
        ],
        "batch": [f"batch {rng.randrange(20)}" for _ in range(count)],
    }


def main(repeat: int = DEFAULT_REPEAT) -> list[Result]:
    import datetime

    import ontolake as ol

    fresh_instance("features")
    ol.Feature(name="gc_content", dtype=float).save()
    ol.Feature(name="experiment_date", dtype=datetime.date).save()
    ol.Feature(name="batch", dtype=ol.ULabel).save()
    ol.save([ol.ULabel(name=f"batch {i}") for i in range(20)])
    artifacts = seed_artifacts(N_ARTIFACTS)
    rng = random.Random(7)

    # bulk annotation: one timed batch of N_ANNOTATE artifacts per repetition, then the rest
    # untimed to reach 100,000 annotated artifacts
    samples = []
    for rep in range(repeat):
        batch = artifacts[rep * N_ANNOTATE : (rep + 1) * N_ANNOTATE]
        start = time.perf_counter()
        ol.features.add_values_bulk(batch, values_for(len(batch), rng))
        samples.append((time.perf_counter() - start) / len(batch))
    rest = artifacts[repeat * N_ANNOTATE :]
    ol.features.add_values_bulk(rest, values_for(len(rest), rng))
    results = [
        result(
            f"add_values_bulk, 3 values per artifact ({N_ANNOTATE:,} artifacts), per artifact",
            samples,
            0.001,
            "ms",
            lamindb_key="annotate_per_artifact",
        )
    ]
    single = artifacts[0]
    results.append(
        measure(
            "features.add_values, 2 values on one artifact",
            lambda: single.features.add_values({"gc_content": 0.5, "batch": "batch 3"}),
            repeat,
            unit="ms",
            lamindb_key="add_values_single",
            number=10,
        )
    )

    selective = ol.Artifact.filter(gc_content__gte=0.999)
    n_selective = selective.count()
    assert 50 < n_selective < 200, n_selective
    day = ol.Artifact.filter(experiment_date="2025-03-14", batch="batch 7")
    assert day.count() < 100
    broad = ol.Artifact.filter(gc_content__gte=0.5)
    over = f"over {N_ARTIFACTS:,} annotated"
    for name, function, target, key, number in (
        (
            f"filter gc_content__gte=0.999 {over} -> list ({n_selective} rows)",
            selective.to_list,
            0.010,
            "feature_filter_list",
            10,
        ),
        (
            f"same filter -> DataFrame ({n_selective} rows)",
            selective.to_dataframe,
            0.010,
            "feature_filter_dataframe",
            10,
        ),
        (
            f"filter experiment_date=day, batch=label {over} -> list",
            day.to_list,
            0.010,
            "feature_filter_combined",
            10,
        ),
        (f"count gc_content__gte=0.5 {over}", broad.count, None, "feature_count", 3),
        (
            f"to_dataframe(include='features'), {n_selective} rows",
            lambda: selective.to_dataframe(include="features"),
            None,
            "feature_include",
            3,
        ),
    ):
        results.append(measure(name, function, repeat, target, "ms", key, number))
    return results


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT)
