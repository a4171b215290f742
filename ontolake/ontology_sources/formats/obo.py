"""OBO 1.2/1.4 files, parsed with fastobo (the Rust OBO parser that pronto is built on).

pronto's object model resolves every reference eagerly: a ``replaced_by`` or
``relationship`` pointing outside the file (real CL has ``replaced_by: CLO:0000019``)
raises ``KeyError``, a dangling ``is_a`` aborts the load, and a term stated twice with two
names is silently merged. Reading fastobo's frames directly keeps every clause as
written and lets this reader report such problems precisely.

Frames with the same id are merged (OBO allows a term to be split); two different names
for one id is an error. Frames without a ``name`` (bare references to other ontologies)
are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from ontolake.errors import MissingDependencyError, OntologyFormatError
from ontolake.ontology_sources.formats._common import IS_A, PART_OF, PART_OF_IDS, RunLimited
from ontolake.ontology_sources.formats.base import OntologyFormat
from ontolake.ontology_sources.terms import Relation, Synonym, Term

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["FORMAT", "read_obo"]

_HEADER = re.compile(rb"^(format-version:|\[Term\]|\[Typedef\])", re.MULTILINE)


@dataclass
class _Draft:
    """A term being assembled from one or more frames."""

    name: str | None = None
    definition: str | None = None
    synonyms: list[Synonym] = field(default_factory=list)
    is_a: list[str] = field(default_factory=list)
    relationships: list[tuple[str, str]] = field(default_factory=list)
    obsolete: bool = False
    replaced_by: list[str] = field(default_factory=list)
    consider: list[str] = field(default_factory=list)


def read_obo(handle: BinaryIO, label: str) -> Iterator[Term]:
    """Yield the terms of an OBO file: synonyms with scopes, is_a and part_of, obsolescence.

    ``part_of`` is recognised as the ``part_of`` shorthand, ``BFO:0000050``, or any
    ``[Typedef]`` declaring ``xref: BFO:0000050``; other relationships are not parents.

    Raises:
        OntologyFormatError: a syntax error (naming the line and the preceding term), text
            that is not UTF-8, or one id with two names.

    Example:
        >>> with open("hp.obo", "rb") as handle:
        ...     next(read_obo(handle, "hp.obo")).ontology_id
        'HP:0000001'
    """
    try:
        import fastobo
    except ImportError as error:  # pragma: no cover - fastobo comes with pronto
        raise MissingDependencyError(
            "Reading OBO files needs fastobo: pip install pronto (it brings fastobo)."
        ) from error
    drafts: dict[str, _Draft] = {}
    part_of_ids = set(PART_OF_IDS)
    previous: str | None = None
    limited = RunLimited(handle, b"\n", label, "line")
    try:
        for frame in fastobo.iter(limited.stream(), ordered=True):
            frame_id = str(frame.id)
            if isinstance(frame, fastobo.term.TermFrame):
                _merge(drafts.setdefault(frame_id, _Draft()), frame_id, frame, fastobo, label)
            elif isinstance(frame, fastobo.typedef.TypedefFrame) and _is_part_of(frame, fastobo):
                part_of_ids.add(frame_id)
            previous = frame_id
    except Exception as error:
        if limited.failure is not None and limited.failure is not error:
            raise limited.failure from error  # fastobo replaces errors raised while reading
        translated = _translate(error, label, previous)
        if translated is error:
            raise
        raise translated from error
    for term_id, draft in drafts.items():
        if draft.name is not None:
            yield _term(term_id, draft, part_of_ids)


def _translate(error: Exception, label: str, previous: str | None) -> Exception:
    """The OntologyFormatError for fastobo's ``error``, or ``error`` itself."""
    if isinstance(error, SyntaxError):
        after = f" (in the frame after {previous})" if previous else ""
        return OntologyFormatError(
            f"{label}, line {error.lineno}, column {error.offset}: {error.msg}{after}: "
            f"{(error.text or '').strip()!r}; fix the OBO syntax there."
        )
    # fastobo reports text that is not UTF-8 as OSError, or, when the first bytes are not,
    # as TypeError("expected path or binary file handle") caused by that OSError.
    cause = error.__cause__ if isinstance(error, TypeError) else error
    if isinstance(cause, OSError) and "UTF-8" in str(cause):
        return OntologyFormatError(f"{label}: not valid UTF-8 text ({cause}).")
    return error


def _merge(draft: _Draft, term_id: str, frame: Any, fastobo: Any, label: str) -> None:
    """Add one frame's clauses to ``draft``."""
    term = fastobo.term
    for clause in frame:
        if isinstance(clause, term.NameClause):
            name = str(clause.name)
            if draft.name is not None and draft.name != name:
                raise OntologyFormatError(
                    f"{label}: {term_id} has two names, {draft.name!r} and {name!r}; fix the "
                    "source so each id has one name."
                )
            draft.name = name
        elif isinstance(clause, term.DefClause):
            draft.definition = str(clause.definition)
        elif isinstance(clause, term.SynonymClause):
            synonym = clause.synonym
            draft.synonyms.append(Synonym(str(synonym.desc), str(synonym.scope).lower()))
        elif isinstance(clause, term.IsAClause):
            draft.is_a.append(str(clause.term))
        elif isinstance(clause, term.RelationshipClause):
            draft.relationships.append((str(clause.typedef), str(clause.term)))
        elif isinstance(clause, term.IsObsoleteClause):
            draft.obsolete = draft.obsolete or bool(clause.obsolete)
        elif isinstance(clause, term.ReplacedByClause):
            draft.replaced_by.append(str(clause.term))
        elif isinstance(clause, term.ConsiderClause):
            draft.consider.append(str(clause.term))


def _is_part_of(frame: Any, fastobo: Any) -> bool:
    """Whether a ``[Typedef]`` frame declares itself to be BFO's ``part of``."""
    return any(
        isinstance(clause, fastobo.typedef.XrefClause) and str(clause.xref.id) in PART_OF_IDS
        for clause in frame
    )


def _term(term_id: str, draft: _Draft, part_of_ids: set[str]) -> Term:
    parents = [Relation(parent, IS_A) for parent in dict.fromkeys(draft.is_a)]
    parents += [
        Relation(target, PART_OF)
        for target in dict.fromkeys(
            target for typedef, target in draft.relationships if typedef in part_of_ids
        )
    ]
    return Term(
        ontology_id=term_id,
        name=draft.name or "",
        definition=draft.definition,
        synonyms=tuple(dict.fromkeys(draft.synonyms)),
        parents=tuple(parents),
        is_obsolete=draft.obsolete,
        replaced_by=tuple(dict.fromkeys(draft.replaced_by)),
        consider=tuple(dict.fromkeys(draft.consider)),
    )


def _is_obo(head: bytes) -> bool:
    """A header tag or a term or typedef stanza starts a line."""
    return _HEADER.search(head) is not None


FORMAT = OntologyFormat(
    "obo",
    read_obo,
    suffixes=(".obo", ".obo.gz"),
    sniff=_is_obo,
    version_patterns=(
        re.compile(r"^data-version:\s*(\S+)", re.MULTILINE),
        re.compile(r'^property_value:\s*owl:versionInfo\s+"([^"]+)"', re.MULTILINE),
    ),
    name_patterns=(re.compile(r"^ontology:\s*(\S+)", re.MULTILINE),),
)
"""OBO 1.2/1.4 (``hp.obo``)."""
