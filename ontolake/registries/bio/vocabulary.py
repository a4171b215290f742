"""Validate, standardize and inspect values against a vocabulary, vectorised over uniques.

A :class:`Vocabulary` holds, for one field of one registry (or one source in memory), the
valid values and a map from every other way of writing a term — its name, its ontology id,
each synonym, and case variants of all of these — to the canonical value. Every verb works
on the unique input values only (``pandas.factorize``) and broadcasts the answer back, so a
million values with a few thousand distinct ones cost little more than the distinct ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

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
    "few_distinct",
]

FUZZY_CUTOFF = 80.0
"""The least rapidfuzz ``WRatio`` (0-100, case-folded) of a fuzzy suggestion."""
FUZZY_CANDIDATES = 3
"""The most fuzzy suggestions per value."""
STANDARDIZABLE = ("synonym", "case", "version")
"""The suggestion kinds ``standardize`` applies."""
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


@dataclass(frozen=True)
class Suggestion:
    """A candidate for a value that did not validate.

    ``kind`` is ``synonym``, ``case`` (same up to case), ``version`` (an id with a version
    suffix, ``ENSG00000141510.19``; ``value`` is the id without it), ``ambiguous`` (the value is a
    synonym or case variant of several terms, ``value`` being one of them: standardizing
    never picks one), ``obsolete`` (the value names an obsolete term; ``value`` is its
    replacement) or ``fuzzy`` (with a 0-100 ``score``; never the value itself nor an obsolete
    term).

    Example:
        >>> Suggestion("fuzzy", "T cell", 90.9)
        Suggestion(kind='fuzzy', value='T cell', score=90.9, confident=True)
    """

    kind: str
    value: str
    score: float = 100.0
    confident: bool = True
    """Whether the value very likely means this term (an ``ambiguous`` value: one of these
    terms): always for a synonym, case variant or obsolete term; for a fuzzy match when the
    texts are :data:`CONFIDENT_SIMILARITY` alike. ``add_new_from`` never turns a value with
    a confident suggestion into a new record."""


@dataclass
class InspectResult:
    """The outcome of ``inspect``: which distinct values validated, and suggestions."""

    validated: list[str]
    non_validated: list[str]
    suggestions: dict[str, list[Suggestion]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    """How often each non-validated value occurs in the input."""

    def __repr__(self) -> str:
        return (
            f"InspectResult({len(self.validated)} validated, "
            f"{len(self.non_validated)} non-validated: {self.non_validated[:5]!r}"
            f"{' …' if len(self.non_validated) > 5 else ''})"
        )


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

    def __init__(self, entries: Iterable[TermEntry], *, versioned_id: str | None = None) -> None:
        self.entries = list(entries)
        self.values = {entry.value for entry in self.entries}
        self.versioned_id = versioned_id
        """A pattern of ids written with a version suffix (group ``id``: the id without it)."""
        self._versioned = re.compile(versioned_id) if versioned_id else None
        self._exact: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        self.ambiguous: dict[str, set[str]] = {}
        """Spellings (e.g. a synonym) shared by several terms: never standardized."""
        self._ambiguous_folded: dict[str, set[str]] = {}
        replacements: dict[str, str] = {}
        by_id = {entry.ontology_id: entry.value for entry in self.entries if entry.ontology_id}
        for entry in self.entries:
            spellings = [entry.value, entry.name, entry.ontology_id]
            spellings += [text for text, _scope in entry.synonyms]
            for spelling in spellings:
                if spelling:
                    self._add(spelling, entry.value)
            if entry.is_obsolete:
                for replacement in entry.replaced_by:
                    if replacement in by_id:
                        replacements[entry.value] = by_id[replacement]
        self.replacements = replacements
        """Obsolete value → the canonical value of the term replacing it."""
        self.obsolete = {entry.value for entry in self.entries if entry.is_obsolete}
        """The values of obsolete terms (never fuzzy candidates)."""

    def _add(self, spelling: str, value: str) -> None:
        for mapping, ambiguous, key in (
            (self._exact, self.ambiguous, spelling),
            (self._folded, self._ambiguous_folded, spelling.casefold()),
        ):
            known = mapping.get(key)
            if known is None:
                mapping[key] = value
            elif known != value:
                ambiguous.setdefault(key, {known}).add(value)
        # a canonical value always maps to itself, whatever else shares its spelling
        self._exact[value] = value

    @classmethod
    def from_registry(
        cls, model: type[Any], field_name: str, *, only: list[str] | None = None
    ) -> Vocabulary:
        """The vocabulary of ``field_name`` over the non-trashed records of ``model``.

        Ids written with a version suffix are recognised by ``model.versioned_id``. With
        ``only``, just the records whose field value is one of these: enough to validate
        those values, in one indexed lookup instead of loading every term.
        """
        from sqlalchemy import select

        from ontolake.instance.session import current_instance
        from ontolake.registries.query.lookups import resolve_column

        column = resolve_column(model, field_name)
        synonyms = model.synonym_table
        with current_instance().read() as session:
            connection = session.connection()
            rows = connection.execute(
                select(
                    model.id,
                    column,
                    model.name,
                    model.ontology_id,
                    model.is_obsolete,
                    model.replaced_by,
                )
                .where(
                    model.is_trashed.is_(False), *([column.in_(only)] if only is not None else [])
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
        for record_id, text, scope in synonym_rows:
            by_record.setdefault(record_id, []).append((text, scope))
        entries = (
            TermEntry(
                value=str(value),
                name=name,
                ontology_id=ontology_id,
                synonyms=tuple(by_record.get(record_id, ())),
                is_obsolete=bool(is_obsolete),
                replaced_by=tuple(replaced_by.split("|")) if replaced_by else (),
            )
            for record_id, value, name, ontology_id, is_obsolete, replaced_by in rows
            if value is not None
        )
        return cls(entries, versioned_id=model.versioned_id)

    def unversioned(self, value: str) -> str | None:
        r"""The valid value that ``value`` writes with a version suffix, if any.

        Example:
            >>> gene = TermEntry("ENSG00000141510", "TP53", "ENSG00000141510")
            >>> vocabulary = Vocabulary([gene], versioned_id=r"(?P<id>ENSG\d+)\.\d+")
            >>> vocabulary.unversioned("ENSG00000141510.19"), vocabulary.unversioned("TP53")
            ('ENSG00000141510', None)
        """
        found = self._versioned.fullmatch(value) if self._versioned is not None else None
        return found["id"] if found is not None and found["id"] in self.values else None

    # ---- verbs ----------------------------------------------------------------------------
    def validate(self, values: Any) -> np.ndarray[Any, Any]:
        """A boolean array: whether each value is a valid value of the field.

        Example:
            >>> Vocabulary([TermEntry("B cell", "B cell")]).validate(["B cell", None]).tolist()
            [True, False]
        """
        import numpy as np

        codes, uniques = _factorize(values)
        valid = np.fromiter((value in self.values for value in uniques), bool, len(uniques))
        result: np.ndarray[Any, Any] = np.append(valid, False)[codes]
        return result

    def standardize(
        self, values: Any, *, return_mapper: bool = False, case_sensitive: bool = False
    ) -> Any:
        """Canonical values in input order; unknown and ambiguous values are kept as given.

        With ``return_mapper``, return only ``{given: canonical}`` for the values that change.

        Example:
            >>> entry = TermEntry("T cell", "T cell", None, (("T-cell", "exact"),))
            >>> Vocabulary([entry]).standardize(["T-CELL"], return_mapper=True)
            {'T-CELL': 'T cell'}
        """
        import numpy as np

        codes, uniques = _factorize(values)
        mapper = self.mapper(list(uniques), case_sensitive=case_sensitive)
        if return_mapper:
            return mapper
        standardized = np.array([mapper.get(value, value) for value in uniques] + [None], object)
        result = standardized[codes]
        missing = codes == -1
        if missing.any():
            originals = np.asarray(_as_list(values), dtype=object)
            result[missing] = originals[missing]
        return result.tolist()

    def mapper(self, uniques: list[str], *, case_sensitive: bool = False) -> dict[str, str]:
        """``{value: canonical}`` for the given distinct values that have another canonical form."""
        mapping: dict[str, str] = {}
        for value in uniques:
            if value in self.values:
                continue
            canonical = None if value in self.ambiguous else self._exact.get(value)
            if canonical is None and not case_sensitive and value not in self.ambiguous:
                folded = value.casefold()
                if folded not in self._ambiguous_folded:
                    canonical = self._folded.get(folded)
            if canonical is None:
                canonical = self.unversioned(value)
            if canonical is not None:
                mapping[value] = canonical
        return mapping

    def inspect(self, values: Any) -> InspectResult:
        """Distinct validated and non-validated values, with suggestions for the latter.

        Example:
            >>> result = Vocabulary([TermEntry("T cell", "T cell")]).inspect(["T cell", "t cell"])
            >>> result.non_validated, result.suggestions["t cell"][0].kind
            (['t cell'], 'case')
        """
        import numpy as np

        codes, uniques = _factorize(values)
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        validated = [value for value in uniques if value in self.values]
        non_validated = [value for value in uniques if value not in self.values]
        position = {value: index for index, value in enumerate(uniques)}
        return InspectResult(
            validated=validated,
            non_validated=non_validated,
            suggestions={value: self.suggest(value) for value in non_validated},
            counts={value: int(counts[position[value]]) for value in non_validated},
        )

    def suggest(self, value: str) -> list[Suggestion]:
        """Candidates for one value: synonym, case, version, obsolete replacement, else fuzzy.

        A value of the vocabulary gets no fuzzy match: an obsolete term gets its replacement
        (``obsolete``) or nothing, a current one nothing (it is valid, e.g. outside a
        feature's filter). Fuzzy matches (at most :data:`FUZZY_CANDIDATES`, ``WRatio`` of
        at least :data:`FUZZY_CUTOFF`, current terms not much shorter than the value: see
        :data:`MIN_LENGTH_RATIO`) come best first; equal scores are ordered by how alike
        the whole texts are (``ratio``), then by the term case-folded, then as written — so
        the same value gets the same suggestions in every process.

        Example:
            >>> names = ("T cell", "gamma-delta T cell", "NK T cell")
            >>> vocabulary = Vocabulary([TermEntry(name, name) for name in names])
            >>> for suggestion in vocabulary.suggest("T cel"):
            ...     print(suggestion.value, suggestion.score, suggestion.confident)
            T cell 90.9 True
            NK T cell 90.0 False
            gamma-delta T cell 90.0 False
        """
        found: list[Suggestion] = []
        shared = self.ambiguous.get(value)
        exact = None if shared else self._exact.get(value)
        if exact is not None and exact != value:
            found.append(Suggestion("synonym", exact))
        if exact is None and not shared:
            shared = self._ambiguous_folded.get(value.casefold())
            folded = None if shared else self._folded.get(value.casefold())
            if folded is not None:
                found.append(Suggestion("case", folded))
        if shared:
            found += [Suggestion("ambiguous", term) for term in _ordered(shared)]
        base = None if found else self.unversioned(value)
        if base is not None:
            found.append(Suggestion("version", base))
        for candidate in list(dict.fromkeys(s.value for s in found)) or [value]:
            if candidate in self.replacements:
                found.append(Suggestion("obsolete", self.replacements[candidate]))
        if found or value in self.values:
            return found
        return self._fuzzy(value)

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
