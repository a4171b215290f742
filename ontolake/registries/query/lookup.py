"""Deprecated name of :mod:`ontolake.registries.query.autocomplete`."""

from __future__ import annotations

from ontolake.registries.query.autocomplete import Lookup as Lookup
from ontolake.registries.query.autocomplete import to_attribute_name as to_attribute_name

__all__ = ["Lookup", "to_attribute_name"]
