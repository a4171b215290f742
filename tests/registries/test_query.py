"""The query language, identical on every registry, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import ontolake as ol
from ontolake.errors import DoesNotExistError, InvalidFieldError, MultipleResultsError, QueryError


@pytest.fixture
def labels(instance):
    """Six labels, two linked as parents, with distinct creation dates."""
    start = datetime(2025, 3, 14, 9, 30, tzinfo=timezone.utc)
    names = ["Batch 1", "batch 2", "batch_3", "50% done", "Control", "control group"]
    records = [
        ol.ULabel(name=name, created_at=start + timedelta(days=40 * i), description=f"#{i}")
        for i, name in enumerate(names)
    ]
    ol.save(records)
    records[1].parents.append(records[0])
    records[2].parents.append(records[0])
    ol.save(records[1:3])
    return records


def names(query):
    return sorted(record.name for record in query)


def test_lookups_on_strings(labels):
    assert names(ol.ULabel.filter(name="batch 2")) == ["batch 2"]
    assert names(ol.ULabel.filter(name__iexact="BATCH 2")) == ["batch 2"]
    assert names(ol.ULabel.filter(name__startswith="batch")) == ["batch 2", "batch_3"]
    assert names(ol.ULabel.filter(name__istartswith="batch")) == ["Batch 1", "batch 2", "batch_3"]
    assert names(ol.ULabel.filter(name__contains="ontrol")) == ["Control", "control group"]
    assert names(ol.ULabel.filter(name__icontains="CONTROL")) == ["Control", "control group"]
    assert names(ol.ULabel.filter(name__endswith="group")) == ["control group"]
    assert names(ol.ULabel.filter(name__in=["Control", "missing"])) == ["Control"]
    # LIKE wildcards in values are literal characters
    assert names(ol.ULabel.filter(name__contains="_")) == ["batch_3"]
    assert names(ol.ULabel.filter(name__contains="%")) == ["50% done"]


def test_lookups_on_numbers_dates_and_nulls(labels):
    ids = [label.id for label in labels]
    assert ol.ULabel.filter(id__gt=ids[3]).count() == 2
    assert ol.ULabel.filter(id__gte=ids[3], id__lte=ids[4]).count() == 2
    assert ol.ULabel.filter(id__lt=ids[1]).count() == 1
    assert ol.ULabel.filter(id__range=(ids[1], ids[3])).count() == 3
    assert names(ol.ULabel.filter(created_at__year=2025, created_at__month=4)) == ["batch 2"]
    assert names(ol.ULabel.filter(created_at__day=14)) == ["Batch 1"]
    assert ol.ULabel.filter(created_at__gte="2025-05-01").count() == 4
    assert ol.ULabel.filter(type__isnull=True).count() == 6
    assert ol.ULabel.filter(description__isnull=False).count() == 6


def test_traversal_across_foreign_keys_and_many_to_many(labels):
    assert names(ol.ULabel.filter(parents__name="Batch 1")) == ["batch 2", "batch_3"]
    assert names(ol.ULabel.filter(children__name__startswith="batch")) == ["Batch 1"]
    assert names(ol.ULabel.filter(parents=labels[0])) == ["batch 2", "batch_3"]
    assert ol.ULabel.filter(created_by__handle=labels[0].created_by.handle).count() == 6
    assert ol.ULabel.filter(parents__isnull=False).count() == 2
    # an EXISTS subquery: a record with two matching links is returned once
    labels[1].parents.append(labels[4])
    labels[1].save()
    assert ol.ULabel.filter(parents__name__in=["Batch 1", "Control"]).count() == 2


def test_unknown_fields_and_lookups_list_the_valid_ones(labels):
    with pytest.raises(InvalidFieldError, match=r"no field 'nme'.*Did you mean 'name'.*Valid"):
        ol.ULabel.filter(nme="x")
    with pytest.raises(InvalidFieldError, match="Valid lookups"):
        ol.ULabel.filter(name__near="x")
    with pytest.raises(InvalidFieldError, match="no field"):
        ol.Artifact.filter(run__transform__nokey="x")
    with pytest.raises(QueryError, match="isnull"):
        ol.ULabel.filter(name__gt=None)
    # a lookup that cannot apply to the column's type is refused on every database alike
    with pytest.raises(InvalidFieldError, match=r"'contains' does not apply to ULabel.id.*Valid"):
        ol.ULabel.filter(id__contains="1")
    with pytest.raises(InvalidFieldError, match="year applies to date features and date fields"):
        ol.ULabel.filter(name__year=2025)


def test_slices_beyond_any_row_are_empty_and_bad_bounds_are_query_errors(labels):
    everything = ol.ULabel.filter().order_by("id")
    assert everything[10**30 :].to_list() == [] and everything[2 : 10**30].count() == 2 + 2
    assert everything[10**19 :][10**19 :].count() == 0
    with pytest.raises(IndexError):
        everything[10**30]
    with pytest.raises(ol.errors.QueryError, match="whole numbers"):
        everything["a":]
    with pytest.raises(ol.errors.QueryError, match="whole numbers"):
        everything[1.5]


def test_ordering_slicing_and_single_results(labels):
    ordered = ol.ULabel.filter().order_by("-created_at")
    assert [label.name for label in ordered[:2]] == ["control group", "Control"]
    assert ordered[1].name == "Control"
    assert [label.name for label in ordered[1:3]] == ["Control", "50% done"]
    assert ordered.first().name == "control group"
    assert ol.ULabel.filter(name="nothing").first() is None
    assert ol.ULabel.filter(name="Control").one().name == "Control"
    assert ol.ULabel.filter(name="nothing").one_or_none() is None
    with pytest.raises(MultipleResultsError):
        ol.ULabel.filter(name__startswith="batch").one()
    with pytest.raises(DoesNotExistError):
        ol.ULabel.filter(name="nothing").one()
    with pytest.raises(IndexError):
        ordered[10]
    with pytest.raises(QueryError):
        ordered[-1]
    assert len(ol.ULabel.filter(name__startswith="batch")) == 2
    assert ol.ULabel.filter(name="Control").exists()
    assert not ol.ULabel.filter(name="nothing").exists()


def test_get_by_uid_prefix_and_lookups(labels):
    label = labels[4]
    assert ol.ULabel.get(label.uid) == label
    assert ol.ULabel.get(label.uid[:8]) == label
    assert ol.ULabel.get(name="Control") == label
    with pytest.raises(DoesNotExistError, match=r"name='Contrl'.*search"):
        ol.ULabel.get(name="Contrl")
    with pytest.raises(QueryError):
        ol.ULabel.get()


def test_all_rows_are_returned_without_silent_truncation(instance):
    ol.save([ol.ULabel(name=f"label {i:03d}") for i in range(250)])
    assert len(list(ol.ULabel.filter())) == 250
    assert len(ol.ULabel.to_dataframe()) == 250
    assert len(ol.ULabel.filter().limit(7).to_list()) == 7


def test_to_dataframe_with_related_fields(labels):
    frame = (
        ol.ULabel.filter(name__startswith="batch")
        .order_by("name")
        .to_dataframe(include=["created_by__handle", "parents__name", "parents"])
    )
    assert list(frame["name"]) == ["batch 2", "batch_3"]
    assert list(frame["parents__name"]) == [["Batch 1"], ["Batch 1"]]
    assert list(frame["parents"]) == [["Batch 1"], ["Batch 1"]]
    assert set(frame["created_by__handle"]) == {labels[0].created_by.handle}
    assert {"uid", "created_at", "description"} <= set(frame.columns)
    with pytest.raises(InvalidFieldError, match="no field 'nope'"):
        ol.ULabel.filter().to_dataframe(include="parents__nope")
    assert ol.ULabel.filter(name="nothing").to_dataframe(include="parents__name").empty


def test_delete_moves_to_trash_then_permanently(labels):
    control = labels[4]
    ol.ULabel.filter(name="Control").delete()
    assert not ol.ULabel.filter(name="Control").exists()
    assert ol.ULabel.filter(name="Control", is_trashed=True).count() == 1
    control.restore()
    assert ol.ULabel.filter(name="Control").exists()
    assert ol.ULabel.filter(name__startswith="control").delete(permanent=True) == 1
    assert ol.ULabel.filter(name="control group", is_trashed=True).count() == 0
    batch_1 = labels[0]
    batch_1.delete(permanent=True)
    # link rows went with it
    assert ol.ULabel.filter(parents__isnull=False).count() == 0


def test_search_ranks_exact_prefix_substring_then_fuzzy(instance):
    ol.save(
        [
            ol.Record(name=name)
            for name in ["T cell", "T cell, CD4", "regulatory T cell", "B cell", "T cll"]
        ]
    )
    ranked = [record.name for record in ol.Record.search("t cell")]
    assert ranked[:3] == ["T cell", "T cell, CD4", "regulatory T cell"]
    assert "B cell" not in ranked
    assert ranked[-1] == "T cll"  # fuzzy comes last
    assert [record.name for record in ol.Record.search("T cel", limit=1)] == ["T cell"]
    assert ol.Record.search("t cell").count() == 4
    assert ol.Record.search("zzz").count() == 0


def test_a_typo_finds_artifacts_by_a_word_of_their_description(instance):
    import pandas as pd

    frame = pd.DataFrame({"sample": ["s1", "s2"], "gc_content": [0.41, 0.55]})
    plain = ol.Artifact.from_dataframe(frame, key="tables/gc.parquet").save()
    assert ol.Artifact.search("gc contnt").count() == 0  # key words: "tables", "gc", "parquet"
    described = ol.Artifact.from_dataframe(
        frame.assign(reads=[120, 98]), key="tables/gc.parquet", description="GC content"
    ).save()
    other = ol.Artifact.from_dataframe(
        frame.assign(reads=[7, 8]), key="tables/reads.parquet", description="reads per sample"
    ).save()
    assert [artifact.uid for artifact in ol.Artifact.search("gc contnt")] == [described.uid]
    assert {artifact.uid for artifact in ol.Artifact.search("gc")} == {plain.uid, described.uid}
    assert other.uid not in {artifact.uid for artifact in ol.Artifact.search("gc")}


def test_lookup_gives_one_attribute_per_normalised_name(instance):
    ol.save([ol.Record(name=name) for name in ["P53 mutant 1", "p53-mutant-1", "10x kit"]])
    lookup = ol.Record.lookup()
    assert lookup.p53_mutant_1.name == "P53 mutant 1"
    assert lookup.p53_mutant_1_2.name == "p53-mutant-1"
    assert lookup._10x_kit.name == "10x kit"
    assert lookup["10x kit"].name == "10x kit"
    assert "p53_mutant_1" in dir(lookup)
    with pytest.raises(AttributeError, match="p53_mutant_1"):
        lookup.p53_mutant
    with pytest.raises(InvalidFieldError):
        ol.Record.lookup(field="nope")


def test_bulk_save_is_one_transaction(instance):
    good = [ol.Project(name=f"project {i}") for i in range(3)]
    ol.save(good)
    assert ol.Project.filter().count() == 3
    duplicate = [ol.Project(name="project 9"), ol.Project(name="project 0")]  # name is unique
    with pytest.raises(ol.errors.IntegrityError, match="refused"):
        ol.save(duplicate)
    assert not ol.Project.filter(name="project 9").exists()


def test_record_types_and_hierarchy(instance):
    sample = ol.Record(name="Sample", is_type=True).save()
    p53 = ol.Record(name="P53mutant1", type=sample).save()
    ol.Record(name="P53mutant2", type=sample, parents=[p53]).save()
    assert names(ol.Record.filter(type=sample)) == ["P53mutant1", "P53mutant2"]
    assert names(ol.Record.filter(type__name="Sample", parents__isnull=True)) == ["P53mutant1"]
    assert [child.name for child in p53.children] == ["P53mutant2"]


def test_filter_by_queryset_and_exclude(labels):
    batches = ol.ULabel.filter(name__istartswith="batch")
    assert ol.ULabel.filter(parents__in=batches).count() == 2
    assert names(ol.ULabel.filter(name__istartswith="batch").exclude(name="batch_3")) == [
        "Batch 1",
        "batch 2",
    ]


def test_exclude_on_the_registry_and_missing_values_sort_last(labels):
    labels[0].description = None
    labels[0].save()
    assert ol.ULabel.exclude(name__startswith="batch").count() == 4
    ascending = [label.name for label in ol.ULabel.filter().order_by("description")]
    descending = [label.name for label in ol.ULabel.filter().order_by("-description")]
    assert ascending[-1] == "Batch 1"
    assert descending[0] == "Batch 1"


def test_changes_to_loaded_records_are_saved_all_or_nothing(instance):
    first, second = ol.save([ol.Project(name="alpha"), ol.Project(name="beta")])
    first.description = "changed"
    second.name = "alpha"  # names are unique: this change must fail, taking the other with it
    with pytest.raises(ol.errors.IntegrityError):
        ol.save([first, second])
    with instance.engine.connect() as connection:
        from sqlalchemy import text

        stored = connection.execute(text("SELECT name, description FROM projects ORDER BY id"))
        assert stored.all() == [("alpha", None), ("beta", None)]


def test_to_dataframe_is_in_id_order_when_the_index_reads_otherwise(instance):
    """A key-prefix filter reads rows in key order; the frame is still ordered by id."""
    names = [f"sample-{n:03d}" for n in (5, 1, 4, 2, 3)]  # ids ascending, names not
    ol.save([ol.ULabel(name=name) for name in names])
    frame = ol.ULabel.filter(name__startswith="sample-").to_dataframe()
    assert list(frame.index) == sorted(frame.index)
    assert list(frame["name"]) == names
    assert list(
        ol.ULabel.filter(name__startswith="sample-").order_by("name").to_dataframe()["name"]
    ) == sorted(names)
    assert (
        list(ol.ULabel.filter(name__startswith="sample-")[1:3].to_dataframe()["name"]) == names[1:3]
    )


@pytest.mark.parametrize(
    ("lookups", "index"),
    [
        ({"otype": "DataFrame"}, "ix_artifacts_otype"),
        ({"n_observations": 5}, "ix_artifacts_n_observations"),
        ({"run_id": 3}, "ix_artifacts_run_id"),
        ({"schema_id__in": [1, 2]}, "ix_artifacts_schema_id"),
    ],
)
def test_filters_on_sparse_columns_use_their_partial_indexes(sqlite_instance, lookups, index):
    """The indexes of mostly-NULL columns hold only set values; filters still use them."""
    statement = ol.Artifact.filter(**lookups)._statement(ol.Artifact.id)
    with sqlite_instance.read() as session:
        compiled = statement.compile(
            session.get_bind(), compile_kwargs={"render_postcompile": True}
        )
        parameters = tuple(compiled.params[name] for name in compiled.positiontup)
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters)
        details = " ".join(str(row[-1]) for row in plan)
    assert index in details, details


def test_filter_by_related_records_by_their_own_name(instance, tmp_path):
    """LaminDB's ``filter(transform=..., run=..., ulabels=..., projects=...)`` and ``__in``."""
    from registries.link_helpers import new_artifact

    @ol.tracked("make")
    def make(tag: str) -> ol.Artifact:
        return new_artifact(tmp_path, key=f"made/{tag}.txt")

    first, second = make("a"), make("b")
    plain = new_artifact(tmp_path)
    transform = first.transform
    assert transform is not None and transform.key == "make" and transform == second.transform
    assert plain.transform is None
    keys = lambda query: sorted(a.key for a in query)  # noqa: E731
    assert keys(ol.Artifact.filter(transform=transform)) == ["made/a.txt", "made/b.txt"]
    assert keys(ol.Artifact.filter(transform=None)) == [plain.key]
    assert keys(ol.Artifact.filter(transform__key="make")) == ["made/a.txt", "made/b.txt"]
    assert keys(ol.Artifact.filter(run=first.run)) == ["made/a.txt"]
    runs = ol.Run.filter(transform=transform)
    assert keys(ol.Artifact.filter(run__in=runs)) == ["made/a.txt", "made/b.txt"]
    assert keys(ol.Artifact.filter(run__in=[second.run])) == ["made/b.txt"]
    label = ol.ULabel(name="batch 7").save()
    project = ol.Project(name="screen").save()
    first.ulabels.add(label)
    first.projects.add(project)
    plain.projects.add(project)
    assert keys(ol.Artifact.filter(ulabels=label, projects=project)) == ["made/a.txt"]
    assert keys(ol.Artifact.filter(projects__in=ol.Project.filter(name="screen"))) == keys(
        [first, plain]
    )
    assert keys(ol.Artifact.filter(ulabels__in=first.ulabels)) == ["made/a.txt"]
    user = first.created_by
    assert ol.Artifact.filter(created_by=user, storage=first.storage).count() == 3
    frame = ol.Artifact.filter(transform=transform).to_dataframe(include=["transform__key"])
    assert list(frame["transform__key"]) == ["make", "make"]
    with pytest.raises(QueryError, match=r"ulabels= got the unsaved ULabel.*save it first"):
        ol.Artifact.filter(ulabels=ol.ULabel(name="unsaved"))
    with pytest.raises(QueryError, match=r"transform= takes Transform records .*got Project"):
        ol.Artifact.filter(transform=project)
    with pytest.raises(QueryError, match=r"projects__in= takes Project records, got a QuerySet"):
        ol.Artifact.filter(projects__in=ol.ULabel.filter())
