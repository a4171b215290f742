"""Auto-complete objects: one attribute per normalised value of a registry field."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Lookup", "to_attribute_name"]


def to_attribute_name(value: str) -> str:
    """A Python identifier for ``value``: lower case, runs of other characters become ``_``.

    Example:
        >>> to_attribute_name("CD4-positive, alpha-beta T cell")
        'cd4_positive_alpha_beta_t_cell'
        >>> to_attribute_name("10x Genomics")
        '_10x_genomics'
    """
    name = re.sub(r"[^0-9a-z]+", "_", value.casefold()).strip("_") or "_"
    return f"_{name}" if name[0].isdigit() else name


class Lookup:
    """Records of a registry by normalised value, for tab completion in notebooks.

    Values that normalise to the same name get ``_2``, ``_3`` … suffixes in id order.

    Example:
        >>> _ = ol.ULabel(name="Batch-7").save()  # normalised, also batch_7
        >>> labels = Lookup(ol.ULabel.filter(), "name", "ULabel")
        >>> labels.batch_7.name, labels.batch_7_2.name, labels["Batch-7"].name
        ('batch 7', 'Batch-7', 'Batch-7')
    """

    def __init__(self, records: Iterable[Any], field: str, kind: str) -> None:
        self._model_name = kind
        self._field = field
        self._by_name: dict[str, Any] = {}
        self._by_value: dict[str, Any] = {}
        for record in records:
            value = getattr(record, field)
            if value is None:
                continue
            name = base = to_attribute_name(str(value))
            counter = 1
            while name in self._by_name:
                counter += 1
                name = f"{base}_{counter}"
            self._by_name[name] = record
            self._by_value.setdefault(str(value), record)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name not in self.__dict__.get("_by_name", {}):
            close = difflib.get_close_matches(name, list(self.__dict__.get("_by_name", {})), n=3)
            hint = f" Close: {', '.join(close)}." if close else ""
            raise AttributeError(f"No {self._model_name} with {self._field} like {name!r}.{hint}")
        return self._by_name[name]

    def __getitem__(self, value: str) -> Any:
        if value not in self._by_value:
            raise KeyError(f"No {self._model_name} with {self._field}={value!r}.")
        return self._by_value[value]

    def __dir__(self) -> list[str]:
        return sorted(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def dict(self) -> dict[str, Any]:
        """The attribute names and their records."""
        return dict(self._by_name)

    def __repr__(self) -> str:
        shown = ", ".join(sorted(self._by_name)[:10])
        more = "" if len(self._by_name) <= 10 else f", … ({len(self._by_name)} in all)"
        return f"Lookup of {self._model_name}.{self._field}: {shown}{more}"
