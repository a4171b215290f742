"""``QuerySet``: a lazy, immutable query over one registry; the same verbs on every registry.

Nothing runs until the results are needed (iteration, ``count``, ``to_dataframe`` …). Every
method returns a new QuerySet, so a query can be refined without changing the original.
Queries return every matching row unless the caller slices or passes a ``limit``.
Trashed records are left out unless a lookup names ``is_trashed`` or the QuerySet was made
with ``include_trashed=True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import compress
from operator import index as whole_number
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from sqlalchemy import and_, func, not_, select

from ontolake.errors import DoesNotExistError, MultipleResultsError, QueryError
from ontolake.registries.query.lookups import build_condition, field_name, resolve_column
from ontolake.registries.query.operators.sql import in_values

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.orm import Session
    from sqlalchemy.sql.elements import ColumnElement

    from ontolake.registries.query.autocomplete import Lookup

__all__ = ["QuerySet"]

RecordT = TypeVar("RecordT")


class QuerySet(Generic[RecordT]):
    """Records of ``model`` matching conditions, in order; evaluated lazily.

    Example:
        >>> import ontolake as ol
        >>> latest = ol.Artifact.filter(key__startswith="r", is_latest=True)
        >>> latest.order_by("-created_at").first().key
        'results/x.parquet'
        >>> frame = latest.to_dataframe(include=["ulabels__name"])
        >>> frame[["key", "version", "ulabels__name"]]  # doctest: +NORMALIZE_WHITESPACE
                          key  version ulabels__name
        id
        1    raw/sample.fasta        1     [batch 7]
        3   results/x.parquet        1            []
    """

    def __init__(self, model: type[RecordT], *, include_trashed: bool = False) -> None:
        self.model = model
        self._include_trashed = include_trashed or not hasattr(model, "is_trashed")
        self._conditions: tuple[ColumnElement[bool], ...] = ()
        self._order: tuple[str, ...] = ()
        self._offset = 0
        self._limit: int | None = None
        self._ranking: dict[int, int] | None = None

    def _clone(self) -> QuerySet[RecordT]:
        clone = QuerySet.__new__(QuerySet)
        clone.__dict__.update(self.__dict__)
        return clone

    # ---- refining -------------------------------------------------------------------------
    def filter(self, *expressions: Any, **lookups: Any) -> QuerySet[RecordT]:
        """Keep the records matching every lookup (and any SQLAlchemy expressions).

        Example:
            >>> found = ol.Artifact.filter(size__gt=10).filter(ulabels__name="batch 7")
            >>> [artifact.key for artifact in found]
            ['raw/sample.fasta']
        """
        clone = self._clone()
        conditions = [*expressions]
        for path, value in lookups.items():
            if path.split("__", 1)[0] == "is_trashed":
                clone._include_trashed = True
            conditions.append(build_condition(self.model, path, value))
        clone._conditions = (*self._conditions, *conditions)
        return clone

    def exclude(self, **lookups: Any) -> QuerySet[RecordT]:
        """Leave out the records matching all ``lookups``.

        Example:
            >>> found = ol.Artifact.filter(key__contains="x").exclude(key__startswith="tables/")
            >>> [artifact.key for artifact in found]
            ['results/x.parquet']
        """
        conditions = [build_condition(self.model, path, value) for path, value in lookups.items()]
        clone = self._clone()
        clone._conditions = (*self._conditions, not_(and_(*conditions)))
        return clone

    def order_by(self, *fields: str) -> QuerySet[RecordT]:
        """Order by fields; a leading ``-`` sorts descending.

        Example:
            >>> [artifact.key for artifact in ol.Artifact.filter().order_by("-created_at", "key")]
            ['results/x.parquet', 'tables/x.parquet', 'raw/sample.fasta']
        """
        for field in fields:
            resolve_column(self.model, field.removeprefix("-"))
        clone = self._clone()
        clone._order = fields
        return clone

    def all(self) -> QuerySet[RecordT]:
        """This QuerySet (the Django verb; iterate or call ``list()`` for the records)."""
        return self._clone()

    def limit(self, count: int) -> QuerySet[RecordT]:
        """At most ``count`` records.

        Example:
            >>> [artifact.key for artifact in ol.Artifact.filter().order_by("key").limit(2)]
            ['raw/sample.fasta', 'results/x.parquet']
        """
        return self[:count]

    # ---- SQL ------------------------------------------------------------------------------
    def _where(self) -> list[ColumnElement[bool]]:
        conditions = list(self._conditions)
        if not self._include_trashed:
            conditions.append(self.model.is_trashed.is_(False))  # type: ignore[attr-defined]
        if self._ranking is not None:
            conditions.append(in_values(self.model.id, list(self._ranking)))  # type: ignore[attr-defined]
        return conditions

    def _order_clauses(self) -> list[Any]:
        clauses = []
        for field in self._order:
            column = resolve_column(self.model, field.removeprefix("-"))
            # missing values sort last ascending and first descending, on every database
            if field.startswith("-"):
                clauses.append(column.desc().nulls_first())
            else:
                clauses.append(column.asc().nulls_last())
        return clauses

    def _statement(self, *columns: Any) -> Select[Any]:
        statement = select(*columns) if columns else select(self.model)
        statement = statement.where(*self._where())
        if self._ranking is not None:
            return statement  # ranked, ordered and sliced in Python
        statement = statement.order_by(*self._order_clauses(), self.model.id)  # type: ignore[attr-defined]
        if self._offset:
            statement = statement.offset(self._offset)
        if self._limit is not None:
            statement = statement.limit(self._limit)
        return statement

    def _apply_ranking(self, rows: list[Any], id_of: Any) -> list[Any]:
        if self._ranking is None:
            return rows
        ranking = self._ranking
        rows.sort(key=lambda row: ranking[id_of(row)])
        end = None if self._limit is None else self._offset + self._limit
        return rows[self._offset : end]

    def id_subquery(self) -> Select[Any]:
        """A ``SELECT id`` of the matching records, for ``field__in=queryset``."""
        if self._ranking is not None:
            return select(self.model.id).where(in_values(self.model.id, self._ids()))  # type: ignore[attr-defined]
        return self._statement(self.model.id)  # type: ignore[attr-defined]

    def _ids(self) -> list[int]:
        from ontolake.instance.session import current_instance

        with current_instance().read() as session:
            rows = list(session.execute(self._statement(self.model.id)).scalars())  # type: ignore[attr-defined]
        return self._apply_ranking(rows, lambda row: row)

    # ---- evaluating -----------------------------------------------------------------------
    def to_list(self) -> list[RecordT]:
        """The matching records as a list.

        Example:
            >>> records = ol.ULabel.filter(name__startswith="batch").to_list()
            >>> records  # doctest: +ELLIPSIS
            [ULabel(uid='...', name='batch 7')]
        """
        from ontolake.instance.session import current_instance

        with current_instance().read() as session:
            records = _current_records(session, self._statement())
        return self._apply_ranking(records, lambda record: record.id)

    def __iter__(self) -> Iterator[RecordT]:
        return iter(self.to_list())

    def __len__(self) -> int:
        return self.count()

    def __bool__(self) -> bool:
        return self.exists()

    @overload
    def __getitem__(self, index: int) -> RecordT: ...

    @overload
    def __getitem__(self, index: slice) -> QuerySet[RecordT]: ...

    def __getitem__(self, index: int | slice) -> RecordT | QuerySet[RecordT]:
        if isinstance(index, slice):
            if index.step not in (None, 1):
                raise QueryError("QuerySet slices take no step: use [start:stop].")
            start, stop = _bound(index.start or 0), _bound(index.stop)
            if start < 0 or (stop is not None and stop < 0):
                raise QueryError("QuerySet slices take no negative bounds: use order_by('-field').")
            clone = self._clone()
            clone._offset = min(self._offset + start, _MAX_ROWS)
            available = None if self._limit is None else max(self._limit - start, 0)
            wanted = None if stop is None else max(stop - start, 0)
            candidates = [n for n in (available, wanted) if n is not None]
            clone._limit = min(candidates) if candidates else None
            return clone
        position: int = _bound(index)
        if position < 0:
            raise QueryError("QuerySet indices must be >= 0: use order_by('-field')[0].")
        found = self[position : position + 1].to_list()
        if not found:
            raise IndexError(f"{self.model.__name__} query has no record at position {position}.")
        return found[0]

    def first(self) -> RecordT | None:
        """The first record in order (by id unless ordered), or None.

        Example:
            >>> _ = ol.Artifact.from_dataframe(df, key="tables/x.parquet").save()  # version 2
            >>> ol.Artifact.filter(key="tables/x.parquet").order_by("-version").first().version
            2
            >>> ol.Artifact.filter(key="nothing.csv").first() is None
            True
        """
        found = self[:1].to_list()
        return found[0] if found else None

    def one_or_none(self) -> RecordT | None:
        """The single matching record, None if there is none; error if there are several.

        Example:
            >>> ol.ULabel.filter(name="batch 7").one_or_none().name
            'batch 7'
            >>> ol.ULabel.filter(name="batch 8").one_or_none() is None
            True
        """
        found = self[:2].to_list()
        if len(found) > 1:
            raise MultipleResultsError(
                f"More than one {self.model.__name__} matches: add lookups to narrow the query."
            )
        return found[0] if found else None

    def one(self) -> RecordT:
        """The single matching record; ``DoesNotExistError`` or ``MultipleResultsError`` otherwise.

        Example:
            >>> ol.ULabel.filter(name="batch 7").one().name
            'batch 7'
        """
        found = self.one_or_none()
        if found is None:
            raise DoesNotExistError(f"No {self.model.__name__} matches the query.")
        return found

    def get(self, uid: str | None = None, **lookups: Any) -> RecordT:
        """Exactly one record by ``uid`` (or a prefix of it) or by lookups.

        For versioned registries a 12-character uid stem (or a key) names the latest version.

        Example:
            >>> stem = artifact.uid[:12]  # a uid without its version: the latest version
            >>> ol.Artifact.get(stem).key
            'raw/sample.fasta'
            >>> ol.Artifact.get(key="raw/sample.fasta").uid == artifact.uid
            True
        """
        query = self
        if uid is not None:
            if not isinstance(uid, str) or not uid:
                raise QueryError(f"get() takes a uid string, got {uid!r}: use get(field=value).")
            query = query.filter(uid__startswith=uid) if len(uid) < 16 else query.filter(uid=uid)
        if not lookups and uid is None:
            raise QueryError(f"{self.model.__name__}.get() needs a uid or lookups.")
        query = query.filter(**lookups)
        if hasattr(self.model, "is_latest") and (uid is None or len(uid) < 16):
            matches = query[:2].to_list()
            if len(matches) > 1:
                query = query.filter(is_latest=True)
        found = query[:2].to_list()
        shown = ", ".join(
            [*([f"uid={uid!r}"] if uid else []), *(f"{k}={v!r}" for k, v in lookups.items())]
        )
        if not found:
            raise DoesNotExistError(
                f"No {self.model.__name__} with {shown}: check the value, or use "
                f"{self.model.__name__}.search(...) to find similar records."
            )
        if len(found) > 1:
            raise MultipleResultsError(
                f"Several {self.model.__name__} records have {shown}: use filter(...) and pick one."
            )
        return found[0]

    def count(self) -> int:
        """The number of matching records.

        Example:
            >>> ol.Artifact.filter(key__startswith="raw/").count()
            1
        """
        from ontolake.instance.session import current_instance

        if self._ranking is not None:
            return len(self._ids())
        inner = self._statement(self.model.id).subquery()  # type: ignore[attr-defined]
        with current_instance().read() as session:
            return int(session.execute(select(func.count()).select_from(inner)).scalar_one())

    def exists(self) -> bool:
        """Whether any record matches.

        Example:
            >>> ol.Artifact.filter(hash=artifact.hash).exists()
            True
        """
        return self.first() is not None

    def to_dataframe(self, include: list[str] | str | None = None) -> Any:
        """The matching records as a pandas DataFrame indexed by ``id``.

        Args:
            include: related fields to add as columns, e.g. ``"created_by__handle"`` (one value)
                or ``"ulabels__name"`` (a list per row); ``"features"`` adds one column per
                feature (artifacts, runs and records).

        Example:
            >>> frame = ol.Artifact.filter().to_dataframe(include="ulabels__name")
            >>> frame[["key", "suffix", "ulabels__name"]]  # doctest: +NORMALIZE_WHITESPACE
                              key    suffix ulabels__name
            id
            1    raw/sample.fasta    .fasta     [batch 7]
            2    tables/x.parquet  .parquet            []
            3   results/x.parquet  .parquet            []
        """
        from ontolake.registries.query.dataframe import records_frame

        return records_frame(self, [include] if isinstance(include, str) else list(include or []))

    def rows(self, *columns: Any) -> list[Any]:
        """Plain tuples of ``columns`` for the matching records, in order.

        Runs as a Core query on the session's connection: no ORM objects are built, which
        makes this the fast path behind ``to_dataframe`` and the CLI listings.

        Example:
            >>> ol.Artifact.filter(key__startswith="r").order_by("key").rows(ol.Artifact.key)
            [('raw/sample.fasta',), ('results/x.parquet',)]
        """
        from ontolake.instance.session import current_instance

        statement = self._statement(self.model.id, *columns)  # type: ignore[attr-defined]
        with current_instance().read() as session:
            rows = list(session.connection().execute(statement).all())
        return [tuple(row[1:]) for row in self._apply_ranking(rows, lambda row: row[0])]

    def driver_rows(self, *columns: Any) -> list[tuple[Any, ...]]:
        """Rows of ``id`` and ``columns`` exactly as the database driver returns them.

        No SQLAlchemy type processing runs (SQLite gives booleans as 0/1 and timestamps as
        ISO text), which halves the cost for large results; callers convert whole columns.
        """
        from ontolake.instance.session import current_instance

        statement = self._statement(self.model.id, *columns)  # type: ignore[attr-defined]
        # in the default order (by id) and unsliced, sorting the ids here spares the database
        # a sort of whole rows (SQLite: a temporary B-tree, a sixth of a 1,000-row read)
        sort_here = not (self._order or self._offset or self._limit is not None) and (
            self._ranking is None
        )
        if sort_here:
            statement = statement.order_by(None)
        with current_instance().read() as session:
            rows = list(session.connection().execute(statement).cursor.fetchall())
        if sort_here:
            rows.sort(key=itemgetter(0))
        return self._apply_ranking(rows, lambda row: row[0])

    # ---- search ---------------------------------------------------------------------------
    def search(
        self, text: str, *, field: Any = None, limit: int | None = None
    ) -> QuerySet[RecordT]:
        """The matching records ranked by relevance: exact > prefix > substring > fuzzy.

        ``field`` (a name or a field object such as ``ol.Record.name``) searches one field
        instead of the registry's name-like fields.

        Example:
            >>> ol.Record.search("p53 mutnt").first().name  # fuzzy: a typo still finds it
            'P53mutant1'
        """
        from ontolake._gc import collector_paused
        from ontolake.registries.query.search import rank_values

        clone = self._clone()
        clone._ranking = None
        with collector_paused():  # a row tuple per candidate, freed before it would run
            owners, values = clone._search_values(field)
            ranked = rank_values(text, owners, values, limit=limit)
        clone._ranking = {record_id: position for position, record_id in enumerate(ranked)}
        clone._offset, clone._limit = 0, None
        return clone

    def _search_values(self, field: Any) -> tuple[list[int], list[str]]:
        """Flat ``(owners, values)``: every non-empty name-like value and its record's id.

        Read a field at a time (C-level ``compress`` and ``filter``, not a loop per row); a
        field that joins several values (synonyms) gives each of them, split in one pass.
        """
        import numpy as np

        fields = (
            [field_name(self.model, field)]
            if field is not None
            else list(self.model._search_fields)  # type: ignore[attr-defined]
        )
        rows = self.driver_rows(*(resolve_column(self.model, name) for name in fields))
        separators: dict[str, str] = self.model._search_separators  # type: ignore[attr-defined]
        owners: list[int] = []
        values: list[str] = []
        if not rows:
            return owners, values
        ids, *columns = zip(*rows, strict=True)
        for name, column in zip(fields, columns, strict=True):
            texts = list(map(str, filter(None, column)))
            present = list(compress(ids, column))
            separator = separators.get(name)
            if separator is not None and texts:
                counts = [text.count(separator) + 1 for text in texts]
                present = np.repeat(present, counts).tolist()
                texts = separator.join(texts).split(separator)
            owners += present
            values += texts
        return owners, values

    def lookup(self, field: Any = None) -> Lookup:
        """An auto-complete object: one attribute per normalised value of ``field``.

        ``field`` is a name or a field object (``ol.ULabel.name``).

        Example:
            >>> labels = ol.ULabel.lookup()
            >>> labels.batch_7  # doctest: +ELLIPSIS
            ULabel(uid='...', name='batch 7')
        """
        from ontolake.registries.query.autocomplete import Lookup

        default = self.model._search_fields[0]  # type: ignore[attr-defined]
        name = field_name(self.model, default if field is None else field)
        resolve_column(self.model, name)
        return Lookup(self.order_by("id"), name, self.model.__name__)

    # ---- deleting -------------------------------------------------------------------------
    def delete(self, permanent: bool = False) -> int:
        """Delete the matching records; trashable registries trash them unless ``permanent``.

        Returns the number of records deleted.

        Example:
            >>> ol.Artifact.filter(key__startswith="tables/").delete()  # to the trash
            1
            >>> ol.Artifact.filter(key__startswith="tables/").count()
            0
        """
        from ontolake.registries.delete import delete_records

        return delete_records(self.model, self._ids(), permanent=permanent)

    def __repr__(self) -> str:
        return f"<QuerySet of {self.model.__name__}: {len(self._conditions)} condition(s)>"


def _current_records(session: Session, statement: Select[Any]) -> list[Any]:
    """The records of ``statement`` as committed now, also those this session holds already.

    Objects a long-lived session loaded earlier are refreshed from their rows (another
    process may have written since: a new version demotes the one held here); the fields a
    user changed and has not saved yet keep their new values.
    """
    from sqlalchemy import inspect

    unsaved = {}
    for record in session.dirty:
        state = inspect(record)
        unsaved[record] = {
            name: state.dict[name]
            for name, attribute in state.attrs.items()
            if name in state.dict and attribute.history.has_changes()
        }
    statement = statement.execution_options(populate_existing=True)
    records = list(session.execute(statement).scalars())
    for record, fields in unsaved.items():
        for name, value in fields.items():
            setattr(record, name, value)
    return records


_MAX_ROWS = 2**63 - 1
"""The largest offset or limit a database takes; a bound past it selects nothing more."""


def _bound(value: Any) -> Any:
    """A slice bound or index as a whole number at most :data:`_MAX_ROWS` (None stays None)."""
    if value is None:
        return None
    try:
        number = whole_number(value)
    except TypeError:
        raise QueryError(
            f"QuerySet indices and slice bounds are whole numbers, got {value!r}."
        ) from None
    return min(number, _MAX_ROWS)
