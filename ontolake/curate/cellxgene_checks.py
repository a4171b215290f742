"""One check per rule of :data:`ontolake.schemas.cellxgene_slots.SLOT_RULES`.

Each function of :data:`CHECKS` reads a :class:`Context` (the dataset's parts, its terms,
whether the raw-count rules apply) and yields a :class:`Finding` per failure;
:class:`~ontolake.curate.cellxgene.CellxgeneCurator` turns them into issues (errors) or
warnings by the rule's severity. Matrices are read block by block, once each.
"""

from __future__ import annotations

import collections
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ontolake.curate.cellxgene_data import CellxgeneData
from ontolake.curate.cellxgene_matrix import Matrix, MatrixScan
from ontolake.curate.term_index import TermIndex
from ontolake.schemas import cellxgene_slots as slots

__all__ = ["CHECKS", "Context", "Finding"]

_FILTERED = "feature_is_filtered"


@dataclass(frozen=True)
class Finding:
    """One failure of a rule: where it is and what to do."""

    rule: str
    slot: str
    column: str | None
    message: str
    kind: str = "check"


@dataclass
class Context:
    """What the checks read."""

    data: CellxgeneData
    terms: TermIndex

    @property
    def assays(self) -> list[str]:
        """The distinct assay ids of ``obs``."""
        obs = self.data.obs
        if "assay_ontology_term_id" not in obs:
            return []
        values = obs["assay_ontology_term_id"].dropna().astype(str).unique()
        return [str(value) for value in values]

    @property
    def raw_checked(self) -> bool:
        """Whether the raw-count rules apply (not ATAC or methylation data, or a multiome)."""
        assays = self.assays
        if not any(self.terms.is_within(a, slots.RAW_UNCHECKED_ASSAYS) for a in assays):
            return True
        return any(
            all(self.terms.is_within(a, (parent,)) for parent in slots.MULTIOME_PARENTS)
            for a in assays
        )

    @property
    def spatial(self) -> bool:
        """Whether an assay is Visium (or a descendant) or bead-based spatial."""
        return any(
            self.terms.is_within(a, slots.SPATIAL_ASSAYS)
            or (
                a not in slots.SPATIAL_ASSAY_PARENTS
                and self.terms.is_within(a, slots.SPATIAL_ASSAY_PARENTS)
            )
            for a in self.assays
        )

    @property
    def raw(self) -> Matrix | None:
        """The matrix that must hold raw counts: raw.X when there is one, else X."""
        return self.data.raw_x if self.data.raw_x is not None else self.data.x

    def scan(self, matrix: Matrix, *, columns: bool = False) -> MatrixScan:
        """One pass over ``matrix``: the raw one with row digests, so one pass serves all.

        ``columns`` adds column sums and counts; they are always taken when there is a
        ``raw.X`` (``feature_is_filtered`` then compares the columns of both matrices).
        """
        columns = columns or self.data.raw_x is not None
        return matrix.scan(digests=matrix is self.raw, columns=columns)

    @property
    def frames(self) -> list[tuple[str, Any]]:
        """(slot, frame) of ``obs``, ``var`` and ``raw.var`` when there is one."""
        found = [("obs", self.data.obs), ("var", self.data.var)]
        return found + ([("raw.var", self.data.raw_var)] if self.data.raw_var is not None else [])


Check = Callable[[Context], Iterator[Finding]]
CHECKS: dict[str, Check] = {}
"""The check of each rule id."""


