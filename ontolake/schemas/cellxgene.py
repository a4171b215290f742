"""The CELLxGENE single-cell dataset convention (schema 7.1.0), written down as data.

Each ``obs`` column is bound to its ontologies with the convention's rules: the allowed
ontologies, terms and required ancestors, forbidden terms and ancestors, the ``unknown`` /
``na`` exceptions, several terms joined by ``" || "`` where allowed, and rules that depend on
other columns (``tissue_type``) or on ``uns["organism_ontology_term_id"]``. Every row is
checked against each rule whose condition it meets, and against the column's own constraint
when it meets none. Obsolete terms are always rejected.

The ontology versions are the ones the convention pins (read from the installed
``cellxgene-ontology-guide``); :mod:`ontolake.curate.cellxgene` checks a dataset against these
rules with the terms of the registries.
"""

from __future__ import annotations

from ontolake.registries.bio.source_versions import GENE_ORGANISMS
from ontolake.schemas.rules import Column, Condition, Rule, TermConstraint

__all__ = [
    "COLUMNS",
    "FORBIDDEN_NAMES",
    "GENE_ORGANISMS",
    "ONTOLOGY_ENTITIES",
    "ORGANISM",
    "SCHEMA_VERSION",
    "pinned_versions",
]

SCHEMA_VERSION = "7.1.0"
"""The version of the convention these rules follow."""


_CELL_TYPE = TermConstraint(
    ontologies=("CL", "ZFA", "FBbt", "WBbt"),
    exceptions=("unknown",),
    allowed_terms={"CL": ("CL:0000000",)},
    allowed_ancestors={
        "ZFA": ("ZFA:0009000",),
        "FBbt": ("FBbt:00007002",),
        "WBbt": ("WBbt:0004017",),
        "CL": ("CL:0000000",),
    },
    forbidden_terms=("CL:0000255", "CL:0000257", "CL:0000548", "WBbt:0006803"),
    forbidden_ancestors={"WBbt": ("WBbt:0006803",)},
)
_CELL_LINE = Condition(column="tissue_type", match=("cell line",))
_NOT_CELL_LINE = Condition(column="tissue_type", exclude=("cell line",))
_ONLY_NA = TermConstraint(ontologies=("NA",), exceptions=("na",))
_SEXES = ("PATO:0000383", "PATO:0000384", "PATO:0001340")
_ANATOMY_FORBIDDEN = (
    "ZFA:0009000",
    "ZFA:0001093",
    "FBbt:00007002",
    "WBbt:0007849",
    "WBbt:0007850",
    "WBbt:0008595",
    "WBbt:0004017",
    "WBbt:0006803",
)
_ANATOMY_ANCESTORS = {
    "ZFA": ("ZFA:0100000",),
    "FBbt": ("FBbt:10000000",),
    "WBbt": ("WBbt:0005766",),
    "UBERON": ("UBERON:0001062",),
}
_ANATOMY_FORBIDDEN_ANCESTORS = {
    "ZFA": ("ZFA:0009000",),
    "WBbt": ("WBbt:0004017", "WBbt:0006803"),
    "FBbt": ("FBbt:00007002",),
}
_ANATOMY = ("UBERON", "ZFA", "FBbt", "WBbt")
_HUMAN, _MOUSE, _FISH, _FLY, _WORM = (
    "NCBITaxon:9606",
    "NCBITaxon:10090",
    "NCBITaxon:7955",
    "NCBITaxon:7227",
    "NCBITaxon:6239",
)
_ORGANISM_KEY = "organism_ontology_term_id"


def _organism_is(*terms: str) -> Condition:
    return Condition(uns_key=_ORGANISM_KEY, match=terms)


def _stage(ontology: str, ancestors: tuple[str, ...], **extra: tuple[str, ...]) -> TermConstraint:
    return TermConstraint(
        ontologies=(ontology,),
        exceptions=("unknown", "na"),
        allowed_ancestors={ontology: ancestors},
        allowed_terms={ontology: extra["terms"]} if "terms" in extra else {},
        forbidden_terms=extra.get("forbidden", ()),
    )


