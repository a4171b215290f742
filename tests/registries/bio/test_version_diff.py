"""Versions side by side: one source from files named by release, the versions each term is
in, pins, and the diff of two versions (exact on small OBO files, real on two CL releases).
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ontolake as ol
from ontolake.errors import SourceNameWarning, SourceNotFoundError, ValidationError
from ontolake.ontology_sources.source import open_source
from ontolake.ontology_sources.terms import Synonym, Term
from ontolake.registries.bio.version_diff import (
    ObsoleteChange,
    Renamed,
    SynonymChange,
    TermRef,
    diff_terms,
    diff_versions,
)

VERSIONS = Path(__file__).resolve().parents[2] / "data" / "ontologies" / "versions"
HP_2024 = VERSIONS / "hp-2024.obo"
HP_2025 = VERSIONS / "hp-2025.obo"


def test_files_named_by_release_are_versions_of_the_source_their_header_names():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # names that agree with the header warn of nothing
        specs = [open_source(path).spec for path in (HP_2024, HP_2025)]
    assert [(spec.name, spec.version) for spec in specs] == [
        ("hp", "2024-08-13"),
        ("hp", "2025-01-16"),
    ]


@pytest.mark.parametrize(
    ("file_name", "said"),
    [
        ("hp-2024.obo", "its name says version 2024, its header declares hp 2025-01-16"),
        ("cl.obo", "its name says ontology 'cl', its header declares hp 2025-01-16"),
        ("go-20240813.obo", "its name says ontology 'go' and version 20240813"),
    ],
)
def test_a_file_name_contradicting_its_header_warns_and_the_header_wins(tmp_path, file_name, said):
    path = tmp_path / file_name
    shutil.copy(HP_2025, path)
    with pytest.warns(SourceNameWarning, match=said) as caught:
        spec = open_source(path).spec
    assert (spec.name, spec.version) == ("hp", "2025-01-16")
    message = str(caught[0].message)
    assert file_name in message and "\n" not in message
    assert "pass name= and version=" in message


def test_the_registry_holds_both_versions_and_each_term_knows_its_versions(instance):
    bt = ol.bio
    bt.Phenotype.import_source(HP_2024)
    bt.Phenotype.import_source(HP_2025)
    versions = sorted((s.name, s.version, s.currently_used) for s in bt.Source.filter())
    assert versions == [("hp", "2024-08-13", False), ("hp", "2025-01-16", True)]
    terms = {t.ontology_id: t for t in bt.Phenotype.filter()}
    both = {"hp@2024-08-13": False, "hp@2025-01-16": False}
    assert terms["HP:0001250"].source_versions() == both
    assert terms["HP:0000107"].source_versions() == {"hp@2025-01-16": False}
    # dropped by the newer version: obsolete there (the registry's current view) only
    assert terms["HP:0000006"].source_versions() == {"hp@2024-08-13": False}
    assert terms["HP:0000006"].is_obsolete
    assert terms["HP:0000003"].source_versions() == {
        "hp@2024-08-13": False,
        "hp@2025-01-16": True,
    }


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_features_pinned_to_a_version_take_exactly_its_live_terms(instance, order):
    bt = ol.bio
    for path in (HP_2024, HP_2025) if order == "older first" else (HP_2025, HP_2024):
        bt.Phenotype.import_source(path)
    assert bt.Source.get(entity="Phenotype", currently_used=True).version == "2025-01-16"

    def pinned(version: str) -> ol.Schema:
        return ol.Schema(
            features=[
                ol.Feature(name=f"name_{version}", dtype=bt.Phenotype, source=f"hp@{version}"),
                ol.Feature(
                    name=f"id_{version}", dtype=bt.Phenotype.ontology_id, source=f"hp@{version}"
                ),
            ]
        )

    def verdict(version: str, names: list[str], ids: list[str]) -> dict[str, list[str]]:
        frame = pd.DataFrame({f"name_{version}": names, f"id_{version}": ids})
        try:
            ol.curate.DataFrameCurator(frame, pinned(version)).validate()
        except ValidationError as error:
            return error.report.non_validated()
        return {}

    # 2024: its dropped and since obsoleted terms are live there; the added one is not
    dropped, kept, added = "Autosomal dominant inheritance", "Seizure", "Renal cyst"
    old_ids = ["HP:0000006", "HP:0000003", "HP:0000005"]
    assert verdict("2024-08-13", [dropped, kept, kept], old_ids) == {}
    assert verdict("2024-08-13", [added, kept], ["HP:0000107", "HP:0001250"]) == {
        "name_2024-08-13": [added],
        "id_2024-08-13": ["HP:0000107"],
    }
    # 2025: the reverse
    assert verdict("2025-01-16", [added, kept], ["HP:0000107", "HP:0001250"]) == {}
    assert verdict("2025-01-16", [dropped, kept, kept], old_ids) == {
        "name_2025-01-16": [dropped],
        "id_2025-01-16": old_ids,
    }


def _non_validated(schema: ol.Schema, values: list[str]) -> dict[str, list[str]]:
    try:
        ol.curate.DataFrameCurator(pd.DataFrame({"phenotype": values}), schema).validate()
    except ValidationError as error:
        return error.report.non_validated()
    return {}


def test_a_schema_file_pinning_a_version_keeps_validating_against_it(instance):
    bt = ol.bio
    text = (
        "sources:\n"
        f"  - {{entity: Phenotype, name: hp, version: '2024-08-13', location: '{HP_2024}'}}\n"
        "features:\n  - {name: phenotype, dtype: 'cat[bio.Phenotype]'}\n"
    )
    dropped, added = "Autosomal dominant inheritance", "Renal cyst"
    schema = ol.Schema.from_yaml(text, import_sources=True)
    assert schema.members[0].cat_filters is None  # the pinned version is the current one
    assert _non_validated(schema, [dropped, "Seizure"]) == {}
    bt.Phenotype.import_source(HP_2025)  # the instance moves on to the newer version
    pinned = ol.Schema.from_yaml(text, import_sources=True)
    assert _non_validated(pinned, [dropped, "Seizure"]) == {}  # valid as before
    assert _non_validated(pinned, [added]) == {"phenotype": [added]}
    current = ol.Schema(features=[ol.Feature(name="phenotype", dtype=bt.Phenotype)])
    assert _non_validated(current, [added]) == {}
    assert _non_validated(current, [dropped]) == {"phenotype": [dropped]}  # asked for 2025
    assert "source: hp@2024-08-13" in pinned.to_yaml()


def test_a_pin_to_a_version_that_does_not_exist_lists_the_ones_that_do(instance):
    bt = ol.bio
    bt.Phenotype.import_source(HP_2024)
    bt.Phenotype.import_source(HP_2025)
    schema = ol.Schema(features=[ol.Feature(name="p", dtype=bt.Phenotype, source="hp@2023-01-01")])
    with pytest.raises(ValidationError, match=r"imported versions: 2024-08-13, 2025-01-16"):
        ol.curate.DataFrameCurator(pd.DataFrame({"p": ["Seizure"]}), schema).validate()


EXPECTED = {
    "entity": "Phenotype",
    "source": "hp",
    "old": "2024-08-13",
    "new": "2025-01-16",
    "added": [{"ontology_id": "HP:0000107", "name": "Renal cyst"}],
    "removed": [{"ontology_id": "HP:0000006", "name": "Autosomal dominant inheritance"}],
    "renamed": [
        {
            "ontology_id": "HP:0000002",
            "before": "Abnormality of body height",
            "after": "Abnormal body height",
        }
    ],
    "newly_obsolete": [
        {
            "ontology_id": "HP:0000003",
            "name": "Multicystic kidney dysplasia",
            "replaced_by": ["HP:0000107"],
            "consider": [],
        },
        {
            "ontology_id": "HP:0000004",
            "name": "Onset and clinical course",
            "replaced_by": [],
            "consider": ["HP:0000118"],
        },
        {
            "ontology_id": "HP:0000005",
            "name": "Mode of inheritance",
            "replaced_by": ["HP:0000002", "HP:0000107"],
            "consider": [],
        },
        {
            "ontology_id": "HP:0000007",
            "name": "Autosomal recessive inheritance",
            "replaced_by": [],
            "consider": [],
        },
    ],
    "revived": [],
    "synonyms": [
        {"ontology_id": "HP:0001250", "added": ["Epileptic attack"], "removed": ["Seizures"]}
    ],
}


def test_diff_of_two_imported_files_lists_every_kind_of_change(instance):
    ol.bio.Phenotype.import_source(HP_2024)
    ol.bio.Phenotype.import_source(HP_2025)
    change = diff_versions("hp", "2024-08-13", "2025-01-16")
    assert change.to_dict() == EXPECTED
    assert json.loads(change.to_json()) == EXPECTED
    assert diff_versions("Phenotype", "2025-01-16", "2024-08-13") == change.mirrored()
    assert change.to_text().splitlines() == [
        "Phenotype hp 2024-08-13 -> 2025-01-16: 1 added, 1 removed, 1 renamed, 4 newly "
        "obsolete, 0 no longer obsolete, 1 with synonym changes",
        "added:",
        "  HP:0000107  Renal cyst",
        "removed:",
        "  HP:0000006  Autosomal dominant inheritance",
        "renamed:",
        "  HP:0000002  'Abnormality of body height' -> 'Abnormal body height'",
        "newly obsolete:",
        "  HP:0000003  Multicystic kidney dysplasia (replaced by HP:0000107)",
        "  HP:0000004  Onset and clinical course (consider HP:0000118)",
        "  HP:0000005  Mode of inheritance (replaced by HP:0000002, HP:0000107)",
        "  HP:0000007  Autosomal recessive inheritance",
        "synonyms:",
        "  HP:0001250  +'Epileptic attack' -'Seizures'",
    ]


def test_an_unknown_version_lists_the_versions_there_are(instance):
    ol.bio.Phenotype.import_source(HP_2024)
    with pytest.raises(SourceNotFoundError) as caught:
        diff_versions("hp", "2024-08-13", "2026")
    message = str(caught.value)
    assert "no version '2026'" in message and "2024-08-13" in message and "\n" not in message
    with pytest.raises(SourceNotFoundError, match="No ontology source named 'hpx'"):
        diff_versions("hpx", "1", "2")


@pytest.fixture(scope="module")
def cl_releases():
    pytest.importorskip("cellxgene_ontology_guide")
    return diff_versions("cl", "2025-04-10", "2026-03-26")


def test_diff_of_two_real_cl_releases(cl_releases):
    change = cl_releases
    assert (change.old, change.new) == ("v2025-04-10", "v2026-03-26")
    assert (len(change.added), len(change.removed), len(change.renamed)) == (428, 0, 31)
    assert Renamed("CL:0000135", "fibrocyte", "circulating fibrocyte") in change.renamed
    assert (
        ObsoleteChange("CL:0000054", "bone matrix secreting cell", ("CL:0000062",), ())
        in change.newly_obsolete
    )
    assert len(change.newly_obsolete) == 6 and change.revived == ()
    assert len(change.synonyms) == 27
    ids = [t.ontology_id for t in change.added]
    assert ids == sorted(ids)
    assert diff_versions("CellType", "v2026-03-26", "2025-04-10") == change.mirrored()


_ids = st.sampled_from([f"X:{n}" for n in range(8)])
_term = st.builds(
    lambda name, obsolete, replaced, synonyms: (name, obsolete, replaced, synonyms),
    st.sampled_from(["a", "b", "c"]),
    st.booleans(),
    st.lists(_ids, max_size=2, unique=True),
    st.lists(st.sampled_from(["s", "t", "u"]), max_size=2, unique=True),
)
_version = st.dictionaries(_ids, _term, max_size=8)


def _terms(version: dict[str, tuple[str, bool, list[str], list[str]]]) -> dict[str, Term]:
    return {
        term_id: Term(
            term_id,
            name,
            synonyms=tuple(Synonym(text) for text in synonyms),
            is_obsolete=obsolete,
            replaced_by=tuple(replaced) if obsolete else (),
        )
        for term_id, (name, obsolete, replaced, synonyms) in version.items()
    }


@settings(max_examples=200)
@given(_version, _version)
def test_diff_one_way_is_the_mirror_of_the_other(first, second):
    a, b = _terms(first), _terms(second)
    forward = diff_terms(a, b, entity="CellType", source="x", versions=("1", "2"))
    backward = diff_terms(b, a, entity="CellType", source="x", versions=("2", "1"))
    assert backward == forward.mirrored() and forward.mirrored().mirrored() == forward
    assert forward.to_json() == backward.mirrored().to_json()
    if first == second:
        assert forward == diff_terms(a, a, entity="CellType", source="x", versions=("1", "2"))
        assert not (forward.added or forward.removed or forward.renamed or forward.synonyms)
    changed = {t.ontology_id for t in forward.newly_obsolete} | {
        t.ontology_id for t in forward.revived
    }
    assert changed.isdisjoint(r.ontology_id for r in forward.renamed)
    assert {t.ontology_id for t in forward.synonyms} == {
        i for i in a.keys() & b.keys() if set(a[i].synonyms) != set(b[i].synonyms)
    }
    assert all(isinstance(t, TermRef) for t in forward.added)
    assert all(isinstance(t, SynonymChange) for t in forward.synonyms)
