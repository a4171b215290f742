"""Deprecated name of :mod:`ontolake.registries.query.json_fields`."""

from __future__ import annotations

from ontolake.registries.query.json_fields import json_condition as json_condition

__all__ = ["json_condition"]