ORGANISM = TermConstraint(
    ontologies=("NCBITaxon",),
    allowed_terms={
        "NCBITaxon": (
            "NCBITaxon:9606",
            "NCBITaxon:10090",
            "NCBITaxon:7227",
            "NCBITaxon:7955",
            "NCBITaxon:6239",
            "NCBITaxon:9541",
            "NCBITaxon:9986",
            "NCBITaxon:9483",
            "NCBITaxon:9595",
            "NCBITaxon:9544",
            "NCBITaxon:9598",
            "NCBITaxon:9823",
            "NCBITaxon:30608",
            "NCBITaxon:10116",
        )
    },
    allowed_ancestors={
        "NCBITaxon": (
            "NCBITaxon:9541",
            "NCBITaxon:9544",
            "NCBITaxon:10090",
            "NCBITaxon:9986",
            "NCBITaxon:9598",
            "NCBITaxon:10116",
            "NCBITaxon:9823",
        )
    },
    forbidden_terms=("NCBITaxon:2697049", "NCBITaxon:32630"),
)
"""``uns["organism_ontology_term_id"]``: one of the supported organisms (or a strain)."""

COLUMNS: tuple[Column, ...] = (
    Column(
        "cell_type_ontology_term_id",
        "curie",
        terms=_CELL_TYPE,
        rules=(
            Rule(
                (_CELL_LINE,),
                TermConstraint(
                    ontologies=_CELL_TYPE.ontologies,
                    exceptions=("unknown", "na"),
                    allowed_terms=_CELL_TYPE.allowed_terms,
                    allowed_ancestors=_CELL_TYPE.allowed_ancestors,
                    forbidden_terms=_CELL_TYPE.forbidden_terms,
                    forbidden_ancestors=_CELL_TYPE.forbidden_ancestors,
                ),
            ),
        ),
        message="a CL term (ZFA, FBbt or WBbt for fish, fly, worm) or 'unknown'; 'na' only "
        "for cell lines",
    ),
    Column(
        "assay_ontology_term_id",
        "curie",
        terms=TermConstraint(
            ontologies=("EFO",), allowed_ancestors={"EFO": ("EFO:0002772", "EFO:0010183")}
        ),
        message="a descendant of EFO:0002772 or EFO:0010183",
    ),
    Column(
        "disease_ontology_term_id",
        "curie",
        terms=TermConstraint(
            ontologies=("MONDO", "PATO"),
            allowed_terms={"PATO": ("PATO:0000461",), "MONDO": ("MONDO:0021178",)},
            allowed_ancestors={"MONDO": ("MONDO:0000001", "MONDO:0021178")},
            multi_term=True,
            multi_term_ontologies=("MONDO",),
        ),
        message="PATO:0000461 (normal), or MONDO terms under MONDO:0000001 (disease) or "
        "MONDO:0021178 (injury), several joined by ' || ' in ascending order",
    ),
    Column(
        "sex_ontology_term_id",
        "curie",
        rules=(
            Rule(
                (_organism_is(_WORM),),
                TermConstraint(
                    ("PATO",),
                    ("unknown", "na"),
                    {"PATO": ("PATO:0000384", "PATO:0001340")},
                ),
            ),
            Rule(
                (Condition(uns_key=_ORGANISM_KEY, exclude=(_WORM,)),),
                TermConstraint(("PATO",), ("unknown", "na"), {"PATO": _SEXES}),
            ),
            Rule((_CELL_LINE,), _ONLY_NA),
            Rule((_NOT_CELL_LINE,), TermConstraint(("PATO",), ("unknown",), {"PATO": _SEXES})),
        ),
        message="PATO:0000383, PATO:0000384, PATO:0001340 or 'unknown'; 'na' for cell lines",
    ),
    Column(
        "tissue_ontology_term_id",
        "curie",
        rules=(
            Rule(
                (Condition(column="tissue_type", match=("tissue",)),),
                TermConstraint(
                    _ANATOMY,
                    allowed_ancestors=_ANATOMY_ANCESTORS,
                    forbidden_terms=_ANATOMY_FORBIDDEN,
                    forbidden_ancestors=_ANATOMY_FORBIDDEN_ANCESTORS,
                ),
            ),
            Rule(
                (Condition(column="tissue_type", match=("organoid",)),),
                TermConstraint(
                    _ANATOMY,
                    allowed_ancestors=_ANATOMY_ANCESTORS,
                    forbidden_terms=(*_ANATOMY_FORBIDDEN, "UBERON:0000922"),
                    forbidden_ancestors=_ANATOMY_FORBIDDEN_ANCESTORS,
                ),
            ),
            Rule(
                (Condition(column="tissue_type", match=("primary cell culture",)),),
                TermConstraint(
                    _CELL_TYPE.ontologies,
                    ("unknown",),
                    allowed_ancestors=_CELL_TYPE.allowed_ancestors,
                    forbidden_terms=_CELL_TYPE.forbidden_terms,
                    forbidden_ancestors=_CELL_TYPE.forbidden_ancestors,
                ),
            ),
            Rule((_CELL_LINE,), TermConstraint(("CVCL",))),
        ),
        message="an UBERON (ZFA, FBbt, WBbt) anatomical entity for tissues and organoids, a "
        "cell type for primary cell cultures, a Cellosaurus term for cell lines",
    ),
    Column(
        "self_reported_ethnicity_ontology_term_id",
        "curie",
        rules=(
            Rule(
                (_organism_is(_HUMAN), _NOT_CELL_LINE),
                TermConstraint(
                    ("HANCESTRO", "AFPO"),
                    ("unknown",),
                    allowed_ancestors={
                        "HANCESTRO": ("HANCESTRO:0601", "HANCESTRO:0602"),
                        "AFPO": ("HANCESTRO:0601", "HANCESTRO:0602"),
                    },
                    multi_term=True,
                ),
            ),
            Rule((Condition(uns_key=_ORGANISM_KEY, exclude=(_HUMAN,)),), _ONLY_NA),
            Rule((_CELL_LINE,), _ONLY_NA),
        ),
        message="for human donors, HANCESTRO/AfPO terms under HANCESTRO:0601 or "
        "HANCESTRO:0602 (joined by ' || ' in ascending order) or 'unknown'; otherwise 'na'",
    ),
    Column(
        "development_stage_ontology_term_id",
        "curie",
        rules=(
            Rule((_organism_is(_HUMAN),), _stage("HsapDv", ("HsapDv:0000001",))),
            Rule(
                (Condition(uns_key=_ORGANISM_KEY, match_descendants_of=(_MOUSE,)),),
                _stage("MmusDv", ("MmusDv:0000001",)),
            ),
            Rule(
                (_organism_is(_FISH),),
                _stage("ZFA", ("ZFS:0100000",), forbidden=("ZFS:0000000",)),
            ),
            Rule(
                (_organism_is(_FLY),),
                _stage("FBdv", ("FBdv:00007014", "FBdv:00005259"), forbidden=("FBdv:00007012",)),
            ),
            Rule(
                (_organism_is(_WORM),),
                _stage("WBls", ("WBls:0000803", "WBls:0000804"), terms=("WBls:0000669",)),
            ),
            Rule(
                (
                    Condition(
                        uns_key=_ORGANISM_KEY,
                        exclude_descendants_of=(_MOUSE,),
                        exclude=(_WORM, _FISH, _FLY, _HUMAN),
                    ),
                ),
                _stage("UBERON", ("UBERON:0000105",), forbidden=("UBERON:0000071",)),
            ),
            Rule((_CELL_LINE,), _ONLY_NA),
            Rule(
                (_NOT_CELL_LINE,),
                TermConstraint(
                    ("UBERON", "HsapDv", "MmusDv", "ZFA", "ZFS", "FBdv", "WBls"),
                    ("unknown",),
                    forbidden_terms=("na",),
                ),
            ),
        ),
        message="the organism's developmental stage ontology (HsapDv for human, MmusDv for "
        "mouse, UBERON:0000105 descendants otherwise) or 'unknown'; 'na' for cell lines",
    ),
    Column(
        "donor_id",
        "categorical",
        forbidden=("na",),
        rules=(Rule((_CELL_LINE,), enum=("na",)),),
        message="free text, 'na' only for cell lines",
    ),
    Column(
        "suspension_type",
        "categorical",
        enum=("cell", "nucleus", "na"),
        rules=(
            Rule(
                (
                    Condition(
                        column="assay_ontology_term_id",
                        match_descendants_of=(
                            "EFO:0030080",
                            "EFO:0010184",
                            "EFO:0010010",
                            "EFO:0009919",
                        ),
                        match=(
                            "EFO:0008722",
                            "EFO:0008780",
                            "EFO:0700010",
                            "EFO:0700011",
                            "EFO:0030060",
                            "EFO:0022490",
                            "EFO:0030028",
                        ),
                    ),
                ),
                enum=("cell", "nucleus"),
            ),
            Rule(
                (
                    Condition(
                        column="assay_ontology_term_id",
                        match_descendants_of=("EFO:0007045", "EFO:0002761"),
                        match=("EFO:0008720", "EFO:0030026"),
                    ),
                ),
                enum=("nucleus",),
            ),
            Rule(
                (
                    Condition(
                        column="assay_ontology_term_id",
                        match_descendants_of=("EFO:0008919", "EFO:0008853", "EFO:0008953"),
                        match=(
                            "EFO:0030002",
                            "EFO:0008796",
                            "EFO:0700003",
                            "EFO:0700004",
                            "EFO:0008679",
                            "EFO:0008877",
                        ),
                    ),
                ),
                enum=("cell",),
            ),
            Rule(
                (
                    Condition(
                        column="assay_ontology_term_id",
                        match_descendants_of=("EFO:0008994",),
                        match=("EFO:0008992",),
                    ),
                ),
                enum=("na",),
            ),
        ),
        message="'cell', 'nucleus' or 'na', as the assay requires",
        unmatched="obs.suspension_type_unknown_assay",
    ),
    Column(
        "tissue_type",
        "categorical",
        enum=("primary cell culture", "organoid", "tissue", "cell line"),
        message="'tissue', 'organoid', 'primary cell culture' or 'cell line'",
    ),
    Column("is_primary_data", "bool", message="True or False (a boolean column)"),
)
"""The ``obs`` columns, in the order they are checked."""

