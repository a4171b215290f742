"""``Related``: the records on the other side of a relation, with LaminDB's verbs.

Every to-many relationship of a registry (``af.ulabels``, ``af.cell_types``,
``t_cell.parents``, ``project.artifacts``, ``run.inputs`` …) holds a ``Related``
collection. It works two ways:

- **In memory, like a list**: iteration, ``len``, ``in``, indexing and ``append(record)``,
  which, as before, takes effect when the owner is saved (also before its first save, and
  in the constructor: ``ol.Collection(key=..., artifacts=[a, b])``).
- **In the database, at once**: ``add``, ``remove``, ``set`` and ``clear`` write the links
  in one transaction and return when they are committed, as LaminDB's do for saved
  records; ``all``, ``filter``, ``exclude``, ``get``, ``first``, ``count`` and
  ``to_dataframe`` query the linked records afresh (a :class:`QuerySet`, trashed records
  hidden as in every query).

The owner and the records must be saved for the database verbs; assigning a list
(``af.ulabels = [...]``) is for unsaved owners, saved ones use ``set``. Removing a label
link also removes the feature values that hold the label (see
:mod:`~ontolake.registries.label_links`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.collections import collection

from ontolake.errors import RelationError

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.orm import RelationshipProperty, Session

    from ontolake.registries.query.queryset import QuerySet

__all__ = ["Related"]

RecordT = TypeVar("RecordT")
_F = TypeVar("_F", bound="Callable[..., Any]")


def _typed(decorator: Callable[..., Any]) -> Callable[[_F], _F]:
    """A SQLAlchemy collection decorator as typed: it returns the method it marks."""
    return decorator


class Related(Collection[RecordT]):
    """The records linked to one record through a relation: a list that also writes and queries.

    Example:
        >>> [label.name for label in artifact.ulabels]  # in memory, like a list
        ['batch 7']
        >>> artifact.ulabels.add(ol.ULabel(name="batch 8").save())  # committed at once
        >>> artifact.ulabels.filter(name__startswith="batch").count()  # a fresh query
        2
        >>> [parent.name for parent in t_cell.parents]  # an ontology term's parents
        ['lymphocyte']
    """

    __emulates__ = list  # a list may be assigned; only the methods below exist
    _sa_adapter: Any

    def __init__(self) -> None:
        self._records: dict[RecordT, None] = {}  # ordered, with O(1) membership
        # the record this list belongs to, held so that ``ol.ULabel.get(...).artifacts.add(x)``
        # keeps it alive (SQLAlchemy holds owners weakly)
        self._owner: Any = None

    # ---- the collection protocol SQLAlchemy loads and tracks through ---------------------
    @_typed(collection.appender)
    def _store(self, record: RecordT) -> None:
        self._records[record] = None  # a link is there once, however many rows hold it

    @_typed(collection.remover)
    def _discard(self, record: RecordT) -> None:
        self._records.pop(record, None)

    @_typed(collection.iterator)
    def __iter__(self) -> Iterator[RecordT]:
        return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, record: object) -> bool:
        return isinstance(record, Hashable) and record in self._records

    @overload
    def __getitem__(self, index: int) -> RecordT: ...

    @overload
    def __getitem__(self, index: slice) -> list[RecordT]: ...

    def __getitem__(self, index: int | slice) -> RecordT | list[RecordT]:
        return list(self._records)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Related, list, tuple)):
            return list(self._records) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self._records))

    @_typed(collection.internally_instrumented)
    def append(self, record: RecordT) -> None:
        """Link ``record`` when the owner is next saved (the list verb; ``add`` saves at once).

        Example:
            >>> table = ol.Artifact.get(key="tables/x.parquet")
            >>> table.ulabels.append(ol.ULabel.get(name="batch 7"))
            >>> table.ulabels.count()  # not linked in the database yet
            0
            >>> _ = table.save()
            >>> table.ulabels.count()
            1
        """
        if record not in self._records:
            self._store(record)

    # ---- the database verbs -----------------------------------------------------------------
    @_typed(collection.internally_instrumented)
    def add(self, *records: RecordT) -> None:
        """Link ``records`` and commit the links now (a record linked already stays linked).

        Raises:
            RelationError: the owner or a record is not saved, or a record belongs to
                another registry.

        Example:
            >>> atlas = ol.Project(name="Atlas").save()
            >>> artifact.projects.add(atlas)
            >>> [linked.key for linked in atlas.artifacts]
            ['raw/sample.fasta']
        """
        _Relation.of(self).write(self, add=records)

    @_typed(collection.internally_instrumented)
    def remove(self, *records: RecordT) -> None:
        """Unlink ``records`` and commit now; a label's feature values on the artifact go too.

        Example:
            >>> artifact.features.add_values({"cell_type": "T cell"})  # links T cell
            >>> artifact.cell_types.remove(t_cell)
            >>> artifact.cell_types.count(), artifact.features.get_values()
            (0, {})
        """
        _Relation.of(self).write(self, remove=records)

    @_typed(collection.internally_instrumented)
    def set(self, records: Iterable[RecordT]) -> None:
        """Link exactly ``records``: unlink the others and link the new ones, in one commit.

        Example:
            >>> b_cell = ol.bio.CellType.get(name="B cell")
            >>> artifact.cell_types.set([t_cell, b_cell])
            >>> sorted(cell_type.name for cell_type in artifact.cell_types)
            ['B cell', 'T cell']
        """
        _Relation.of(self).write(self, replace=list(records))

    @_typed(collection.internally_instrumented)
    def clear(self) -> None:
        """Unlink every record, in one commit.

        Example:
            >>> artifact.ulabels.clear()
            >>> artifact.ulabels.count(), list(artifact.ulabels)
            (0, [])
        """
        _Relation.of(self).write(self, replace=[])

    def all(self) -> QuerySet[RecordT]:
        """The linked records as stored now, as a QuerySet (trashed ones hidden).

        Example:
            >>> [label.name for label in artifact.ulabels.all()]
            ['batch 7']
        """
        return _Relation.of(self).query()

    def filter(self, *expressions: Any, **lookups: Any) -> QuerySet[RecordT]:
        """The linked records matching ``lookups``.

        Example:
            >>> t_cell.children.count()
            9
            >>> [child.name for child in t_cell.children.filter(name__contains="-")]
            ['alpha-beta T cell', 'gamma-delta T cell']
        """
        return self.all().filter(*expressions, **lookups)

    def exclude(self, **lookups: Any) -> QuerySet[RecordT]:
        """The linked records not matching ``lookups``."""
        return self.all().exclude(**lookups)

    def get(self, uid: str | None = None, **lookups: Any) -> RecordT:
        """The one linked record with ``uid`` or ``lookups``."""
        return self.all().get(uid, **lookups)

    def first(self) -> RecordT | None:
        """The first linked record (by id), or None."""
        return self.all().first()

    def count(self) -> int:
        """How many records are linked (trashed ones not counted).

        Example:
            >>> ol.ULabel.get(name="batch 7").artifacts.count()
            1
        """
        return self.all().count()

    def to_dataframe(self, include: list[str] | str | None = None) -> Any:
        """The linked records as a pandas DataFrame (see ``QuerySet.to_dataframe``).

        Example:
            >>> t_cell.parents.to_dataframe()[["name", "ontology_id"]]
            ... # doctest: +NORMALIZE_WHITESPACE
                       name ontology_id
            id
            157  lymphocyte  CL:0000542
        """
        return self.all().to_dataframe(include=include)


class _Relation:
    """One owner's side of one relationship: the SQL behind the database verbs."""

    def __init__(self, owner: Any, prop: RelationshipProperty[Any]) -> None:
        self.owner = owner
        self.prop = prop
        self.target: Any = prop.mapper.class_
        self.name = f"{type(owner).__name__}.{prop.key}"

    @classmethod
    def of(cls, related: Related[Any]) -> _Relation:
        adapter = related._sa_adapter
        if adapter is None or related._owner is None:
            raise RelationError("This list belongs to no record: use record.<relation>.")
        return cls(related._owner, adapter.owner_state.mapper.relationships[adapter.attr.key])

    # ---- shape --------------------------------------------------------------------------
    @property
    def owner_id(self) -> int:
        owner_id = getattr(self.owner, "id", None)
        if owner_id is None:
            kind = type(self.owner).__name__
            raise RelationError(
                f"Save the {kind} before using {self.name} in the database "
                f"({kind.lower()}.save()); before that, {self.prop.key}.append(record) links "
                "it on the first save."
            )
        return int(owner_id)

    def _columns(self) -> tuple[Any, Any]:
        """The owner's and the target's columns of the link table."""
        owner_side = self.prop.synchronize_pairs or []
        target_side = self.prop.secondary_synchronize_pairs or []
        return owner_side[0][1], target_side[0][1]

    def _table(self) -> Table:
        """The link table the verbs write; a clear error for relations they do not write."""
        secondary = cast("Table | None", self.prop.secondary)
        if secondary is None:  # one-to-many: the other side's foreign key holds the link
            other = next(iter(self.prop._reverse_property), None)
            setter = other.key if other is not None else "its foreign key"
            reason = f"it follows {self.target.__name__}.{setter}: set that and save"
        else:
            if "read_only" not in secondary.info:
                return secondary
            reason = secondary.info["read_only"]
        raise RelationError(f"{self.name} cannot be changed here: {reason}.")

    def _ids(self, records: Iterable[Any]) -> list[int]:
        ids = []
        for record in records:
            if not isinstance(record, self.target):
                raise RelationError(
                    f"{self.name} links {self.target.__name__} records, got {record!r}."
                )
            if record.id is None:
                raise RelationError(
                    f"Save {record!r} before linking it to {self.name} (record.save())."
                )
            ids.append(int(record.id))
        return list(dict.fromkeys(ids))

    # ---- reading ------------------------------------------------------------------------
    def query(self) -> QuerySet[Any]:
        from sqlalchemy import select

        owner_id = self.owner_id
        if self.prop.secondary is None:
            condition = (self.prop.synchronize_pairs or [])[0][1] == owner_id
        else:
            owner_column, target_column = self._columns()
            linked = select(target_column).where(owner_column == owner_id)
            condition = self.target.id.in_(linked)
        return self.target.filter(condition)  # type: ignore[no-any-return]

    # ---- writing ------------------------------------------------------------------------
    def write(
        self,
        related: Related[Any],
        *,
        add: Iterable[Any] = (),
        remove: Iterable[Any] = (),
        replace: list[Any] | None = None,
    ) -> None:
        """Apply the changes in one write transaction, then to the loaded collections."""
        from sqlalchemy import select

        from ontolake.instance.session import current_instance

        owner_id = self.owner_id
        table = self._table()
        owner_column, target_column = self._columns()
        adding = list(add if replace is None else replace)
        with current_instance().write() as session:  # ids of records deleted elsewhere: an error
            add_ids, remove_ids = self._ids(adding), self._ids(remove)
            session.flush()  # links appended before, so that this change comes after them
            if replace is not None:
                stored = select(target_column).where(owner_column == owner_id)
                remove_ids = sorted(set(session.execute(stored).scalars()) - set(add_ids))
            self._unlink(session, table, owner_id, remove_ids)
            self._link(session, table, owner_id, add_ids)
        _sync_memory(session, self, related, adding, remove_ids, replace is not None)

    def _link(self, session: Session, table: Table, owner_id: int, ids: list[int]) -> None:
        from sqlalchemy import select

        from ontolake.registries.links import insert_links

        columns = self._columns()
        if "direct" not in table.c:  # other links: only the missing ones (any relation type)
            stored: set[int] = set()
            for chunk in _chunks(ids):
                linked = select(columns[1]).where(columns[0] == owner_id, columns[1].in_(chunk))
                stored.update(session.execute(linked).scalars())
            ids = [target_id for target_id in ids if target_id not in stored]
        insert_links(session, table, [(owner_id, target_id) for target_id in ids], columns)

    def _unlink(self, session: Session, table: Table, owner_id: int, ids: list[int]) -> None:
        from sqlalchemy import delete

        from ontolake.registries.label_links import drop_held_values

        owner_column, target_column = self._columns()
        for chunk in _chunks(ids):
            session.execute(delete(table).where(owner_column == owner_id, target_column.in_(chunk)))
            if "direct" in table.c:  # a label link: the values holding the label go with it
                if owner_column.key == "artifact_id":
                    drop_held_values(session, table, [owner_id], chunk)
                else:
                    drop_held_values(session, table, chunk, [owner_id])


