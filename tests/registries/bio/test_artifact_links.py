"""Artifacts annotated with bio records (``artifact.cell_types.add(t_cell)``, or ``append`` and
``save``): link tables, queries through them, dataframe includes, ``describe()``, trash and
cascading deletes; the hierarchy's ``parents``/``children`` with the same verbs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

import ontolake as ol
from ontolake.instance.setup import current_instance
from ontolake.ontology_sources.source import InMemorySource, SourceSpec
from ontolake.ontology_sources.terms import Relation, Term
from ontolake.registries.bio.term import OntologyTerm


def cell_ontology() -> InMemorySource:
    terms = [
        Term("CL:0000000", "cell"),
        Term("CL:0000542", "lymphocyte", parents=(Relation("CL:0000000", "is_a"),)),
        Term("CL:0000084", "T cell", parents=(Relation("CL:0000542", "is_a"),)),
        Term("CL:0000236", "B cell", parents=(Relation("CL:0000542", "is_a"),)),
        Term(
            "CL:0000624",
            "CD4-positive, alpha-beta T cell",
            parents=(Relation("CL:0000084", "is_a"),),
        ),
        Term("CL:0000999", "old cell type", is_obsolete=True, replaced_by=("CL:0000084",)),
    ]
    spec = SourceSpec("CellType", "cl", "2025-01-01", None, "memory://cl/2025-01-01", "memory")
    return InMemorySource(terms, spec)


def _file(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / "inputs" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content)
    return path


def _links(model: type[OntologyTerm]) -> int:
    session = current_instance().session
    return session.execute(select(func.count()).select_from(model.artifact_table)).scalar_one()


@pytest.fixture
def cell_types(instance):
    ol.bio.CellType.import_source(cell_ontology())
    return ol.bio.CellType


@pytest.fixture
def annotated(cell_types, tmp_path):
    """Three artifacts: one with T and B cells, one with a CD4 T cell, one unannotated."""
    t_cell = cell_types.get(name="T cell")
    b_cell = cell_types.get(name="B cell")
    cd4 = cell_types.get(ontology_id="CL:0000624")
    both = ol.Artifact(_file(tmp_path, "both.txt", "both"), key="both.txt").save()
    both.cell_types.append(t_cell)
    both.cell_types.append(b_cell)
    both.save()
    helper = ol.Artifact(_file(tmp_path, "cd4.txt", "cd4"), key="cd4.txt").save()
    helper.cell_types.append(cd4)
    helper.save()
    plain = ol.Artifact(_file(tmp_path, "plain.txt", "plain"), key="plain.txt").save()
    return both, helper, plain


def test_every_ontology_registry_has_a_link_table_and_both_relationships():
    models = OntologyTerm.__subclasses__()
    assert len(models) == 11
    for model in models:
        table = model.artifact_table
        assert table.name == f"artifact_{model.__tablename__}"
        artifact_id, record_id, direct = table.c.keys()
        assert (artifact_id, direct) == ("artifact_id", "direct")
        assert [column.name for column in table.primary_key] == [artifact_id, record_id]
        assert [[c.name for c in index.columns] for index in table.indexes] == [[record_id]]
        assert {fk.ondelete for fk in table.foreign_keys} == {"CASCADE"}
        relationship = getattr(ol.Artifact, model.__tablename__).property
        assert relationship.mapper.class_ is model
        assert relationship.back_populates == "artifacts"
        assert model.artifacts.property.back_populates == model.__tablename__
    assert ol.bio.DevelopmentalStage.artifact_table.c.keys() == [
        "artifact_id",
        "developmental_stage_id",
        "direct",
    ]


def test_links_are_saved_and_read_from_both_sides(annotated, cell_types):
    *_, plain = annotated
    fresh = ol.Artifact.get(key="both.txt")
    assert sorted(record.name for record in fresh.cell_types) == ["B cell", "T cell"]
    assert ol.Artifact.get(key="plain.txt").cell_types == []
    t_cell = cell_types.get(name="T cell")
    assert [artifact.key for artifact in t_cell.artifacts] == ["both.txt"]
    # adding from the record side writes the same link table
    t_cell.artifacts.append(plain)
    t_cell.save()
    assert sorted(a.key for a in cell_types.get(name="T cell").artifacts) == [
        "both.txt",
        "plain.txt",
    ]
    fresh = ol.Artifact.get(key="both.txt")
    fresh.cell_types.remove(next(r for r in fresh.cell_types if r.name == "B cell"))
    fresh.save()
    assert [r.name for r in ol.Artifact.get(key="both.txt").cell_types] == ["T cell"]
    assert _links(cell_types) == 3


def test_queries_through_the_links(annotated, cell_types):
    both, helper, _ = annotated
    t_cell = cell_types.get(name="T cell")
    assert ol.Artifact.filter(cell_types=t_cell).one() == both
    assert ol.Artifact.filter(cell_types__name="T cell").one() == both
    assert ol.Artifact.filter(cell_types__ontology_id="CL:0000624").one() == helper
    starting_with_t = cell_types.filter(name__startswith="T")
    assert ol.Artifact.filter(cell_types__in=starting_with_t).one() == both
    everything_t = cell_types.filter(name__contains="T cell")
    assert sorted(a.key for a in ol.Artifact.filter(cell_types__in=everything_t)) == [
        "both.txt",
        "cd4.txt",
    ]
    # the hierarchy composes with the links: artifacts of T cells and their descendants
    subtree = cell_types.filter(id__in=[t_cell.id, *(r.id for r in t_cell.query_children())])
    assert ol.Artifact.filter(cell_types__in=subtree).count() == 2
    assert ol.Artifact.filter(tissues__name="T cell").count() == 0
    assert ol.Artifact.filter(cell_types__name="T cell").exclude(key="both.txt").count() == 0


def test_include_lists_linked_names(annotated):
    frame = ol.Artifact.filter().order_by("key").to_dataframe(include=["cell_types__name"])
    assert [sorted(names) for names in frame["cell_types__name"]] == [
        ["B cell", "T cell"],
        ["CD4-positive, alpha-beta T cell"],
        [],
    ]


def test_describe_shows_the_linked_records(annotated, capsys):
    both, _, _ = annotated
    both.describe()
    printed = capsys.readouterr().out
    for expected in ["cell_types (2)", "T cell", "B cell"]:
        assert expected in printed
    assert "tissues" not in printed


def test_an_artifact_with_links_set_before_its_first_save(cell_types, tmp_path):
    t_cell = cell_types.get(name="T cell")
    artifact = ol.Artifact(_file(tmp_path, "new.txt", "new"), key="new.txt")
    artifact.cell_types.append(t_cell)
    ol.save([artifact])
    assert ol.Artifact.filter(cell_types=t_cell).one().key == "new.txt"
    another = ol.Artifact(_file(tmp_path, "other.txt", "other"), key="other.txt")
    another.cell_types = [t_cell]
    another.save()
    assert sorted(a.key for a in cell_types.get(name="T cell").artifacts) == [
        "new.txt",
        "other.txt",
    ]


def test_trash_hides_and_permanent_delete_cascades(annotated, cell_types):
    both, helper, _ = annotated
    both.delete()  # to the trash: links are kept, the default queries hide it
    assert ol.Artifact.filter(cell_types__name="T cell").count() == 0
    assert _links(cell_types) == 3
    trashed = ol.Artifact.filter(key="both.txt", is_trashed=True).one()
    trashed.restore()
    assert ol.Artifact.filter(cell_types__name="T cell").one() == both
    both.delete(permanent=True)
    assert _links(cell_types) == 1
    assert cell_types.filter().count() == 6  # the records stay
    # deleting a record removes its links, the artifact stays
    cell_types.get(ontology_id="CL:0000624").delete(permanent=True)
    assert _links(cell_types) == 0
    assert ol.Artifact.filter(cell_types__ontology_id="CL:0000624").count() == 0
    assert ol.Artifact.filter(key="cd4.txt").one().id == helper.id


def test_lamindb_verbs_on_bio_links_and_the_hierarchy(annotated, cell_types):
    _, helper, plain = annotated
    t_cell = cell_types.get(name="T cell")
    b_cell = cell_types.get(name="B cell")
    cd4 = cell_types.get(ontology_id="CL:0000624")
    plain.cell_types.set([t_cell, cd4])
    assert ol.Artifact.filter(cell_types=t_cell).count() == 2
    assert sorted(a.key for a in t_cell.artifacts.all()) == ["both.txt", "plain.txt"]
    assert list(t_cell.parents.to_dataframe()["name"]) == ["lymphocyte"]
    assert t_cell.children.filter(name__startswith="CD4").one() == cd4
    plain.cell_types.remove(t_cell)
    assert [r.name for r in plain.cell_types.all()] == ["CD4-positive, alpha-beta T cell"]
    # a new term placed in the hierarchy by hand: a "parent" link, found by the recursive query
    custom = cell_types(name="my T cell state").save()
    custom.parents.add(t_cell)
    assert custom in t_cell.children and custom.id in {r.id for r in t_cell.query_children()}
    links = cell_types.parent_table
    relation = select(links.c.relation).where(links.c.child_id == custom.id)
    assert current_instance().session.execute(relation).scalars().all() == ["parent"]
    custom.parents.add(t_cell)  # linked already (any relation): nothing added
    lymphocyte = cell_types.get(name="lymphocyte")
    lymphocyte.children.add(custom)
    assert sorted(p.name for p in custom.parents.all()) == ["T cell", "lymphocyte"]
    custom.parents.remove(t_cell)
    assert [p.name for p in custom.parents] == ["lymphocyte"]
    assert b_cell.children.count() == 0 and helper.cell_types.count() == 1