FORBIDDEN_NAMES: dict[str, dict[str, str]] = {
    "obs": {
        **dict.fromkeys(
            ("ethnicity", "ethnicity_ontology_term_id", "organism", "organism_ontology_term_id"),
            "deprecated",
        ),
        **dict.fromkeys(
            ("observation_joinid", "experimental_condition", "perturbation_types"), "reserved"
        ),
        **dict.fromkeys(
            (
                "cell_type",
                "assay",
                "disease",
                "sex",
                "tissue",
                "self_reported_ethnicity",
                "development_stage",
            ),
            "reserved for the labels the portal adds",
        ),
    },
    "var": dict.fromkeys(
        ("feature_name", "feature_reference", "feature_biotype", "feature_length", "feature_type"),
        "reserved for the labels the portal adds",
    ),
    "uns": {
        **dict.fromkeys(
            (
                "X_normalization",
                "default_field",
                "layer_descriptions",
                "tags",
                "version",
                "contributors",
                "preprint_doi",
                "project_description",
                "project_links",
                "project_name",
                "publication_doi",
            ),
            "deprecated",
        ),
        **dict.fromkeys(
            ("schema_version", "schema_reference", "citation", "is_pre_analysis"), "reserved"
        ),
        "organism": "reserved for the labels the portal adds",
    },
}
"""Column (``obs``, ``var``) and key (``uns``) names a dataset must not use, and why; names
starting with ``__`` are reserved too."""

