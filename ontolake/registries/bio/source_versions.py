"""Source versions in a registry: which one is current, what each holds, whose organism.

A registry's terms are those of the *current* version of each source (one per source name
and organism: the human and the mouse gene tables are separate sources). Importing a newer
version (or the first one) makes it current; importing an older one only records it: its
terms are listed in ``<table>_sources`` (for features pinned to that version) and the terms
the registry lacks are added, flagged obsolete as they are not in the current version —
current terms, their names and their source stay as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import and_, delete, func, insert, select, update

from ontolake.instance.session import current_instance
from ontolake.ontology_sources.catalog import version_order

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table
    from sqlalchemy.sql.elements import ColumnElement

    from ontolake.ontology_sources.source import SourceSpec
    from ontolake.ontology_sources.terms import Term
    from ontolake.registries.bio.source import Source

__all__ = [
    "GENE_ORGANISMS",
    "current_source",
    "flag_dropped_terms",
    "is_intact",
    "is_older",
    "organism_fields",
    "record_membership",
    "same_source",
    "term_versions",
]

GENE_ORGANISMS: dict[str, str] = {
    "human": "NCBITaxon:9606",
    "mouse": "NCBITaxon:10090",
    "sars cov 2": "NCBITaxon:2697049",
    "ercc": "NCBITaxon:32630",
    "drosophila melanogaster": "NCBITaxon:7227",
    "danio rerio": "NCBITaxon:7955",
    "caenorhabditis elegans": "NCBITaxon:6239",
    "macaca fascicularis": "NCBITaxon:9541",
    "oryctolagus cuniculus": "NCBITaxon:9986",
    "callithrix jacchus": "NCBITaxon:9483",
    "gorilla gorilla": "NCBITaxon:9595",
    "macaca mulatta": "NCBITaxon:9544",
    "pan troglodytes": "NCBITaxon:9598",
    "sus scrofa": "NCBITaxon:9823",
    "microcebus murinus": "NCBITaxon:30608",
    "rattus norvegicus": "NCBITaxon:10116",
}
"""The organisms of the built-in gene tables and their taxon; SARS-CoV-2 and ERCC spike-ins
may appear in any dataset."""


def same_source(sources: Table, entity: str, spec: SourceSpec) -> ColumnElement[bool]:
    """The rows of ``sources`` of the same source as ``spec``: entity, name and organism."""
    organism = (
        sources.c.organism.is_(None)
        if spec.organism is None
        else sources.c.organism == spec.organism
    )
    return and_(sources.c.entity == entity, sources.c.name == spec.name, organism)


def current_source(model: type[Any], spec: SourceSpec) -> Source | None:
    """The current version of the source ``spec`` is a version of, if one was imported."""
    from ontolake.registries.bio.source import Source

    sources = cast("Table", Source.__table__)
    with current_instance().read() as session:
        return session.execute(
            select(Source).where(
                same_source(sources, model._entity, spec), Source.currently_used.is_(True)
            )
        ).scalar()


def is_older(spec: SourceSpec, current: Source | None) -> bool:
    """True when ``spec`` is an older version than the current one (which stays current)."""
    if current is None or current.version == spec.version:
        return False
    return version_order(spec.version) < version_order(current.version)


def is_intact(model: type[Any], source: Source, *, as_current: bool) -> bool:
    """Whether importing ``source`` again would change nothing (so it can be skipped).

    Its terms are all recorded; as the current version, it is current, every one of its
    terms was last imported from it and, for per-organism tables, has the organism. An
    instance damaged by earlier releases (a mouse import that flagged the human genes
    obsolete, an older version made current) fails this check, and the import repairs it.
    """
    table = cast("Table", model.__table__)
    members = model.membership_table
    with current_instance().read() as session:
        recorded = session.execute(
            select(func.count()).where(members.c.source_id == source.id)
        ).scalar()
        if recorded != source.n_terms:
            return False
        if not as_current:
            return True
        if not source.currently_used:
            return False
        own = session.execute(select(func.count()).where(table.c.source_id == source.id)).scalar()
        if own != source.n_terms:
            return False
        if "organism_id" in table.c and source.organism is not None:
            lacking = session.execute(
                select(func.count()).where(
                    table.c.source_id == source.id, table.c.organism_id.is_(None)
                )
            ).scalar()
            return lacking == 0
    return True


def organism_fields(
    connection: Connection, model: type[Any], spec: SourceSpec, user_id: int
) -> dict[str, Any]:
    """``{"organism_id": ...}`` for the records of a per-organism source (genes).

    The organism is the Organism record of the table's taxon (``NCBITaxon:9606`` for
    human), created with the catalog's name (``human``) when the registry has none.
    """
    table = cast("Table", model.__table__)
    if "organism_id" not in table.c or spec.organism is None:
        return {}
    from ontolake.registries.base import utcnow
    from ontolake.registries.bio.entities import Organism
    from ontolake.registries.uid import new_uid

    organisms = cast("Table", Organism.__table__)
    taxon = GENE_ORGANISMS.get(spec.organism)
    key = organisms.c.ontology_id == taxon if taxon else organisms.c.name == spec.organism
    organism_id = connection.execute(select(func.min(organisms.c.id)).where(key)).scalar()
    if organism_id is None:
        inserted = connection.execute(
            insert(organisms).values(
                uid=new_uid(12),
                created_at=utcnow(),
                created_by_id=user_id,
                name=spec.organism,
                ontology_id=taxon,
                is_obsolete=False,
                is_trashed=False,
            )
        )
        assert inserted.inserted_primary_key is not None
        organism_id = inserted.inserted_primary_key[0]
    return {"organism_id": int(organism_id)}


def flag_dropped_terms(
    connection: Connection, model: type[Any], spec: SourceSpec, source_id: int
) -> None:
    """Flag as obsolete the records other versions of this source had and this one drops.

    Only versions of the same source count: the same name and organism.
    """
    from ontolake.registries.bio.source import Source

    sources = cast("Table", Source.__table__)
    others = select(sources.c.id).where(
        same_source(sources, model._entity, spec), sources.c.id != source_id
    )
    table = cast("Table", model.__table__)
    connection.execute(update(table).where(table.c.source_id.in_(others)).values(is_obsolete=True))


def record_membership(
    connection: Connection,
    model: type[Any],
    terms: list[Term],
    ids: dict[str, int],
    source_id: int,
    *,
    whole: bool,
) -> None:
    """Record that source ``source_id`` holds ``terms`` (``whole``: and no others)."""
    from ontolake.registries.bio.importer import _chunks, _insert_rows

    members = model.membership_table
    record_ids = [ids[term.ontology_id] for term in terms]
    if whole:
        connection.execute(delete(members).where(members.c.source_id == source_id))
    else:
        for chunk in _chunks(record_ids):
            connection.execute(
                delete(members).where(
                    members.c.source_id == source_id, members.c.record_id.in_(chunk)
                )
            )
    rows = [
        {"source_id": source_id, "record_id": record_id, "is_obsolete": term.is_obsolete}
        for term, record_id in zip(terms, record_ids, strict=True)
    ]
    for chunk in _chunks(rows):
        _insert_rows(connection, members, chunk)


def term_versions(model: type[Any], record_id: int) -> dict[str, bool]:
    """``{"name@version": obsolete there}`` of every imported version holding a record.

    Sorted by source name and version (oldest first).
    """
    from ontolake.registries.bio.source import Source

    members = model.membership_table
    sources = cast("Table", Source.__table__)
    with current_instance().read() as session:
        rows = session.execute(
            select(sources.c.name, sources.c.version, members.c.is_obsolete)
            .join(members, members.c.source_id == sources.c.id)
            .where(members.c.record_id == record_id)
        ).all()
    ordered = sorted(rows, key=lambda row: (row[0], version_order(row[1]), row[1]))
    return {f"{name}@{version}": bool(obsolete) for name, version, obsolete in ordered}
