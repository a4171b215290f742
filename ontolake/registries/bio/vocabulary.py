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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["STANDARDIZABLE", "InspectResult", "Suggestion", "TermEntry", "Vocabulary"]

FUZZY_CUTOFF = 80.0
FUZZY_CANDIDATES = 3
STANDARDIZABLE = ("synonym", "case", "version")
"""The suggestion kinds ``standardize`` applies."""


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
    suffix, ``ENSG00000141510.19``; ``value`` is the id without it), ``obsolete`` (the value
    names an obsolete term; ``value`` is its replacement) or ``fuzzy`` (with a 0-100 ``score``).
    """

    kind: str
    value: str
    score: float = 100.0


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
    def from_registry(cls, model: type[Any], field_name: str) -> Vocabulary:
        """The vocabulary of ``field_name`` over the non-trashed records of ``model``.

        Ids written with a version suffix are recognised by ``model.versioned_id``.
        """
        from sqlalchemy import select

        from ontolake.instance.setup import current_instance
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
                ).where(model.is_trashed.is_(False))
            ).all()
            synonym_rows = connection.execute(
                select(synonyms.c.record_id, synonyms.c.text, synonyms.c.scope)
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
        """Candidates for one value: synonym, case, version, obsolete replacement, then fuzzy."""
        from rapidfuzz import fuzz, process

        found: list[Suggestion] = []
        exact = self._exact.get(value)
        if exact is not None and exact != value:
            found.append(Suggestion("synonym", exact))
        folded = self._folded.get(value.casefold())
        if folded is not None and folded != exact:
            found.append(Suggestion("case", folded))
        base = None if found else self.unversioned(value)
        if base is not None:
            found.append(Suggestion("version", base))
        for candidate in list(dict.fromkeys(s.value for s in found)) or [value]:
            if candidate in self.replacements:
                found.append(Suggestion("obsolete", self.replacements[candidate]))
        if not found:
            matches = process.extract(
                value,
                list(self.values),
                scorer=fuzz.WRatio,
                processor=str.casefold,
                limit=FUZZY_CANDIDATES,
                score_cutoff=FUZZY_CUTOFF,
            )
            found += [
                Suggestion("fuzzy", match, round(float(score), 1)) for match, score, _ in matches
            ]
        return found


def _as_list(values: Any) -> list[Any]:
    if isinstance(values, str):
        return [values]
    return list(values)


def _factorize(values: Any) -> tuple[np.ndarray[Any, Any], list[str]]:
    """Codes into the distinct non-missing values (as strings); missing values get -1."""
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(_as_list(values), dtype=object), use_na_sentinel=True)
    return codes, [str(value) for value in uniques]
