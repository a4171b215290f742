"""The CELLxGENE convention (schema 7.1.0) beyond the ``obs`` annotations, written down as data.

:data:`SLOT_RULES` names every rule about the matrices (``X``, ``raw.X``, ``layers``), the
embeddings (``obsm``), the dataset keys (``uns``), the feature frames (``var``, ``raw.var``)
and the file, with its severity; :mod:`ontolake.curate.cellxgene_checks` checks each with one
implementation. The constants below are the numbers and names those rules use, as the
reference validator ``cellxgene-schema`` 7.1 defines them.

Example:
    >>> RULES["obsm.X_prefix"].severity
    'error'
    >>> RULES["var.few_features"].severity
    'warning'
"""

from __future__ import annotations

from ontolake.schemas.rules import SlotRule

__all__ = [
    "CSS4_COLORS",
    "EMBEDDING_KEY",
    "ENCODING_VERSION",
    "HEX_COLOR",
    "MAX_DENSE_SPARSITY",
    "MIN_FEATURES",
    "MULTIOME_PARENTS",
    "PORTAL_COLUMNS",
    "RAW_UNCHECKED_ASSAYS",
    "RULES",
    "SLOT_RULES",
    "SPATIAL_ASSAYS",
    "SPATIAL_ASSAY_PARENTS",
    "SUSPENSION_ASSAYS_NOTE",
    "UNS_ENUMS",
    "UNS_STRINGS",
]

MAX_DENSE_SPARSITY = 0.5
"""A dense matrix with a larger share of zeros must be stored as CSR."""

MIN_FEATURES = 20000
"""Fewer ``var`` rows than this suggests filtered features (a warning)."""

ENCODING_VERSION = "0.1.0"
"""The ``encoding-version`` of an ``.h5ad`` written by anndata 0.8 or later."""

EMBEDDING_KEY = r"^[a-zA-Z][a-zA-Z0-9_.-]*$"
"""What an ``obsm`` key (after ``X_``) must look like."""

UNS_STRINGS = ("title", "default_embedding", "X_approximate_distribution")
"""``uns`` keys holding one string without leading, trailing or double spaces."""

UNS_ENUMS = {"X_approximate_distribution": ("count", "normal")}
"""``uns`` keys with a closed set of values."""

PORTAL_COLUMNS = (
    "assay",
    "cell_type",
    "development_stage",
    "disease",
    "organism",
    "self_reported_ethnicity",
    "sex",
    "tissue",
)
"""Label columns the portal adds: their colors go under ``<column>_ontology_term_id_colors``."""

RAW_UNCHECKED_ASSAYS = ("EFO:0007045", "EFO:0008804", "EFO:0000751", "EFO:0008939")
"""ATAC-seq and methylation assays: their data need not be raw counts…"""

MULTIOME_PARENTS = ("EFO:0010891", "EFO:0008913")
"""…unless some row's assay descends from all of these (scATAC-seq and single-cell RNA
sequencing: a multiome). Otherwise the raw-count rules apply."""

SPATIAL_ASSAYS = ("EFO:0010961",)
"""Visium and its descendants: spatial assays (no ``X_`` embedding required)."""

SPATIAL_ASSAY_PARENTS = ("EFO:0920001",)
"""Bead-based spatial transcriptomics: its strict descendants are spatial assays."""

HEX_COLOR = r"^#([0-9a-fA-F]{6})$"
"""A color written as ``#rrggbb``."""

