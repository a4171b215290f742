"""Property tests: the query language against a Python model of its semantics, on both backends.

Each test seeds one fixed, diverse set of labels (names with LIKE wildcards, backslashes,
quotes, slashes, accents, ß, Greek, CJK, mixed case, surrounding spaces, empty strings;
descriptions partly None; creation times across years, months and midnights) and lets
hypothesis generate only the queries. The model:

- ``exact``, ``contains``, ``startswith``, ``endswith`` and ``in`` are Python's ``==``,
  ``in``, ``str.startswith``, ``str.endswith`` and list membership; NULL matches only
  ``exact=None``, ``isnull=True`` and ``in`` lists holding None.
- The ``i``-lookups compare ``str.lower()`` of both sides (Unicode, not only ASCII).
- ``year``/``month``/``day`` are the parts of the UTC creation time.
- ``exclude(**L)`` is the complement of ``filter(**L)`` among visible (not trashed) records.
- ``search`` ranks exact (casefolded) matches before prefixes before substrings.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

import ontolake as ol

QUERY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Names chosen to trip up LIKE escaping, quoting and case folding; some repeat on purpose
# (ordering ties) and several differ only in case, inside and outside ASCII.
NAMES = [
    "batch 7",
    "Batch 7",
    "BATCH 7",
    "batch_7",
    "batch%7",
    "50% done",
    "100%",
    "a_b",
    "a%b",
    "a\\b",
    "a\\\\b",
    "\\",
    "%",
    "_",
    "raw/sample.fasta",
    "raw\\sample",
    "it's",
    'say "hi"',
    "'quoted'",
    "café",
    "CAFÉ",
    "Café au lait",
    "Straße",
    "STRASSE",
    "strasse",
    "中文",
    "中文 label",
    "標籤",
    "Éclair",
    "éclair",
    "ΣΟΦΙΑ",
    "σοφια",
    "ΟΔΟΣ",
    "οδος",
    "Ωmega",
    "ωMEGA",
    "ǅemal",
    "ǆemal",
    "İstanbul",
    "istanbul",
    "\u212a",
    " leading",
    "trailing ",
    "  both  ",
    " ",
    "",
    "x",
    "X",
    "T cell",
    "t cell",
    "T-cell",
    "CD4+ T cell",
    "B cell",
    "batch 7",
    "x",
    "",
    "café",
    "Control",
    "control group",
    "p53 mutant",
    "P53",
]
DESCRIPTIONS = [None, None, "", "reads", "READS", "50% of reads", "a_b", "naïve", "NAÏVE", "中"]
TRASHED = ["batch 7 (trashed)", "café"]

# Characters the generated values are made of: the wildcards and escape, quotes, case pairs.
ALPHABET = "aAbBxX7 %_\\/'\".-+ éÉß ΣσςΟοΩω 中 ǅǆ İ ik\u212a"


@dataclasses.dataclass(frozen=True)
class Row:
    id: int
    name: str
    description: str | None
    created_at: datetime


def _created_times(count: int) -> list[datetime]:
    """Times across years, months and days, several a minute either side of midnight UTC."""
    generator = random.Random(20250314)
    edges = [
        datetime(2024, 12, 31, 23, 59, tzinfo=timezone.utc),
        datetime(2025, 1, 1, 0, 1, tzinfo=timezone.utc),
        datetime(2024, 2, 29, 23, 30, tzinfo=timezone.utc),
        datetime(2024, 3, 1, 0, 30, tzinfo=timezone.utc),
        datetime(2023, 6, 30, 23, 45, tzinfo=timezone.utc),
        datetime(2026, 1, 31, 0, 15, tzinfo=timezone.utc),
    ]
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    spread = [
        start + timedelta(minutes=generator.randrange(4 * 365 * 24 * 60)) for _ in range(count)
    ]
    return (edges + spread)[:count]


class Rows(list):  # type: ignore[type-arg]
    """The seeded rows, shown briefly in hypothesis' falsifying examples."""

    def __repr__(self) -> str:
        return f"<{len(self)} seeded labels>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


@pytest.fixture
def rows(instance) -> Rows:
    """The visible labels, seeded once per test; two more labels sit in the trash."""
    generator = random.Random(7)
    times = _created_times(len(NAMES) + len(TRASHED))
    labels = [
        ol.ULabel(name=name, description=generator.choice(DESCRIPTIONS), created_at=created)
        for name, created in zip([*NAMES, *TRASHED], times, strict=True)
    ]
    ol.save(labels)
    for label in labels[len(NAMES) :]:
        label.delete()
    return Rows(
        Row(label.id, label.name, label.description, label.created_at)
        for label in labels[: len(NAMES)]
    )


