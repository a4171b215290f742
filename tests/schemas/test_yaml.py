"""Schema files: the documented YAML format round-trips (property test), mistakes name the file,
the place and what was expected, and pinned ontology sources are imported on first use."""

from __future__ import annotations

import os
from pathlib import Path

import pandera.pandas as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ontolake as ol
from ontolake.errors import SchemaFileError, SourceNotFoundError
from ontolake.registries.query.lookups import field_names
from ontolake.schemas.yaml import from_yaml, to_yaml

DATA = Path(__file__).parents[1] / "data" / "ontologies"

EXAMPLE = """\
ontolake_schema: 1
name: scRNA
description: single-cell RNA-seq, one h5ad per batch
otype: AnnData
sources:
  - {entity: CellType, name: cl, version: v2025-04-10}
slots:
  obs:
    maximal_set: true
    index: {name: barcode, dtype: str}
    features:
      - name: cell_type
        dtype: cat[bio.CellType]
        nullable: false
        description: annotated by marker genes
      - name: t_cell_subtype
        dtype: cat[bio.CellType.ontology_id]
        descendants_of: CL:0000084
        source: cl@v2025-04-10
      - name: n_genes
        dtype: int
        checks: [{check: greater_than_or_equal_to, min_value: 0}]
      - name: batch
        dtype: cat[ULabel]
        default_value: batch 1
  var.T: {itype: bio.Gene.stable_id, dtype: num}
"""


def test_the_documented_example_parses_into_a_composite_schema(tmp_path):
    path = tmp_path / "scrna.yaml"
    path.write_text(EXAMPLE)
    schema = ol.Schema.from_yaml(path)
    assert schema.name == "scRNA" and schema.otype == "AnnData"
    obs = schema.slots["obs"]
    assert obs.maximal_set and obs.index.name == "barcode"
    assert [f.dtype for f in obs.members] == [
        "cat[bio.CellType]",
        "cat[bio.CellType.ontology_id]",
        "int",
        "cat[ULabel]",
    ]
    subtype = obs.members[1]
    assert subtype.cat_filters == {
        "descendants_of": "CL:0000084",
        "source": {"name": "cl", "version": "v2025-04-10"},
    }
    assert obs.member_checks() == {
        "n_genes": [{"check": "greater_than_or_equal_to", "min_value": 0}]
    }
    assert schema.slots["var.T"].itype == "bio.Gene.stable_id"
    text = schema.to_yaml(tmp_path / "out.yaml")
    assert (tmp_path / "out.yaml").read_text() == text
    again = ol.Schema.from_yaml(text)
    assert again.definition() == schema.definition() and again.to_yaml() == text
    assert "sources:\n- entity: CellType\n  name: cl\n  version: v2025-04-10\n" in text
    assert ol.Schema.from_yaml(str(path)).hash == schema.hash  # a path given as a string


def test_to_yaml_creates_missing_folders_and_replaces_files_whole(tmp_path, monkeypatch):
    """The README's ``schema.to_yaml("schemas/scrna.yaml")`` in a folder without ``schemas/``."""
    monkeypatch.chdir(tmp_path)
    schema = ol.Schema(name="cells", features=[ol.Feature(name="n_genes", dtype=int)])
    text = schema.to_yaml("schemas/nested/cells.yaml")
    written = tmp_path / "schemas" / "nested" / "cells.yaml"
    assert written.read_text() == text
    assert ol.Schema.from_yaml("schemas/nested/cells.yaml").definition() == schema.definition()
    assert written.stat().st_mode & 0o777 == 0o666 & ~_umask()
    written.chmod(0o640)
    written.write_text("old")
    schema.to_yaml(written)  # replaced in one rename: no temporary file is left behind
    assert written.read_text() == text
    assert sorted(p.name for p in written.parent.iterdir()) == ["cells.yaml"]
    assert written.stat().st_mode & 0o777 == 0o640


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("featurs: []", r"unknown key 'featurs'\. Did you mean 'features'\?"),
        (
            "features:\n  - {name: gc, dtyp: float}",
            r"unknown key 'dtyp' in features\[0\]\. Did you mean 'dtype'\?",
        ),
        (
            "slots:\n  obs:\n    features:\n      - {name: gc, dtype: flot}",
            r"slots\.obs\.features\[0\] \(gc\): Feature 'gc': Unknown dtype 'flot'\. "
            r"Did you mean 'float'\?",
        ),
        ("features:\n  - {dtype: float}", r"features\[0\] needs a 'name'"),
        ("maximal_set: yes please", r"maximal_set must be bool, got str 'yes please'"),
        ("features: {name: gc}", "features must be list"),
        ("name: [unclosed", r"not valid YAML at line 1"),
        ("- just a list", "holds a mapping"),
        ("ontolake_schema: 2", "ontolake_schema: 2 is not a format"),
        ("otype: Tabel", "otype 'Tabel' is not one of"),
        ("checks: [{check: no_such_check}]", "pandera has no check 'no_such_check'"),
        ("checks: [ge]", "checks are mappings with a 'check' name"),
        ("sources: [{entity: CellType, name: cl}]", r"sources\[0\] needs 'version'"),
        ("sources: [{entity: CellType, nme: cl}]", "unknown key 'nme' in sources"),
        ("slots:\n  obs: {sources: []}", "sources belong at the top of the file"),
        ("itype: bio.Gen.stable_id", r"itype: No registry 'bio\.Gen'"),
    ],
)
def test_mistakes_name_the_file_the_place_and_what_was_expected(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SchemaFileError, match=message) as caught:
        ol.Schema.from_yaml(path)
    assert str(caught.value).startswith(str(path))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SchemaFileError, match=r"Cannot read schema file .*missing\.yaml"):
        ol.Schema.from_yaml(tmp_path / "missing.yaml")


