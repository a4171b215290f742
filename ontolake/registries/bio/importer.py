"""Importing ontology sources into bio registries: bulk, in one transaction, idempotent.

``import_source`` reads every term of a source, checks it (one name per id, no cycles),
then in one write transaction upserts the records by ``ontology_id`` (Core bulk statements,
no ORM objects), replaces their synonyms and parent links, records which terms the version
holds and marks it current. Importing the same source version again is a no-op (unless the
registry lost what it imported: then it is restored). Importing a newer version updates
names, synonyms and parents, and flags the terms it dropped as obsolete — it never deletes
records, which data may link to. Importing an older version changes no current term
(:mod:`ontolake.registries.bio.source_versions`). Each organism's gene table is its own
source: importing one never touches another's genes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, delete, insert, select, update

from ontolake._faults import reached
from ontolake._gc import collector_paused
from ontolake.errors import DoesNotExistError, OntologyFormatError
from ontolake.registries.bio.synonyms import CURATED, keep_curated

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sqlalchemy import Connection, Table
    from sqlalchemy.orm import Session

    from ontolake.ontology_sources.source import OntologySource
    from ontolake.ontology_sources.terms import Term
    from ontolake.registries.bio.source import Source

__all__ = ["import_source", "import_terms", "resolve_source"]

logger = logging.getLogger("ontolake")

_CHUNK = 5000
_ATTEMPTS = 3


def resolve_source(
    model: type[Any], source: Any, *, version: str | None = None, organism: str | None = None
) -> OntologySource:
    """The ontology source meant by ``source`` for ``model`` (see ``import_source``).

    ``version`` and ``organism`` choose among the catalog's sources (ignored for files).
    """
    from pathlib import Path

    from ontolake.ontology_sources import catalog
    from ontolake.ontology_sources.source import OntologySource, open_source

    if isinstance(source, OntologySource):
        return source
    if source is None:
        return catalog.find(model._entity, version=version, organism=organism)
    location = str(source)
    if "://" in location or Path(location).expanduser().exists() or "/" in location:
        return open_source(location, entity=model._entity, version=version, organism=organism)
    return catalog.find(model._entity, name=location, version=version, organism=organism)


def import_source(
    model: type[Any],
    source: Any,
    *,
    update: bool = False,
    version: str | None = None,
    organism: str | None = None,
    progress: bool | None = None,
) -> Source:
    """Import every term of ``source`` into ``model``; return the Source record.

    Reading and writing report their progress on stderr when they take more than 2 s
    (:mod:`ontolake._progress`); ``progress=True`` shows it from the start, ``False`` hides
    it, None follows ``ONTOLAKE_QUIET`` / ``ol.settings.progress``.

    Example:
        >>> source = import_source(ol.bio.Phenotype, "hp.obo")
        >>> source.name, source.version, ol.bio.Phenotype.filter().count()
        ('hp', '2025-01-16', 120)
    """
    from ontolake._progress import showing

    with showing(progress):
        ontology = resolve_source(model, source, version=version, organism=organism)
        return _import(model, ontology, update=update)


def _import(model: type[Any], ontology: OntologySource, *, update: bool) -> Source:
    from ontolake.instance.session import current_instance
    from ontolake.registries.bio import source_versions as versions
    from ontolake.registries.user import current_user_id

    spec = ontology.spec
    content_hash = ontology.content_hash()
    instance = current_instance()
    existing = _find_source(model, ontology)
    current = versions.current_source(model, spec)
    older = versions.is_older(spec, current)
    if (
        existing is not None
        and existing.hash == content_hash
        and existing.n_terms
        and not update
        and versions.is_intact(model, existing, as_current=not older)
    ):
        logger.info("%s %s %s is already imported", spec.entity, spec.name, spec.version)
        return existing
    with collector_paused():
        terms = check_terms(ontology.terms(), spec.location)
    user_id = current_user_id(instance)

    def write(connection: Connection) -> None:
        source_id = _upsert_source(
            connection, model, ontology, content_hash, len(terms), user_id, current=not older
        )
        label = f"{spec.name} {spec.version}"
        extra = versions.organism_fields(connection, model, spec, user_id)
        ids = _upsert_terms(
            connection, model, terms, source_id, user_id, label, extra=extra, only_new=older
        )
        if not older:
            versions.flag_dropped_terms(connection, model, spec, source_id)
        versions.record_membership(connection, model, terms, ids, source_id, whole=True)

    with collector_paused():
        _write_queued(model, write)
    _expire_loaded(instance.session, model)
    imported = _find_source(model, ontology)
    assert imported is not None
    if older:
        assert current is not None
        logger.warning(
            "%s %s %s is older than the current %s: its terms are recorded for features "
            "pinned to it (source=%r); the current version and its terms are unchanged",
            model.__name__,
            spec.name,
            spec.version,
            current.version,
            f"{spec.name}@{spec.version}",
        )
    logger.info(
        "imported %d terms of %s %s into %s", len(terms), spec.name, spec.version, model.__name__
    )
    return imported


def import_terms(
    model: type[Any], source: Any, *, name: str | None, ontology_id: str | None
) -> Any:
    """Create one record from ``source`` (found by name or id) with all its ancestors.

    Example:
        >>> seizure = import_terms(ol.bio.Phenotype, "hp.obo", name=None, ontology_id="HP:0020219")
        >>> seizure.ontology_id, [parent.name for parent in seizure.parents]
        ('HP:0020219', ['Seizure'])
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.user import current_user_id

    if (name is None) == (ontology_id is None):
        raise ValueError("from_source() takes exactly one of name= or ontology_id=")
    ontology = resolve_source(model, source)
    by_id = {
        term.ontology_id: term for term in check_terms(ontology.terms(), ontology.spec.location)
    }
    wanted = ontology_id or next(
        (term.ontology_id for term in by_id.values() if term.name == name), None
    )
    if wanted is None or wanted not in by_id:
        shown = f"ontology_id={ontology_id!r}" if ontology_id else f"name={name!r}"
        raise DoesNotExistError(
            f"{ontology.spec.name} {ontology.spec.version} has no term with {shown}: "
            f"try {model.__name__}.public().search(...) to find it."
        )
    chosen: dict[str, Term] = {}
    pending = [wanted]
    while pending:
        current = pending.pop()
        if current in chosen or current not in by_id:
            continue
        chosen[current] = by_id[current]
        pending.extend(relation.parent_id for relation in by_id[current].parents)
    instance = current_instance()
    user_id = current_user_id(instance)

    def write(connection: Connection) -> None:
        from ontolake.registries.bio import source_versions as versions

        source_id = _upsert_source(connection, model, ontology, None, None, user_id)
        extra = versions.organism_fields(connection, model, ontology.spec, user_id)
        terms = list(chosen.values())
        ids = _upsert_terms(connection, model, terms, source_id, user_id, extra=extra)
        versions.record_membership(connection, model, terms, ids, source_id, whole=False)

    _write_queued(model, write)
    _expire_loaded(instance.session, model)
    return model.get(ontology_id=wanted)