# ---- the model ----------------------------------------------------------------------------
STRING_LOOKUPS: dict[str, Callable[[str, str], bool]] = {
    "exact": lambda field, value: field == value,
    "iexact": lambda field, value: field.lower() == value.lower(),
    "contains": lambda field, value: value in field,
    "icontains": lambda field, value: value.lower() in field.lower(),
    "startswith": lambda field, value: field.startswith(value),
    "istartswith": lambda field, value: field.lower().startswith(value.lower()),
    "endswith": lambda field, value: field.endswith(value),
    "iendswith": lambda field, value: field.lower().endswith(value.lower()),
}
ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda field, value: field > value,
    "gte": lambda field, value: field >= value,
    "lt": lambda field, value: field < value,
    "lte": lambda field, value: field <= value,
    "exact": lambda field, value: field == value,
}


@dataclasses.dataclass(frozen=True)
class Lookup:
    """One ``path=value`` lookup and the records Python says it selects."""

    path: str
    value: Any
    selects: Callable[[Row], bool]

    def __repr__(self) -> str:
        return f"{self.path}={self.value!r}"


def string_lookup(field: str, lookup: str, value: str) -> Lookup:
    compare = STRING_LOOKUPS[lookup]

    def selects(row: Row) -> bool:
        current = getattr(row, field)
        return current is not None and compare(current, value)

    return Lookup(f"{field}__{lookup}", value, selects)


def in_lookup(field: str, values: list[str | None]) -> Lookup:
    return Lookup(f"{field}__in", values, lambda row: getattr(row, field) in values)


def isnull_lookup(value: bool) -> Lookup:
    return Lookup("description__isnull", value, lambda row: (row.description is None) == value)


def id_lookup(lookup: str, value: Any) -> Lookup:
    if lookup == "range":
        low, high = value
        return Lookup("id__range", value, lambda row: low <= row.id <= high)
    compare = ORDERING[lookup]
    return Lookup(f"id__{lookup}", value, lambda row: compare(row.id, value))


def date_lookup(part: str, lookup: str, value: int) -> Lookup:
    compare = ORDERING[lookup]
    path = f"created_at__{part}" if lookup == "exact" else f"created_at__{part}__{lookup}"
    return Lookup(path, value, lambda row: compare(getattr(row.created_at, part), value))


def selected(rows: list[Row], *lookups: Lookup) -> list[int]:
    return sorted(row.id for row in rows if all(lookup.selects(row) for lookup in lookups))


def ids(query: Any) -> list[int]:
    return sorted(record.id for record in query)


def kwargs(*lookups: Lookup) -> dict[str, Any]:
    return {lookup.path: lookup.value for lookup in lookups}


# ---- strategies ---------------------------------------------------------------------------
def _substring(value: str) -> st.SearchStrategy[str]:
    bounds = st.integers(0, len(value))
    return st.tuples(bounds, bounds).map(lambda ij: value[min(ij) : max(ij)])


existing = st.sampled_from(NAMES + [d for d in DESCRIPTIONS if d is not None])
values = st.one_of(
    existing,
    existing.flatmap(_substring),
    existing.map(str.upper),
    existing.map(str.swapcase),
    existing.flatmap(_substring).map(str.upper),
    st.text(alphabet=ALPHABET, max_size=4),
)
fields = st.sampled_from(["name", "description"])


@st.composite
def lookups(draw: st.DrawFn, max_id: int = 200) -> Lookup:
    """Any single lookup of the model, over every kind the query language supports."""
    kind = draw(st.sampled_from(["string", "string", "string", "in", "isnull", "id", "date"]))
    if kind == "string":
        return string_lookup(
            draw(fields), draw(st.sampled_from(list(STRING_LOOKUPS))), draw(values)
        )
    if kind == "in":
        items = draw(st.lists(st.one_of(values, st.none()), max_size=5))
        return in_lookup(draw(fields), items)
    if kind == "isnull":
        return isnull_lookup(draw(st.booleans()))
    if kind == "id":
        lookup = draw(st.sampled_from(["gt", "gte", "lt", "lte", "range"]))
        bound = st.integers(-1, max_id)
        return id_lookup(
            lookup, draw(st.tuples(bound, bound)) if lookup == "range" else draw(bound)
        )
    part = draw(st.sampled_from(["year", "month", "day"]))
    value = draw(
        {"year": st.integers(2022, 2027), "month": st.integers(0, 13), "day": st.integers(0, 32)}[
            part
        ]
    )
    return date_lookup(part, draw(st.sampled_from(list(ORDERING))), value)