def _check(rule: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[rule] = function
        return function

    return register


# ---- the file and the frames ----------------------------------------------------------------
@_check("file.encoding_version")
def _encoding_version(context: Context) -> Iterator[Finding]:
    version = context.data.encoding_version
    if version is not None and version != slots.ENCODING_VERSION:
        yield Finding(
            "file.encoding_version",
            "file",
            None,
            f"written by anndata < 0.8 (encoding-version {version or 'missing'}): read it with "
            "anndata and write it again",
        )


def _columns(context: Context, *, categorical: bool) -> Iterator[tuple[str, str, Any]]:
    """(slot, name, values) of the categorical (or the other) columns of every frame."""
    for slot, frame in context.frames:
        for column in frame.columns:
            series = frame[column]
            if (series.dtype.name == "category") == categorical:
                values = series.cat.categories.values if categorical else series.values
                yield slot, str(column), values


@_check("frame.mixed_types")
def _mixed_types(context: Context) -> Iterator[Finding]:
    for slot, column, values in _columns(context, categorical=False):
        if isinstance(values, np.ndarray) and values.dtype.kind != "O" and len(values):
            continue  # a NumPy array of numbers or booleans holds one type
        types = sorted({type(value).__name__ for value in values})
        if len(types) != 1:
            message = f"holds values of several types ({', '.join(types)}): make it one type"
            yield Finding("frame.mixed_types", slot, column, message, "dtype")


@_check("frame.category_types")
def _category_types(context: Context) -> Iterator[Finding]:
    for slot, column, categories in _columns(context, categorical=True):
        types = {type(value) for value in categories}
        if bool in types or len(types) > 1:
            names = ", ".join(sorted(kind.__name__ for kind in types))
            message = (
                f"categories of types {names}: categories must be of one type, never "
                "Python booleans"
            )
            yield Finding("frame.category_types", slot, column, message, "dtype")


@_check("obs.unused_categories")
def _unused_categories(context: Context) -> Iterator[Finding]:
    obs = context.data.obs
    for column in obs.columns:
        series = obs[column]
        if series.dtype.name != "category":
            continue
        used = set(series.dropna().unique())
        unused = [str(c) for c in series.cat.categories if c not in used]
        if unused:
            yield Finding(
                "obs.unused_categories",
                "obs",
                str(column),
                f"categories without observations: {', '.join(map(repr, unused[:5]))}"
                + (f", … {len(unused) - 5} more" if len(unused) > 5 else "")
                + " (remove_unused_categories() drops them)",
            )


# ---- uns -------------------------------------------------------------------------------------
@_check("uns.title")
def _title(context: Context) -> Iterator[Finding]:
    if "title" not in context.data.uns:
        yield Finding("uns.title", "uns", "title", "uns has no 'title'", "missing_column")


def _string_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"{value!r} is not a string"
    for problem, bad in (
        ("trailing spaces", value != value.rstrip()),
        ("leading spaces", value != value.lstrip()),
        ("double spaces", value.strip() != " ".join(value.split())),
    ):
        if bad:
            return f"{value!r} has {problem}"
    return None


@_check("uns.string")
def _strings(context: Context) -> Iterator[Finding]:
    for key in slots.UNS_STRINGS:
        if key in context.data.uns:
            problem = _string_problem(context.data.uns[key])
            if problem:
                yield Finding("uns.string", "uns", key, problem)


@_check("uns.X_approximate_distribution")
def _approximate_distribution(context: Context) -> Iterator[Finding]:
    for key, allowed in slots.UNS_ENUMS.items():
        value = context.data.uns.get(key)
        if isinstance(value, str) and not _string_problem(value) and value not in allowed:
            expected = " or ".join(repr(a) for a in allowed)
            yield Finding(
                "uns.X_approximate_distribution", "uns", key, f"{value!r} is not {expected}"
            )


@_check("uns.default_embedding")
def _default_embedding(context: Context) -> Iterator[Finding]:
    value = context.data.uns.get("default_embedding")
    keys = {embedding.key for embedding in context.data.embeddings}
    if isinstance(value, str) and not _string_problem(value) and value not in keys:
        yield Finding(
            "uns.default_embedding", "uns", "default_embedding", f"{value!r} is not a key of obsm"
        )


@_check("uns.batch_condition")
def _batch_condition(context: Context) -> Iterator[Finding]:
    uns = context.data.uns
    if "batch_condition" not in uns:
        return
    value = uns["batch_condition"]
    if not isinstance(value, (list, np.ndarray)):
        yield Finding("uns.batch_condition", "uns", "batch_condition", f"{value!r} is not a list")
        return
    missing = [str(v) for v in value if v not in context.data.obs.columns]
    if missing:
        yield Finding(
            "uns.batch_condition",
            "uns",
            "batch_condition",
            f"not columns of obs: {', '.join(map(repr, missing))}",
        )


@_check("uns.empty")
def _empty(context: Context) -> Iterator[Finding]:
    for key, value in context.data.uns.items():
        if value is None or isinstance(value, (bool, np.bool_, int, float, np.number)):
            continue
        try:
            empty = len(value) == 0
        except TypeError:
            empty = False
        if empty:
            yield Finding("uns.empty", "uns", key, "an empty value: remove the key or fill it")


def _categories(context: Context) -> dict[str, int]:
    obs = context.data.obs
    return {str(c): int(obs[c].nunique()) for c in obs.columns if obs[c].dtype.name == "category"}


def _colors(context: Context) -> Iterator[tuple[str, str, Any, int]]:
    """(key, column, value, categories) of each ``*_colors`` key naming a categorical."""
    categories = _categories(context)
    for key, value in context.data.uns.items():
        if key.endswith("_colors") and categories.get(key.removesuffix("_colors")):
            yield key, key.removesuffix("_colors"), value, categories[key.removesuffix("_colors")]


def _color_strings(value: Any) -> bool:
    return isinstance(value, np.ndarray) and all(isinstance(color, str) for color in value)


@_check("uns.colors_column")
def _colors_column(context: Context) -> Iterator[Finding]:
    categories = _categories(context)
    obs = context.data.obs
    for key in context.data.uns:
        column = key.removesuffix("_colors")
        if not key.endswith("_colors") or categories.get(column):
            continue
        message = f"obs has no categorical column {column!r} for these colors"
        if column in obs.columns:
            message += f" ({column!r} is {obs[column].dtype.name})"
        if column in slots.PORTAL_COLUMNS:
            message += f": name the key {column}_ontology_term_id_colors"
        yield Finding("uns.colors_column", "uns", key, message)


@_check("uns.colors_type")
def _colors_type(context: Context) -> Iterator[Finding]:
    for key, _, value, _ in _colors(context):
        if not _color_strings(value):
            yield Finding(
                "uns.colors_type", "uns", key, f"must be a numpy array of strings, not {value!r}"
            )


@_check("uns.colors_count")
def _colors_count(context: Context) -> Iterator[Finding]:
    for key, column, value, count in _colors(context):
        if _color_strings(value) and len(value) < count:
            yield Finding(
                "uns.colors_count",
                "uns",
                key,
                f"{len(value)} color(s) for the {count} categories of obs column {column!r}",
            )


@_check("uns.colors_format")
def _colors_format(context: Context) -> Iterator[Finding]:
    for key, _, value, _ in _colors(context):
        if not _color_strings(value):
            continue
        hexes = all(re.match(slots.HEX_COLOR, color) for color in value)
        if not hexes and not all(color in slots.CSS4_COLORS for color in value):
            yield Finding(
                "uns.colors_format",
                "uns",
                key,
                "colors must be all hex (#rrggbb) or all CSS4 color names",
            )


# ---- obsm and the other mappings -------------------------------------------------------------
@_check("obsm.missing")
def _obsm_missing(context: Context) -> Iterator[Finding]:
    if not context.data.embeddings:
        yield Finding("obsm.missing", "obsm", None, "no embedding: add one, e.g. X_umap")


@_check("obsm.X_prefix")
def _x_prefix(context: Context) -> Iterator[Finding]:
    embeddings = context.data.embeddings
    if embeddings and not any(e.key.startswith("X_") for e in embeddings) and not context.spatial:
        yield Finding(
            "obsm.X_prefix", "obsm", None, "no embedding key starts with 'X_' (e.g. X_umap)"
        )


def _other(key: str) -> bool:
    return not key.startswith("X_") and key.lower() != "spatial"


@_check("obsm.key")
def _obsm_key(context: Context) -> Iterator[Finding]:
    for embedding in context.data.embeddings:
        key = embedding.key
        if key.lower() == "x_spatial":
            yield Finding("obsm.key", "obsm", key, "X_spatial cannot be used: name it spatial")
        elif key.startswith("X_") and not re.match(slots.EMBEDDING_KEY, key[2:]):
            yield Finding(
                "obsm.key", "obsm", key, f"the name after X_ must match {slots.EMBEDDING_KEY}"
            )
        elif _other(key) and not re.match(slots.EMBEDDING_KEY, key):
            yield Finding("obsm.key", "obsm", key, f"the key must match {slots.EMBEDDING_KEY}")


@_check("obsm.other_key")
def _other_key(context: Context) -> Iterator[Finding]:
    for embedding in context.data.embeddings:
        if _other(embedding.key):
            yield Finding(
                "obsm.other_key",
                "obsm",
                embedding.key,
                "neither 'spatial' nor 'X_…': the Explorer will not show it",
            )


@_check("obsm.type")
def _obsm_type(context: Context) -> Iterator[Finding]:
    for embedding in context.data.embeddings:
        if embedding.type_name != "ndarray":
            yield Finding(
                "obsm.type",
                "obsm",
                embedding.key,
                f"a {embedding.type_name}: embeddings are numpy arrays",
                "dtype",
            )


@_check("obsm.shape")
def _obsm_shape(context: Context) -> Iterator[Finding]:
    n_obs = len(context.data.obs)
    for e in context.data.embeddings:
        if e.type_name != "ndarray":
            continue
        if len(e.shape) < 2:
            yield Finding("obsm.shape", "obsm", e.key, f"{len(e.shape)} dimension(s), not 2")
            continue
        if e.shape[0] != n_obs:
            yield Finding("obsm.shape", "obsm", e.key, f"{e.shape[0]} rows for {n_obs} cells")
        least = 1 if _other(e.key) else 2
        if e.shape[1] < least:
            yield Finding("obsm.shape", "obsm", e.key, f"{e.shape[1]} column(s): at least {least}")


def _embedding_values(context: Context, other: bool) -> Iterator[tuple[str, str]]:
    for e in context.data.embeddings:
        if e.type_name != "ndarray" or _other(e.key) != other:
            continue
        if not e.numeric:
            yield e.key, f"dtype {e.dtype}: embeddings hold integers or floats"
            continue
        if e.any_inf:
            yield e.key, "holds infinite values"
        if e.key.lower() == "spatial" and e.any_nan:
            yield e.key, "holds NaN values"
        elif e.all_nan:
            yield e.key, "holds only NaN values"


@_check("obsm.values")
def _obsm_values(context: Context) -> Iterator[Finding]:
    for key, message in _embedding_values(context, other=False):
        yield Finding("obsm.values", "obsm", key, message)


@_check("obsm.other_key_values")
def _other_values(context: Context) -> Iterator[Finding]:
    for key, message in _embedding_values(context, other=True):
        yield Finding("obsm.other_key_values", "obsm", key, message)


@_check("obsm.spatial")
def _obsm_spatial(context: Context) -> Iterator[Finding]:
    spatial = context.data.uns.get("spatial")
    single = spatial.get("is_single") if isinstance(spatial, dict) else None
    is_single = bool(single) if isinstance(single, (bool, np.bool_)) else None
    present = any(e.key == "spatial" for e in context.data.embeddings)
    if is_single and not present:
        yield Finding("obsm.spatial", "obsm", "spatial", "required when is_single is True")
    elif is_single is None and present:
        yield Finding(
            "obsm.spatial", "obsm", "spatial", "only allowed with uns['spatial']['is_single']"
        )


@_check("mapping.empty")
def _mapping_empty(context: Context) -> Iterator[Finding]:
    for slot, key in context.data.empty_arrays:
        yield Finding("mapping.empty", slot, key, "a zero-size array: remove it")


# ---- matrices --------------------------------------------------------------------------------
def _matrices(context: Context) -> list[Matrix]:
    data = context.data
    found = [m for m in (data.x, data.raw_x) if m is not None]
    return found + data.layers


@_check("matrix.encoding")
def _encoding(context: Context) -> Iterator[Finding]:
    for matrix in _matrices(context):
        if matrix.format not in ("csr", "dense"):
            yield Finding(
                "matrix.encoding",
                matrix.name,
                None,
                f"stored as {matrix.format}: store it dense or as a CSR matrix "
                "(scipy.sparse.csr_matrix)",
            )


@_check("matrix.sparsity")
def _sparsity(context: Context) -> Iterator[Finding]:
    for matrix in _matrices(context):
        if matrix.format != "dense":
            continue
        cells = int(np.prod(matrix.shape))
        zeros = 1 - context.scan(matrix).nnz / cells if cells else 0.0
        if zeros > slots.MAX_DENSE_SPARSITY:
            yield Finding(
                "matrix.sparsity",
                matrix.name,
                None,
                f"{zeros:.0%} zeros in a dense matrix: store it as scipy.sparse.csr_matrix",
            )


def _raw_matrix(context: Context) -> Matrix | None:
    """The matrix of raw counts when the raw-count rules apply to it."""
    matrix = context.raw
    if matrix is None or matrix.format == "unknown" or not context.raw_checked:
        return None
    return matrix


@_check("raw.dtype")
def _raw_dtype(context: Context) -> Iterator[Finding]:
    matrix = _raw_matrix(context)
    if matrix is not None and matrix.dtype != np.float32:
        yield Finding(
            "raw.dtype", matrix.name, None, f"raw counts as {matrix.dtype}, not float32", "dtype"
        )


@_check("raw.values")
def _raw_values(context: Context) -> Iterator[Finding]:
    matrix = _raw_matrix(context)
    if matrix is not None and context.scan(matrix).invalid_nonzero:
        yield Finding(
            "raw.values",
            matrix.name,
            None,
            "non-zero raw counts that are negative or not integers (raw counts are positive "
            "integers; normalized data goes in X with the counts in raw.X)",
        )


@_check("raw.empty_rows")
def _raw_empty_rows(context: Context) -> Iterator[Finding]:
    matrix = _raw_matrix(context)
    if matrix is None:
        return
    empty = int((context.scan(matrix).row_nnz == 0).sum())
    if empty:
        yield Finding(
            "raw.empty_rows", matrix.name, None, f"{empty:,} cell(s) without any non-zero count"
        )


@_check("raw.missing_normalized")
def _raw_only(context: Context) -> Iterator[Finding]:
    matrix = _raw_matrix(context)
    if matrix is None or context.data.raw_x is not None or matrix.dtype != np.float32:
        return
    scan = context.scan(matrix)
    if not scan.invalid_nonzero and not (scan.row_nnz == 0).any():
        yield Finding(
            "raw.missing_normalized",
            "X",
            None,
            "only raw counts (no raw.X): normalized data in X is strongly recommended",
        )


@_check("raw.duplicated_rows")
def _duplicated_rows(context: Context) -> Iterator[Finding]:
    matrix = context.raw
    if matrix is None or matrix.format not in ("csr", "dense"):
        return
    digests = context.scan(matrix).row_digests or []
    obs = context.data.obs
    if "in_tissue" in obs and len(obs) == len(digests):  # spots outside the tissue
        digests = list(itertools.compress(digests, (obs["in_tissue"] != 0).to_numpy()))
    counts = collections.Counter(digests)
    duplicated = sum(count for count in counts.values() if count > 1)
    if duplicated:
        yield Finding(
            "raw.duplicated_rows",
            matrix.name,
            None,
            f"{duplicated:,} cells share their raw counts with another cell",
        )


@_check("raw.shape")
def _raw_shape(context: Context) -> Iterator[Finding]:
    data = context.data
    if data.raw_x is None or data.raw_var is None:
        return
    if len(data.raw_var) != len(data.var):
        yield Finding(
            "raw.shape",
            "raw.var",
            None,
            f"{len(data.raw_var):,} genes in raw.X, {len(data.var):,} in X: the same genes",
        )
    elif not (data.raw_var.index == data.var.index).all():
        yield Finding("raw.shape", "raw.var", "index", "not the index of var, in the same order")


# ---- var and raw.var -------------------------------------------------------------------------
@_check("var.few_features")
def _few_features(context: Context) -> Iterator[Finding]:
    if len(context.data.var) < slots.MIN_FEATURES:
        yield Finding(
            "var.few_features",
            "var",
            None,
            f"only {len(context.data.var):,} features: features should not be filtered",
        )


@_check("var.feature_is_filtered_missing")
def _filtered_missing(context: Context) -> Iterator[Finding]:
    if _FILTERED not in context.data.var:
        yield Finding(
            "var.feature_is_filtered_missing",
            "var",
            _FILTERED,
            f"var has no column {_FILTERED!r}",
            "missing_column",
        )


def _filtered(context: Context) -> Any:
    """The feature_is_filtered column when it is present and boolean, else None."""
    var = context.data.var
    if _FILTERED in var and var[_FILTERED].dtype == bool:
        return var[_FILTERED].to_numpy()
    return None


@_check("var.feature_is_filtered_dtype")
def _filtered_dtype(context: Context) -> Iterator[Finding]:
    var = context.data.var
    if _FILTERED in var and var[_FILTERED].dtype != bool:
        yield Finding(
            "var.feature_is_filtered_dtype",
            "var",
            _FILTERED,
            f"must be boolean, not {var[_FILTERED].dtype.name}",
            "dtype",
        )


@_check("var.feature_is_filtered_without_raw")
def _filtered_without_raw(context: Context) -> Iterator[Finding]:
    filtered = _filtered(context)
    if filtered is not None and context.data.raw_x is None and filtered.any():
        yield Finding(
            "var.feature_is_filtered_without_raw",
            "var",
            _FILTERED,
            "True for some features but there is no raw.X: all must be False",
        )


def _x_and_raw_sums(context: Context) -> tuple[Any, Any] | None:
    data = context.data
    if data.x is None or data.raw_x is None or data.x.format == "unknown":
        return None
    if data.raw_x.format == "unknown" or data.raw_x.shape[1] != data.x.shape[1]:
        return None
    return context.scan(data.x, columns=True), context.scan(data.raw_x, columns=True)


@_check("var.feature_is_filtered_zero_columns")
def _filtered_zero_columns(context: Context) -> Iterator[Finding]:
    filtered = _filtered(context)
    scans = _x_and_raw_sums(context)
    if filtered is None or scans is None:
        return
    x, raw = scans
    genes = (x.column_sums == 0) & ~filtered & (raw.column_sums != 0)
    if genes.any():
        names = [str(n) for n in context.data.var.index[genes][:5]]
        yield Finding(
            "var.feature_is_filtered_zero_columns",
            "var",
            _FILTERED,
            f"{int(genes.sum()):,} feature(s) all zero in X but not in raw.X ({', '.join(names)}"
            f"{', …' if genes.sum() > 5 else ''}): set feature_is_filtered True",
        )


@_check("var.feature_is_filtered_nonzero")
def _filtered_nonzero(context: Context) -> Iterator[Finding]:
    filtered = _filtered(context)
    scans = _x_and_raw_sums(context)
    if filtered is None or scans is None or not filtered.any():
        return
    nonzero = int(scans[0].column_nnz[filtered].sum())
    if nonzero:
        yield Finding(
            "var.feature_is_filtered_nonzero",
            "var",
            _FILTERED,
            f"{nonzero:,} non-zero value(s) in X for features marked filtered: they must be 0",
        )


@_check("raw.var.feature_is_filtered")
def _raw_filtered(context: Context) -> Iterator[Finding]:
    raw_var = context.data.raw_var
    if raw_var is not None and _FILTERED in raw_var:
        yield Finding(
            "raw.var.feature_is_filtered",
            "raw.var",
            _FILTERED,
            f"raw.var must not have a {_FILTERED!r} column (it belongs in var)",
            "extra_column",
        )