def _write_queued(model: type[Any], write: Callable[[Connection], None]) -> None:
    """Run ``write`` in one write transaction, queued behind other imports into ``model``.

    Upserts read the ids already stored, then insert the rest: two processes importing the
    same terms at once would both insert them. The lock (PostgreSQL; SQLite's write lock
    already covers it) makes the second read what the first committed; a writer outside the
    importer that inserts the same ``ontology_id`` first makes the import retry.
    """
    from ontolake.errors import IntegrityError
    from ontolake.instance.engine import lock_names
    from ontolake.instance.session import current_instance

    instance = current_instance()
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with instance.write() as session:
                lock_names(session, f"ontology-import:{model.__tablename__}")
                write(session.connection())
                reached("ontology-import.written")
            return
        except IntegrityError:
            if attempt == _ATTEMPTS:
                raise
            logger.debug("import into %s lost a race; retrying", model.__name__)


def check_terms(terms: Iterable[Term], location: str) -> list[Term]:
    """All terms, checked: one name per ontology id and an acyclic hierarchy.

    A term listed as its own parent (seen in real releases) is a harmless slip: the link is
    dropped with a warning. A cycle through several terms is an error.
    """
    from dataclasses import replace

    from ontolake.ontology_sources.cycles import find_cycles

    by_id: dict[str, Term] = {}
    for term in terms:
        if any(relation.parent_id == term.ontology_id for relation in term.parents):
            logger.warning(
                "%s: %s lists itself as its parent; link dropped", location, term.ontology_id
            )
            parents = tuple(r for r in term.parents if r.parent_id != term.ontology_id)
            term = replace(term, parents=parents)
        known = by_id.get(term.ontology_id)
        if known is not None and known.name != term.name:
            raise OntologyFormatError(
                f"{location}: {term.ontology_id} has two names, {known.name!r} and "
                f"{term.name!r}; fix the source so each id has one name."
            )
        by_id[term.ontology_id] = term
    checked = list(by_id.values())
    cycles = find_cycles(checked)
    if cycles:
        shown = "; ".join(" -> ".join(cycle) for cycle in cycles[:3])
        raise OntologyFormatError(
            f"{location}: the hierarchy has {len(cycles)} cycle(s), e.g. {shown}; a term cannot "
            "be its own ancestor — fix the parents in the source."
        )
    return checked


