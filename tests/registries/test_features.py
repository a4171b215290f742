"""Features: every dtype is stored by its canonical string, a name has one dtype for good,
options are checked when the feature is defined."""

from __future__ import annotations

from datetime import date, datetime

import pytest

import ontolake as ol
from ontolake.errors import DtypeError, FeatureDefinitionError

EVERY_DTYPE = {
    "n_reads": (int, "int"),
    "gc_content": (float, "float"),
    "score": (int | float, "num"),
    "note": (str, "str"),
    "passed_qc": (bool, "bool"),
    "experiment_date": (date, "date"),
    "sequenced_at": (datetime, "datetime"),
    "study_metadata": (dict, "dict"),
    "tags": (list[str], "list[str]"),
    "batch": (ol.ULabel, "cat[ULabel]"),
    "cell_type": (ol.bio.CellType, "cat[bio.CellType]"),
    "cell_type_id": (ol.bio.CellType.ontology_id, "cat[bio.CellType.ontology_id]"),
    "tissue_or_cell": ([ol.bio.Tissue, ol.bio.CellType], "cat[bio.Tissue|bio.CellType]"),
    "markers": ("list[cat[bio.Gene.symbol]]", "list[cat[bio.Gene.symbol]]"),
}


def test_every_dtype_is_stored_by_its_canonical_string(instance):
    ol.save([ol.Feature(name=name, dtype=spec) for name, (spec, _) in EVERY_DTYPE.items()])
    stored = {feature.name: feature.dtype for feature in ol.Feature.filter()}
    assert stored == {name: text for name, (_, text) in EVERY_DTYPE.items()}
    assert ol.Feature.filter(dtype__startswith="cat[bio.CellType").count() == 2
    assert ol.Feature.get(name="tags").parsed_dtype.is_list


def test_record_types_become_dtypes(instance):
    sample = ol.Record(name="Sample", is_type=True).save()
    feature = ol.Feature(name="design_sample", dtype=sample).save()
    assert ol.Feature.get(name="design_sample").dtype == "cat[Record[Sample]]"
    assert feature.parsed_dtype.targets[0].type_name == "Sample"


def test_redefining_with_the_same_dtype_updates_and_another_dtype_is_an_error(instance):
    first = ol.Feature(name="gc_content", dtype=float, unit="fraction").save()
    again = ol.Feature(name="gc_content", dtype="float", description="GC share").save()
    assert again.id == first.id and again.uid == first.uid
    stored = ol.Feature.get(name="gc_content")
    assert (stored.description, stored.unit) == ("GC share", None)
    assert ol.Feature.filter().count() == 1
    with pytest.raises(
        FeatureDefinitionError,
        match=r"'gc_content' is already defined with dtype float, not int.*delete the old feature",
    ):
        ol.Feature(name="gc_content", dtype=int).save()
    with pytest.raises(FeatureDefinitionError, match="already defined with dtype float"):
        ol.save([ol.Feature(name="new_one", dtype=int), ol.Feature(name="gc_content", dtype=str)])
    assert not ol.Feature.filter(name="new_one").exists()  # the failed bulk save wrote nothing
    assert ol.Feature.get(name="gc_content").dtype == "float"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "a__b", "dtype": int}, FeatureDefinitionError, "no '__'"),
        ({"name": "", "dtype": int}, FeatureDefinitionError, "non-empty strings"),
        ({"name": " padded", "dtype": int}, FeatureDefinitionError, "surrounding spaces"),
        ({"name": "x"}, FeatureDefinitionError, "needs a name and a dtype"),
        ({"name": "x", "dtype": "flaot"}, DtypeError, r"Feature 'x': Unknown dtype 'flaot'"),
        (
            {"name": "x", "dtype": int, "descendants_of": "CL:0000084"},
            FeatureDefinitionError,
            "names no ontology registry",
        ),
        (
            {"name": "x", "dtype": ol.bio.CellType, "source": "cl"},
            FeatureDefinitionError,
            r"'name@version'",
        ),
        (
            {"name": "x", "dtype": int, "default_value": "many"},
            FeatureDefinitionError,
            r"default_value expected an integer",
        ),
        (
            {"name": "x", "dtype": ol.ULabel, "default_value": 3},
            FeatureDefinitionError,
            "categorical default value is a string",
        ),
    ],
)
def test_bad_definitions_name_the_feature_and_the_rule(kwargs, error, message):
    with pytest.raises(error, match=message):
        ol.Feature(**kwargs)


def test_filters_and_defaults_are_normalised():
    feature = ol.Feature(
        name="t_cell_type",
        dtype=ol.bio.CellType.ontology_id,
        descendants_of="CL:0000084",
        source={"name": "cl", "version": "2025-04-10"},
    )
    assert feature.cat_filters == {
        "descendants_of": "CL:0000084",
        "source": {"name": "cl", "version": "2025-04-10"},
    }
    assert (
        ol.Feature(name="d", dtype=date, default_value="2025-01-02").default_value == "2025-01-02"
    )
    assert ol.Feature(name="n", dtype=int, default_value="4", coerce=True).default_value == 4
    assert ol.Feature(name="l", dtype=list[int], default_value=[1, 2]).default_value == [1, 2]
    source = ol.bio.Source(entity="CellType", name="cl", version="v1", location="x", format="obo")
    pinned = ol.Feature(name="c", dtype=ol.bio.CellType, source=source)
    assert pinned.cat_filters == {"source": {"name": "cl", "version": "v1"}}
    assert ol.Feature(name="s", dtype=ol.bio.CellType, source="cl@v2").cat_filters == {
        "source": {"name": "cl", "version": "v2"}
    }


@pytest.mark.parametrize(
    ("name", "field_of"), [("key", "Artifact"), ("is_trashed", "Artifact"), ("started_at", "Run")]
)
def test_a_feature_named_like_a_field_warns_how_to_query_it(instance, name, field_of):
    """``filter(key=...)`` means the field: the warning names the form that reaches the feature."""
    with pytest.warns(ol.errors.FeatureNameWarning) as warned:
        ol.Feature(name=name, dtype=str).save()
    message = str(warned[0].message)
    assert f"{name!r}" in message and field_of in message
    assert f"features__{name}" in message and "\n" not in message
    assert ol.Feature.filter(name=name).exists()


def test_a_feature_stored_under_a_field_name_is_queried_by_its_name(instance, tmp_path):
    """A feature named like a field is reached as ``features__<name>``."""
    path = tmp_path / "x.txt"
    path.write_text("x")
    artifact = ol.Artifact(path, key="raw/x.txt").save()
    with pytest.warns(ol.errors.FeatureNameWarning):
        ol.Feature(name="key", dtype=str).save()
    artifact.features.add_values({"key": "batch 1"})
    assert ol.Artifact.filter(key="raw/x.txt").one() == artifact  # the field
    assert ol.Artifact.filter(features__key="batch 1").one() == artifact  # the feature
    assert ol.Artifact.filter(features__key__startswith="batch").count() == 1
    assert not ol.Artifact.filter(features__key="batch 2").exists()
    with pytest.raises(ol.errors.InvalidFieldError, match="no feature named 'nothing'"):
        ol.Artifact.filter(features__nothing=1).count()