def _chunks(ids: list[int], size: int = 10_000) -> Iterator[list[int]]:
    """``ids`` in slices small enough for one ``IN (...)`` on every database."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _sync_memory(
    session: Session,
    relation: _Relation,
    related: Related[Any],
    added: list[Any],
    removed_ids: list[int],
    replaced: bool,
) -> None:
    """Bring the owner's collection and the loaded reverse collections up to date.

    Nothing is marked as changed: the database holds these links already.
    """
    adapter = related._sa_adapter
    owner = relation.owner
    reverse = next(iter(relation.prop._reverse_property), None)
    gone, kept = set(removed_ids), set(added)
    for record in list(related):
        if (replaced and record not in kept) or record.id in gone:
            adapter.remove_without_event(record)
    for record in added:
        if record not in related:
            adapter.append_without_event(record)
    if reverse is None:
        return
    for record_id in gone:
        record = session.identity_map.get(session.identity_key(relation.target, record_id))
        if record is not None and reverse.key in inspect(record).dict:
            getattr(record, reverse.key)._sa_adapter.remove_without_event(owner)
    for record in added:
        if reverse.key in inspect(record).dict and owner not in getattr(record, reverse.key):
            getattr(record, reverse.key)._sa_adapter.append_without_event(owner)


@event.listens_for(Mapper, "mapper_configured")
def _instrument(mapper: Mapper[Any], cls: type[Any]) -> None:
    """Give each new list its owner; refuse assigning a list to a saved record's relation.

    Assigning would replace the links through the unit of work, past the verbs.
    """
    for prop in mapper.relationships:
        if prop.collection_class is Related and prop.parent is mapper:
            event.listen(prop.class_attribute, "init_collection", _remember_owner)
            event.listen(prop.class_attribute, "bulk_replace", _refuse_saved_owner)


def _remember_owner(owner: Any, related: Related[Any], adapter: Any) -> None:
    related._owner = owner


def _refuse_saved_owner(owner: Any, values: list[Any], initiator: Any, **_: Any) -> None:
    if inspect(owner).has_identity:
        name = initiator.key
        raise RelationError(
            f"{type(owner).__name__}.{name} of a saved record is not assigned: use "
            f"record.{name}.set([...]), which saves the links at once."
        )