def _find_source(model: type[Any], ontology: OntologySource) -> Source | None:
    from ontolake.registries.bio.source import Source

    spec = ontology.spec
    return Source.filter(
        entity=model._entity, name=spec.name, version=spec.version, organism=spec.organism
    ).one_or_none()


def _upsert_source(
    connection: Connection,
    model: type[Any],
    ontology: OntologySource,
    content_hash: str | None,
    n_terms: int | None,
    user_id: int,
    *,
    current: bool = True,
) -> int:
    """The id of the source's row, created or updated.

    A whole import (``content_hash``) with ``current`` makes it the current version of its
    source (name and organism).
    """
    from ontolake.registries.bio.source import Source
    from ontolake.registries.bio.source_versions import same_source
    from ontolake.registries.uid import new_uid

    spec = ontology.spec
    table = cast("Table", Source.__table__)
    source = same_source(table, model._entity, spec)
    key = source & (table.c.version == spec.version)
    source_id = connection.execute(select(table.c.id).where(key)).scalar()
    fields: dict[str, Any] = {"location": spec.location, "format": spec.format}
    if content_hash is not None:
        fields.update(hash=content_hash, n_terms=n_terms)
    if content_hash is not None and current:
        fields.update(currently_used=True)
        connection.execute(update(table).where(source).values(currently_used=False))
    if source_id is not None:
        connection.execute(update(table).where(table.c.id == source_id).values(**fields))
        return int(source_id)
    from ontolake.registries.base import utcnow

    inserted = connection.execute(
        insert(table).values(
            uid=new_uid(12),
            created_at=utcnow(),
            created_by_id=user_id,
            entity=model._entity,
            name=spec.name,
            version=spec.version,
            organism=spec.organism,
            **{"currently_used": False, **fields},
        )
    )
    assert inserted.inserted_primary_key is not None
    return int(inserted.inserted_primary_key[0])


def _upsert_terms(
    connection: Connection,
    model: type[Any],
    terms: list[Term],
    source_id: int,
    user_id: int,
    label: str = "",
    *,
    extra: dict[str, Any] | None = None,
    only_new: bool = False,
) -> dict[str, int]:
    """Insert or update the terms' records, then replace their synonyms and parent links.

    ``label`` (``cl v2025-04-10``) names the source in progress reports; ``extra`` holds
    column values of every record (its organism). With ``only_new`` (an older version) the
    records the registry has are left as they are, and the others are added flagged
    obsolete: they are not in the current version. Returns every term's record id.
    """
    from ontolake._progress import progress
    from ontolake.registries.base import utcnow
    from ontolake.registries.bio.term import SYNONYM_SEPARATOR
    from ontolake.registries.uid import new_uid

    table = cast("Table", model.__table__)
    known: dict[str, int] = dict(
        connection.execute(
            select(table.c.ontology_id, table.c.id).where(table.c.ontology_id.is_not(None))
        ).all()
    )
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    for term in terms:
        fields = {
            "name": term.name,
            "synonyms": SYNONYM_SEPARATOR.join(s.text for s in term.synonyms) or None,
            "description": term.definition,
            "is_obsolete": term.is_obsolete,
            "replaced_by": SYNONYM_SEPARATOR.join(term.replaced_by) or None,
            "consider": SYNONYM_SEPARATOR.join(term.consider) or None,
            "source_id": source_id,
            **model.fields_from_term(term),
            **(extra or {}),
        }
        record_id = known.get(term.ontology_id)
        if record_id is None:
            if only_new:
                fields["is_obsolete"] = True
            new_rows.append(
                {
                    "uid": new_uid(12),
                    "created_at": now,
                    "created_by_id": user_id,
                    "ontology_id": term.ontology_id,
                    "is_trashed": False,
                    **fields,
                }
            )
        elif not only_new:
            changed_rows.append({"_id": record_id, **fields})
    with progress(f"importing {label or model.__name__}", total=len(terms), unit="terms") as step:
        for chunk in _chunks(new_rows):
            _insert_rows(connection, table, chunk)
            step.advance(len(chunk))
        if changed_rows:
            statement = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({name: bindparam(name) for name in changed_rows[0] if name != "_id"})
            )
            for chunk in _chunks(changed_rows):
                connection.execute(statement, chunk)
                step.advance(len(chunk))
    ids: dict[str, int] = dict(
        connection.execute(
            select(table.c.ontology_id, table.c.id).where(table.c.source_id == source_id)
        ).all()
    )
    written = [term for term in terms if term.ontology_id not in known] if only_new else terms
    _replace_links(connection, model, written, ids, known | ids, label)
    return known | ids


