"""One small interface for every ontology source: a spec, its terms, and a content hash.

:class:`FileSource` reads a local path, an fsspec URL or a file shipped in an installed
package, in any format of :mod:`~ontolake.ontology_sources.formats`; :class:`InMemorySource`
serves a list of terms (for tests). Every source checks, while it yields, that no
ontology id comes with two different names.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ontolake.errors import OntologyFormatError, SourceNameWarning
from ontolake.ontology_sources.formats import (
    default_name,
    detect_format,
    detect_name,
    detect_version,
    file_name_conflict,
    format_names,
    get_format,
    get_reader,
)
from ontolake.ontology_sources.locations import (
    decompression_failure,
    display_name,
    open_binary,
    require_exists,
    sha256_of,
    stored_size,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from ontolake.ontology_sources.formats.base import Companion
    from ontolake.ontology_sources.terms import Term

__all__ = ["FileSource", "InMemorySource", "OntologySource", "SourceSpec", "open_source"]


@dataclass(frozen=True)
class SourceSpec:
    """What identifies a source; the fields a Source registry row stores.

    Attributes:
        entity: the registry it fills (``CellType``, ``Gene`` …).
        name: the source's short name (``cl``, ``hp``, ``ensembl`` …).
        version: the release (``v2025-02-13``, ``48`` …).
        organism: the organism of organism-specific sources (``human``), else None.
        location: a path, an fsspec URL or ``package:<distribution>/<path>``.
        format: the name of a format of :data:`~ontolake.ontology_sources.formats.FORMATS`
            (``obo``, ``owl``, ``obographs``, ``cellxgene``, ``gene_table`` …).

    Example:
        >>> SourceSpec("CellType", "cl", "v2025-02-13", None, "cl.obo", "obo").name
        'cl'
    """

    entity: str
    name: str
    version: str
    organism: str | None
    location: str
    format: str


class OntologySource(ABC):
    """A source of normalised terms.

    Example:
        >>> source = open_source("hp.obo")
        >>> next(iter(source.terms())).ontology_id
        'HP:0000001'
    """

    @property
    @abstractmethod
    def spec(self) -> SourceSpec:
        """Entity, name, version, organism, location and format of this source."""

    @abstractmethod
    def content_hash(self) -> str:
        """SHA-256 (hex) of the source's content, computed by streaming it."""

    @abstractmethod
    def _read(self) -> Iterator[Term]:
        """Yield the terms as the format holds them (duplicates are checked by ``terms``)."""

    def terms(self) -> Iterator[Term]:
        """Yield every term, streaming where the format allows.

        A term repeated with the same name is yielded once.

        Raises:
            OntologyFormatError: the content is malformed, or an ontology id has two names.

        Example:
            >>> [t.name for t in open_source("hp.obo").terms()][:2]
            ['All', 'Phenotypic abnormality']
        """
        names: dict[str, str] = {}
        for term in self._read():
            known = names.get(term.ontology_id)
            if known is None:
                names[term.ontology_id] = term.name
                yield term
            elif known != term.name:
                raise OntologyFormatError(
                    f"{display_name(self.spec.location)}: {term.ontology_id} has two names, "
                    f"{known!r} and {term.name!r}; fix the source so each id has one name."
                )

    def __repr__(self) -> str:
        spec = self.spec
        return (
            f"{type(self).__name__}({spec.entity or '?'} {spec.name} {spec.version} "
            f"{display_name(spec.location)!r})"
        )


