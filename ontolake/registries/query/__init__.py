"""The query language shared by every registry: lookups, QuerySet, search and lookup objects."""
