"""Key-prefix filter, count and search over 10,000 artifacts (SQLite).

The 10,000 artifact rows are inserted in bulk (their files are irrelevant to querying);
1,111 of them have keys under ``project-a/``.
"""

from __future__ import annotations

from common import best_of, fresh_instance, report


def seed(count: int = 10_000) -> None:
    from sqlalchemy import insert

    import ontolake as ol
    from ontolake.instance.setup import current_instance
    from ontolake.registries.uid import new_uid, version_suffix

    instance = current_instance()
    storage_id = instance.default_storage.id
    user_id = instance.user_id
    rows = []
    for i in range(count):
        prefix = "project-a" if i < 1111 else f"project-{'bcdefghij'[i % 9]}"
        stem = new_uid(12)
        rows.append(
            {
                "uid": stem + version_suffix(1),
                "stem_uid": stem,
                "version": 1,
                "is_latest": True,
                "key": f"{prefix}/sample-{i:05d}/reads.fastq.gz",
                "description": f"reads of sample {i}",
                "suffix": ".fastq.gz",
                "size": 1000 + i,
                "hash": new_uid(20),
                "storage_id": storage_id,
                "created_by_id": user_id,
                "in_place": False,
                "is_trashed": False,
            }
        )
    with instance.write() as session:
        session.execute(insert(ol.Artifact), rows)


def main() -> list[str]:
    import ontolake as ol

    fresh_instance("query")
    seed()
    matching = ol.Artifact.filter(key__startswith="project-a/")
    frame = matching.to_dataframe()
    assert len(frame) == 1111, len(frame)
    filter_time, _ = best_of(lambda: matching.to_dataframe(), repeat=20)
    count_time, _ = best_of(lambda: matching.count(), repeat=20)
    search_time, _ = best_of(lambda: ol.Artifact.search("sample-00042", limit=10).to_list())
    return [
        report("key-prefix filter -> DataFrame, 1,111 of 10,000", filter_time, 0.005, "ms"),
        report("key-prefix count over 10,000", count_time, None, "ms"),
        report("search over 10,000 (ranked, fuzzy tier included)", search_time, None, "ms"),
    ]


if __name__ == "__main__":
    main()
