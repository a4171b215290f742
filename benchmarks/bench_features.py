"""Feature values (SQLite): bulk annotation with 3 values per artifact, and filters by feature
value over 100,000 annotated artifacts.

The artifact rows are inserted in bulk (their files are irrelevant here). Each artifact gets
``gc_content`` (float, uniform in [0, 1)), ``experiment_date`` (date, 365 distinct days) and
``batch`` (a ULabel out of 20). Targets: annotation under 1 ms per artifact in bulk; a feature
value filter under 10 ms.
"""

from __future__ import annotations

import random
import time

from common import best_of, fresh_instance, report

N_ARTIFACTS = 100_000
N_ANNOTATE = 10_000


def seed_artifacts(count: int) -> list:
    from sqlalchemy import insert, select

    import ontolake as ol
    from ontolake.instance.setup import current_instance
    from ontolake.registries.uid import new_uid, version_suffix

    instance = current_instance()
    storage_id = instance.default_storage.id
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
                "created_by_id": instance.user_id,
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


def main() -> list[str]:
    import datetime

    import ontolake as ol

    fresh_instance("features")
    ol.Feature(name="gc_content", dtype=float).save()
    ol.Feature(name="experiment_date", dtype=datetime.date).save()
    ol.Feature(name="batch", dtype=ol.ULabel).save()
    ol.save([ol.ULabel(name=f"batch {i}") for i in range(20)])
    artifacts = seed_artifacts(N_ARTIFACTS)
    rng = random.Random(7)

    # bulk annotation: a first batch (timed), then the rest to reach 100,000 annotated artifacts
    first = artifacts[:N_ANNOTATE]
    start = time.perf_counter()
    ol.features.add_values_bulk(first, values_for(len(first), rng))
    per_artifact = (time.perf_counter() - start) / len(first)
    rest = artifacts[N_ANNOTATE:]
    ol.features.add_values_bulk(rest, values_for(len(rest), rng))
    single = artifacts[0]
    single_time, _ = best_of(
        lambda: single.features.add_values({"gc_content": 0.5, "batch": "batch 3"}), repeat=20
    )

    selective = ol.Artifact.filter(gc_content__gte=0.999)
    n_selective = selective.count()
    assert 50 < n_selective < 200, n_selective
    list_time, _ = best_of(lambda: selective.to_list(), repeat=20)
    frame_time, _ = best_of(lambda: selective.to_dataframe(), repeat=20)
    day = ol.Artifact.filter(experiment_date="2025-03-14", batch="batch 7")
    assert day.count() < 100
    combined_time, _ = best_of(lambda: day.to_list(), repeat=20)
    broad = ol.Artifact.filter(gc_content__gte=0.5)
    count_time, _ = best_of(lambda: broad.count(), repeat=10)
    include_time, _ = best_of(lambda: selective.to_dataframe(include="features"), repeat=10)
    return [
        report(
            f"add_values_bulk, 3 values per artifact ({N_ANNOTATE:,} artifacts), per artifact",
            per_artifact,
            0.001,
            "ms",
        ),
        report("features.add_values, 2 values on one artifact", single_time, None, "ms"),
        report(
            f"filter gc_content__gte=0.999 over {N_ARTIFACTS:,} annotated -> list "
            f"({n_selective} rows)",
            list_time,
            0.010,
            "ms",
        ),
        report(f"same filter -> DataFrame ({n_selective} rows)", frame_time, 0.010, "ms"),
        report("filter experiment_date=day, batch=label -> list", combined_time, 0.010, "ms"),
        report(f"count gc_content__gte=0.5 over {N_ARTIFACTS:,}", count_time, None, "ms"),
        report(f"to_dataframe(include='features'), {n_selective} rows", include_time, None, "ms"),
    ]


if __name__ == "__main__":
    main()