ONTOLOGY_ENTITIES: dict[str, str] = {
    "CL": "CellType",
    "EFO": "ExperimentalFactor",
    "MONDO": "Disease",
    "PATO": "Phenotype",
    "UBERON": "Tissue",
    "ZFA": "Tissue",
    "FBbt": "Tissue",
    "WBbt": "Tissue",
    "CVCL": "CellLine",
    "HANCESTRO": "Ethnicity",
    "HsapDv": "DevelopmentalStage",
    "MmusDv": "DevelopmentalStage",
    "FBdv": "DevelopmentalStage",
    "WBls": "DevelopmentalStage",
    "NCBITaxon": "Organism",
}
"""The registry that holds each ontology the convention uses."""

IMPORTED_PREFIXES = {"AfPO": "HANCESTRO", "ZFS": "ZFA"}
"""Term prefixes that live inside another ontology's release."""


EXEMPT_GENE_ORGANISMS = ("NCBITaxon:2697049", "NCBITaxon:32630")


def pinned_versions() -> dict[str, str]:
    """Ontology prefix → the version the convention pins, from cellxgene-ontology-guide.

    Raises:
        MissingDependencyError: cellxgene-ontology-guide is not installed.

    Example:
        >>> pinned_versions()["CL"]
        'v2026-03-26'
    """
    import json
    from importlib.metadata import PackageNotFoundError, distribution

    from ontolake.errors import MissingDependencyError

    try:
        path = distribution("cellxgene-ontology-guide").locate_file(
            "cellxgene_ontology_guide/data/ontology_info.json"
        )
        with open(str(path), encoding="utf-8") as handle:
            info = json.load(handle)
    except (PackageNotFoundError, OSError):
        raise MissingDependencyError(
            "The cellxgene convention checks terms against the ontologies of "
            "cellxgene-ontology-guide: pip install 'ontolake[ontologies]'."
        ) from None
    ontologies = info.get(SCHEMA_VERSION, {}).get("ontologies", {})
    return {prefix: str(entry["version"]) for prefix, entry in ontologies.items()}
