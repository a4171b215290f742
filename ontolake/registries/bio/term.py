"""The shape shared by ontology-backed registries (CellType, Tissue, Disease …).

Each registry gets three tables: its records, ``<table>_synonyms`` (one row per synonym with
a case-folded copy, so an exact or case-insensitive synonym match is an indexed lookup, not
a ``LIKE`` scan) and ``<table>_parents`` (direct parent links with the relation type:
``is_a``, ``part_of`` or ``parent`` when the source does not say). Transitive queries
(``query_parents``/``query_children``) run as recursive CTEs on SQLite and PostgreSQL.
``<table>_sources`` records which terms each imported source version holds (and whether it
marks them obsolete): a feature pinned to a version (``source="cl@2025-04-10"``) takes the
terms of that version, whichever version is current.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ontolake.errors import InvalidDataError
from ontolake.instance.session import current_instance
from ontolake.registries.base import Base, Registry, Trashable
from ontolake.registries.bio.synonyms import (
    SYNONYM_SEPARATOR,
    checked_synonyms,
    index_synonyms,
    record_label,
    refuse_taken,
    split_synonyms,
)
from ontolake.registries.links import label_link
from ontolake.registries.query.lookups import resolve_column
from ontolake.registries.relations import Related

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Connection
    from sqlalchemy.sql.elements import ColumnElement

    from ontolake.ontology_sources.terms import Term
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.bio.source import Source
    from ontolake.registries.query.queryset import QuerySet

__all__ = ["SYNONYM_SEPARATOR", "OntologyTerm"]

_SHARED = "shared_synonyms"


class OntologyTerm(Trashable, Registry):
    """Base of the ontology-backed registries: name, ontology_id, synonyms and a hierarchy.

    Example:
        >>> import ontolake as ol
        >>> ol.bio.CellType.import_source()  # doctest: +ELLIPSIS
        Source(uid='...', entity='CellType', name='cl', version='v2026-03-26')
        >>> t_cell = ol.bio.CellType.get(ontology_id="CL:0000084")
        >>> t_cell.name, t_cell.query_children().count()
        ('T cell', 171)
    """

    __abstract__ = True
    _search_fields: ClassVar[tuple[str, ...]] = ("name", "ontology_id", "synonyms", "abbr")
    _search_separators: ClassVar[dict[str, str]] = {"synonyms": SYNONYM_SEPARATOR}
    _repr_fields: ClassVar[tuple[str, ...]] = ("name", "ontology_id")
    _entity: ClassVar[str] = ""
    versioned_id: ClassVar[str | None] = None
    """A regular expression for ids written with a version suffix (group ``id``: the id
    without it), which validate as invalid and standardize to the id; None: no versions."""
    fuzzy_suggestions: ClassVar[bool] = True
    """Whether ``inspect`` and the curators suggest similar spellings (fuzzy matches) for a
    value that matches no term, synonym or case variant; off where values are codes."""
    synonym_table: ClassVar[Table]
    parent_table: ClassVar[Table]
    membership_table: ClassVar[Table]
    """``<table>_sources``: which records each imported source version holds, and whether
    that version marks them obsolete (the record's own ``is_obsolete`` is the current
    version's)."""
    artifact_table: ClassVar[Table]
    """``artifact_<table>``: the artifacts annotated with a record (``Artifact.<table>``), a
    label link (:func:`~ontolake.registries.links.label_link`)."""

    name: Mapped[str] = mapped_column(String(1024), index=True)
    ontology_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    abbr: Mapped[str | None] = mapped_column(String(64), index=True)
    synonyms: Mapped[str | None] = mapped_column(Text)
    """All synonyms joined by ``|`` (for display and search; matching uses the synonym table,
    which ``save()`` updates with it: see :meth:`add_synonym`)."""
    description: Mapped[str | None] = mapped_column(Text)
    is_obsolete: Mapped[bool] = mapped_column(default=False)
    replaced_by: Mapped[str | None] = mapped_column(String(1024))
    """Ontology ids that replace an obsolete term, joined by ``|``."""
    consider: Mapped[str | None] = mapped_column(String(1024))
    """Ontology ids a curator should consider instead of an obsolete term, joined by ``|``."""

    @declared_attr
    def source_id(cls) -> Mapped[int | None]:
        """The source (ontology and version) the record was last imported from."""
        return mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def source(cls) -> Mapped[Source | None]:
        """The source the record was last imported from."""
        return relationship("Source")

    @declared_attr
    def parents(cls) -> Mapped[Related[Any]]:
        """Direct parents (any relation); ``parents.add(term)`` links one as ``parent``."""
        links = cls.parent_table
        return relationship(
            cls.__name__,
            secondary=links,
            primaryjoin=lambda: _joined(cls.id, links.c.child_id),
            secondaryjoin=lambda: _joined(cls.id, links.c.parent_id),
            back_populates="children",
            collection_class=Related,
        )

    @declared_attr
    def children(cls) -> Mapped[Related[Any]]:
        """Direct children (any relation)."""
        links = cls.parent_table
        return relationship(
            cls.__name__,
            secondary=links,
            primaryjoin=lambda: _joined(cls.id, links.c.parent_id),
            secondaryjoin=lambda: _joined(cls.id, links.c.child_id),
            back_populates="parents",
            collection_class=Related,
        )

    @declared_attr
    def artifacts(cls) -> Mapped[Related[Artifact]]:
        """The artifacts annotated with this record (``artifact.<table>.add(record)``)."""
        return relationship(
            "Artifact",
            secondary=cls.artifact_table,
            back_populates=cls.__tablename__,
            collection_class=Related,
        )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        table = cls.__dict__.get("__tablename__")
        if table is not None:
            cls.synonym_table = _synonym_table(table)
            cls.parent_table = _parent_table(table)
            cls.membership_table = _membership_table(table)
            cls.artifact_table = label_link(
                f"artifact_{table}",
                table,
                f"{_snake(cls.__name__)}_id",
                f"bio.{cls.__name__}",
                # the conventional name would exceed PostgreSQL's 63 characters
                fk_name=f"fk_artifact_{table}_{_snake(cls.__name__)}_id",
            )
        super().__init_subclass__(**kwargs)

    def source_versions(self) -> dict[str, bool]:
        """The imported source versions holding this term: ``{"name@version": obsolete}``.

        Oldest first; the value says whether that version marks the term obsolete.

        Example:
            >>> t_cell.source_versions()
            {'cl@v2026-03-26': False}
        """
        from ontolake.registries.bio.source_versions import term_versions

        return term_versions(type(self), self.id)

    # ---- hierarchy ------------------------------------------------------------------------
    def query_parents(self) -> QuerySet[Any]:
        """Every ancestor of this record (transitively, over all relations), via SQL.

        Example:
            >>> [term.name for term in t_cell.query_parents().order_by("name")][:4]
            ['cell', 'eukaryotic cell', 'hematopoietic cell', 'leukocyte']
        """
        return self._closure(upward=True)

    def query_children(self) -> QuerySet[Any]:
        """Every descendant of this record (transitively, over all relations), via SQL.

        Example:
            >>> t_cell.query_children().filter(name__contains="CD4").count()
            40
        """
        return self._closure(upward=False)

    def view_parents(self, distance: int = 2, path: str | os.PathLike[str] | None = None) -> str:
        """The ancestors up to ``distance`` as DOT text; drawn to ``path`` (.svg/.png) if given.

        Example:
            >>> dot = t_cell.view_parents(distance=2, path="t-cell.svg")  # .dot without Graphviz
            >>> dot.splitlines()[0]
            'digraph "CellType" {'
        """
        from ontolake.registries.bio.view import view_hierarchy

        return view_hierarchy(self, distance=distance, upward=True, path=path)

    def view_children(self, distance: int = 1, path: str | os.PathLike[str] | None = None) -> str:
        """The descendants up to ``distance`` as DOT text; drawn to ``path`` if given.

        Example:
            >>> dot = t_cell.view_children(path="t-cell-children.svg")
            >>> dot.count(" -> ")  # one edge per direct child
            9
        """
        from ontolake.registries.bio.view import view_hierarchy

        return view_hierarchy(self, distance=distance, upward=False, path=path)

    def _closure(self, *, upward: bool) -> QuerySet[Any]:
        from ontolake.registries.bio.hierarchy import closure_ids

        model = type(self)
        return model.filter(model.id.in_(closure_ids(model, [self.id], upward=upward)))

    @classmethod
    def fields_from_term(cls, term: Term) -> dict[str, Any]:
        """Registry-specific column values taken from an ontology term (none by default)."""
        return {}

    # ---- curators' vocabulary -------------------------------------------------------------
    def add_synonym(
        self, synonym: str | Iterable[str], force: bool = False, save: bool | None = None
    ) -> None:
        """Add one synonym or several; ``standardize`` maps them to this term from then on.

        A synonym another live term owns (as name, ontology id or synonym, in any case) is
        refused with an ``IntegrityError`` naming that term, unless ``force``: the synonym
        is then shared, and ambiguous (never standardized). Known synonyms and the name are
        skipped. A saved record is saved at once (``save=False``: with its next ``save()``),
        its synonym index in the same transaction; assigning ``record.synonyms`` and calling
        ``save()`` takes the same path.

        Example:
            >>> t_cell.add_synonym("Tzelle")
            >>> ol.bio.CellType.standardize(["tzelle"])
            ['T cell']
        """
        known = split_synonyms(self.synonyms)
        new = [text for text in dict.fromkeys(checked_synonyms(synonym)) if text not in known]
        new = [text for text in new if text != self.name]
        if not new:
            return
        if force:
            sa_inspect(self).info.setdefault(_SHARED, set()).update(new)
        else:
            with current_instance().read() as session:
                refuse_taken(session.connection(), type(self), self, new)
        self.synonyms = SYNONYM_SEPARATOR.join([*known, *new])
        if save is None:
            save = self.id is not None
        if save:
            self.save()

    def remove_synonym(self, synonym: str | Iterable[str]) -> None:
        """Remove one synonym or several (the source's too); saved at once if the record is.

        Example:
            >>> t_cell.add_synonym("Tzelle")
            >>> t_cell.remove_synonym("Tzelle")
            >>> ol.bio.CellType.standardize(["tzelle"])
            ['tzelle']
        """
        known = split_synonyms(self.synonyms)
        gone = checked_synonyms(synonym)
        missing = [text for text in gone if text not in known]
        if missing:
            raise InvalidDataError(
                f"{missing[0]!r} is no synonym of {record_label(self)}: its synonyms are "
                f"{SYNONYM_SEPARATOR.join(known) or 'none'}."
            )
        self.synonyms = SYNONYM_SEPARATOR.join(t for t in known if t not in gone) or None
        if self.id is not None:
            self.save()

    def set_abbr(self, value: str) -> None:
        """Set the abbreviation and add it as a synonym; saved at once if the record is.

        A previous abbreviation stays a synonym (``remove_synonym`` takes it out); one that
        another live term has is refused as by :meth:`add_synonym`.

        Example:
            >>> t_cell.set_abbr("TC")
            >>> ol.bio.CellType.standardize(["tc"])
            ['T cell']
        """
        self.add_synonym(value, save=False)
        self.abbr = value
        if self.id is not None:
            self.save()

    # ---- curation verbs -------------------------------------------------------------------
    @classmethod
    def import_source(
        cls,
        source: Any = None,
        *,
        update: bool = False,
        version: str | None = None,
        organism: str | None = None,
        progress: bool | None = None,
    ) -> Source:
        """Import an ontology into this registry in one transaction (hierarchy, synonyms).

        Args:
            source: None for the built-in catalog's default, a catalog name (``"cl"``), a
                local path or fsspec URL, or an ``OntologySource``.
            update: re-import even when this exact source version is already imported.
            version: a catalog version (default: the newest).
            organism: for organism-specific catalog sources (default: human).
            progress: show a progress bar (default: for large sources, on a terminal).

        Example:
            >>> ol.bio.CellType.import_source()  # imported already: nothing to do
            ... # doctest: +ELLIPSIS
            Source(uid='...', entity='CellType', name='cl', version='v2026-03-26')
            >>> ol.bio.Phenotype.import_source("hp.obo")  # doctest: +ELLIPSIS
            Source(uid='...', entity='Phenotype', name='hp', version='2025-01-16')
        """
        from ontolake.registries.bio.importer import import_source

        return import_source(
            cls, source, update=update, version=version, organism=organism, progress=progress
        )

    @classmethod
    def validate(cls, values: Any, field: Any = "name") -> Any:
        """A boolean numpy array: which values exist in ``field`` (vectorised over uniques).

        ``field`` is a field name or the field itself (``ol.bio.Gene.symbol``), here and in
        ``standardize``, ``inspect``, ``vocabulary``, ``search`` and ``lookup``.

        Example:
            >>> ol.bio.CellType.validate(["T cell", "T-cell"])
            array([ True, False])
        """
        return cls.vocabulary(field, validating=values).validate(values)

    @classmethod
    def standardize(
        cls,
        values: Any,
        field: Any = "name",
        *,
        return_field: Any = None,
        return_mapper: bool = False,
        case_sensitive: bool = False,
    ) -> Any:
        """Canonical ``field`` values for names, synonyms and case variants, in input order.

        Unknown values are kept as they are. With ``return_field``, each value found is
        given as that field of its record instead (a value whose records disagree on it is
        kept: never guessed).

        Example:
            >>> ol.bio.CellType.standardize(["T-cell", "t cell", "unknown"])
            ['T cell', 'T cell', 'unknown']
            >>> ol.bio.CellType.standardize(["T-cell"], return_field=ol.bio.CellType.ontology_id)
            ['CL:0000084']
        """
        vocabulary = cls.vocabulary(field)
        if return_field is None:
            return vocabulary.standardize(
                values, return_mapper=return_mapper, case_sensitive=case_sensitive
            )
        standardized = vocabulary.standardize(values, case_sensitive=case_sensitive)
        translation = _translation(cls, field, return_field)
        given = list(values)
        result = [translation.get(value, value) for value in standardized]
        if return_mapper:
            return {old: new for old, new in zip(given, result, strict=True) if old != new}
        return result

    @classmethod
    def inspect(cls, values: Any, field: Any = "name") -> Any:
        """Validated and non-validated values, with suggestions for the latter.

        Example:
            >>> suggestions = ol.bio.CellType.inspect(["T cell", "T-cell", "Tcel"]).suggestions
            >>> {value: [(s.kind, s.value) for s in found] for value, found in suggestions.items()}
            {'T-cell': [('synonym', 'T cell')], 'Tcel': [('fuzzy', 'T cell')]}
        """
        return cls.vocabulary(field).inspect(values)

    @classmethod
    def vocabulary(cls, field: Any = "name", *, validating: Any = None) -> Any:
        """The registry's terms, synonyms and replacements, loaded once for fast curation.

        ``validating``: values about to be validated; when they are few, only the records
        they name are loaded (an indexed lookup, enough to validate them and nothing else).
        """
        from ontolake.registries.bio.vocabulary import Vocabulary, few_distinct
        from ontolake.registries.query.lookups import field_name

        only = few_distinct(validating) if validating is not None else None
        return Vocabulary.from_registry(cls, field_name(cls, field), only=only)

    @classmethod
    def public(cls, source: Any = None) -> Any:
        """A read-only, in-memory view of a source, to browse and validate without importing.

        Example:
            >>> ol.bio.CellType.public().search("T cel").iloc[0]["name"]
            'T cell'
        """
        from ontolake.registries.bio.public import PublicOntology

        return PublicOntology.open(cls, source)

    @classmethod
    def from_source(
        cls, *, name: str | None = None, ontology_id: str | None = None, source: Any = None
    ) -> Any:
        """Create (and save) one record from a source, together with its ancestors.

        Example:
            >>> seizure = ol.bio.Phenotype.from_source(ontology_id="HP:0020219", source="hp.obo")
            >>> seizure.name, seizure.query_parents().count()
            ('Motor seizure', 5)
        """
        from ontolake.registries.bio.importer import import_terms

        return import_terms(cls, source, name=name, ontology_id=ontology_id)


@listens_for(OntologyTerm, "after_insert", propagate=True)
@listens_for(OntologyTerm, "after_update", propagate=True)
def _index_changed_synonyms(mapper: Any, connection: Connection, record: OntologyTerm) -> None:
    """Update the synonym index in the flush that writes changed synonyms (whatever saves)."""
    state = sa_inspect(record)
    if state.attrs.synonyms.history.has_changes():
        index_synonyms(connection, record, shared=state.info.pop(_SHARED, ()))


def _translation(model: type[Any], field: Any, return_field: Any) -> dict[Any, Any]:
    """``{field value: return_field value}`` over live records; values with several left out."""
    pairs = select(resolve_column(model, field), resolve_column(model, return_field)).where(
        model.is_trashed.is_(False)
    )
    found: dict[Any, set[Any]] = {}
    with current_instance().read() as session:
        for value, returned in session.execute(pairs.distinct()):
            found.setdefault(value, set()).add(returned)
    return {value: returned.pop() for value, returned in found.items() if len(returned) == 1}


def _joined(left: Any, right: Any) -> ColumnElement[bool]:
    return cast("ColumnElement[bool]", left == right)


def _synonym_table(table: str) -> Table:
    return Table(
        f"{table}_synonyms",
        Base.metadata,
        Column("record_id", Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False),
        Column("text", String(1024), nullable=False),
        Column("folded", String(1024), nullable=False),
        Column("scope", String(16), nullable=False),
        Index(f"ix_{table}_synonyms_record_id", "record_id"),
        Index(f"ix_{table}_synonyms_text", "text"),
        Index(f"ix_{table}_synonyms_folded", "folded"),
    )


def _parent_table(table: str) -> Table:
    return Table(
        f"{table}_parents",
        Base.metadata,
        Column(
            "child_id", Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True
        ),
        Column(
            "parent_id", Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True
        ),
        Column("relation", String(16), primary_key=True, default="parent"),
        Index(f"ix_{table}_parents_parent_id", "parent_id"),
    )


def _membership_table(table: str) -> Table:
    return Table(
        f"{table}_sources",
        Base.metadata,
        Column(
            "source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
        ),
        Column(
            "record_id", Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True
        ),
        Column("is_obsolete", Boolean, nullable=False),
        Index(f"ix_{table}_sources_record_id", "record_id"),
    )


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