class FileSource(OntologySource):
    """An ontology file at a local path, an fsspec URL or ``package:<dist>/<path>``.

    Args:
        location: where the file is.
        format: a format name of :data:`~ontolake.ontology_sources.formats.FORMATS`
            (``obo``, ``owl``, ``obographs``, ``cellxgene``, ``gene_table`` …); detected from
            the suffix or the first bytes when None.
        entity: the registry the source fills (set by the registry that imports it).
        name: the source name; when None, what the file declares (OBO ``ontology:``, the
            ontology's IRI), else the lower-cased file stem.
        version: the release; what the file declares (OBO ``data-version``, OWL
            ``versionIRI`` …) when None, else ``sha256-<first 12 hex digits>`` of the file.
            Files of one ontology named by release (``hp-2024.obo``, ``hp-2025.obo``) are
            thus versions of one source; a file name that contradicts the header warns
            (:class:`~ontolake.errors.SourceNameWarning`) and the header wins.
        organism: the organism of an organism-specific source. A gene table read for human
            or mouse is completed by the gene history of that organism (its format's
            :attr:`~ontolake.ontology_sources.formats.base.OntologyFormat.companion`).

    Raises:
        PathNotFoundError: nothing exists at ``location``.
        OntologyFormatError: the format is unknown or cannot be detected.

    Example:
        >>> source = FileSource("hp.obo", entity="Phenotype")
        >>> source.spec.format, source.spec.name, source.spec.version
        ('obo', 'hp', '2025-01-16')
    """

    def __init__(
        self,
        location: str | os.PathLike[str],
        *,
        format: str | None = None,
        entity: str = "",
        name: str | None = None,
        version: str | None = None,
        organism: str | None = None,
    ) -> None:
        self.location = os.fspath(location)
        require_exists(self.location)
        if format is not None and format not in format_names():
            raise OntologyFormatError(
                f"Unknown ontology format {format!r} for {display_name(self.location)}: "
                f"use one of {', '.join(format_names())}."
            )
        self._format = format or detect_format(self.location)
        self._entity = entity
        self._name = name
        self._version = version
        self._organism = organism
        self._file_hash: str | None = None
        self._content_hash: str | None = None

    @cached_property
    def spec(self) -> SourceSpec:
        """Entity, name, version, organism, location and format; the version may be sniffed."""
        declared = None if self._version else detect_version(self.location, self._format)
        version = self._version or declared or f"sha256-{self.file_hash()[:12]}"
        header_name = None if self._name else detect_name(self.location, self._format)
        name = self._name or header_name or default_name(self.location)
        if header_name or declared:
            conflict = file_name_conflict(self.location, header_name, declared)
            if conflict:
                warnings.warn(
                    f"{display_name(self.location)}: {conflict}; imported as {name} {version} "
                    "(pass name= and version= to choose otherwise).",
                    SourceNameWarning,
                    stacklevel=2,
                )
        return SourceSpec(
            entity=self._entity,
            name=name,
            version=version,
            organism=self._organism,
            location=self.location,
            format=self._format,
        )

    @cached_property
    def companion(self) -> Companion | None:
        """What completes this file's terms (the gene history of its organism), or None.

        Example:
            >>> FileSource("hp.obo").companion is None
            True
        """
        factory = get_format(self._format).companion
        return factory(self.spec) if factory is not None else None

    def file_hash(self) -> str:
        """SHA-256 of the file's bytes as stored (compressed files are not decompressed).

        Example:
            >>> len(FileSource("hp.obo").file_hash())
            64
        """
        if self._file_hash is None:
            self._file_hash = sha256_of(self.location)
        return self._file_hash

    def content_hash(self) -> str:
        """The file's hash, combined with its companion's when it has one.

        Example:
            >>> FileSource("hp.obo").content_hash() == FileSource("hp.obo").file_hash()
            True
        """
        if self._content_hash is None:
            companion = self.companion
            both = f"{self.file_hash()} {companion.content_hash()}" if companion else None
            self._content_hash = (
                hashlib.sha256(both.encode()).hexdigest() if both else self.file_hash()
            )
        return self._content_hash

    def __repr__(self) -> str:
        return f"FileSource({display_name(self.location)!r}, format={self._format!r})"

    def _read(self) -> Iterator[Term]:
        companion = self.companion
        if companion is None:
            yield from self._read_file()
        else:
            yield from companion.complete(list(self._read_file()))

    def _read_file(self) -> Iterator[Term]:
        from ontolake._progress import progress

        reader = get_reader(self._format)
        label = display_name(self.location)
        count = 0
        described = f"reading {label.rsplit('/', 1)[-1]}"
        size = stored_size(self.location)
        with (
            progress(described, total=size, unit="bytes") as step,
            open_binary(self.location, on_read=step.update) as handle,
        ):
            try:
                for term in reader(handle, label):
                    count += 1
                    yield term
            except Exception as error:
                failure = decompression_failure(handle)
                if failure is None or failure is error:
                    raise
                raise failure from error  # a reader (fastobo) replaced it with its own error
        if count == 0:
            raise OntologyFormatError(
                f"{label}: no terms found in this {self._format} file; check that it is "
                "the ontology file and the format is right."
            )


class InMemorySource(OntologySource):
    """Terms held in memory, behind the same interface (for tests and generated sources).

    Example:
        >>> from ontolake.ontology_sources.terms import Term
        >>> spec = SourceSpec("CellType", "x", "1", None, "memory://x", "memory")
        >>> [t.name for t in InMemorySource([Term("X:1", "a")], spec).terms()]
        ['a']
    """

    def __init__(self, terms: Iterable[Term], spec: SourceSpec) -> None:
        self._terms = tuple(terms)
        self._spec = spec

    @property
    def spec(self) -> SourceSpec:
        """The spec given at construction."""
        return self._spec

    def content_hash(self) -> str:
        """SHA-256 of the terms' canonical text; equal terms give equal hashes.

        Example:
            >>> spec = SourceSpec("CellType", "x", "1", None, "memory://x", "memory")
            >>> InMemorySource([], spec).content_hash() == InMemorySource([], spec).content_hash()
            True
        """
        digest = hashlib.sha256()
        for term in self._terms:
            digest.update(repr(term).encode())
            digest.update(b"\n")
        return digest.hexdigest()

    def _read(self) -> Iterator[Term]:
        yield from self._terms


def open_source(location: str | os.PathLike[str] | SourceSpec, **spec_fields: Any) -> FileSource:
    """Open an ontology file (or the file a :class:`SourceSpec` points to) as a source.

    Args:
        location: a path, an fsspec URL, ``package:<dist>/<path>``, or a spec whose
            fields are used (``spec_fields`` override them).
        **spec_fields: ``format``, ``entity``, ``name``, ``version``, ``organism``.

    Example:
        >>> source = open_source("cl.json.zst", entity="CellType")
        >>> source.spec.format, source.spec.name
        ('cellxgene', 'cl')
        >>> open_source(source.spec).spec == source.spec
        True
    """
    if isinstance(location, SourceSpec):
        spec = replace(location, **{k: v for k, v in spec_fields.items() if k != "location"})
        return FileSource(
            spec.location,
            format=spec.format,
            entity=spec.entity,
            name=spec.name,
            version=spec.version,
            organism=spec.organism,
        )
    return FileSource(location, **spec_fields)
