"""Schemas: members, itype, otype, slots, index and set rules; saved with a content hash so that
identical schemas dedupe; describe()."""

from __future__ import annotations

import pandera.pandas as pa
import pytest

import ontolake as ol
from ontolake.errors import FeatureDefinitionError, InvalidDataError


def features() -> list[ol.Feature]:
    return [
        ol.Feature(name="cell_type", dtype=ol.bio.CellType, nullable=False),
        ol.Feature(name="donor", dtype=str),
        ol.Feature(name="n_genes", dtype=int),
    ]


def test_a_schema_saves_its_features_and_loads_them_in_order(instance):
    schema = ol.Schema(
        features=features(),
        name="obs of scRNA",
        description="cells",
        minimal_set=False,
        maximal_set=True,
        ordered_set=True,
        coerce_dtype=True,
    ).save()
    assert schema.id is not None and schema.n_members == 3 and schema.flexible is False
    assert ol.Feature.filter().count() == 3  # the members were saved with it
    stored = ol.Schema.get(name="obs of scRNA")
    assert [f.name for f in stored.members] == ["cell_type", "donor", "n_genes"]
    assert (stored.minimal_set, stored.maximal_set, stored.ordered_set) == (False, True, True)
    assert stored.coerce_dtype and stored.hash == schema.hash == stored.content_hash()
    assert stored.definition() == schema.definition()
    assert ol.Schema.filter(otype=None, n_members=3).count() == 1


def test_identical_schemas_dedupe_by_content_hash(instance):
    first = ol.Schema(features=features(), name="obs").save()
    again = ol.Schema(features=list(reversed(features())), name="obs").save()
    assert again.id == first.id and again.uid == first.uid  # order does not matter unordered
    assert ol.Schema.filter().count() == 1
    ordered = ol.Schema(features=features(), name="obs", ordered_set=True).save()
    renamed = ol.Schema(features=features(), name="obs 2").save()
    stricter = ol.Schema(features=features(), name="obs", maximal_set=True).save()
    checked = ol.Schema(
        features=features(), name="obs", column_checks={"n_genes": [pa.Check.ge(0)]}
    ).save()
    assert len({s.id for s in (first, ordered, renamed, stricter, checked)}) == 5
    assert ol.Feature.filter().count() == 3  # features are shared, not duplicated
    ol.save([ol.Schema(features=features(), name="obs")])  # bulk save dedupes too
    assert ol.Schema.filter().count() == 5


def test_members_by_name_and_feature_conflicts(instance):
    ol.Feature(name="donor", dtype=str).save()
    by_name = ol.Schema(features=["donor"]).save()
    assert by_name.members[0].name == "donor"
    with pytest.raises(FeatureDefinitionError, match="'donor' is already defined with dtype str"):
        ol.Schema(features=[ol.Feature(name="donor", dtype=int)], name="x").save()
    assert not ol.Schema.filter(name="x").exists()


def test_composite_schemas_with_slots(instance):
    obs = ol.Schema(features=features(), name="obs")
    var = ol.Schema(itype=ol.bio.Gene.stable_id, dtype="num")
    assert var.itype == "bio.Gene.stable_id" and var.flexible is True
    composite = ol.Schema(otype="AnnData", slots={"obs": obs, "var.T": var}, name="scRNA").save()
    stored = ol.Schema.get(name="scRNA")
    assert sorted(stored.slots) == ["obs", "var.T"]
    assert stored.slots["var.T"].itype == "bio.Gene.stable_id"
    assert [f.name for f in stored.slots["obs"].members] == ["cell_type", "donor", "n_genes"]
    assert stored.hash == composite.hash
    assert ol.Schema.filter().count() == 3
    # the same components again: everything dedupes
    again = ol.Schema(
        otype="AnnData",
        slots={"obs": ol.Schema(features=features(), name="obs"), "var.T": var},
        name="scRNA",
    ).save()
    assert again.id == composite.id and ol.Schema.filter().count() == 3
    multimodal = ol.Schema(
        otype="MuData", slots={"rna:obs": obs, "rna:var.T": var, "obs": obs}
    ).save()
    assert sorted(multimodal.slots) == ["obs", "rna:obs", "rna:var.T"]
    spatial = ol.Schema(otype="SpatialData", slots={"attrs": obs, "table:obs": obs})
    assert spatial.hash != multimodal.hash
    assert ol.Schema(itype=ol.Feature).itype == "Feature"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"otype": "Table"}, "otype 'Table' is not one of DataFrame, AnnData"),
        ({"slots": {"obs": None}}, "Slots compose schemas of AnnData"),
        ({"otype": "AnnData", "slots": {"obsm": ol.Schema()}}, "AnnData has no slot 'obsm'"),
        ({"otype": "MuData", "slots": {"var": ol.Schema()}}, "MuData has no slot 'var'"),
        ({"otype": "AnnData", "slots": {"obs": "obs"}}, "Slot 'obs' takes a Schema"),
        ({"features": [1]}, "Schema members are Features, feature names or pandera Columns"),
        ({"features": "gc"}, "features takes a list of features"),
        ({"itype": int}, "itype takes one registry or registry field"),
        ({"itype": "bio.Gen"}, r"itype: No registry 'bio\.Gen'"),
        ({"maximal_set": True, "flexible": True}, "both maximal_set and flexible"),
        ({"index": "sample"}, "index takes a Feature"),
        ({"features": [pa.Column(int)]}, "needs a name"),
        (
            {"features": [ol.Feature(name="a", dtype=int)] * 2},
            "Feature 'a' is listed twice",
        ),
        (
            {"features": [ol.Feature(name="a", dtype=int)], "column_checks": {"b": []}},
            "column_checks names 'b'",
        ),
    ],
)
def test_bad_schemas_say_what_is_wrong(kwargs, message):
    with pytest.raises(InvalidDataError, match=message):
        ol.Schema(**kwargs)


def test_unsaveable_pandera_checks_are_refused_on_save_only(instance):
    schema = ol.Schema(
        features=[ol.Feature(name="x", dtype=int)],
        column_checks={"x": [pa.Check(lambda s: s > 0)]},
    )
    assert len(schema.live_checks()["x"]) == 1  # usable in memory (to_pandera)
    with pytest.raises(InvalidDataError, match=r"cannot be saved.*register_check_method"):
        schema.save()
    assert not ol.Schema.filter().exists() and not ol.Feature.filter().exists()


def test_describe_prints_rules_features_and_slots(instance, capsys):
    index = ol.Feature(name="barcode", dtype=str)
    obs = ol.Schema(features=features(), index=index, column_checks={"n_genes": [pa.Check.ge(0)]})
    ol.Schema(otype="AnnData", slots={"obs": obs}, name="sc").save()
    ol.Schema.get(name="sc").describe()
    out = capsys.readouterr().out
    for expected in (
        "Schema sc",
        "otype=AnnData",
        "slot obs",
        "index: barcode str",
        "cell_type: cat[bio.CellType] (not nullable)",
        "n_genes: int (greater_than_or_equal_to)",
    ):
        assert expected in out


def test_features_in_a_schema_cannot_be_deleted_until_the_schema_is(instance):
    from ontolake.errors import IntegrityError

    ol.Schema(features=features(), name="obs").save()
    with pytest.raises(IntegrityError, match=r"'donor' is part of schema\(s\) 'obs'"):
        ol.Feature.get(name="donor").delete()
    ol.Schema.get(name="obs").delete()
    ol.Feature.get(name="donor").delete()
    assert not ol.Feature.filter(name="donor").exists()
    assert ol.Feature.filter().count() == 2
