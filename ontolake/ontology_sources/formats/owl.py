"""OWL ontologies in RDF/XML, parsed with owlready2's streaming RDF/XML parser.

owlready2's ``Ontology.load()`` is not used: it follows ``owl:imports`` over the network
and imports Python modules an ontology names, neither of which an offline reader may do.
Its parser (``owlready2.rdfxml_2_ntriples``) turns the file into triples, and this module
reads the OBO conventions from them: ``rdfs:label``, the four oboInOwl synonym properties,
``IAO:0000115`` definitions, ``rdfs:subClassOf`` a named class (``is_a``) or a
``BFO:0000050 some X`` restriction (``part_of``), ``owl:deprecated``, ``IAO:0100001``
(replaced by) and ``oboInOwl:consider``. Ids are CURIEs (``CL:0000084``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from ontolake.errors import MissingDependencyError, OntologyFormatError
from ontolake.ontology_sources.formats._common import (
    CONSIDER_IDS,
    IS_A,
    OBO_IN_OWL,
    PART_OF,
    PART_OF_IDS,
    REPLACED_BY_IDS,
    SCOPE_OF_PREDICATE,
    RunLimited,
    iri_to_curie,
)
from ontolake.ontology_sources.formats.base import OntologyFormat
from ontolake.ontology_sources.terms import Relation, Synonym, Term

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["FORMAT", "read_owl"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_TYPE = f"{_RDF}type"
_LABEL = f"{_RDFS}label"
_SUBCLASS_OF = f"{_RDFS}subClassOf"
_CLASS = f"{_OWL}Class"
_DEFINITION = "http://purl.obolibrary.org/obo/IAO_0000115"
_SYNONYMS = {f"{OBO_IN_OWL}{local}": scope for local, scope in SCOPE_OF_PREDICATE.items()}
_PART_OF_MARKERS = {f"{_OWL}equivalentProperty", f"{OBO_IN_OWL}hasDbXref"}
_PART_OF_DECLARATIONS = _PART_OF_MARKERS | {f"{OBO_IN_OWL}id", f"{OBO_IN_OWL}shorthand"}
_MAX_TEXT_BYTES = 1 << 20
"""Longest text between two tags accepted (real labels and definitions are kilobytes)."""


@dataclass
class _Triples:
    """What the parser reported, grouped by subject."""

    classes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    curies: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    synonyms: defaultdict[str, list[Synonym]] = field(default_factory=lambda: defaultdict(list))
    superclasses: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    deprecated: set[str] = field(default_factory=set)
    replaced_by: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    consider: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    on_property: dict[str, str] = field(default_factory=dict)
    some_values_from: dict[str, str] = field(default_factory=dict)
    part_of_properties: set[str] = field(default_factory=lambda: set(PART_OF_IDS))

    def add_object(self, subject: str, predicate: str, obj: str) -> None:
        if predicate == _TYPE:
            if obj == _CLASS and not subject.startswith("_"):
                self.classes.append(subject)
        elif predicate == _SUBCLASS_OF:
            self.superclasses[subject].append(obj)
        elif predicate == f"{_OWL}onProperty":
            self.on_property[subject] = obj
        elif predicate == f"{_OWL}someValuesFrom":
            self.some_values_from[subject] = obj
        elif predicate in REPLACED_BY_IDS:
            self.replaced_by[subject].append(iri_to_curie(obj))
        elif predicate in CONSIDER_IDS:
            self.consider[subject].append(iri_to_curie(obj))
        elif predicate in _PART_OF_MARKERS and obj in PART_OF_IDS:
            self.part_of_properties.add(subject)

    def add_data(self, subject: str, predicate: str, value: object, datatype: str) -> None:
        text = str(value)
        if predicate == _LABEL:
            if subject not in self.labels or datatype in ("", "@en"):
                self.labels[subject] = text
        elif predicate in _SYNONYMS:
            self.synonyms[subject].append(Synonym(text, _SYNONYMS[predicate]))
        elif predicate == _DEFINITION:
            self.definitions.setdefault(subject, text)
        elif predicate == f"{_OWL}deprecated":
            if text.strip().lower() in ("true", "1"):
                self.deprecated.add(subject)
        elif predicate in REPLACED_BY_IDS:
            self.replaced_by[subject].append(iri_to_curie(text))
        elif predicate in CONSIDER_IDS:
            self.consider[subject].append(iri_to_curie(text))
        elif predicate == f"{OBO_IN_OWL}id":
            self.curies[subject] = text
            if text in PART_OF_IDS:
                self.part_of_properties.add(subject)
        elif predicate in _PART_OF_DECLARATIONS and text in PART_OF_IDS:
            self.part_of_properties.add(subject)

    def parents(self, iri: str) -> tuple[Relation, ...]:
        found: list[Relation] = []
        for parent in self.superclasses.get(iri, ()):
            if not parent.startswith("_"):
                if parent != f"{_OWL}Thing":
                    found.append(Relation(self.curie(parent), IS_A))
            elif self.on_property.get(parent) in self.part_of_properties:
                filler = self.some_values_from.get(parent)
                if filler is not None and not filler.startswith("_"):
                    found.append(Relation(self.curie(filler), PART_OF))
        return tuple(dict.fromkeys(found))

    def curie(self, iri: str) -> str:
        return self.curies.get(iri) or iri_to_curie(iri)


def read_owl(handle: BinaryIO, label: str) -> Iterator[Term]:
    """Yield the labelled classes of an RDF/XML OWL file as terms.

    Raises:
        OntologyFormatError: the XML is not well formed, or it is not RDF/XML (for example
            OWL/XML or Turtle), naming the line and column.

    Example:
        >>> with open("hp.owl", "rb") as handle:
        ...     next(read_owl(handle, "hp.owl")).ontology_id
        'HP:0000001'
    """
    try:
        from owlready2.base import OwlReadyOntologyParsingError
        from owlready2.rdfxml_2_ntriples import parse
    except ImportError as error:
        raise MissingDependencyError(
            f"Reading the OWL file {label} needs owlready2: pip install 'ontolake[owl]'."
        ) from error
    triples = _Triples()
    # owlready2 joins a literal's pieces (8 KiB each) by repeated concatenation, in time
    # quadratic in its length: 8 MiB take 6 s, 1 MiB a tenth of a second.
    limited = RunLimited(handle, b"<", label, "text between two tags", limit=_MAX_TEXT_BYTES)
    try:
        parse(limited.stream(), triples.add_object, triples.add_data)
    except Exception as error:
        if limited.failure is not None and limited.failure is not error:
            raise limited.failure from error
        if not isinstance(error, OwlReadyOntologyParsingError):
            raise
        cause = error.__cause__
        where = str(error).split(", line ", 1)[-1].rstrip(".")
        detail = f" ({re.sub(r': line .*$', '', str(cause))})" if cause is not None else ""
        raise OntologyFormatError(
            f"{label}, line {where}: not valid RDF/XML{detail}; an OWL source must be "
            "RDF/XML (convert OWL/XML, Turtle or functional syntax with ROBOT first)."
        ) from error
    for iri in dict.fromkeys(triples.classes):
        name = triples.labels.get(iri)
        if name is None:
            continue
        yield Term(
            ontology_id=triples.curie(iri),
            name=name,
            definition=triples.definitions.get(iri),
            synonyms=tuple(dict.fromkeys(triples.synonyms.get(iri, ()))),
            parents=triples.parents(iri),
            is_obsolete=iri in triples.deprecated,
            replaced_by=tuple(dict.fromkeys(triples.replaced_by.get(iri, ()))),
            consider=tuple(dict.fromkeys(triples.consider.get(iri, ()))),
        )


def _is_xml(head: bytes) -> bool:
    """Any XML document: tried after OBO, so only XML is left."""
    return head.startswith(b"<")


FORMAT = OntologyFormat(
    "owl",
    read_owl,
    suffixes=(".owl", ".owl.gz", ".rdf", ".xml"),
    sniff=_is_xml,
    version_patterns=(
        re.compile(r"<owl:versionIRI\s+rdf:resource=\"([^\"]+)\""),
        re.compile(r"<owl:versionInfo[^>]*>([^<]+)<"),
    ),
    name_patterns=(re.compile(r"<owl:Ontology\s+rdf:about=\"([^\"]+)\""),),
)
"""OWL in RDF/XML (``hp.owl``)."""