def _replace_links(
    connection: Connection,
    model: type[Any],
    terms: list[Term],
    ids: dict[str, int],
    all_ids: dict[str, int],
    label: str,
) -> None:
    from ontolake._progress import progress

    synonyms = model.synonym_table
    parents = model.parent_table
    touched = [ids[term.ontology_id] for term in terms]  # not the source's other terms
    for chunk in _chunks(touched):  # a curator's synonyms stay (keep_curated, below)
        connection.execute(
            delete(synonyms).where(synonyms.c.record_id.in_(chunk), synonyms.c.scope != CURATED)
        )
        connection.execute(delete(parents).where(parents.c.child_id.in_(chunk)))
    synonym_rows = [
        {
            "record_id": ids[term.ontology_id],
            "text": s.text,
            "folded": s.text.casefold(),
            "scope": s.scope,
        }
        for term in terms
        for s in dict.fromkeys(term.synonyms)
    ]
    parent_rows = [
        {
            "child_id": ids[term.ontology_id],
            "parent_id": all_ids[relation.parent_id],
            "relation": relation.type,
        }
        for term in terms
        for relation in dict.fromkeys(term.parents)
        if relation.parent_id in all_ids
    ]
    total = len(synonym_rows) + len(parent_rows)
    with progress(
        f"linking {label or model.__name__}", total=total, unit="synonyms and parents"
    ) as step:
        for table, rows in ((synonyms, synonym_rows), (parents, parent_rows)):
            for chunk in _chunks(rows):
                _insert_rows(connection, table, chunk)
                step.advance(len(chunk))
    keep_curated(connection, model, touched)


def _expire_loaded(session: Session, model: type[Any]) -> None:
    """Reload, on next access, the records of ``model`` the Core statements just changed."""
    for record in list(session.identity_map.values()):
        if isinstance(record, model):
            session.expire(record)


def _insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the keys of the first) with one driver ``executemany``.

    The rows' values are replaced by what the driver receives (bind processors applied).

    SQLAlchemy's executemany processes the parameters of every row in Python, a third of
    the time of a MONDO import; here the statement is compiled once, each column's bind
    processor (e.g. timestamps to text on SQLite) is looked up once, and the driver receives
    plain tuples (or dicts, for drivers with named parameters).
    """
    if not rows:
        return
    keys = list(rows[0])
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    processors = [
        (key, processor)
        for key in keys
        if (processor := table.c[key].type.bind_processor(dialect)) is not None
    ]
    for row in rows:  # the rows are built for this insert: processed in place
        for key, processor in processors:
            row[key] = processor(row[key])
    if compiled.positiontup is not None:
        values = itemgetter(*compiled.positiontup)  # one key gives the bare value: wrapped below
        parameters = [values(row) for row in rows]
        if len(compiled.positiontup) == 1:
            parameters = [(value,) for value in parameters]
        connection.exec_driver_sql(compiled.string, parameters)
    else:
        connection.exec_driver_sql(compiled.string, rows)


def _chunks(rows: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]
