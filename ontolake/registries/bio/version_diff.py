"""What changed between two versions of one ontology source: terms, names, obsolescence.

:func:`diff_versions` reads both versions (from where the instance imported them, else from
the built-in catalog) and lists the terms added and removed, renamed, newly obsolete (with
their ``replaced_by`` and ``consider`` terms), no longer obsolete, and the synonyms each
term gained or lost. Everything is sorted by ontology id: the same two versions give the
same text and JSON in every process. ``diff(a, b)`` and ``diff(b, a)`` are mirror images
(:meth:`VersionDiff.mirrored`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ontolake.errors import ConfigurationError, SourceNotFoundError
from ontolake.ontology_sources import catalog
from ontolake.ontology_sources.source import SourceSpec, open_source

if TYPE_CHECKING:
    from ontolake.ontology_sources.source import OntologySource
    from ontolake.ontology_sources.terms import Term

__all__ = [
    "JsonReport",
    "ObsoleteChange",
    "Renamed",
    "SynonymChange",
    "TermRef",
    "VersionDiff",
    "diff_terms",
    "diff_versions",
    "plain",
    "read_version",
]


@dataclass(frozen=True, order=True)
class TermRef:
    """A term by id and name."""

    ontology_id: str
    name: str


@dataclass(frozen=True, order=True)
class Renamed:
    """A term whose name changed (obsolete in both versions or in neither)."""

    ontology_id: str
    before: str
    after: str


@dataclass(frozen=True, order=True)
class ObsoleteChange:
    """A term live in one version and obsolete in the other.

    ``name`` is its name where it is live; ``replaced_by`` and ``consider`` are what the
    version that marks it obsolete says to use instead.
    """

    ontology_id: str
    name: str
    replaced_by: tuple[str, ...] = ()
    consider: tuple[str, ...] = ()


@dataclass(frozen=True, order=True)
class SynonymChange:
    """The synonyms a term (in both versions) gained and lost."""

    ontology_id: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


class JsonReport:
    """``to_dict`` and ``to_json`` of a report dataclass (what ``--format json`` prints)."""

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data: dicts, lists, strings and booleans."""
        data: dict[str, Any] = plain(asdict(cast("Any", self)))
        return data

    def to_json(self) -> str:
        """The report as JSON text, keys sorted."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class VersionDiff(JsonReport):
    """The changes from version ``old`` to version ``new`` of one source.

    Example:
        >>> change = diff_versions("cl", "2025-04-10", "2026-03-26")
        >>> [(t.ontology_id, t.replaced_by) for t in change.newly_obsolete][:1]
        [('CL:0000054', ('CL:0000062',))]
    """

    entity: str
    source: str
    old: str
    new: str
    added: tuple[TermRef, ...] = ()
    removed: tuple[TermRef, ...] = ()
    renamed: tuple[Renamed, ...] = ()
    newly_obsolete: tuple[ObsoleteChange, ...] = ()
    revived: tuple[ObsoleteChange, ...] = ()
    """Terms obsolete in ``old`` and live again in ``new``."""
    synonyms: tuple[SynonymChange, ...] = field(default=())

    def mirrored(self) -> VersionDiff:
        """The same changes seen from ``new`` to ``old`` (what ``diff(new, old)`` gives)."""
        return VersionDiff(
            entity=self.entity,
            source=self.source,
            old=self.new,
            new=self.old,
            added=self.removed,
            removed=self.added,
            renamed=tuple(Renamed(r.ontology_id, r.after, r.before) for r in self.renamed),
            newly_obsolete=self.revived,
            revived=self.newly_obsolete,
            synonyms=tuple(SynonymChange(s.ontology_id, s.removed, s.added) for s in self.synonyms),
        )

    def to_text(self) -> str:
        """A readable report: one section per kind of change, one line per term."""
        lines = [
            f"{self.entity} {self.source} {self.old} -> {self.new}: {len(self.added)} added, "
            f"{len(self.removed)} removed, {len(self.renamed)} renamed, "
            f"{len(self.newly_obsolete)} newly obsolete, {len(self.revived)} no longer "
            f"obsolete, {len(self.synonyms)} with synonym changes"
        ]
        sections: list[tuple[str, list[str]]] = [
            ("added", [f"{t.ontology_id}  {t.name}" for t in self.added]),
            ("removed", [f"{t.ontology_id}  {t.name}" for t in self.removed]),
            ("renamed", [f"{t.ontology_id}  {t.before!r} -> {t.after!r}" for t in self.renamed]),
            ("newly obsolete", [_obsolete_line(t) for t in self.newly_obsolete]),
            ("no longer obsolete", [_obsolete_line(t) for t in self.revived]),
            ("synonyms", [_synonym_line(t) for t in self.synonyms]),
        ]
        for title, rows in sections:
            if rows:
                lines.append(f"{title}:")
                lines.extend(f"  {row}" for row in rows)
        return "\n".join(lines)


def plain(value: Any) -> Any:
    """``value`` with every tuple a list, recursively (what JSON holds).

    Example:
        >>> plain({"a": (1, ("b",))})
        {'a': [1, ['b']]}
    """
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def _obsolete_line(change: ObsoleteChange) -> str:
    use = []
    if change.replaced_by:
        use.append("replaced by " + ", ".join(change.replaced_by))
    if change.consider:
        use.append("consider " + ", ".join(change.consider))
    return f"{change.ontology_id}  {change.name}" + (f" ({'; '.join(use)})" if use else "")


def _synonym_line(change: SynonymChange) -> str:
    parts = [f"+{text!r}" for text in change.added] + [f"-{text!r}" for text in change.removed]
    return f"{change.ontology_id}  {' '.join(parts)}"


def diff_terms(
    old: dict[str, Term],
    new: dict[str, Term],
    *,
    entity: str,
    source: str,
    versions: tuple[str, str],
) -> VersionDiff:
    """The diff of two versions' terms (``{ontology_id: Term}`` each).

    Example:
        >>> from ontolake.ontology_sources.terms import Term
        >>> diff_terms({"X:1": Term("X:1", "a")}, {"X:1": Term("X:1", "b")},
        ...            entity="CellType", source="x", versions=("1", "2")).renamed
        (Renamed(ontology_id='X:1', before='a', after='b'),)
    """
    shared = sorted(old.keys() & new.keys())
    renamed, newly_obsolete, revived, synonyms = [], [], [], []
    for term_id in shared:
        before, after = old[term_id], new[term_id]
        if before.is_obsolete == after.is_obsolete:
            if before.name != after.name:
                renamed.append(Renamed(term_id, before.name, after.name))
        elif after.is_obsolete:
            newly_obsolete.append(
                ObsoleteChange(term_id, before.name, after.replaced_by, after.consider)
            )
        else:
            revived.append(ObsoleteChange(term_id, after.name, before.replaced_by, before.consider))
        had = {synonym.text for synonym in before.synonyms}
        has = {synonym.text for synonym in after.synonyms}
        if had != has:
            synonyms.append(
                SynonymChange(term_id, tuple(sorted(has - had)), tuple(sorted(had - has)))
            )
    return VersionDiff(
        entity=entity,
        source=source,
        old=versions[0],
        new=versions[1],
        added=tuple(TermRef(i, new[i].name) for i in sorted(new.keys() - old.keys())),
        removed=tuple(TermRef(i, old[i].name) for i in sorted(old.keys() - new.keys())),
        renamed=tuple(renamed),
        newly_obsolete=tuple(newly_obsolete),
        revived=tuple(revived),
        synonyms=tuple(synonyms),
    )


def diff_versions(source: str, old: str, new: str, *, organism: str | None = None) -> VersionDiff:
    """What changed in ``source`` from version ``old`` to ``new``.

    ``source`` is a source name (``cl``, ``hp``) or its registry (``CellType``).

    Raises:
        SourceNotFoundError: the source or a version is unknown; the message lists the
            versions there are (imported into the instance, or in the built-in catalog).

    Example:
        >>> change = diff_versions("cl", "2025-04-10", "2026-03-26")
        >>> len(change.added), len(change.removed), change.renamed[0].after
        (428, 0, 'circulating fibrocyte')
    """
    before = read_version(source, old, organism=organism)
    after = read_version(source, new, organism=organism)
    return diff_terms(
        _by_id(before),
        _by_id(after),
        entity=before.spec.entity,
        source=before.spec.name,
        versions=(before.spec.version, after.spec.version),
    )


def _by_id(source: OntologySource) -> dict[str, Term]:
    return {term.ontology_id: term for term in source.terms()}


def read_version(source: str, version: str, *, organism: str | None = None) -> OntologySource:
    """Version ``version`` of ``source``, to read its terms.

    From the file the instance imported it from, else from the built-in catalog.

    Raises:
        SourceNotFoundError: unknown source or version (the message lists the versions).

    Example:
        >>> read_version("cl", "2025-04-10").spec.version
        'v2025-04-10'
    """
    entity, name = _entity_and_name(source)
    known = _known_versions(entity, name, organism)
    wanted = version.removeprefix("v")
    spec = next((s for v, s in known.items() if v.removeprefix("v") == wanted), None)
    if spec is None:
        listed = sorted(known, key=lambda v: (catalog.version_order(v), v))
        raise SourceNotFoundError(
            f"{entity} source {name} has no version {version!r}; the versions there are: "
            f"{', '.join(listed) or 'none'} (imported ones are listed by `curate ontology ls`)."
        )
    return open_source(spec)


def _entity_and_name(source: str) -> tuple[str, str]:
    """The entity and source name ``source`` means (a source name or an entity)."""
    from ontolake.registries import bio

    model = getattr(bio, source, None)
    if isinstance(model, type) and hasattr(model, "membership_table"):
        current = [spec for spec in _instance_specs() if spec.entity == source]
        if current:
            return source, current[0].name
        return source, catalog.find(source).spec.name
    entities = sorted(
        {spec.entity for spec in [*_instance_specs(), *catalog.available()] if spec.name == source}
    )
    if not entities:
        names = sorted({spec.name for spec in [*_instance_specs(), *catalog.available()]})
        raise SourceNotFoundError(
            f"No ontology source named {source!r}; known sources: {', '.join(names)} (or an "
            "entity such as CellType)."
        )
    if len(entities) > 1:
        raise SourceNotFoundError(
            f"Source {source!r} fills several registries ({', '.join(entities)}); name the "
            "entity instead."
        )
    return entities[0], source


def _known_versions(entity: str, name: str, organism: str | None) -> dict[str, SourceSpec]:
    """Every version of the source, by version: the catalog's, then the instance's."""
    known: dict[str, SourceSpec] = {}
    for spec in [*catalog.available(entity), *_instance_specs()]:
        if spec.entity != entity or spec.name != name:
            continue
        if organism is not None and spec.organism != organism:
            continue
        if organism is None and spec.organism not in (None, catalog.DEFAULT_ORGANISM):
            continue
        if spec.location.startswith("memory://"):
            known.setdefault(spec.version, spec)
        else:
            known[spec.version] = spec
    return known


def _instance_specs() -> list[SourceSpec]:
    """The sources imported into the connected instance (none when not connected)."""
    from ontolake.registries.bio.source import Source

    try:
        rows = list(Source.filter().order_by("id"))
    except ConfigurationError:  # no instance: the catalog's versions only
        return []
    return [
        SourceSpec(row.entity, row.name, row.version, row.organism, row.location, row.format)
        for row in rows
    ]
