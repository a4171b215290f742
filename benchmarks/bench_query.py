"""Key-prefix filter, count and search over 10,000 artifacts (SQLite).

The 10,000 artifact rows are inserted in bulk (their files are irrelevant to querying);
1,111 of them have keys under ``project-a/``.
"""

from __future__ import annotations

import sys

from common import DEFAULT_REPEAT, Result, fresh_instance, measure


def seed(count: int = 10_000) -> None:
    from sqlalchemy import insert

    import ontolake as ol
    from ontolake.instance.session import current_instance
    from ontolake.registries.storage_location import default_storage_id
    from ontolake.registries.uid import new_uid, version_suffix
    from ontolake.registries.user import current_user_id

    instance = current_instance()
    storage_id = default_storage_id(instance)
    user_id = current_user_id(instance)
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


def main(repeat: int = DEFAULT_REPEAT) -> list[Result]:
    import ontolake as ol

    fresh_instance("query")
    seed()
    matching = ol.Artifact.filter(key__startswith="project-a/")
    frame = matching.to_dataframe()
    assert len(frame) == 1111, len(frame)
    # each sample is the mean of 20 calls (10 for the search)
    return [
        measure(
            "key-prefix filter -> DataFrame, 1,111 of 10,000",
            lambda: matching.to_dataframe(),
            repeat,
            0.005,
            "ms",
            lamindb_key="key_prefix_dataframe",
            number=20,
        ),
        measure(
            "key-prefix count over 10,000",
            lambda: matching.count(),
            repeat,
            unit="ms",
            lamindb_key="key_prefix_count",
            number=20,
        ),
        measure(
            "search over 10,000 (ranked, fuzzy tier included)",
            lambda: ol.Artifact.search("sample-00042", limit=10).to_list(),
            repeat,
            unit="ms",
            lamindb_key="search",
            number=10,
        ),
    ]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT)