def test_pinned_sources_are_imported_on_first_use_and_hashes_checked(sqlite_instance, tmp_path):
    hp = DATA / "hp_subset.obo"
    text = (
        f"sources:\n  - {{entity: Phenotype, name: hp, version: '2025-01-16', location: '{hp}'}}\n"
        "features:\n  - {name: phenotype, dtype: 'cat[bio.Phenotype]'}\n"
    )
    schema = from_yaml(text, import_sources=True)
    source = ol.bio.Source.get(entity="Phenotype")
    assert ol.bio.Phenotype.filter().count() > 100 and source.hash
    from_yaml(text, import_sources=True)  # the second time nothing is imported
    assert ol.bio.Source.filter(entity="Phenotype").count() == 1
    exported = schema.to_yaml()
    assert "location" in exported  # the pins are kept as given
    saved = ol.Schema(features=schema.members, name="ph").save()
    derived = saved.to_yaml()  # a stored schema names the sources its registries use
    assert f"hash: {source.hash}" in derived and "entity: Phenotype" in derived
    wrong = text.replace("location:", "hash: deadbeef, location:")
    with pytest.raises(SchemaFileError, match=r"has hash \w+, not deadbeef: the file changed"):
        from_yaml(wrong, import_sources=True)
    with pytest.raises(SourceNotFoundError, match=r"<schema text>: source cl@1999 of CellType"):
        from_yaml("sources: [{entity: CellType, name: cl, version: '1999'}]", import_sources=True)
    with pytest.raises(SchemaFileError, match="entity 'Sample', which is no ontology registry"):
        from_yaml("sources: [{entity: Sample, name: x, version: '1'}]", import_sources=True)


def test_catalog_sources_by_name_and_version(sqlite_instance):
    from ontolake.ontology_sources import catalog

    version = catalog.available("CellType")[0].version
    from_yaml(
        f"sources: [{{entity: CellType, name: cl, version: '{version}'}}]", import_sources=True
    )
    assert ol.bio.Source.get(entity="CellType").version == version
    assert ol.bio.CellType.filter(ontology_id="CL:0000084").exists()


# ---- property: from_yaml(to_yaml(s)) == s ----------------------------------------------------
FIELDS = {"pk", "features"} | {
    field for model in (ol.Artifact, ol.Run, ol.Record) for field in field_names(model)
}
"""Names a feature cannot have: queries would take them for these fields."""
NAMES = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda n: n == n.strip() and "__" not in n and n not in FIELDS)
DTYPES = st.sampled_from(
    [
        "int",
        "float",
        "num",
        "str",
        "bool",
        "date",
        "datetime",
        "dict",
        "list[int]",
        "list[str]",
        "cat[ULabel]",
        "cat[Record[Sample]]",
        "list[cat[bio.CellType.ontology_id]]",
        "cat[bio.CellType|bio.Tissue]",
    ]
)
CHECKS = st.sampled_from([[], [pa.Check.ge(0)], [pa.Check.isin(["a", "é"]), pa.Check.le(3)]])


@st.composite
def features(draw):
    names = draw(st.lists(NAMES, max_size=4, unique=True))
    members, checks = [], {}
    for name in names:
        dtype = draw(DTYPES)
        options = {}
        if dtype.startswith("list[cat[bio") or dtype.startswith("cat[bio"):
            options = draw(
                st.sampled_from([{}, {"descendants_of": "CL:0000084"}, {"source": "cl@2025-01-01"}])
            )
        if dtype == "int":
            options["default_value"] = draw(st.none() | st.integers(-5, 5))
        members.append(
            ol.Feature(
                name=name,
                dtype=dtype,
                nullable=draw(st.booleans()),
                coerce=draw(st.booleans()),
                description=draw(st.none() | NAMES),
                unit=draw(st.none() | st.just("mg/ml")),
                **options,
            )
        )
        checks[name] = draw(CHECKS)
    return members, {name: c for name, c in checks.items() if c}


@st.composite
def schemas(draw, depth: int = 0):
    members, checks = draw(features())
    itype = draw(st.none() | st.sampled_from(["bio.Gene.stable_id", "Feature"]))
    maximal = draw(st.booleans())
    slots = {}
    otype = draw(st.sampled_from([None, "DataFrame"]))
    if depth == 0 and draw(st.booleans()):
        otype = "AnnData"
        for slot in draw(st.lists(st.sampled_from(["obs", "var.T", "uns"]), unique=True)):
            slots[slot] = draw(schemas(depth=1))
    return ol.Schema(
        features=members,
        column_checks=checks,
        itype=itype,
        otype=otype,
        slots=slots,
        name=draw(st.none() | NAMES),
        description=draw(st.none() | st.text(max_size=30)),
        index=draw(st.none() | st.just(ol.Feature(name="barcode", dtype=str))),
        minimal_set=draw(st.booleans()),
        maximal_set=maximal,
        ordered_set=draw(st.booleans()),
        coerce_dtype=draw(st.booleans()),
        flexible=False if maximal else draw(st.none() | st.booleans()),
        dtype=draw(st.none() | st.just("num")),
    )


@settings(max_examples=60, deadline=None)
@given(schemas())
def test_schemas_round_trip_through_yaml(schema):
    text = to_yaml(schema)
    back = from_yaml(text)
    assert back.definition() == schema.definition()
    assert back.hash == schema.hash
    assert to_yaml(back) == text
    for original, parsed in zip(schema.members, back.members, strict=True):
        for field in ("nullable", "coerce", "description", "unit", "default_value", "cat_filters"):
            assert getattr(parsed, field) == getattr(original, field)
