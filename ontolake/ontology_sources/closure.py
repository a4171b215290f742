"""Direct parents that reproduce a transitive closure exactly.

Formats that ship each term's ancestors as a closure with distances (CELLxGENE's JSON files)
name the direct parents only implicitly: distance 1. Walking those links up does not always
give back the closure, because a release can leave out terms that sit between a term and its
ancestors (EFO v3.90.0 drops its upper-level BFO classes, so 13,451 of 18,382 EFO terms would
lose ancestors, e.g. *organism part* would no longer be an *experimental factor*).

:class:`ClosureRepair` records every term's closure compactly (ancestor ids as integers, one
``array`` per term: NCBITaxon's 1.26 million terms and 38 million ancestor links take about
300 MB) and, once all terms are known, names the missing links: for a term whose parents'
closures do not cover its own, the nearest of the uncovered ancestors (those that are not
ancestors of another uncovered one) become extra parents with relation ``ancestor``. A
recursive query over the stored links then returns exactly the closure of the file.
"""

from __future__ import annotations

from array import array

__all__ = ["ClosureRepair"]


class _Numbers(dict[str, int]):
    """Term id → a number, given on first lookup (a C-speed lookup for ids seen before)."""

    def __missing__(self, term_id: str) -> int:
        number = self[term_id] = len(self)
        return number


class ClosureRepair:
    """Collect ``(term, closure, direct parents)`` and name the links the parents miss.

    Example:
        >>> repair = ClosureRepair()
        >>> repair.add("A:3", {"A:2": 1, "A:0": 3}, ["A:2"])
        >>> repair.add("A:2", {"A:0": 2}, [])  # the term between A:2 and A:0 was left out
        >>> repair.add("A:0", {}, [])
        >>> repair.missing_parents()
        {'A:2': ['A:0']}
    """

    def __init__(self) -> None:
        self._index = _Numbers()
        self._terms: list[int] = []
        self._closures: dict[int, array[int]] = {}
        self._parents: dict[int, array[int]] = {}

    def add(self, term_id: str, closure: dict[str, int], parents: list[str]) -> None:
        """Record one term: its ancestors (any order) and its direct parents (among them)."""
        number = self._index[term_id]
        self._terms.append(number)
        self._closures[number] = array("i", map(self._index.__getitem__, closure))
        self._parents[number] = array("i", map(self._index.__getitem__, parents))

    def _closure(self, number: int) -> array[int]:
        return self._closures.get(number, array("i"))

    def missing_parents(self) -> dict[str, list[str]]:
        """Term id → the extra parents that make the stored links reproduce its closure."""
        missing: dict[int, set[int]] = {}
        for number in self._terms:
            closure = self._closure(number)
            parents = self._parents[number]
            if len(parents) == 1 and len(self._closure(parents[0])) + 1 == len(closure):
                continue
            covered = set(parents)
            for parent in parents:
                covered.update(self._closure(parent))
            uncovered = set(closure) - covered
            if not uncovered:
                continue
            implied: set[int] = set()
            for ancestor in uncovered:
                implied.update(self._closure(ancestor))
            missing[number] = uncovered - implied
        if not missing:
            return {}
        ids = {number: term_id for term_id, number in self._index.items()}
        return {ids[n]: sorted(ids[a] for a in nearest) for n, nearest in missing.items()}
