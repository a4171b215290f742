"""Feature values on artifacts, runs and records: typed round trips, checks with messages that
name the feature and the fix, categorical labels and their filters, bulk annotation, and
nothing written when anything is wrong."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

import ontolake as ol
from ontolake.errors import FeatureValueError
from ontolake.ontology_sources.source import InMemorySource, SourceSpec
from ontolake.ontology_sources.terms import Relation, Synonym, Term

UTC = timezone.utc


def cell_ontology(version: str = "2025-01-01") -> InMemorySource:
    terms = [
        Term("CL:0000000", "cell"),
        Term("CL:0000542", "lymphocyte", parents=(Relation("CL:0000000", "is_a"),)),
        Term(
            "CL:0000084",
            "T cell",
            synonyms=(Synonym("T-cell", "exact"),),
            parents=(Relation("CL:0000542", "is_a"),),
        ),
        Term("CL:0000236", "B cell", parents=(Relation("CL:0000542", "is_a"),)),
        Term(
            "CL:0000624",
            "CD4-positive, alpha-beta T cell",
            parents=(Relation("CL:0000084", "is_a"),),
        ),
    ]
    spec = SourceSpec("CellType", "cl", version, None, f"memory://cl/{version}", "memory")
    return InMemorySource(terms, spec)


def make_file(tmp_path, name: str, content: str = "ACGT") -> str:
    path = tmp_path / name
    path.write_text(content)
    return str(path)


@pytest.fixture
def owners(instance, tmp_path):
    """One saved artifact, run and record."""
    artifact = ol.Artifact(make_file(tmp_path, "a.fasta"), key="raw/a.fasta").save()
    transform = ol.Transform(key="train.py").save()
    run = ol.Run(transform_id=transform.id).save()
    record = ol.Record(name="P53mutant1").save()
    return {"artifact": artifact, "run": run, "record": record}


VALUES = {
    "n_reads": (int, 1_200_000_000_000),
    "gc_content": (float, 0.55),
    "score": (int | float, 7),
    "ratio": ("num", 0.25),
    "note": (str, "Looks great — ✓"),
    "passed_qc": (bool, False),
    "experiment_date": (date, date(2025, 10, 24)),
    "sequenced_at": (datetime, datetime(2025, 10, 24, 13, 5, 1, 250, tzinfo=UTC)),
    "study_metadata": (dict, {"assay": {"type": "RNA-seq", "reads": [1, 2]}, "n": None}),
    "tags": (list[str], ["x", "y"]),
    "lanes": (list[int], [3, 1, 2]),
    "batch": (ol.ULabel, "batch 7"),
}


@pytest.mark.parametrize("kind", ["artifact", "run", "record"])
def test_every_dtype_round_trips_on_every_owner(owners, kind):
    ol.save([ol.Feature(name=name, dtype=spec) for name, (spec, _) in VALUES.items()])
    ol.ULabel(name="batch 7").save()
    owner = owners[kind]
    owner.features.add_values({name: value for name, (_, value) in VALUES.items()})
    stored = owner.features.get_values()
    assert stored == {name: value for name, (_, value) in VALUES.items()}
    assert list(stored) == sorted(VALUES)
    assert type(stored["score"]) is int and type(stored["ratio"]) is float
    # the other owners are untouched
    assert all(other.features.get_values() == {} for k, other in owners.items() if k != kind)
    assert owner.features.remove_values(["gc_content", "tags"]) == 3
    assert "gc_content" not in owner.features.get_values()
    assert owner.features.remove_values() == len(VALUES) - 2 + 2  # one row per list element
    assert owner.features.get_values() == {}


def test_scalars_are_replaced_and_lists_extended(owners):
    artifact = owners["artifact"]
    ol.save([ol.Feature(name="gc_content", dtype=float), ol.Feature(name="tags", dtype=list[str])])
    artifact.features.add_values({"gc_content": 0.4, "tags": ["a", "b"]})
    artifact.features.add_values({"gc_content": 0.6, "tags": ["b", "c"]})
    artifact.features.add_values({"tags": "d"})  # one element
    assert artifact.features.get_values() == {"gc_content": 0.6, "tags": ["a", "b", "c", "d"]}
    assert artifact.features.remove_values("tags", value="b") == 1
    assert artifact.features.get_values()["tags"] == ["a", "c", "d"]
    artifact.features.add_values({"tags": ["e"]})
    assert artifact.features.get_values()["tags"] == ["a", "c", "d", "e"]


def test_missing_values_nullability_and_defaults(owners):
    artifact = owners["artifact"]
    ol.save(
        [
            ol.Feature(name="note", dtype=str),
            ol.Feature(name="required", dtype=int, nullable=False),
            ol.Feature(name="with_default", dtype=date, default_value="2025-01-01"),
        ]
    )
    artifact.features.add_values({"note": "x", "required": 1})
    artifact.features.add_values({"note": None, "with_default": float("nan")})
    assert artifact.features.get_values() == {"required": 1, "with_default": date(2025, 1, 1)}
    with pytest.raises(FeatureValueError, match=r"'required' is not nullable: give Artifact"):
        artifact.features.add_values({"required": None})


def test_coercion_only_when_the_feature_asks_for_it(owners):
    artifact = owners["artifact"]
    ol.save(
        [
            ol.Feature(name="strict_int", dtype=int),
            ol.Feature(name="loose_int", dtype=int, coerce=True),
        ]
    )
    artifact.features.add_values({"loose_int": "12"})
    assert artifact.features.get_values() == {"loose_int": 12}
    with pytest.raises(FeatureValueError) as caught:
        artifact.features.add_values({"loose_int": 13, "strict_int": "12"})
    message = str(caught.value)
    assert "Feature 'strict_int' (int)" in message and "coerce=True" in message
    assert caught.value.feature == "strict_int"
    assert artifact.features.get_values() == {"loose_int": 12}  # nothing written


@pytest.mark.parametrize(
    ("feature", "dtype", "value", "message"),
    [
        ("gc_content", float, "high", r"'gc_content' \(float\).*expected a number, got str"),
        ("passed_qc", bool, 1, r"expected True or False, got int 1"),
        ("gc_content", float, [0.1, 0.2], r"takes one value, got a list.*list\[float\]"),
        ("study", dict, {"a": {1, 2}}, "expected a JSON-serialisable dict"),
        ("batch", ol.ULabel, 3, r"takes labels \(strings or saved records\), got 3"),
    ],
)
def test_wrong_values_name_the_feature_and_what_was_expected(
    owners, feature, dtype, value, message
):
    ol.Feature(name=feature, dtype=dtype).save()
    with pytest.raises(FeatureValueError, match=message):
        owners["run"].features.add_values({feature: value})


def nested(depth: int) -> dict:
    value: dict = {}
    for _level in range(depth - 1):
        value = {"k": value}
    return value


def test_a_dict_nested_too_deeply_is_refused_naming_the_feature(owners):
    from ontolake.schemas.values import MAX_DICT_DEPTH

    ol.Feature(name="meta", dtype=dict).save()
    artifact = owners["artifact"]
    artifact.features.add_values({"meta": nested(MAX_DICT_DEPTH)})
    assert artifact.features.get_values()["meta"] == nested(MAX_DICT_DEPTH)
    for depth in (MAX_DICT_DEPTH + 1, 5000):
        with pytest.raises(FeatureValueError, match=f"meta.*at most {MAX_DICT_DEPTH} levels"):
            artifact.features.add_values({"meta": nested(depth)})
    looped: dict = {"a": [1]}
    looped["a"].append(looped)
    with pytest.raises(FeatureValueError, match="meta"):
        artifact.features.add_values({"meta": looped})
    assert artifact.features.get_values()["meta"] == nested(MAX_DICT_DEPTH)


def test_undefined_features_are_listed_with_the_command_to_define_them(owners):
    ol.Feature(name="gc_content", dtype=float).save()
    with pytest.raises(FeatureValueError) as caught:
        owners["artifact"].features.add_values({"gc_contnt": 0.5, "day": date(2025, 1, 1)})
    message = str(caught.value)
    assert "Undefined feature(s): 'day', 'gc_contnt'" in message
    assert "Did you mean 'gc_content' for 'gc_contnt'?" in message
    assert "ol.Feature(name='gc_contnt', dtype=float).save()" in message
    assert "ol.Feature(name='day', dtype='date').save()" in message


def test_missing_labels_are_listed_with_the_command_to_add_them(owners):
    ol.Feature(name="batch", dtype=ol.ULabel).save()
    ol.ULabel(name="batch 1").save()
    artifact = owners["artifact"]
    with pytest.raises(FeatureValueError) as caught:
        artifact.features.add_values({"batch": "batch 2"})
    assert caught.value.missing == ["batch 2"]
    assert "ol.ULabel(name='batch 2').save()" in str(caught.value)
    ol.Feature(name="batches", dtype=list[ol.ULabel]).save()
    with pytest.raises(FeatureValueError) as caught:
        artifact.features.add_values({"batches": ["batch 1", "b3", "b2"]})
    assert caught.value.missing == ["b3", "b2"]
    assert "ol.save([ol.ULabel(name=v) for v in ['b3', 'b2']])" in str(caught.value)
    assert artifact.features.get_values() == {}
    artifact.features.add_values({"batch": ol.ULabel.get(name="batch 1")})  # a record works too
    assert artifact.features.get_values() == {"batch": "batch 1"}


def test_record_types_restrict_the_labels(owners):
    sample = ol.Record(name="Sample", is_type=True).save()
    treatment = ol.Record(name="Treatment", is_type=True).save()
    ol.Record(name="P53mutant2", type=sample).save()
    dmso = ol.Record(name="DMSO", type=treatment).save()
    ol.Feature(name="design_sample", dtype=sample).save()
    artifact = owners["artifact"]
    artifact.features.add_values({"design_sample": "P53mutant2"})
    assert artifact.features.get_values() == {"design_sample": "P53mutant2"}
    with pytest.raises(FeatureValueError) as caught:
        artifact.features.add_values({"design_sample": "DMSO"})
    assert "kind = ol.Record.get(name='Sample', is_type=True)" in str(caught.value)
    with pytest.raises(FeatureValueError, match=r"record\(s\) not valid for Record\[Sample\]"):
        artifact.features.add_values({"design_sample": dmso})
    ol.Feature(name="other", dtype="cat[Record[Missing]]").save()
    with pytest.raises(FeatureValueError, match=r"type 'Missing' does not exist. Create it"):
        artifact.features.add_values({"other": "x"})


def test_ontology_labels_filters_and_unions(owners):
    bt = ol.bio
    bt.CellType.import_source(cell_ontology())
    artifact = owners["artifact"]
    ol.save(
        [
            ol.Feature(name="cell_type", dtype=bt.CellType),
            ol.Feature(name="cell_type_id", dtype=bt.CellType.ontology_id),
            ol.Feature(name="t_cell_type", dtype=bt.CellType, descendants_of="CL:0000084"),
            ol.Feature(name="pinned", dtype=bt.CellType, source="cl@2025-01-01"),
            ol.Feature(name="pinned_elsewhere", dtype=bt.CellType, source="cl@2030-01-01"),
            ol.Feature(name="cell_or_label", dtype=[bt.CellType, ol.ULabel]),
        ]
    )
    ol.ULabel(name="unknown").save()
    artifact.features.add_values(
        {
            "cell_type": "T cell",
            "cell_type_id": "CL:0000236",
            "t_cell_type": "CD4-positive, alpha-beta T cell",
            "pinned": bt.CellType.get(name="B cell"),
            "cell_or_label": "unknown",
        }
    )
    assert artifact.features.get_values() == {
        "cell_type": "T cell",
        "cell_type_id": "CL:0000236",
        "cell_or_label": "unknown",
        "pinned": "B cell",
        "t_cell_type": "CD4-positive, alpha-beta T cell",
    }
    artifact.features.add_values({"t_cell_type": "T cell"})  # the term itself is allowed
    with pytest.raises(FeatureValueError) as caught:
        artifact.features.add_values({"t_cell_type": "B cell"})
    assert "outside the feature's filters (descendants_of=CL:0000084): 'B cell'" in str(
        caught.value
    )
    with pytest.raises(FeatureValueError) as caught:
        artifact.features.add_values({"cell_type": "T-cell"})  # a synonym is not the name
    message = str(caught.value)
    assert "not in bio.CellType: 'T-cell'" in message
    assert "ol.bio.CellType.from_source(name='T-cell')" in message
    assert "ol.bio.CellType.standardize(values)" in message
    with pytest.raises(FeatureValueError, match=r"source cl@2030-01-01, which is not imported"):
        artifact.features.add_values({"pinned_elsewhere": "T cell"})


def test_bulk_annotation_in_columns_or_rows_is_atomic(owners, tmp_path):
    artifacts = [
        ol.Artifact(make_file(tmp_path, f"s{i}.fasta", "A" * (i + 1)), key=f"s{i}.fasta").save()
        for i in range(4)
    ]
    ol.save([ol.Feature(name="gc_content", dtype=float), ol.Feature(name="batch", dtype=ol.ULabel)])
    ol.save([ol.ULabel(name="b1"), ol.ULabel(name="b2")])
    ol.features.add_values_bulk(
        artifacts, {"gc_content": [0.1, 0.2, 0.3, None], "batch": ["b1", "b2", "b1", "b2"]}
    )
    assert [a.features.get_values() for a in artifacts] == [
        {"gc_content": 0.1, "batch": "b1"},
        {"gc_content": 0.2, "batch": "b2"},
        {"gc_content": 0.3, "batch": "b1"},
        {"batch": "b2"},
    ]
    mixed = [owners["run"], owners["record"]]
    ol.features.add_values_bulk(mixed, [{"gc_content": 1.0}, {"batch": "b1"}])
    assert owners["run"].features.get_values() == {"gc_content": 1.0}
    assert owners["record"].features.get_values() == {"batch": "b1"}
    with pytest.raises(FeatureValueError, match="not in ULabel: 'b3'"):
        ol.features.add_values_bulk(artifacts, [{"gc_content": 0.9}] * 3 + [{"batch": "b3"}])
    assert artifacts[0].features.get_values()["gc_content"] == 0.1  # nothing written
    with pytest.raises(FeatureValueError, match="has 2 values for 4 records"):
        ol.features.add_values_bulk(artifacts, {"gc_content": [0.1, 0.2]})
    with pytest.raises(FeatureValueError, match=r"Save .* before annotating"):
        ol.features.add_values_bulk([ol.Artifact(make_file(tmp_path, "new.txt"))], [{"x": 1}])
    with pytest.raises(FeatureValueError, match="ULabel records have no feature values"):
        ol.features.add_values_bulk([ol.ULabel.get(name="b1")], [{"gc_content": 1.0}])


def test_deleting_owners_or_features_deletes_their_values(owners):
    from sqlalchemy import func, select

    from ontolake.instance.setup import current_instance
    from ontolake.registries.feature_values import artifact_feature_values

    def stored_rows() -> int:
        with current_instance().read() as session:
            count = select(func.count()).select_from(artifact_feature_values)
            return int(session.execute(count).scalar_one())

    ol.save([ol.Feature(name="a", dtype=int), ol.Feature(name="b", dtype=int)])
    artifact = owners["artifact"]
    artifact.features.add_values({"a": 1, "b": 2})
    ol.Feature.get(name="a").delete(permanent=True)  # features have no trash
    assert artifact.features.get_values() == {"b": 2}
    artifact.delete()  # to the trash: values stay
    assert stored_rows() == 1
    artifact.delete(permanent=True)
    assert stored_rows() == 0


def test_describe_shows_the_feature_values(owners, capsys):
    ol.Feature(name="gc_content", dtype=float).save()
    owners["artifact"].features.add_values({"gc_content": 0.55})
    owners["artifact"].describe()
    assert "gc_content: 0.55" in capsys.readouterr().out
