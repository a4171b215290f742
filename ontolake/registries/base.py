"""The declarative base of every registry and the verbs all registries share.

Every registry is a SQLAlchemy 2.0 typed model (``Mapped[...]``) with an integer primary
key, a random base62 ``uid``, ``created_at`` and ``created_by``. The class methods
``filter``, ``get``, ``search`` and ``lookup`` and the instance methods ``save``, ``delete``
and ``describe`` behave the same on every registry.
"""

from __future__ import annotations

import importlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import JSON, DateTime, ForeignKey, MetaData, String, TypeDecorator, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    declared_attr,
    mapped_column,
    relationship,
)

from ontolake.registries.save import refuse_deleted
from ontolake.registries.uid import new_uid

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from typing_extensions import Self

    from ontolake.registries.query.autocomplete import Lookup
    from ontolake.registries.query.queryset import QuerySet
    from ontolake.registries.user import User

__all__ = ["Base", "JSONType", "RecordVerbs", "Registry", "Trashable", "UTCDateTime", "utcnow"]

JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Convert to UTC (naive on SQLite, which has no time zones)."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Return timezone-aware UTC datetimes."""
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class Base(DeclarativeBase):
    """Declarative base holding the metadata of every ontolake table."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
    }


@event.listens_for(Mapper, "before_configured")
def _map_every_registry() -> None:
    """Import every model before SQLAlchemy resolves relationships by class name.

    Relationships name their targets as strings (``"Storage"``); they resolve only once the
    target's module has run. Whatever module a program imports first (``curate save`` imports
    only ``registries.artifact``), the first query or new object configures the mappers, and
    this hook completes the set of models just before that happens.
    """
    importlib.import_module("ontolake.registries.models")


class RecordVerbs:
    """The verbs every registry shares: query, search, look up, save, delete, describe."""

    _search_fields: ClassVar[tuple[str, ...]] = ("name",)
    _search_separators: ClassVar[dict[str, str]] = {}
    """Search fields that hold several values joined by a separator (field → separator):
    search compares the text with each value (an exact synonym is an exact match)."""
    _repr_fields: ClassVar[tuple[str, ...]] = ("name",)
    id: Mapped[int]
    uid: Mapped[str]

    # ---- queries --------------------------------------------------------------------------
    @classmethod
    def filter(cls, *expressions: Any, **lookups: Any) -> QuerySet[Self]:
        """Records matching Django-style ``lookups`` (``key__startswith="raw/"``).

        Example:
            >>> [artifact.key for artifact in ol.Artifact.filter(suffix=".fasta", size__gt=10)]
            ['raw/sample.fasta']
        """
        from ontolake.registries.query.queryset import QuerySet

        return QuerySet(cls).filter(*expressions, **lookups)

    @classmethod
    def exclude(cls, **lookups: Any) -> QuerySet[Self]:
        """Records not matching ``lookups`` (all of them together).

        Example:
            >>> ol.Artifact.exclude(suffix=".parquet").count()
            1
        """
        return cls.all().exclude(**lookups)

    @classmethod
    def get(cls, uid: str | None = None, **lookups: Any) -> Self:
        """Exactly one record, by ``uid`` or by lookups; raises ``DoesNotExistError`` otherwise.

        Example:
            >>> ol.Artifact.get(key="raw/sample.fasta").description
            'reads'
        """
        from ontolake.registries.query.queryset import QuerySet

        return QuerySet(cls).get(uid, **lookups)

    @classmethod
    def all(cls) -> QuerySet[Self]:
        """Every record of the registry (trashed ones excluded)."""
        from ontolake.registries.query.queryset import QuerySet

        return QuerySet(cls)

    @classmethod
    def to_dataframe(cls, include: list[str] | str | None = None) -> Any:
        """Every record of the registry as a pandas DataFrame."""
        return cls.all().to_dataframe(include=include)

    @classmethod
    def search(cls, text: str, *, field: Any = None, limit: int | None = None) -> QuerySet[Self]:
        """Records ranked by relevance to ``text``: exact > prefix > substring > fuzzy.

        Example:
            >>> ol.Record.search("p53").to_dataframe()[["name", "is_type"]]
            ... # doctest: +NORMALIZE_WHITESPACE
                      name  is_type
            id
            2   P53mutant1    False
            3   P53mutant2    False
        """
        return cls.all().search(text, field=field, limit=limit)

    @classmethod
    def lookup(cls, field: Any = None) -> Lookup:
        """An auto-complete object with one attribute per normalised value of ``field``.

        Example:
            >>> ol.Record.lookup().p53mutant1.name
            'P53mutant1'
        """
        return cls.all().lookup(field=field)

    # ---- writes ---------------------------------------------------------------------------
    def save(self) -> Self:
        """Insert or update this record in one transaction and return it.

        Example:
            >>> ol.ULabel(name="batch 8").save()  # doctest: +ELLIPSIS
            ULabel(uid='...', name='batch 8')
        """
        from ontolake.registries.save import save

        save([self])
        return self

    def before_save(self, session: Session) -> bool:
        """Hook run inside the saving transaction before the record is added.

        Returns False when the record must not be inserted, e.g. because an identical record
        is stored already and this one took over its identity (default: True).
        """
        return True

    def after_flush(self, session: Session) -> None:
        """Hook run inside the saving transaction once the record has its id (default: none)."""

    def delete(self, permanent: bool = False) -> None:
        """Delete the record: trashable registries move it to the trash unless ``permanent``."""
        from ontolake.registries.query.queryset import QuerySet

        QuerySet(type(self), include_trashed=True).filter(id=self.id).delete(permanent=permanent)

    def describe(self) -> None:
        """Print a readable tree of the record's fields and links."""
        from ontolake.registries.describe import describe

        describe(self)

    def __repr__(self) -> str:
        shown = [f"uid={self.uid!r}"]
        for name in self._repr_fields:
            value = getattr(self, name, None)
            if value is not None:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