CSS4_COLORS = frozenset(
    (
        "aliceblue",
        "antiquewhite",
        "aqua",
        "aquamarine",
        "azure",
        "beige",
        "bisque",
        "black",
        "blanchedalmond",
        "blue",
        "blueviolet",
        "brown",
        "burlywood",
        "cadetblue",
        "chartreuse",
        "chocolate",
        "coral",
        "cornflowerblue",
        "cornsilk",
        "crimson",
        "cyan",
        "darkblue",
        "darkcyan",
        "darkgoldenrod",
        "darkgray",
        "darkgreen",
        "darkgrey",
        "darkkhaki",
        "darkmagenta",
        "darkolivegreen",
        "darkorange",
        "darkorchid",
        "darkred",
        "darksalmon",
        "darkseagreen",
        "darkslateblue",
        "darkslategray",
        "darkslategrey",
        "darkturquoise",
        "darkviolet",
        "deeppink",
        "deepskyblue",
        "dimgray",
        "dimgrey",
        "dodgerblue",
        "firebrick",
        "floralwhite",
        "forestgreen",
        "fuchsia",
        "gainsboro",
        "ghostwhite",
        "gold",
        "goldenrod",
        "gray",
        "green",
        "greenyellow",
        "grey",
        "honeydew",
        "hotpink",
        "indianred",
        "indigo",
        "ivory",
        "khaki",
        "lavender",
        "lavenderblush",
        "lawngreen",
        "lemonchiffon",
        "lightblue",
        "lightcoral",
        "lightcyan",
        "lightgoldenrodyellow",
        "lightgray",
        "lightgreen",
        "lightgrey",
        "lightpink",
        "lightsalmon",
        "lightseagreen",
        "lightskyblue",
        "lightslategray",
        "lightslategrey",
        "lightsteelblue",
        "lightyellow",
        "lime",
        "limegreen",
        "linen",
        "magenta",
        "maroon",
        "mediumaquamarine",
        "mediumblue",
        "mediumorchid",
        "mediumpurple",
        "mediumseagreen",
        "mediumslateblue",
        "mediumspringgreen",
        "mediumturquoise",
        "mediumvioletred",
        "midnightblue",
        "mintcream",
        "mistyrose",
        "moccasin",
        "navajowhite",
        "navy",
        "oldlace",
        "olive",
        "olivedrab",
        "orange",
        "orangered",
        "orchid",
        "palegoldenrod",
        "palegreen",
        "paleturquoise",
        "palevioletred",
        "papayawhip",
        "peachpuff",
        "peru",
        "pink",
        "plum",
        "powderblue",
        "purple",
        "rebeccapurple",
        "red",
        "rosybrown",
        "royalblue",
        "saddlebrown",
        "salmon",
        "sandybrown",
        "seagreen",
        "seashell",
        "sienna",
        "silver",
        "skyblue",
        "slateblue",
        "slategray",
        "slategrey",
        "snow",
        "springgreen",
        "steelblue",
        "tan",
        "teal",
        "thistle",
        "tomato",
        "turquoise",
        "violet",
        "wheat",
        "white",
        "whitesmoke",
        "yellow",
        "yellowgreen",
    )
)
"""The CSS4 color names (all colors of a ``*_colors`` key are hex, or all are names)."""

SUSPENSION_ASSAYS_NOTE = (
    "the assay is not in the convention's suspension_type table: check that 'cell', 'nucleus' "
    "or 'na' fits it, and tell cellxgene@chanzuckerberg.com when submitting"
)
"""The warning when no ``suspension_type`` rule names a row's assay."""

_E, _W = "error", "warning"

