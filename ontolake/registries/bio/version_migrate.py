"""Moving annotations from one version of an ontology to another, through ``replaced_by``.

:func:`migrate_labels` looks at every label of a registry that annotates something (the
categorical feature values of artifacts, runs and records, and the artifacts' label links)
and whose term the older version ``old`` holds. In version ``new``:

- a term still live keeps its record; a renamed one gets its new name in the stored values;
- an obsolete term with one ``replaced_by`` chain ending at a live term is re-annotated
  with that term;
- a term ``new`` lacks is re-annotated with the one live term of ``new`` that ``old``
  declares it replaced by (the way back of a migration to an older version);
- anything else needs a person and is reported, never guessed: several replacements,
  ``consider`` terms only, obsolete or removed without replacement.

The changes run in one write transaction (an error leaves every annotation as it was);
``dry_run`` reports them and writes nothing. The report lists each change and each term
that needs a person with what it annotates, sorted: the same migration gives the same text
and JSON in every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import and_, delete, select, update

from ontolake._faults import reached
from ontolake.errors import SourceNotFoundError
from ontolake.instance.session import current_instance
from ontolake.registries.bio.version_diff import JsonReport, read_version
from ontolake.registries.feature_values import VALUE_TABLES, owner_column
from ontolake.registries.links import LABEL_LINKS

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.orm import Session

    from ontolake.ontology_sources.terms import Term

__all__ = ["LabelChange", "Migration", "NeedsPerson", "migrate_labels"]

_OWNERS = {"artifacts": "artifact", "runs": "run", "records": "record"}


@dataclass(frozen=True, order=True)
class LabelChange:
    """One term's annotations re-annotated: ``replaced`` by another term, or ``renamed``.

    ``annotates`` names what held the term (``artifact <uid>``, ``run <uid>`` …).
    """

    ontology_id: str
    name: str
    kind: str
    to_id: str
    to_name: str
    annotates: tuple[str, ...]


@dataclass(frozen=True, order=True)
class NeedsPerson:
    """A term whose annotations were left as they are: the ontology does not say what to use.

    ``candidates`` are the ids the ontology offers (several replacements, ``consider``).
    """

    ontology_id: str
    name: str
    reason: str
    candidates: tuple[str, ...]
    annotates: tuple[str, ...]


@dataclass(frozen=True)
class Migration(JsonReport):
    """What :func:`migrate_labels` changed (or, with ``dry_run``, would change).

    Example:
        >>> migrate_labels("cl", "2025-04-10", "2026-03-26", dry_run=True).changes
        ()
    """

    entity: str
    source: str
    old: str
    new: str
    dry_run: bool
    changes: tuple[LabelChange, ...]
    needs_person: tuple[NeedsPerson, ...]

    def to_text(self) -> str:
        """A readable report: one line per change and per term that needs a person."""
        done = "would change" if self.dry_run else "changed"
        lines = [
            f"{self.entity} {self.source} {self.old} -> {self.new}: {done} "
            f"{len(self.changes)} term(s); {len(self.needs_person)} need a person"
        ]
        for change in self.changes:
            lines.append(
                f"  {change.kind}: {change.ontology_id} {change.name!r} -> {change.to_id} "
                f"{change.to_name!r} ({_annotates(change.annotates)})"
            )
        for term in self.needs_person:
            offered = f": {', '.join(term.candidates)}" if term.candidates else ""
            lines.append(
                f"  needs a person: {term.ontology_id} {term.name!r}, {term.reason}{offered} "
                f"({_annotates(term.annotates)})"
            )
        return "\n".join(lines)


def _annotates(owners: tuple[str, ...]) -> str:
    return f"{len(owners)} annotated: " + ", ".join(owners)


def migrate_labels(
    source: str, old: str, new: str, *, organism: str | None = None, dry_run: bool = False
) -> Migration:
    """Re-annotate what holds terms of version ``old`` of ``source`` with version ``new``.

    Args:
        source: the source name (``cl``) or its registry (``CellType``).
        old: the version the annotations were made with.
        new: the version to move them to; it must be imported into the instance.
        organism: for organism-specific sources.
        dry_run: report what would change, change nothing.

    Raises:
        SourceNotFoundError: an unknown version (the message lists the known ones), or
            ``new`` is not imported (the message says how to import it).

    Example:
        >>> report = migrate_labels("cl", "2025-04-10", "2026-03-26", dry_run=True)
        >>> report.to_text().splitlines()[0]
        'CellType cl v2025-04-10 -> v2026-03-26: would change 0 term(s); 0 need a person'
    """
    before = read_version(source, old, organism=organism)
    after = read_version(source, new, organism=organism)
    spec = after.spec
    model = _imported_registry(spec.entity, spec.name, spec.version, spec.organism)
    old_terms = {term.ontology_id: term for term in before.terms()}
    new_terms = {term.ontology_id: term for term in after.terms()}
    instance = current_instance()
    with instance.read() if dry_run else instance.write() as session:
        used = _used_labels(session, model)
        ids = _record_ids(session, model, used, old_terms, new_terms)
        changes: list[LabelChange] = []
        people: list[NeedsPerson] = []
        for term_id, (record_id, owners) in sorted(used.items()):
            if term_id not in old_terms:
                continue  # not a term of the old version: none of this migration's business
            target, reason, candidates = _target(term_id, old_terms, new_terms)
            name = old_terms[term_id].name
            if target is None:
                people.append(NeedsPerson(term_id, name, reason, candidates, owners))
            elif target not in ids:
                people.append(
                    NeedsPerson(term_id, name, f"{target} is not in {model.__name__}", (), owners)
                )
            elif target != term_id:
                changes.append(
                    LabelChange(term_id, name, "replaced", target, new_terms[target].name, owners)
                )
                if not dry_run:
                    _relink(session, model, record_id, ids[target], new_terms[target])
            elif new_terms[term_id].name != name and (
                named := _holding_value(session, model, record_id, name)
            ):
                changes.append(
                    LabelChange(term_id, name, "renamed", term_id, new_terms[term_id].name, named)
                )
                if not dry_run:
                    _store(session, model, record_id, record_id, new_terms[term_id])
        if not dry_run:
            reached("ontology-migrate.written")
    instance.session.expire_all()
    return Migration(
        entity=spec.entity,
        source=spec.name,
        old=before.spec.version,
        new=spec.version,
        dry_run=dry_run,
        changes=tuple(changes),
        needs_person=tuple(people),
    )


def _imported_registry(entity: str, name: str, version: str, organism: str | None) -> Any:
    """The registry of ``entity``, once version ``version`` of ``name`` is imported into it."""
    from ontolake.registries import bio
    from ontolake.registries.bio.source import Source

    imported = Source.filter(entity=entity, name=name, version=version, organism=organism)
    if not imported.exists():
        raise SourceNotFoundError(
            f"{entity} source {name} {version} is not imported: import it first with "
            f"`curate ontology import {entity} --version {version}` (or "
            f"ol.bio.{entity}.import_source({name!r}, version={version!r})), then migrate."
        )
    return getattr(bio, entity)


def _target(
    term_id: str, old: dict[str, Term], new: dict[str, Term]
) -> tuple[str | None, str, tuple[str, ...]]:
    """The live term of ``new`` to use for ``term_id``, else why a person must choose."""
    term = new.get(term_id)
    if term is not None and not term.is_obsolete:
        return term_id, "", ()
    if term is not None and (term.replaced_by or term.consider):
        seen = {term_id}
        while True:
            if len(term.replaced_by) > 1:
                return None, "several replacements", term.replaced_by
            if not term.replaced_by:
                return None, "obsolete, consider only", term.consider
            step = term.replaced_by[0]
            following = new.get(step)
            if following is None:
                return None, f"replaced by {step}, which this version lacks", (step,)
            if not following.is_obsolete:
                return step, "", ()
            if step in seen:
                return None, "replacements form a cycle", tuple(sorted(seen))
            seen.add(step)
            term = following
    # what the old version says replaced by this term (the way back to an older version)
    earlier = tuple(
        sorted(
            other
            for other, entry in old.items()
            if term_id in entry.replaced_by and other in new and not new[other].is_obsolete
        )
    )
    if len(earlier) == 1:
        return earlier[0], "", ()
    if earlier:
        return None, "several terms it replaced", earlier
    if term is None:
        return None, "removed without replacement", ()
    return None, "obsolete without replacement", ()


def _used_labels(session: Session, model: Any) -> dict[str, tuple[int, tuple[str, ...]]]:
    """``{ontology_id: (record id, what it annotates)}`` of the records in use as labels."""
    from ontolake.registries.base import Base

    registry = f"bio.{model.__name__}"
    table = cast("Table", model.__table__)
    holders: dict[int, set[str]] = {}
    for owner_table, values in VALUE_TABLES.items():
        owner = Base.metadata.tables[owner_table]
        rows = session.execute(
            select(values.c.cat_id, owner.c.uid)
            .join(owner, owner.c.id == owner_column(values))
            .where(values.c.cat_registry == registry, values.c.cat_id.is_not(None))
        )
        for record_id, uid in rows:
            holders.setdefault(int(record_id), set()).add(f"{_OWNERS[owner_table]} {uid}")
    link = LABEL_LINKS[registry]
    artifacts = Base.metadata.tables["artifacts"]
    rows = session.execute(
        select(link.label_column, artifacts.c.uid).join(
            artifacts, artifacts.c.id == link.table.c.artifact_id
        )
    )
    for record_id, uid in rows:
        holders.setdefault(int(record_id), set()).add(f"artifact {uid}")
    if not holders:
        return {}
    found = session.execute(
        select(table.c.id, table.c.ontology_id).where(
            table.c.id.in_(sorted(holders)), table.c.ontology_id.is_not(None)
        )
    )
    return {
        str(term_id): (int(record_id), tuple(sorted(holders[record_id])))
        for record_id, term_id in found
    }


def _holding_value(session: Session, model: Any, record_id: int, value: str) -> tuple[str, ...]:
    """What holds record ``record_id`` stored as ``value`` (a name to update), sorted."""
    from ontolake.registries.base import Base

    registry = f"bio.{model.__name__}"
    found: set[str] = set()
    for owner_table, values in VALUE_TABLES.items():
        owner = Base.metadata.tables[owner_table]
        uids = session.execute(
            select(owner.c.uid)
            .join(values, owner.c.id == owner_column(values))
            .where(
                values.c.cat_registry == registry,
                values.c.cat_id == record_id,
                values.c.value_str == value,
            )
        ).scalars()
        found.update(f"{_OWNERS[owner_table]} {uid}" for uid in uids)
    return tuple(sorted(found))


def _record_ids(
    session: Session,
    model: Any,
    used: dict[str, tuple[int, tuple[str, ...]]],
    old: dict[str, Term],
    new: dict[str, Term],
) -> dict[str, int]:
    """The record ids of every term a used label may be re-annotated with."""
    wanted = {
        target
        for term_id in used
        if term_id in old
        for target in [_target(term_id, old, new)[0]]
        if target is not None
    }
    table = cast("Table", model.__table__)
    rows = session.execute(
        select(table.c.ontology_id, table.c.id).where(table.c.ontology_id.in_(sorted(wanted)))
    )
    return {str(term_id): int(record_id) for term_id, record_id in rows}


def _store(session: Session, model: Any, old_id: int, new_id: int, term: Term) -> None:
    """Store record ``new_id`` (``term`` in the new version) where values hold ``old_id``.

    Each feature keeps the field its dtype names: the new version's name for ``name``,
    the record's value for another field (``ontology_id`` …).
    """
    from ontolake.registries.features import Feature

    registry = f"bio.{model.__name__}"
    record = session.get(model, new_id)
    for values in VALUE_TABLES.values():
        held = and_(values.c.cat_registry == registry, values.c.cat_id == old_id)
        feature_ids = sorted(
            session.execute(select(values.c.feature_id).where(held).distinct()).scalars()
        )
        for feature in session.execute(
            select(Feature).where(Feature.id.in_(feature_ids))
        ).scalars():
            target = next(t for t in feature.parsed_dtype.targets if t.registry == registry)
            value = term.name if target.field == "name" else getattr(record, target.field)
            session.execute(
                update(values)
                .where(held, values.c.feature_id == feature.id)
                .values(cat_id=new_id, value_str=None if value is None else str(value))
            )


def _relink(session: Session, model: Any, old_id: int, new_id: int, term: Term) -> None:
    """Point every value and label link holding record ``old_id`` at record ``new_id``."""
    _store(session, model, old_id, new_id, term)
    link = LABEL_LINKS[f"bio.{model.__name__}"]
    table, label = link.table, link.label_column
    direct_old = select(table.c.artifact_id).where(label == old_id, table.c.direct.is_(True))
    session.execute(
        update(table)
        .where(label == new_id, table.c.artifact_id.in_(direct_old))
        .values(direct=True)
    )
    both = select(table.c.artifact_id).where(label == new_id)
    session.execute(delete(table).where(label == old_id, table.c.artifact_id.in_(both)))
    session.execute(update(table).where(label == old_id).values({label.key: new_id}))