class Registry(RecordVerbs, Base):
    """Fields shared by every registry: ``id``, ``uid``, ``created_at``, ``created_by``.

    Example:
        >>> import ontolake as ol
        >>> label = ol.ULabel(name="experiment 1").save()
        >>> ol.ULabel.filter(name__startswith="experiment").count()
        1
        >>> len(label.uid), label.created_at is not None
        (12, True)
    """

    __abstract__ = True

    _uid_length: ClassVar[int] = 12

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        """The id of the user who created the record."""
        return mapped_column(ForeignKey("users.id"), index=True)

    @declared_attr
    def created_by(cls) -> Mapped[User | None]:
        """The user who created the record."""
        return relationship("User", foreign_keys=[cls.created_by_id])  # type: ignore[list-item]

    def __init__(self, **fields: Any) -> None:
        fields.setdefault("uid", new_uid(self._uid_length))
        fields.setdefault("created_at", utcnow())
        super().__init__(**fields)


class Trashable:
    """Mixin of registries whose ``delete()`` moves records to the trash first."""

    is_trashed: Mapped[bool] = mapped_column(default=False)

    def restore(self) -> None:
        """Take the record out of the trash (the latest of its versions again, if highest).

        Raises:
            IntegrityError: another version family took the record's key meanwhile.

        Example:
            >>> artifact = ol.Artifact.get(key="raw/sample.fasta")
            >>> artifact.delete()
            >>> artifact.restore()
            >>> artifact.is_trashed, artifact.is_latest
            (False, True)
        """
        from sqlalchemy import select
        from sqlalchemy.orm.attributes import set_committed_value

        from ontolake.instance.session import current_instance
        from ontolake.registries.delete import restore_records

        refuse_deleted([self])
        record = cast("RecordVerbs", self)
        model = type(record)
        restore_records(model, [record.id])
        set_committed_value(self, "is_trashed", False)
        if hasattr(model, "is_latest"):
            with current_instance().read() as session:
                latest = session.execute(
                    select(model.is_latest).where(model.id == record.id)
                ).scalar_one()
            set_committed_value(self, "is_latest", latest)