# ---- properties ---------------------------------------------------------------------------
@QUERY_SETTINGS
@given(data=st.data())
def test_string_lookups_select_what_python_selects(rows, data):
    lookup = string_lookup(
        data.draw(fields, "field"),
        data.draw(st.sampled_from(list(STRING_LOOKUPS)), "lookup"),
        data.draw(values, "value"),
    )
    assert ids(ol.ULabel.filter(**kwargs(lookup))) == selected(rows, lookup), lookup


def test_every_value_matches_itself_in_every_case_insensitive_lookup(rows):
    """Exhaustively, not by sampling: each stored name under its own and swapped case."""
    for row in rows:
        for variant in {row.name, row.name.upper(), row.name.lower(), row.name.swapcase()}:
            for lookup_name in ("iexact", "icontains", "istartswith", "iendswith"):
                lookup = string_lookup("name", lookup_name, variant)
                expected = selected(rows, lookup)
                assert ids(ol.ULabel.filter(**kwargs(lookup))) == expected, lookup


@QUERY_SETTINGS
@given(field=fields, items=st.lists(st.one_of(values, st.none()), max_size=6))
def test_in_selects_what_python_selects(rows, field, items):
    lookup = in_lookup(field, items)
    assert ids(ol.ULabel.filter(**kwargs(lookup))) == selected(rows, lookup), lookup


@QUERY_SETTINGS
@given(data=st.data())
def test_comparisons_and_ranges_on_ids(rows, data):
    all_ids = [row.id for row in rows]
    bound = st.integers(min(all_ids) - 2, max(all_ids) + 2)
    name = data.draw(st.sampled_from(["gt", "gte", "lt", "lte", "exact", "range"]), "lookup")
    value = data.draw(st.tuples(bound, bound) if name == "range" else bound, "value")
    lookup = id_lookup(name, value)
    assert ids(ol.ULabel.filter(**kwargs(lookup))) == selected(rows, lookup), lookup


def test_isnull_on_description(rows):
    for value in (True, False):
        lookup = isnull_lookup(value)
        assert ids(ol.ULabel.filter(**kwargs(lookup))) == selected(rows, lookup)
    assert selected(rows, isnull_lookup(True)) and selected(rows, isnull_lookup(False))


@QUERY_SETTINGS
@given(
    year=st.integers(2022, 2027),
    month=st.integers(0, 13),
    day=st.integers(0, 32),
    parts=st.sets(st.sampled_from(["year", "month", "day"]), min_size=1),
)
def test_year_month_and_day_of_created_at(rows, year, month, day, parts):
    chosen = {"year": year, "month": month, "day": day}
    lookups_ = [date_lookup(part, "exact", chosen[part]) for part in sorted(parts)]
    assert ids(ol.ULabel.filter(**kwargs(*lookups_))) == selected(rows, *lookups_), lookups_


def test_date_parts_are_taken_in_utc_whatever_the_database_time_zone(rows, instance):
    """A PostgreSQL server in another time zone must not move records across midnight."""
    if instance.dialect == "postgresql":
        database = instance.engine.url.database
        with instance.engine.connect() as connection:
            connection.execute(text(f"ALTER DATABASE \"{database}\" SET timezone TO 'Asia/Tokyo'"))
        instance.close()  # new connections pick up the setting
        with instance.engine.connect() as connection:
            assert connection.execute(text("SHOW timezone")).scalar() == "Asia/Tokyo"
    for row in rows:
        for part in ("year", "month", "day"):
            lookup = date_lookup(part, "exact", getattr(row.created_at, part))
            assert row.id in ids(ol.ULabel.filter(**kwargs(lookup))), (row, lookup)
    lookup = date_lookup("day", "exact", 31)
    assert ids(ol.ULabel.filter(**kwargs(lookup))) == selected(rows, lookup)


@QUERY_SETTINGS
@given(lookup=lookups())
def test_exclude_is_the_complement_of_filter(rows, lookup):
    everyone = sorted(row.id for row in rows)
    matching = ids(ol.ULabel.filter(**kwargs(lookup)))
    excluded = ids(ol.ULabel.all().exclude(**kwargs(lookup)))
    assert matching == selected(rows, lookup), lookup
    assert excluded == sorted(set(everyone) - set(matching)), lookup


