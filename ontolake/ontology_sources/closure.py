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


class ClosureRepair:
    """Collect ``(term, closure, direct parents)`` and name the links the parents miss.

    Example:
        >>> repair = ClosureRepair()
        >>> repair.add("A:3", {"A:2": 1, "A:1": 2, "A:0": 3}, ["A:2"])
        >>> repair.add("A:2", {"A:0": 2}, [])  # its parent A:1 was left out of the release
        >>> repair.add("A:1", {"A:0": 1}, ["A:0"])
        >>> repair.add("A:0", {}, [])
        >>> repair.missing_parents()
        {'A:2': ['A:0']}
    """

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self._ids: list[str] = []
        self._terms: list[int] = []
        self._closures: dict[int, array[int]] = {}
        self._parents: dict[int, array[int]] = {}

    def _number(self, term_id: str) -> int:
        number = self._index.get(term_id)
        if number is None:
            number = self._index[term_id] = len(self._ids)
            self._ids.append(term_id)
        return number

    def add(self, term_id: str, closure: dict[str, int], parents: list[str]) -> None:
        """Record one term: its ancestors (any order) and its direct parents."""
        number = self._number(term_id)
        self._terms.append(number)
        self._closures[number] = array("i", [self._number(a) for a in closure])
        self._parents[number] = array("i", [self._number(p) for p in parents])

    def _closure(self, number: int) -> array[int]:
        return self._closures.get(number, array("i"))

    def missing_parents(self) -> dict[str, list[str]]:
        """Term id → the extra parents that make the stored links reproduce its closure."""
        missing: dict[str, list[str]] = {}
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
            nearest = sorted(self._ids[a] for a in uncovered - implied)
            missing[self._ids[number]] = nearest
        return missing
