"""Curators' synonyms: the ``synonyms`` text of an ontology record and its synonym index as one.

An ontology record keeps its synonyms twice: joined by ``|`` in the ``synonyms`` column (to
read and search) and one row each in ``<table>_synonyms`` (what ``validate``,
``standardize`` and ``inspect`` match, case-folded). Whenever a record is written with
changed synonyms (through ``add_synonym``/``remove_synonym``/``set_abbr`` or by assigning
``record.synonyms``: any flush of the record, so no write path skips it),
:func:`index_synonyms` brings the rows in line in the same transaction, after refusing any
new synonym another live (neither trashed nor obsolete) term owns as its name, ontology id
or synonym, compared case-insensitively. Rows a curator adds have the scope ``curated``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import object_session

from ontolake.errors import IntegrityError, InvalidDataError
from ontolake.instance.engine import lock_names
from ontolake.registries.query.operators.sql import Lower

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = [
    "CURATED",
    "SYNONYM_SEPARATOR",
    "checked_synonyms",
    "index_synonyms",
    "keep_curated",
    "record_label",
    "refuse_taken",
    "split_synonyms",
    "taken_synonyms",
]

SYNONYM_SEPARATOR = "|"
CURATED = "curated"
"""The scope of synonym rows a curator added (imported ones keep the source's scope)."""


def split_synonyms(text: str | None) -> list[str]:
    """The synonyms of a ``synonyms`` text, in order, each once.

    Example:
        >>> split_synonyms("T-cell|T lymphocyte||T-cell"), split_synonyms(None)
        (['T-cell', 'T lymphocyte'], [])
    """
    return list(dict.fromkeys(part for part in (text or "").split(SYNONYM_SEPARATOR) if part))


def checked_synonyms(synonym: str | Iterable[str]) -> list[str]:
    """``synonym`` (one or several) as a list; an error for an empty one or one with ``|``.

    Example:
        >>> checked_synonyms("Tc"), checked_synonyms(["Tc", "T8"])
        (['Tc'], ['Tc', 'T8'])
    """
    synonyms = [synonym] if isinstance(synonym, str) else list(synonym)
    for text in synonyms:
        if not isinstance(text, str) or not text.strip():
            raise InvalidDataError(f"A synonym is a non-empty text, got {text!r}.")
        if SYNONYM_SEPARATOR in text:
            raise InvalidDataError(
                f"A synonym cannot hold {SYNONYM_SEPARATOR!r} (it separates synonyms), got "
                f"{text!r}: pass several synonyms as a list."
            )
    return synonyms


def record_label(record: Any) -> str:
    """How messages name a record: its ontology id (else its row id) and its name.

    Example:
        >>> record_label(ol.bio.CellType(name="T cell", ontology_id="CL:0000084"))
        "CL:0000084 'T cell'"
    """
    return f"{record.ontology_id or f'#{record.id}'} {record.name!r}"


def taken_synonyms(
    connection: Connection, model: type[Any], record_id: int | None, synonyms: list[str]
) -> dict[str, str]:
    """``{synonym: what owns it}`` for the synonyms another live record of ``model`` owns.

    What owns it reads like ``the name of CL:0000084 'T cell'``; a synonym matches a name,
    ontology id or synonym up to case.
    """
    if not synonyms:
        return {}
    live = [model.is_trashed.is_(False), model.is_obsolete.is_(False)]
    if record_id is not None:
        live.append(model.id != record_id)
    lowered = [text.lower() for text in synonyms]
    named = connection.execute(
        select(model.id, model.ontology_id, model.name)
        .where(or_(Lower(model.name).in_(lowered), Lower(model.ontology_id).in_(lowered)), *live)
        .order_by(model.id)
    ).all()
    table = model.synonym_table
    folded = [text.casefold() for text in synonyms]
    aliased = connection.execute(
        select(table.c.folded, model.id, model.ontology_id, model.name)
        .join(model, model.id == table.c.record_id)
        .where(table.c.folded.in_(folded), *live)
        .order_by(model.id)
    ).all()
    taken: dict[str, str] = {}
    for text in synonyms:
        for row_id, ontology_id, name in named:
            if name.lower() == text.lower():
                taken.setdefault(text, f"the name of {ontology_id or f'#{row_id}'} {name!r}")
            elif (ontology_id or "").lower() == text.lower():
                taken.setdefault(text, f"the ontology id of {ontology_id} {name!r}")
        for key, row_id, ontology_id, name in aliased:
            if key == text.casefold():
                taken.setdefault(text, f"a synonym of {ontology_id or f'#{row_id}'} {name!r}")
    return taken


def refuse_taken(
    connection: Connection, model: type[Any], record: Any, synonyms: list[str]
) -> None:
    """Raise ``IntegrityError`` naming the owners if another live term owns a synonym."""
    taken = taken_synonyms(connection, model, record.id, synonyms)
    if taken:
        owners = "; ".join(f"{text!r} is {owner}" for text, owner in taken.items())
        raise IntegrityError(
            f"{owners} ({model.__name__}), so it cannot be a synonym of {record_label(record)}: "
            "remove it there first (remove_synonym), or share it with force=True (`curate "
            "synonym add --force`): a shared synonym is ambiguous and never standardized."
        )


def index_synonyms(connection: Connection, record: Any, shared: Iterable[str] = ()) -> None:
    """Bring the synonym rows of a flushed ``record`` in line with its ``synonyms`` text.

    Runs inside the flush that writes the record (a mapper event of ``OntologyTerm``). New
    synonyms another live term owns are refused (``IntegrityError``) unless ``shared``
    names them; the write transaction then rolls back, record and index together.
    """
    model = type(record)
    table = model.synonym_table
    session = object_session(record)
    if session is not None:
        lock_names(session, f"synonyms:{table.name}")  # two curators cannot both take one
    indexed = set(
        connection.execute(select(table.c.text).where(table.c.record_id == record.id)).scalars()
    )
    wanted = split_synonyms(record.synonyms)
    added = checked_synonyms([text for text in wanted if text not in indexed])
    removed = indexed - set(wanted)
    refuse_taken(connection, model, record, [text for text in added if text not in set(shared)])
    if removed:
        connection.execute(
            delete(table).where(table.c.record_id == record.id, table.c.text.in_(removed))
        )
    if added:
        rows = [
            {"record_id": record.id, "text": text, "folded": text.casefold(), "scope": CURATED}
            for text in added
        ]
        connection.execute(insert(table), rows)


def keep_curated(connection: Connection, model: type[Any], record_ids: Iterable[int]) -> None:
    """Add the curated synonyms back to the ``synonyms`` text an import just rewrote.

    An import replaces the source's synonym rows of its terms and leaves the curated ones
    (scope ``curated``); this appends those to the records' text, so both stay one.
    """
    table = model.synonym_table
    touched = set(record_ids)
    curated: dict[int, list[str]] = {}
    rows = connection.execute(
        select(table.c.record_id, table.c.text)
        .where(table.c.scope == CURATED)
        .order_by(table.c.record_id, table.c.text)
    )
    for record_id, text in rows:
        if record_id in touched:
            curated.setdefault(record_id, []).append(text)
    records = model.__table__
    current: dict[int, str | None] = dict(
        connection.execute(
            select(records.c.id, records.c.synonyms).where(records.c.id.in_(list(curated)))
        ).all()
    )
    for record_id, texts in curated.items():
        joined = SYNONYM_SEPARATOR.join(
            dict.fromkeys([*split_synonyms(current[record_id]), *texts])
        )
        connection.execute(update(records).where(records.c.id == record_id).values(synonyms=joined))