SLOT_RULES: tuple[SlotRule, ...] = (
    SlotRule("file.encoding_version", "file", _E, "written by anndata 0.8 or later"),
    SlotRule("obs.column_missing", "obs", _E, "every convention column is present"),
    SlotRule("obs.term_values", "obs", _E, "each column's values follow its ontology rules"),
    SlotRule("obs.dtype", "obs", _E, "categorical columns of strings, is_primary_data boolean"),
    SlotRule("obs.missing_values", "obs", _E, "no missing or empty values"),
    SlotRule("obs.organism_prefix", "obs", _E, "cell types and tissues from the organism's own"),
    SlotRule("obs.index_unique", "obs", _E, "unique obs names"),
    SlotRule("obs.unused_categories", "obs", _W, "no category without observations"),
    SlotRule("obs.suspension_type_unknown_assay", "obs", _W, SUSPENSION_ASSAYS_NOTE),
    SlotRule("frame.mixed_types", "obs/var", _E, "a non-categorical column holds one type"),
    SlotRule("frame.category_types", "obs/var", _E, "categories of one type, never booleans"),
    SlotRule("names.deprecated", "obs/var/uns", _E, "no deprecated column or key"),
    SlotRule("names.reserved", "obs/var/uns", _E, "no column or key the portal reserves"),
    SlotRule("names.dunder", "obs/var", _E, "no column name starting with '__'"),
    SlotRule("uns.organism", "uns", _E, "organism_ontology_term_id: a supported organism"),
    SlotRule("uns.title", "uns", _E, "a title"),
    SlotRule("uns.string", "uns", _E, "title and other text keys: strings, spaces single"),
    SlotRule("uns.empty", "uns", _E, "no empty value"),
    SlotRule("uns.batch_condition", "uns", _E, "batch_condition: a list of obs columns"),
    SlotRule("uns.default_embedding", "uns", _E, "default_embedding: a key of obsm"),
    SlotRule("uns.X_approximate_distribution", "uns", _E, "'count' or 'normal'"),
    SlotRule("uns.colors_column", "uns", _E, "<column>_colors names a categorical obs column"),
    SlotRule("uns.colors_type", "uns", _E, "colors: an array of strings"),
    SlotRule("uns.colors_count", "uns", _E, "at least one color per category"),
    SlotRule("uns.colors_format", "uns", _E, "all hex colors (#rrggbb) or all CSS4 names"),
    SlotRule("obsm.missing", "obsm", _E, "at least one embedding"),
    SlotRule("obsm.X_prefix", "obsm", _E, "at least one embedding key starts with 'X_'"),
    SlotRule("obsm.key", "obsm", _E, "keys X_<name> (not X_spatial) or spatial"),
    SlotRule("obsm.other_key", "obsm", _W, "other keys are not shown in the Explorer"),
    SlotRule("obsm.type", "obsm", _E, "embeddings are numpy arrays"),
    SlotRule("obsm.shape", "obsm", _E, "one row per cell, at least two columns"),
    SlotRule("obsm.values", "obsm", _E, "numeric, no infinity, not all NaN"),
    SlotRule("obsm.other_key_values", "obsm", _W, "other keys: numeric, finite, not all NaN"),
    SlotRule("obsm.spatial", "obsm", _E, "'spatial' only with uns['spatial']['is_single']"),
    SlotRule("mapping.empty", "obsm/obsp/varm/varp", _E, "no zero-size array"),
    SlotRule("matrix.encoding", "X/raw.X/layers", _E, "dense or CSR"),
    SlotRule("matrix.sparsity", "X/raw.X/layers", _E, "mostly zeros: stored as CSR"),
    SlotRule("raw.dtype", "raw", _E, "raw counts are float32"),
    SlotRule("raw.values", "raw", _E, "non-zero raw counts are positive integers"),
    SlotRule("raw.empty_rows", "raw", _E, "every cell has a non-zero raw count"),
    SlotRule("raw.duplicated_rows", "raw", _E, "no two cells with the same raw counts"),
    SlotRule("raw.shape", "raw", _E, "raw.X has the genes of X, in the same order"),
    SlotRule("raw.missing_normalized", "raw", _W, "normalized data besides raw counts"),
    SlotRule("var.index_unique", "var", _E, "unique feature ids"),
    SlotRule("var.feature_id", "var", _E, "Ensembl ids of the dataset's organism"),
    SlotRule("var.few_features", "var", _W, "features are not filtered (20,000 or more)"),
    SlotRule("var.feature_is_filtered_missing", "var", _E, "a feature_is_filtered column"),
    SlotRule("var.feature_is_filtered_dtype", "var", _E, "feature_is_filtered is boolean"),
    SlotRule("var.feature_is_filtered_without_raw", "var", _E, "all False without raw.X"),
    SlotRule("var.feature_is_filtered_zero_columns", "var", _W, "all-zero X columns filtered"),
    SlotRule("var.feature_is_filtered_nonzero", "var", _W, "filtered features all zero in X"),
    SlotRule("raw.var.index_unique", "raw.var", _E, "unique feature ids"),
    SlotRule("raw.var.feature_id", "raw.var", _E, "Ensembl ids of the dataset's organism"),
    SlotRule("raw.var.feature_is_filtered", "raw.var", _E, "no feature_is_filtered column"),
)
"""Every rule, in the order a report lists what breaks it."""

RULES = {rule.id: rule for rule in SLOT_RULES}
"""The rules by id."""
