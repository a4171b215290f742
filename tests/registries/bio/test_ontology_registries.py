"""Bio registries: import with hierarchy and synonyms, re-import, curation verbs, public views."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ontolake as ol
from ontolake.errors import DoesNotExistError, OntologyFormatError
from ontolake.ontology_sources.source import InMemorySource, SourceSpec
from ontolake.ontology_sources.terms import Relation, Synonym, Term


def cell_ontology(version: str = "2025-01-01", *, drop: str | None = None, **renames: str):
    terms = [
        Term("CL:0000000", "cell"),
        Term("CL:0000542", "lymphocyte", parents=(Relation("CL:0000000", "is_a"),)),
        Term(
            "CL:0000084",
            "T cell",
            definition="A type of lymphocyte.",
            synonyms=(Synonym("T-cell", "exact"), Synonym("T lymphocyte", "exact")),
            parents=(Relation("CL:0000542", "is_a"),),
        ),
        Term(
            "CL:0000236",
            "B cell",
            synonyms=(Synonym("B-cell", "exact"), Synonym("B lymphocyte", "exact")),
            parents=(Relation("CL:0000542", "is_a"),),
        ),
        Term(
            "CL:0000624",
            "CD4-positive, alpha-beta T cell",
            synonyms=(Synonym("CD4+ T cell", "exact"), Synonym("helper T cell", "broad")),
            parents=(Relation("CL:0000084", "is_a"), Relation("CL:0000542", "part_of")),
        ),
        Term("CL:0000999", "old cell type", is_obsolete=True, replaced_by=("CL:0000084",)),
    ]
    terms = [t for t in terms if t.ontology_id != drop]
    terms = [
        Term(
            t.ontology_id,
            renames.get(t.ontology_id.replace(":", "_"), t.name),
            t.definition,
            t.synonyms,
            t.parents,
            t.is_obsolete,
            t.replaced_by,
        )
        for t in terms
    ]
    spec = SourceSpec("CellType", "cl", version, None, f"memory://cl/{version}", "memory")
    return InMemorySource(terms, spec)


@pytest.fixture
def cell_types(instance):
    ol.bio.CellType.import_source(cell_ontology())
    return ol.bio.CellType


def test_import_creates_records_synonyms_and_hierarchy(cell_types):
    assert cell_types.filter().count() == 6
    t_cell = cell_types.get(ontology_id="CL:0000084")
    assert t_cell.name == "T cell"
    assert t_cell.synonyms == "T-cell|T lymphocyte"
    assert [parent.name for parent in t_cell.parents] == ["lymphocyte"]
    assert sorted(child.name for child in t_cell.children) == ["CD4-positive, alpha-beta T cell"]
    assert sorted(r.name for r in t_cell.query_parents()) == ["cell", "lymphocyte"]
    lymphocyte = cell_types.get(name="lymphocyte")
    assert sorted(r.ontology_id for r in lymphocyte.query_children()) == [
        "CL:0000084",
        "CL:0000236",
        "CL:0000624",
    ]
    source = ol.bio.Source.get(entity="CellType", name="cl")
    assert (source.version, source.n_terms, source.currently_used) == ("2025-01-01", 6, True)
    assert t_cell.source == source


def test_reimporting_the_same_version_is_a_no_op(cell_types):
    first = ol.bio.Source.get(entity="CellType")
    again = cell_types.import_source(cell_ontology())
    assert again == first
    assert cell_types.filter().count() == 6
    assert ol.bio.Source.filter().count() == 1


def test_a_newer_version_updates_and_flags_dropped_terms(cell_types):
    t_cell = cell_types.get(ontology_id="CL:0000084")
    cell_types.import_source(cell_ontology("2025-06-01", drop="CL:0000236", CL_0000084="T-cell"))
    assert cell_types.filter().count() == 6  # nothing deleted
    t_cell = cell_types.get(ontology_id="CL:0000084")
    assert t_cell.name == "T-cell"
    b_cell = cell_types.get(ontology_id="CL:0000236")
    assert b_cell.is_obsolete
    current = ol.bio.Source.get(entity="CellType", currently_used=True)
    assert current.version == "2025-06-01"
    assert ol.bio.Source.filter(entity="CellType").count() == 2


def test_cycles_and_conflicting_names_are_reported(instance):
    cyclic = InMemorySource(
        [
            Term("X:1", "a", parents=(Relation("X:2"),)),
            Term("X:2", "b", parents=(Relation("X:1"),)),
        ],
        SourceSpec("CellType", "x", "1", None, "memory://x", "memory"),
    )
    with pytest.raises(OntologyFormatError, match="cycle"):
        ol.bio.CellType.import_source(cyclic)
    conflicting = InMemorySource(
        [Term("X:1", "a"), Term("X:1", "b")],
        SourceSpec("CellType", "x", "2", None, "memory://x2", "memory"),
    )
    with pytest.raises(OntologyFormatError, match="two names"):
        ol.bio.CellType.import_source(conflicting)
    assert ol.bio.CellType.filter().count() == 0
    assert ol.bio.Source.filter().count() == 0


def test_validate_standardize_inspect(cell_types):
    values = ["T cell", "T-cell", "t cell", "CD4+ T cell", "b lymphocyte", "unknown", None]
    assert cell_types.validate(values).tolist() == [True, False, False, False, False, False, False]
    assert cell_types.standardize(values) == [
        "T cell",
        "T cell",
        "T cell",
        "CD4-positive, alpha-beta T cell",
        "B cell",
        "unknown",
        None,
    ]
    assert cell_types.standardize(["t cell"], case_sensitive=True) == ["t cell"]
    assert cell_types.standardize(values, return_mapper=True) == {
        "T-cell": "T cell",
        "t cell": "T cell",
        "CD4+ T cell": "CD4-positive, alpha-beta T cell",
        "b lymphocyte": "B cell",
    }
    assert cell_types.validate(["CL:0000084", "CL:9"], field="ontology_id").tolist() == [
        True,
        False,
    ]
    assert cell_types.standardize(["T cell"], field="ontology_id") == ["CL:0000084"]
    result = cell_types.inspect(["T cell", "T-cell", "T-cell", "T cel", "old cell type"])
    # an obsolete term is not valid: inspect names it and its replacement
    assert result.validated == ["T cell"]
    assert result.non_validated == ["T-cell", "T cel", "old cell type"]
    assert result.counts == {"T-cell": 2, "T cel": 1, "old cell type": 1}
    assert result.obsolete == {"old cell type": "old cell type"}
    assert [(s.kind, s.value) for s in result.suggestions["T-cell"]] == [("synonym", "T cell")]
    assert result.suggestions["T cel"][0].kind == "fuzzy"
    assert result.suggestions["T cel"][0].value == "T cell"
    obsolete = cell_types.vocabulary().suggest("old cell type")
    assert [(s.kind, s.value, s.confident) for s in obsolete] == [("obsolete", "T cell", True)]
    assert cell_types.standardize(["old cell type", "CL:0000999"]) == ["T cell", "T cell"]
    assert cell_types.validate(["CL:0000999"], field="ontology_id").tolist() == [False]


def test_search_and_lookup_over_names_and_synonyms(cell_types):
    assert cell_types.search("T cell").first().name == "T cell"
    assert "CD4-positive, alpha-beta T cell" in [r.name for r in cell_types.search("helper T cell")]
    assert cell_types.lookup().cd4_positive_alpha_beta_t_cell.ontology_id == "CL:0000624"


def test_public_view_without_importing(instance):
    public = ol.bio.CellType.public(cell_ontology())
    assert len(public) == 6
    assert ol.bio.CellType.filter().count() == 0
    assert public.search("T lymphocyte").index[0] == "CL:0000084"
    assert public.ancestors("CL:0000624") == ["CL:0000084", "CL:0000542", "CL:0000000"]
    assert set(public.descendants("CL:0000542")) == {"CL:0000084", "CL:0000236", "CL:0000624"}
    assert public.standardize(["B-cell"]) == ["B cell"]
    assert public.validate(["B cell"]).tolist() == [True]
    assert public.lookup().b_cell.ontology_id == "CL:0000236"
    assert public.to_dataframe().loc["CL:0000084", "parents"] == ["CL:0000542"]
    with pytest.raises(DoesNotExistError):
        public.ancestors("CL:nope")


def test_from_source_creates_a_term_with_its_ancestors(instance):
    record = ol.bio.CellType.from_source(ontology_id="CL:0000624", source=cell_ontology())
    assert record.name == "CD4-positive, alpha-beta T cell"
    assert sorted(r.ontology_id for r in ol.bio.CellType.filter()) == [
        "CL:0000000",
        "CL:0000084",
        "CL:0000542",
        "CL:0000624",
    ]
    assert sorted(r.name for r in record.query_parents()) == ["T cell", "cell", "lymphocyte"]
    with pytest.raises(DoesNotExistError, match="search"):
        ol.bio.CellType.from_source(name="no such cell", source=cell_ontology())
    # another term of the same source keeps the links of the terms created before
    ol.bio.CellType.from_source(name="B cell", source=cell_ontology())
    assert [p.name for p in ol.bio.CellType.get(name="T cell").parents] == ["lymphocyte"]
    assert sorted(p.name for p in record.parents) == ["T cell", "lymphocyte"]


names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=12
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(names, st.lists(names, max_size=3)),
        min_size=1,
        max_size=12,
        unique_by=lambda pair: pair[0],
    ),
    st.lists(names, max_size=10),
)
def test_standardize_properties(terms, other_values):
    from ontolake.registries.bio.vocabulary import TermEntry, Vocabulary

    entries = [
        TermEntry(name, name, f"X:{index}", tuple((s, "exact") for s in synonyms))
        for index, (name, synonyms) in enumerate(terms)
    ]
    vocabulary = Vocabulary(entries)
    canonical = [entry.value for entry in entries]
    # canonical names map to themselves
    assert vocabulary.standardize(canonical) == canonical
    values = canonical + [s for _, synonyms in terms for s in synonyms] + other_values
    once = vocabulary.standardize(values)
    # idempotent
    assert vocabulary.standardize(once) == once
    # every unambiguous exact synonym maps to its term
    for entry in entries:
        for synonym, _scope in entry.synonyms:
            if synonym not in vocabulary.ambiguous and synonym not in vocabulary.values:
                assert vocabulary.standardize([synonym]) == [entry.value]
    # unknown values are kept
    for value, result in zip(values, once, strict=True):
        assert result == value or result in vocabulary.values


def test_a_term_listed_as_its_own_parent_is_imported_without_that_link(instance, caplog):
    source = InMemorySource(
        [Term("X:1", "root"), Term("X:2", "leaf", parents=(Relation("X:2"), Relation("X:1")))],
        SourceSpec("CellType", "x", "1", None, "memory://x", "memory"),
    )
    ol.bio.CellType.import_source(source)
    leaf = ol.bio.CellType.get(ontology_id="X:2")
    assert [parent.ontology_id for parent in leaf.parents] == ["X:1"]
    assert "lists itself as its parent" in caplog.text


def test_view_parents_and_children(cell_types, tmp_path):
    helper = cell_types.get(ontology_id="CL:0000624")
    dot = helper.view_parents(distance=1)
    assert '"T cell\\nCL:0000084"' in dot and '"lymphocyte\\nCL:0000542"' in dot
    assert '"cell\\nCL:0000000"' not in dot  # two steps away
    assert 'label="part_of", style=dashed' in dot
    assert '"cell\\nCL:0000000"' in helper.view_parents(distance=2)
    root = cell_types.get(ontology_id="CL:0000000")
    children = root.view_children(distance=1, path=tmp_path / "children.svg")
    assert "lymphocyte" in children and "B cell" not in children
    assert "B cell" in root.view_children(distance=2)
    drawn = [p for p in tmp_path.iterdir() if p.stem == "children"]
    assert drawn and drawn[0].stat().st_size > 0


def test_import_can_show_a_progress_bar(sqlite_instance, capsys):
    ol.bio.CellType.import_source(cell_ontology(), progress=True)
    assert "importing cl 2025-01-01" in capsys.readouterr().err
    ol.bio.CellType.import_source(cell_ontology("2025-02-01"))  # small: no bar by default
    assert "importing" not in capsys.readouterr().err


def test_field_objects_are_accepted_wherever_field_names_are(cell_types):
    from ontolake.errors import InvalidFieldError

    bt = ol.bio
    spec = SourceSpec("Gene", "gencode", "48", "human", "memory://genes", "gene_table")
    bt.Gene.import_source(InMemorySource([Term("ENSG00000141510", "TP53")], spec))
    assert bt.Gene.validate(["TP53", "TP5"], field=bt.Gene.symbol).tolist() == [True, False]
    assert bt.Gene.standardize(["tp53"], field=bt.Gene.symbol) == ["TP53"]
    assert bt.Gene.standardize(["tp53"], field=bt.Gene.symbol, return_mapper=True) == {
        "tp53": "TP53"
    }
    assert bt.Gene.inspect(["TP53"], field=bt.Gene.symbol).validated == ["TP53"]
    assert bt.Gene.search("TP53", field=bt.Gene.symbol).first().symbol == "TP53"
    assert bt.Gene.lookup(field=bt.Gene.symbol).tp53.symbol == "TP53"
    assert cell_types.validate(["CL:0000084"], field=cell_types.ontology_id).tolist() == [True]
    assert cell_types.filter().search("T cell", field=cell_types.name).first().name == "T cell"
    public = cell_types.public(cell_ontology())
    assert public.validate(["T cell"], field=cell_types.name).tolist() == [True]
    assert public.lookup(field=cell_types.ontology_id).cl_0000084.name == "T cell"
    for call in (
        lambda: bt.Gene.validate(["TP53"], field=cell_types.name),
        lambda: bt.Gene.search("TP53", field=cell_types.name),
        lambda: public.validate(["T cell"], field=bt.Gene.symbol),
    ):
        with pytest.raises(InvalidFieldError) as caught:
            call()
        assert len(str(caught.value).splitlines()) == 1
        assert "is a field of" in str(caught.value)
    with pytest.raises(
        InvalidFieldError, match=r"^CellType.name is a field of CellType, not of Gene"
    ):
        bt.Gene.validate(["TP53"], field=cell_types.name)
