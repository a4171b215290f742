"""Validate, standardize and inspect values against a vocabulary, vectorised over uniques.

A :class:`Vocabulary` holds, for one field of one registry (or one source in memory), the
valid values and a map from every other way of writing a term — its name, its ontology id,
each synonym, and case variants of all of these — to the canonical value. Every verb works
on the unique input values only (``pandas.factorize``) and broadcasts the answer back, so a
million values with a few thousand distinct ones cost little more than the distinct ones.

Which values are valid follows :mod:`ontolake.registries.label_scope`, the rules every
engine shares: an obsolete term is not valid (unless allowed), and a value naming several
live terms is ambiguous, not valid. The spellings of obsolete terms never compete with
those of live terms: a synonym that a live and an obsolete term share means the live one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ontolake.registries.label_scope import LabelScope, scope_conditions, valid_labels

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CONFIDENT_SIMILARITY",
    "FEW_VALUES",
    "FUZZY_CANDIDATES",
    "FUZZY_CUTOFF",
    "IDENTIFIER",
    "MIN_LENGTH_RATIO",
    "STANDARDIZABLE",
    "InspectResult",
    "Suggestion",
    "TermEntry",
    "Vocabulary",
    "applied",
    "few_distinct",
]

FUZZY_CUTOFF = 80.0
"""The least rapidfuzz ``WRatio`` (0-100, case-folded) of a fuzzy suggestion."""
FUZZY_CANDIDATES = 3
"""The most fuzzy suggestions per value."""
STANDARDIZABLE = ("synonym", "case", "version", "obsolete")
"""The suggestion kinds ``standardize`` applies when the suggestion is confident (an
obsolete term's replacement only when it is its one declared replacement):
:func:`applied`."""
CONFIDENT_SIMILARITY = 90.0
"""A fuzzy suggestion is confident when the whole value and the term, case-folded, are at
least this similar (rapidfuzz ``ratio``): ``"T cel"`` → ``"T cell"`` (90.9) is, while
``"nonsense cell type"`` → ``"cell"`` (a ``WRatio`` of 90 from the word "cell" alone) is not.
A match between two identifiers (:data:`IDENTIFIER`) is never confident."""
IDENTIFIER = re.compile(r"[A-Za-z]+[:_]?\d{3,}(\.\d+)?")
"""What an identifier looks like: letters, an optional ``:`` or ``_`` and 3+ digits, an
optional version (``CL:0000084``, ``ENSG00000141510.19``, ``CVCL_0001``). Two identifiers that
differ by one digit name different things, however alike their texts: a fuzzy match between
two of them is shown, never confident, so no step applies it and ``add_new_from`` does not
hold the value back as a typo."""
FEW_VALUES = 1000
"""Up to this many values, ``validate`` loads only the records they name (an indexed lookup);
beyond it, the whole vocabulary once (cheaper than a lookup of every distinct value)."""
MIN_LENGTH_RATIO = 0.5
"""A fuzzy candidate shorter than this share of the value is dropped: ``WRatio`` scores a
short term that occurs inside the value highly (``'SELT'`` → ``'E'`` 90, ``'RP11-782C8.1'``
→ ``'RP1'`` 90), and such a term is no spelling of it."""


@dataclass(frozen=True)
class TermEntry:
    """What the vocabulary needs of one term."""

    value: str
    """The canonical value of the vocabulary's field (e.g. the name)."""
    name: str
    ontology_id: str | None = None
    synonyms: tuple[tuple[str, str], ...] = ()
    """``(text, scope)`` pairs."""
    is_obsolete: bool = False
    replaced_by: tuple[str, ...] = ()
    """Ontology ids of the terms replacing an obsolete term."""
    consider: tuple[str, ...] = ()
    """Ontology ids of terms to consider instead of an obsolete term."""


@dataclass(frozen=True)
class Suggestion:
    """A candidate for a value that did not validate.

    ``kind`` is ``synonym``, ``case`` (same up to case), ``version`` (an id with a version
    suffix, ``ENSG00000141510.19``; ``value`` is the id without it), ``ambiguous`` (the value
    names several live terms — as a synonym, a case variant, or the name of each — and
    ``value`` and ``term_id`` are one of them: standardizing never picks one), ``obsolete``
    (the value names an obsolete term; ``value`` is a declared replacement, confident when
    it is the only one), ``consider`` (a term the ontology suggests considering instead of
    an obsolete one; never confident) or ``fuzzy`` (with a 0-100 ``score``; never the value
    itself nor an obsolete term).

    Example:
        >>> Suggestion("fuzzy", "T cell", 90.9)
        Suggestion(kind='fuzzy', value='T cell', score=90.9, confident=True, term_id=None)
    """

    kind: str
    value: str
    score: float = 100.0
    confident: bool = True
    """Whether the value very likely means this term (an ``ambiguous`` value: one of these
    terms): always for a synonym, case variant or the only replacement of an obsolete term;
    for a fuzzy match when the texts are :data:`CONFIDENT_SIMILARITY` alike. ``add_new_from``
    never turns a value with a confident suggestion into a new record."""
    term_id: str | None = None
    """The ontology id of the candidate, where the value alone does not tell it apart."""


def applied(suggestions: Sequence[Suggestion]) -> Suggestion | None:
    """The suggestion ``standardize`` applies to a value, if any.

    Example:
        >>> applied([Suggestion("obsolete", "B cell", confident=False)]) is None
        True
    """
    return next((s for s in suggestions if s.kind in STANDARDIZABLE and s.confident), None)


@dataclass
class InspectResult:
    """The outcome of ``inspect``: which distinct values validated, and suggestions."""

    validated: list[str]
    non_validated: list[str]
    suggestions: dict[str, list[Suggestion]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    """How often each non-validated value occurs in the input."""
    obsolete: dict[str, str] = field(default_factory=dict)
    """Non-validated value → the obsolete term it names (its canonical value)."""
    ambiguous: dict[str, list[Suggestion]] = field(default_factory=dict)
    """Non-validated value → every live term it names (``ambiguous`` suggestions)."""

    def __repr__(self) -> str:
        return (
            f"InspectResult({len(self.validated)} validated, "
            f"{len(self.non_validated)} non-validated: {self.non_validated[:5]!r}"
            f"{' …' if len(self.non_validated) > 5 else ''})"
        )


class _Spellings:
    """Every way of writing some terms → their canonical values (exact, and case-folded)."""

    def __init__(self) -> None:
        self.exact: dict[str, str] = {}
        self.folded: dict[str, str] = {}
        self.shared: dict[str, set[str]] = {}
        """Spellings (e.g. a synonym) of several canonical values."""
        self.shared_folded: dict[str, set[str]] = {}

    def add(self, spellings: Iterable[str], value: str) -> None:
        exact, folded = self.exact, self.folded
        for spelling in spellings:
            known = exact.setdefault(spelling, value)
            if known != value:
                self.shared.setdefault(spelling, {known}).add(value)
            key = spelling.casefold()
            known = folded.setdefault(key, value)
            if known != value:
                self.shared_folded.setdefault(key, {known}).add(value)

    def knows(self, spelling: str) -> bool:
        return spelling in self.exact or spelling.casefold() in self.folded

    def find(self, spelling: str, *, case_sensitive: bool = False) -> tuple[str, set[str]]:
        """``(how, values)``: ``exact`` or ``case`` and the values written so; ``("", set())``."""
        if spelling in self.exact:
            return "exact", self.shared.get(spelling) or {self.exact[spelling]}
        folded = spelling.casefold()
        if not case_sensitive and folded in self.folded:
            return "case", self.shared_folded.get(folded) or {self.folded[folded]}
        return "", set()


class Vocabulary:
    """Valid values of one field and every way of writing them.

    Example:
        >>> vocabulary = Vocabulary(
        ...     [TermEntry("T cell", "T cell", "CL:0000084", (("T-cell", "exact"),))]
        ... )
        >>> vocabulary.standardize(["T-cell", "t cell", "CL:0000084", "other"])
        ['T cell', 'T cell', 'T cell', 'other']
        >>> vocabulary.validate(["T cell", "T-cell"]).tolist()
        [True, False]
    """

    def __init__(
        self,
        entries: Iterable[TermEntry],
        *,
        versioned_id: str | None = None,
        fuzzy: bool = True,
        allow_obsolete: bool = False,
    ) -> None:
        self.entries = list(entries)
        self.values = {entry.value for entry in self.entries}
        """Every canonical value, valid or not (obsolete, ambiguous)."""
        self.fuzzy = fuzzy
        """Whether a value with no other suggestion gets fuzzy ones (False for registries
        whose values are codes, such as gene symbols: ``OntologyTerm.fuzzy_suggestions``)."""
        self.versioned_id = versioned_id
        """A pattern of ids written with a version suffix (group ``id``: the id without it)."""
        self._versioned = re.compile(versioned_id) if versioned_id else None
        live = [e for e in self.entries if allow_obsolete or not e.is_obsolete]
        retired = [e for e in self.entries if not (allow_obsolete or not e.is_obsolete)]
        labels = valid_labels((entry.value, entry.ontology_id) for entry in live)
        self.valid: frozenset[str] = labels.valid
        """The values that validate: each names exactly one live term."""
        self.duplicated: dict[str, tuple[str, ...]] = labels.ambiguous
        """Values naming several live terms → their ids (ambiguous, never valid)."""
        self.obsolete = {entry.value for entry in retired} - {entry.value for entry in live}
        """The values of obsolete terms only (never valid nor fuzzy candidates)."""
        self._live_entries = live
        self._retired_entries = retired

    @cached_property
    def _live(self) -> _Spellings:
        """Every spelling of the live terms (built on the first suggestion or mapping)."""
        spellings = _Spellings()
        for entry in self._live_entries:
            spellings.add(_spellings(entry), entry.value)
        for value in self.values - self.obsolete:
            # a canonical value always means itself, whatever else shares its spelling
            spellings.exact[value] = value
            spellings.shared.pop(value, None)
        return spellings

    @cached_property
    def _retired(self) -> _Spellings:
        """The spellings of obsolete terms that no live term has."""
        spellings = _Spellings()
        for entry in self._retired_entries:
            unknown = [s for s in _spellings(entry) if not self._live.knows(s)]
            spellings.add(unknown, entry.value)
        return spellings

    @cached_property
    def replacements(self) -> dict[str, tuple[str, ...]]:
        """Obsolete value → the valid values of the terms declared to replace it."""
        return self._successors("replaced_by")

    @cached_property
    def considered(self) -> dict[str, tuple[str, ...]]:
        """Obsolete value → the valid values of the terms to consider instead."""
        return self._successors("consider")

    def _successors(self, field_name: str) -> dict[str, tuple[str, ...]]:
        if not self._retired_entries:
            return {}
        by_id = {
            e.ontology_id: e.value
            for e in self._live_entries
            if e.ontology_id and e.value in self.valid
        }
        found: dict[str, tuple[str, ...]] = {}
        for entry in self._retired_entries:
            if entry.value in self.obsolete:
                ids = getattr(entry, field_name)
                terms = tuple(dict.fromkeys(by_id[i] for i in ids if i in by_id))
                if terms:
                    found[entry.value] = terms
        return found

    @property
    def ambiguous(self) -> dict[str, set[str]]:
        """Spellings (e.g. a synonym) shared by several live terms: never standardized."""
        return self._live.shared

    @classmethod
    def from_registry(
        cls,
        model: type[Any],
        field_name: str,
        scope: LabelScope | None = None,
        *,
        only: list[str] | None = None,
    ) -> Vocabulary:
        """The vocabulary of ``field_name`` over the non-trashed records of ``model``.

        ``scope`` keeps the terms of one organism and may allow obsolete terms
        (:mod:`ontolake.registries.label_scope`). Ids written with a version suffix are
        recognised by ``model.versioned_id``. With ``only``, just the records whose field
        value is one of these: enough to validate those values, in one indexed lookup
        instead of loading every term.
        """
        from sqlalchemy import select

        from ontolake.instance.session import current_instance
        from ontolake.registries.query.lookups import resolve_column

        scope = scope or LabelScope()
        column = resolve_column(model, field_name)
        synonyms = model.synonym_table
        with current_instance().read() as session:
            # obsolete terms stay in: their spellings lead to their replacements
            kept = LabelScope(allow_obsolete=True, organism=scope.organism)
            where = f"{model.__name__}.{field_name}"
            conditions = scope_conditions(session, model, kept, pinned=False, where=where)
            connection = session.connection()
            rows = connection.execute(
                select(
                    model.id,
                    column,
                    model.name,
                    model.ontology_id,
                    model.is_obsolete,
                    model.replaced_by,
                    model.consider,
                )
                .where(
                    model.is_trashed.is_(False),
                    *conditions,
                    *([column.in_(only)] if only is not None else []),
                )
                .order_by(model.id)
            ).all()
            synonym_rows = connection.execute(
                select(synonyms.c.record_id, synonyms.c.text, synonyms.c.scope)
                .where(
                    *(
                        [synonyms.c.record_id.in_([row[0] for row in rows])]
                        if only is not None
                        else []
                    )
                )
                .order_by(synonyms.c.record_id, synonyms.c.text)
            ).all()
        by_record: dict[int, list[tuple[str, str]]] = {}
        for record_id, text, synonym_scope in synonym_rows:
            by_record.setdefault(record_id, []).append((text, synonym_scope))
        entries = (
            TermEntry(
                value=str(value),
                name=name,
                ontology_id=ontology_id,
                synonyms=tuple(by_record.get(record_id, ())),
                is_obsolete=bool(is_obsolete),
                replaced_by=_ids(replaced_by),
                consider=_ids(consider),
            )
            for record_id, value, name, ontology_id, is_obsolete, replaced_by, consider in rows
            if value is not None
        )
        return cls(
            entries,
            versioned_id=model.versioned_id,
            fuzzy=model.fuzzy_suggestions,
            allow_obsolete=scope.allow_obsolete,
        )

    def unversioned(self, value: str) -> str | None:
        r"""The valid value that ``value`` writes with a version suffix, if any.

        Example:
            >>> gene = TermEntry("ENSG00000141510", "TP53", "ENSG00000141510")
            >>> vocabulary = Vocabulary([gene], versioned_id=r"(?P<id>ENSG\d+)\.\d+")
            >>> vocabulary.unversioned("ENSG00000141510.19"), vocabulary.unversioned("TP53")
            ('ENSG00000141510', None)
        """
        found = self._versioned.fullmatch(value) if self._versioned is not None else None
        return found["id"] if found is not None and found["id"] in self.valid else None

    # ---- verbs ----------------------------------------------------------------------------
    def validate(self, values: Any) -> np.ndarray[Any, Any]:
        """A boolean array: whether each value is a valid value of the field.

        Obsolete terms (unless allowed) and values naming several terms are not.

        Example:
            >>> Vocabulary([TermEntry("B cell", "B cell")]).validate(["B cell", None]).tolist()
            [True, False]
        """
        import numpy as np

        codes, uniques = _factorize(values)
        valid = np.fromiter((value in self.valid for value in uniques), bool, len(uniques))
        result: np.ndarray[Any, Any] = np.append(valid, False)[codes]
        return result

    def standardize(
        self, values: Any, *, return_mapper: bool = False, case_sensitive: bool = False
    ) -> Any:
        """Canonical values in input order; unknown and ambiguous values are kept as given.

        An obsolete term with one declared replacement becomes the replacement. With
        ``return_mapper``, return only ``{given: canonical}`` for the values that change.
        Ambiguous values kept as given are named in an
        :class:`~ontolake.errors.AmbiguousValueWarning` with every candidate.

        Example:
            >>> entry = TermEntry("T cell", "T cell", None, (("T-cell", "exact"),))
            >>> Vocabulary([entry]).standardize(["T-CELL"], return_mapper=True)
            {'T-CELL': 'T cell'}
        """
        import numpy as np

        codes, uniques = _factorize(values)
        mapper = self.mapper(list(uniques), case_sensitive=case_sensitive)
        self.warn_ambiguous([value for value in uniques if value not in mapper])
        if return_mapper:
            return mapper
        standardized = np.array([mapper.get(value, value) for value in uniques] + [None], object)
        result = standardized[codes]
        missing = codes == -1
        if missing.any():
            originals = np.asarray(_as_list(values), dtype=object)
            result[missing] = originals[missing]
        return result.tolist()

    def warn_ambiguous(self, values: Iterable[str]) -> None:
        """Warn about the values left as given because they name several terms."""
        import warnings

        from ontolake.errors import AmbiguousValueWarning

        lines = []
        for value in values:
            if value in self.valid:
                continue
            suggestions = self._suggest(value, case_sensitive=False, fuzzy=False)
            candidates = [s for s in suggestions if s.kind == "ambiguous"]
            if candidates:
                lines.append(f"{value!r} → {_candidates_text(candidates)}")
        if lines:
            more = f"; … {len(lines) - 5:,} more" if len(lines) > 5 else ""
            shown = "; ".join(lines[:5]) + more
            warnings.warn(
                f"standardize left {len(lines)} ambiguous value(s) as given (each names several "
                f"terms; replace it with the one meant): {shown}",
                AmbiguousValueWarning,
                stacklevel=3,
            )

    def mapper(self, uniques: list[str], *, case_sensitive: bool = False) -> dict[str, str]:
        """``{value: canonical}`` for the given distinct values that have another canonical form.

        Exactly the values whose :meth:`suggest` has an :func:`applied` suggestion (with
        ``case_sensitive``, case variants are left as given).
        """
        mapping: dict[str, str] = {}
        for value in uniques:
            if value in self.valid:
                continue
            found = applied(self._suggest(value, case_sensitive=case_sensitive, fuzzy=False))
            if found is not None:
                mapping[value] = found.value
        return mapping

    def inspect(self, values: Any) -> InspectResult:
        """Distinct validated and non-validated values, with suggestions for the latter.

        Obsolete terms and values naming several terms are non-validated: ``obsolete`` and
        ``ambiguous`` say which.

        Example:
            >>> result = Vocabulary([TermEntry("T cell", "T cell")]).inspect(["T cell", "t cell"])
            >>> result.non_validated, result.suggestions["t cell"][0].kind
            (['t cell'], 'case')
        """
        import numpy as np

        codes, uniques = _factorize(values)
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        validated = [value for value in uniques if value in self.valid]
        non_validated = [value for value in uniques if value not in self.valid]
        position = {value: index for index, value in enumerate(uniques)}
        suggestions = {value: self.suggest(value) for value in non_validated}
        obsolete = {value: term for value in non_validated if (term := self.obsolete_term(value))}
        return InspectResult(
            validated=validated,
            non_validated=non_validated,
            suggestions=suggestions,
            counts={value: int(counts[position[value]]) for value in non_validated},
            obsolete=obsolete,
            ambiguous={
                value: candidates
                for value, found in suggestions.items()
                if (candidates := [s for s in found if s.kind == "ambiguous"])
            },
        )

    def obsolete_term(self, value: str) -> str | None:
        """The obsolete term (canonical value) that ``value`` names, if no live term has it."""
        if self._live.find(value)[1]:
            return None
        if value in self.obsolete:
            return value
        retired = self._retired.find(value)[1]
        return _ordered(retired)[0] if retired else None

    def suggest(self, value: str, *, case_sensitive: bool = False) -> list[Suggestion]:
        """Candidates for one value: synonym, case, version, ambiguity, obsolete, else fuzzy.

        A value naming several live terms gets every one (``ambiguous``, with its id); one
        naming an obsolete term gets its declared replacements (``obsolete``, confident
        when there is one) and the terms to consider (``consider``). A valid value gets
        nothing, a value of the vocabulary no fuzzy match. Fuzzy matches (at most
        :data:`FUZZY_CANDIDATES`, ``WRatio`` of at least :data:`FUZZY_CUTOFF`, current
        terms not much shorter than the value: see :data:`MIN_LENGTH_RATIO`) come best
        first; equal scores are ordered by how alike the whole texts are (``ratio``), then
        by the term case-folded, then as written — so the same value gets the same
        suggestions in every process. Fuzzy matches are left out when the vocabulary has
        ``fuzzy`` off (gene symbols).

        Example:
            >>> names = ("T cell", "gamma-delta T cell", "NK T cell")
            >>> vocabulary = Vocabulary([TermEntry(name, name) for name in names])
            >>> for suggestion in vocabulary.suggest("T cel"):
            ...     print(suggestion.value, suggestion.score, suggestion.confident)
            T cell 90.9 True
            NK T cell 90.0 False
            gamma-delta T cell 90.0 False
        """
        return self._suggest(value, case_sensitive=case_sensitive, fuzzy=True)

    def _suggest(self, value: str, *, case_sensitive: bool, fuzzy: bool) -> list[Suggestion]:
        if value in self.valid:
            return []
        how, terms = self._live.find(value, case_sensitive=case_sensitive)
        if len(terms) > 1 or any(term in self.duplicated for term in terms):
            return self._ambiguous(terms)
        if terms:
            return [Suggestion("synonym" if how == "exact" else "case", next(iter(terms)))]
        base = self.unversioned(value)
        if base is not None:
            return [Suggestion("version", base)]
        retired = self._retired.find(value, case_sensitive=case_sensitive)[1]
        if retired:
            return [s for term in _ordered(retired) for s in self._replacing(term)]
        if value in self.values or not (fuzzy and self.fuzzy):
            return []
        return self._fuzzy(value)

    @cached_property
    def _ids(self) -> dict[str, list[str]]:
        """Live value → the ontology ids of its terms (to tell ambiguous candidates apart)."""
        found: dict[str, list[str]] = {}
        for entry in self._live_entries:
            found.setdefault(entry.value, []).append(entry.ontology_id or "")
        return found

    def _ambiguous(self, terms: Iterable[str]) -> list[Suggestion]:
        return [
            Suggestion("ambiguous", term, term_id=term_id or None)
            for term in _ordered(terms)
            for term_id in sorted(self._ids.get(term, [""]))
        ]

    def _replacing(self, term: str) -> list[Suggestion]:
        """The declared replacements of an obsolete term, then the terms to consider."""
        replacements = self.replacements.get(term, ())
        considered = self.considered.get(term, ())
        confident = len(replacements) == 1
        return [
            *(Suggestion("obsolete", value, confident=confident) for value in replacements),
            *(Suggestion("consider", value, confident=False) for value in considered),
        ]

    def _fuzzy(self, value: str) -> list[Suggestion]:
        import numpy as np
        from rapidfuzz import fuzz, process

        terms, folded_terms, lengths = self._fuzzy_candidates
        query = value.casefold()
        scores = process.cdist(
            [query], folded_terms, scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF, dtype=np.float64
        )[0]
        hits = np.flatnonzero((scores >= FUZZY_CUTOFF) & (lengths >= MIN_LENGTH_RATIO * len(query)))
        if not len(hits):
            return []
        similar = process.cdist(
            [query], [folded_terms[i] for i in hits.tolist()], scorer=fuzz.ratio, dtype=np.float64
        )[0]
        best = np.lexsort((hits, -similar, -scores[hits]))[:FUZZY_CANDIDATES]
        identifier = IDENTIFIER.fullmatch(value) is not None
        return [
            Suggestion(
                "fuzzy",
                terms[hits[i]],
                round(float(scores[hits[i]]), 1),
                confident=bool(similar[i] >= CONFIDENT_SIMILARITY)
                and not (identifier and IDENTIFIER.fullmatch(terms[hits[i]]) is not None),
            )
            for i in best.tolist()
        ]

    @cached_property
    def _fuzzy_candidates(self) -> tuple[list[str], list[str], np.ndarray[Any, Any]]:
        """Current (non-obsolete) values, case-folded, and their lengths.

        Ordered by the case-folded text, then as written.
        """
        import numpy as np

        terms = _ordered(self.values - self.obsolete)
        folded = [term.casefold() for term in terms]
        return terms, folded, np.fromiter(map(len, folded), np.int64, len(folded))


def _spellings(entry: TermEntry) -> list[str]:
    """The value, name, ontology id and synonyms of a term (the non-empty ones)."""
    found = [entry.value, entry.name, entry.ontology_id, *(text for text, _ in entry.synonyms)]
    return [spelling for spelling in found if spelling]


def _ids(joined: str | None) -> tuple[str, ...]:
    return tuple(joined.split("|")) if joined else ()


def _candidates_text(candidates: list[Suggestion]) -> str:
    """``one of 'A' (MONDO:1), 'B' (MONDO:2)``: ambiguous candidates with their ids."""
    shown = [f"{s.value!r}" + (f" ({s.term_id})" if s.term_id else "") for s in candidates]
    return "one of " + ", ".join(shown)


def _ordered(terms: Iterable[str]) -> list[str]:
    """Terms by their case-folded text, then as written: the order ties are shown in."""
    return sorted(terms, key=lambda term: (term.casefold(), term))


def few_distinct(values: Any, limit: int = FEW_VALUES) -> list[str] | None:
    """The distinct values (as strings) of an input of at most ``limit`` values, else None.

    Example:
        >>> few_distinct(["B cell", "B cell", None]), few_distinct(["a"] * 2000)
        (['B cell'], None)
    """
    if not isinstance(values, str) and (not hasattr(values, "__len__") or len(values) > limit):
        return None  # an iterator is read once, by the verb
    return _factorize(values)[1]


def _as_list(values: Any) -> list[Any]:
    if isinstance(values, str):
        return [values]
    return list(values)


def _factorize(values: Any) -> tuple[np.ndarray[Any, Any], list[str]]:
    """Codes into the distinct non-missing values (as strings); missing values get -1."""
    import pandas as pd

    text = isinstance(values, (pd.Series, pd.Index)) and values.dtype.kind in "OU"
    if text or (isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype)):
        column = values  # factorized as it is: copying a million values to a list costs 4x
    else:
        column = pd.Series(_as_list(values), dtype=object)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes, [str(value) for value in uniques]
