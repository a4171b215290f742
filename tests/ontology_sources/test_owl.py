"""OWL (RDF/XML) reader: the HP subset converted from OBO, OBO idioms, and malformed files."""

from __future__ import annotations

import pytest

from ontolake.errors import OntologyFormatError
from ontolake.ontology_sources.source import open_source
from ontolake.ontology_sources.terms import Relation, Synonym

CL_SNIPPET = """<?xml version="1.0"?>
<rdf:RDF xmlns="http://purl.obolibrary.org/obo/cl.owl#"
     xmlns:obo="http://purl.obolibrary.org/obo/"
     xmlns:owl="http://www.w3.org/2002/07/owl#"
     xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
     xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
     xmlns:oboInOwl="http://www.geneontology.org/formats/oboInOwl#">
    <owl:Ontology rdf:about="http://purl.obolibrary.org/obo/cl.owl">
        <owl:versionIRI rdf:resource="http://purl.obolibrary.org/obo/cl/releases/2024-01-04/cl.owl"/>
        <owl:imports rdf:resource="http://unreachable.invalid/imported.owl"/>
    </owl:Ontology>
    <owl:Class rdf:about="http://purl.obolibrary.org/obo/CL_0000084">
        <rdfs:subClassOf rdf:resource="http://purl.obolibrary.org/obo/CL_0000542"/>
        <rdfs:subClassOf>
            <owl:Restriction>
                <owl:onProperty rdf:resource="http://purl.obolibrary.org/obo/BFO_0000050"/>
                <owl:someValuesFrom rdf:resource="http://purl.obolibrary.org/obo/UBERON_0002405"/>
            </owl:Restriction>
        </rdfs:subClassOf>
        <rdfs:subClassOf>
            <owl:Restriction>
                <owl:onProperty rdf:resource="http://purl.obolibrary.org/obo/RO_0002202"/>
                <owl:someValuesFrom rdf:resource="http://purl.obolibrary.org/obo/CL_0000827"/>
            </owl:Restriction>
        </rdfs:subClassOf>
        <obo:IAO_0000115>A type of lymphocyte with a T cell receptor complex.</obo:IAO_0000115>
        <oboInOwl:hasExactSynonym>T-cell</oboInOwl:hasExactSynonym>
        <oboInOwl:hasNarrowSynonym>T cell (sensu Mammalia)</oboInOwl:hasNarrowSynonym>
        <oboInOwl:hasBroadSynonym>immune cell</oboInOwl:hasBroadSynonym>
        <oboInOwl:hasRelatedSynonym>thymocyte</oboInOwl:hasRelatedSynonym>
        <rdfs:label xml:lang="en">T cell</rdfs:label>
    </owl:Class>
    <owl:Class rdf:about="http://purl.obolibrary.org/obo/CL_0000542">
        <rdfs:subClassOf rdf:resource="http://www.w3.org/2002/07/owl#Thing"/>
        <rdfs:label>lymphocyte</rdfs:label>
    </owl:Class>
    <owl:Class rdf:about="http://purl.obolibrary.org/obo/CL_0000002">
        <obo:IAO_0100001 rdf:resource="http://purl.obolibrary.org/obo/CLO_0000019"/>
        <oboInOwl:consider>CL:0000000</oboInOwl:consider>
        <rdfs:label>obsolete immortal cell line cell</rdfs:label>
        <owl:deprecated rdf:datatype="http://www.w3.org/2001/XMLSchema#boolean">true</owl:deprecated>
    </owl:Class>
    <owl:Class rdf:about="http://purl.obolibrary.org/obo/UBERON_0002405"/>
    <owl:Class rdf:about="http://www.ebi.ac.uk/efo/EFO_0000001">
        <rdfs:label>experimental factor</rdfs:label>
    </owl:Class>
</rdf:RDF>
"""


def test_hp_subset_matches_the_obo_it_was_converted_from(data):
    from_obo = {term.ontology_id: term for term in open_source(data / "hp_subset.obo").terms()}
    source = open_source(data / "hp_subset.owl")
    from_owl = {term.ontology_id: term for term in source.terms()}
    assert source.spec.format == "owl"
    assert source.spec.version == "2025-01-16"
    assert from_owl.keys() == from_obo.keys()
    for term_id, expected in from_obo.items():
        got = from_owl[term_id]
        assert (got.name, got.definition, got.is_obsolete) == (
            expected.name,
            expected.definition,
            expected.is_obsolete,
        )
        assert set(got.synonyms) == set(expected.synonyms)
        assert set(got.parents) == set(expected.parents)
        assert (got.replaced_by, got.consider) == (expected.replaced_by, expected.consider)


def test_obo_idioms_in_owl(tmp_path):
    path = tmp_path / "cl.owl"
    path.write_text(CL_SNIPPET)
    source = open_source(path)
    terms = {term.ontology_id: term for term in source.terms()}  # owl:imports not followed
    assert source.spec.version == "2024-01-04"
    assert set(terms) == {"CL:0000084", "CL:0000542", "CL:0000002", "EFO:0000001"}
    t_cell = terms["CL:0000084"]
    assert t_cell.name == "T cell"
    assert t_cell.definition.startswith("A type of lymphocyte")
    assert set(t_cell.synonyms) == {
        Synonym("T-cell", "exact"),
        Synonym("T cell (sensu Mammalia)", "narrow"),
        Synonym("immune cell", "broad"),
        Synonym("thymocyte", "related"),
    }
    assert t_cell.parents == (
        Relation("CL:0000542", "is_a"),
        Relation("UBERON:0002405", "part_of"),
    )
    assert terms["CL:0000542"].parents == ()
    obsolete = terms["CL:0000002"]
    assert obsolete.is_obsolete
    assert (obsolete.replaced_by, obsolete.consider) == (("CLO:0000019",), ("CL:0000000",))


def test_malformed_xml_names_the_line(tmp_path):
    path = tmp_path / "broken.owl"
    path.write_text(CL_SNIPPET.replace("</owl:Class>", "</owl:Klass>", 1))
    with pytest.raises(
        OntologyFormatError,
        match=r"broken\.owl, line 32, column 6: not valid RDF/XML \(mismatched tag\)",
    ):
        list(open_source(path).terms())


def test_xml_that_is_not_rdf_has_no_terms(tmp_path):
    path = tmp_path / "owlxml.owl"
    path.write_text(
        '<?xml version="1.0"?>\n<Ontology xmlns="http://www.w3.org/2002/07/owl#">'
        '<Declaration><Class IRI="http://purl.obolibrary.org/obo/CL_0000084"/></Declaration>'
        "</Ontology>\n"
    )
    with pytest.raises(OntologyFormatError, match="no terms found"):
        list(open_source(path).terms())