@QUERY_SETTINGS
@given(first=lookups(), second=lookups())
def test_chained_and_combined_filters_are_intersections(rows, first, second):
    expected = selected(rows, first, second)
    assert ids(ol.ULabel.filter(**kwargs(first)).filter(**kwargs(second))) == expected
    if first.path != second.path:
        assert ids(ol.ULabel.filter(**kwargs(first, second))) == expected
    assert ids(ol.ULabel.filter(**kwargs(first)).exclude(**kwargs(second))) == sorted(
        set(selected(rows, first)) - set(selected(rows, second))
    )


@QUERY_SETTINGS
@given(lookup=lookups())
def test_count_len_and_exists_agree_with_the_records(rows, lookup):
    query = ol.ULabel.filter(**kwargs(lookup))
    records = list(query)
    assert query.count() == len(records) == len(query) == len(selected(rows, lookup))
    assert query.exists() == (query.count() > 0) == bool(query)


@QUERY_SETTINGS
@given(
    order=st.sampled_from(["name", "-name", "created_at", "-created_at", "id", "-id"]),
    lookup=st.one_of(st.none(), lookups()),
    start=st.integers(0, 70),
    length=st.one_of(st.none(), st.integers(0, 70)),
)
def test_slices_of_an_ordered_query_are_slices_of_the_ordered_list(
    instance, rows, order, lookup, start, length
):
    query = ol.ULabel.filter(**kwargs(lookup)) if lookup else ol.ULabel.filter()
    ordered = query.order_by(order)
    everything = [record.id for record in ordered]
    assert sorted(everything) == selected(rows, *([lookup] if lookup else []))
    stop = None if length is None else start + length
    assert [record.id for record in ordered[start:stop]] == everything[start:stop]
    assert [record.id for record in ordered[start:][: length or 0]] == everything[start:][
        : length or 0
    ]
    if everything[start:]:
        assert ordered[start].id == everything[start]
    # ordered by the field, ties by id ascending whatever the direction
    by_id = {row.id: row for row in rows}
    field, descending = order.removeprefix("-"), order.startswith("-")
    if field == "name" and not sorts_by_code_point(instance):
        return  # a linguistic collation orders names its own way
    expected = sorted(
        sorted(everything), key=lambda i: getattr(by_id[i], field), reverse=descending
    )
    assert everything == expected


def sorts_by_code_point(instance) -> bool:
    """SQLite compares text by code point, PostgreSQL only under the C collation."""
    if instance.dialect == "sqlite":
        return True
    with instance.engine.connect() as connection:
        collation = connection.execute(
            text("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        ).scalar()
    return collation in ("C", "POSIX")


def _tier(query: str, row: Row) -> int | None:
    """0 exact, 1 prefix, 2 substring (casefolded, over name and description), else None."""
    tiers = []
    for value in (row.name, row.description):
        if not value:
            continue
        folded = value.casefold()
        if folded == query:
            tiers.append(0)
        elif folded.startswith(query):
            tiers.append(1)
        elif query in folded:
            tiers.append(2)
    return min(tiers) if tiers else None


@QUERY_SETTINGS
@given(
    text_=st.one_of(values, existing.map(str.swapcase)),
    within=st.one_of(st.none(), lookups()),
    start=st.integers(0, 10),
)
def test_search_ranks_exact_before_prefix_before_substring(rows, text_, within, start):
    query = text_.casefold().strip()
    by_id = {row.id: row for row in rows}
    candidates = [row for row in rows if within is None or within.selects(row)]
    searched = (ol.ULabel.filter(**kwargs(within)) if within else ol.ULabel.filter()).search(text_)
    found = [record.id for record in searched]
    assert len(found) == len(set(found))
    assert set(found) <= {row.id for row in candidates}  # search refines, never widens
    tiers = [_tier(query, by_id[record_id]) if query else None for record_id in found]
    literal = [tier for tier in tiers if tier is not None]
    # literal matches first, in tier order; fuzzy matches (tier None) only after them
    assert literal == sorted(literal)
    assert tiers[: len(literal)] == literal, (text_, tiers)
    expected = {row.id for row in candidates if query and _tier(query, row) is not None}
    assert {
        record_id for record_id, tier in zip(found, tiers, strict=True) if tier is not None
    } == expected
    # the ranked query counts, slices and answers like its list
    assert searched.count() == len(found)
    assert searched.exists() == bool(found)
    assert [record.id for record in searched[start : start + 3]] == found[start : start + 3]
    first = searched.first()
    assert (first.id if first else None) == (found[0] if found else None)
