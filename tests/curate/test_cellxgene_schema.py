"""The whole CELLxGENE schema: the same verdict and rules broken as ``cellxgene-schema``.

One small valid ``.h5ad`` is written, then one copy per rule of
:data:`ontolake.schemas.cellxgene_slots.SLOT_RULES` with one defect that breaks that rule,
plus valid variants (counts in ``raw.X``, every optional ``uns`` key). Each file is checked
by ``curate validate --schema cellxgene --format json`` (a subprocess in a fresh HOME) and by
the reference validator (all files in one process of its own virtualenv, so its ontologies
load once), and the verdicts and the sets of rules broken are compared: the reference's
messages are mapped to ontolake's rule ids by :data:`REFERENCE_RULES`, and a message that
maps to no rule fails the test. Warnings are compared the same way.

Set ``ONTOLAKE_CELLXGENE_SCHEMA`` to the reference's ``cellxgene-schema`` executable (``make
test`` does); with ``CI=true`` the comparison fails instead of skipping without it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from curate.cellxgene_files import CELL_LINE_ROW, HUMAN_GENES, VALID_HUMAN_ROW, write_h5ad

pytest.importorskip("cellxgene_ontology_guide")

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
sp = pytest.importorskip("scipy.sparse")
ad = pytest.importorskip("anndata")

ROWS = [VALID_HUMAN_ROW, CELL_LINE_ROW]
Change = Callable[[Any], Any]


# ---- the defects ------------------------------------------------------------------------------
def _obs(column: str, values: Any) -> Change:
    def change(adata: Any) -> Any:
        adata.obs[column] = values
        return adata

    return change


def _drop_obs(column: str) -> Change:
    def change(adata: Any) -> Any:
        del adata.obs[column]
        return adata

    return change


def _uns(**values: Any) -> Change:
    def change(adata: Any) -> Any:
        adata.uns.update(values)
        return adata

    return change


def _obsm(**values: Any) -> Change:
    def change(adata: Any) -> Any:
        for key, value in values.items():
            if value is None:
                del adata.obsm[key]
            else:
                adata.obsm[key] = value
        return adata

    return change


def _x(make: Callable[[Any], Any]) -> Change:
    def change(adata: Any) -> Any:
        adata.X = make(adata.X.toarray())
        return adata

    return change


def _with_raw(
    *, var_index: list[str] | None = None, raw_var: dict[str, Any] | None = None
) -> Change:
    """Counts in raw.X, normalized values in X (a different raw.var index if given)."""

    def change(adata: Any) -> Any:
        counts = adata.X.toarray()
        index = var_index or list(adata.var_names)
        raw = ad.AnnData(
            X=sp.csr_matrix(counts),
            obs=pd.DataFrame(index=adata.obs_names),
            var=pd.DataFrame(raw_var or {}, index=index),
        )
        adata.raw = raw
        adata.X = sp.csr_matrix(np.log1p(counts).astype(np.float32))
        return adata

    return change


def _then(*changes: Change) -> Change:
    def change(adata: Any) -> Any:
        for one in changes:
            adata = one(adata)
        return adata

    return change


def _var(column: str, values: Any) -> Change:
    def change(adata: Any) -> Any:
        adata.var[column] = values
        return adata

    return change


def _rename_var(index: list[str]) -> Change:
    def change(adata: Any) -> Any:
        adata.var_names = index
        return adata

    return change


def _zero_x_column(column: int) -> Change:
    def change(adata: Any) -> Any:
        values = adata.X.toarray()
        values[:, column] = 0
        adata.X = sp.csr_matrix(values)
        return adata

    return change


def _umap(rows: int = 2, columns: int = 2, fill: float | None = None) -> Any:
    values = np.random.default_rng(1).normal(size=(rows, columns))
    if fill is not None:
        values[0, 0] = fill
    return values


def _categories(column: str, extra: list[Any]) -> Change:
    def change(adata: Any) -> Any:
        adata.obs[column] = adata.obs[column].cat.add_categories(extra)
        return adata

    return change


def _encoding_version(path: Path) -> None:
    import h5py

    with h5py.File(path, "a") as file:
        file.attrs["encoding-version"] = "0.0.9"


CATEGORY = pd.Categorical
DEFECTS: dict[str, tuple[Change | None, Callable[[Path], None] | None]] = {
    "file.encoding_version": (None, _encoding_version),
    "obs.column_missing": (_drop_obs("donor_id"), None),
    "obs.term_values": (_obs("cell_type_ontology_term_id", CATEGORY(["CL:0000003", "na"])), None),
    "obs.dtype": (_obs("donor_id", ["donor 1", "na"]), None),
    "obs.missing_values": (_obs("assay_ontology_term_id", CATEGORY(["EFO:0009922", None])), None),
    "obs.organism_prefix": (
        _obs("tissue_ontology_term_id", CATEGORY(["CL:0000084", "CVCL_0023"])),
        None,
    ),
    "obs.index_unique": (lambda a: _set_obs_names(a, ["cell0", "cell0"]), None),
    "obs.unused_categories": (_categories("tissue_type", ["organoid"]), None),
    "obs.suspension_type_unknown_assay": (
        _obs("assay_ontology_term_id", CATEGORY(["EFO:0008913", "EFO:0008913"])),
        None,
    ),
    "frame.mixed_types": (_var("n_cells", pd.array([1, None, 2, 3], dtype="Int64")), None),
    "names.deprecated": (_uns(contributors="someone"), None),
    "names.reserved": (_var("feature_name", HUMAN_GENES), None),
    "names.dunder": (_obs("__hidden", CATEGORY(["a", "b"])), None),
    "uns.organism": (_uns(organism_ontology_term_id="NCBITaxon:9615"), None),
    "uns.title": (lambda a: _pop_uns(a, "title"), None),
    "uns.string": (_uns(title="convention  test"), None),
    "uns.empty": (_uns(notes=""), None),
    "uns.batch_condition": (_uns(batch_condition=["no_such_column"]), None),
    "uns.default_embedding": (_uns(default_embedding="X_pca"), None),
    "uns.X_approximate_distribution": (_uns(X_approximate_distribution="poisson"), None),
    "uns.colors_column": (_uns(nothing_colors=np.array(["red"])), None),
    "uns.colors_type": (_uns(tissue_type_colors=np.array([1, 2])), None),
    "uns.colors_count": (_uns(tissue_type_colors=np.array(["red"])), None),
    "uns.colors_format": (_uns(tissue_type_colors=np.array(["red", "#00ff00"])), None),
    "obsm.missing": (_obsm(X_umap=None), None),
    "obsm.X_prefix": (_obsm(X_umap=None, umap=_umap()), None),
    "obsm.key": (_obsm(**{"X_umap two": _umap()}), None),
    "obsm.other_key": (_obsm(pca=_umap()), None),
    "obsm.type": (_obsm(X_pca=sp.csr_matrix(_umap())), None),
    "obsm.shape": (_obsm(X_umap=_umap(columns=1)), None),
    "obsm.values": (_obsm(X_umap=_umap(fill=np.inf)), None),
    "obsm.other_key_values": (_obsm(pca=_umap(fill=np.inf)), None),
    "obsm.spatial": (_obsm(spatial=_umap()), None),
    "mapping.empty": (lambda a: _varm_empty(a), None),
    "matrix.encoding": (_x(lambda v: sp.csc_matrix(v)), None),
    "matrix.sparsity": (_x(lambda v: np.where(v == v.max(axis=1, keepdims=True), v, 0)), None),
    "raw.dtype": (_x(lambda v: sp.csr_matrix(v.astype(np.float64))), None),
    "raw.values": (_x(lambda v: sp.csr_matrix(v * np.float32(-1))), None),
    "raw.empty_rows": (_x(lambda v: sp.csr_matrix(v * np.array([[1], [0]], np.float32))), None),
    "raw.duplicated_rows": (_x(lambda v: sp.csr_matrix(np.vstack([v[0], v[0]]))), None),
    "raw.shape": (_with_raw(var_index=HUMAN_GENES[::-1]), None),
    "var.index_unique": (_rename_var([*HUMAN_GENES[:3], HUMAN_GENES[0]]), None),
    "var.feature_id": (_rename_var([*HUMAN_GENES[:3], "ENSG00000000000"]), None),
    "var.feature_is_filtered_missing": (lambda a: _drop_var(a, "feature_is_filtered"), None),
    "var.feature_is_filtered_dtype": (_var("feature_is_filtered", [0, 0, 0, 0]), None),
    "var.feature_is_filtered_without_raw": (
        _var("feature_is_filtered", [True, False, False, False]),
        None,
    ),
    "var.feature_is_filtered_zero_columns": (_then(_with_raw(), _zero_x_column(1)), None),
    "var.feature_is_filtered_nonzero": (
        _then(_with_raw(), _var("feature_is_filtered", [True, False, False, False])),
        None,
    ),
    "raw.var.index_unique": (_with_raw(var_index=[*HUMAN_GENES[:3], HUMAN_GENES[0]]), None),
    "raw.var.feature_id": (_with_raw(var_index=[*HUMAN_GENES[:3], "ENSG00000000000"]), None),
    "raw.var.feature_is_filtered": (
        _with_raw(raw_var={"feature_is_filtered": [False] * 4}),
        None,
    ),
}
"""One file per rule, named by the rule its defect breaks."""

VALID: dict[str, Change | None] = {
    "valid": None,
    "valid_with_raw": _with_raw(),
    "valid_with_every_key": _uns(
        batch_condition=["donor_id"],
        default_embedding="X_umap",
        X_approximate_distribution="count",
        tissue_type_colors=np.array(["#ff0000", "#00ff00"]),
        cell_type_ontology_term_id_colors=np.array(["red", "blue"]),
    ),
}


def _set_obs_names(adata: Any, names: list[str]) -> Any:
    adata.obs_names = names
    return adata


def _pop_uns(adata: Any, key: str) -> Any:
    del adata.uns[key]
    return adata


def _drop_var(adata: Any, column: str) -> Any:
    del adata.var[column]
    return adata


def _varm_empty(adata: Any) -> Any:
    adata.varm["loadings"] = np.zeros((adata.n_vars, 0))
    return adata


# ---- the reference's messages as rule ids -----------------------------------------------------
REFERENCE_RULES: dict[str, tuple[str, ...]] = {
    "file.encoding_version": (r"AnnData version different from 0\.8\.0",),
    "obs.column_missing": (r"^Dataframe 'obs' is missing column",),
    "uns.organism": (
        r"in 'organism_ontology_term_id' is not",
        r"^'organism_ontology_term_id' in 'uns'",
    ),
    "obs.term_values": (
        r"^'.*' in '(?!organism_)\w+_ontology_term_id' is (not|a deprecated)",
        r"contains duplicates\.$",
        r"in dataframe 'obs' contains (invalid|forbidden) values",
    ),
    "obs.dtype": (r"in dataframe 'obs' must (be categorical|be boolean|be object or string)",),
    "obs.missing_values": (r"in dataframe 'obs' must not contain (NaN|empty) values",),
    "obs.organism_prefix": (
        r"^(tissue|cell_type)_ontology_term_id must be",
        r"^When tissue_type is",
    ),
    "obs.index_unique": (r"^Column 'index' in dataframe 'obs' is not unique",),
    "obs.unused_categories": (r"in dataframe 'obs' contains a category '.*' with zero obs",),
    "obs.suspension_type_unknown_assay": (r"not represented in the 'suspension_type' schema",),
    "frame.mixed_types": (r"cannot contain mixed types",),
    "frame.category_types": (
        r"contains illegal_categorical_types",
        r"categorical types\. Only one type",
    ),
    "names.deprecated": (r"is present in '\w+', but it is deprecated",),
    "names.reserved": (r"is a reserved (column|key) name of",),
    "names.dunder": (r"^The field '__.*' is invalid",),
    "uns.title": (r"^'title' in 'uns' is not present",),
    "uns.string": (r"in 'uns\['\w+'\]' is not valid, it (must be a string|contains)",),
    "uns.empty": (r"^uns\['.*'\] cannot be an empty value",),
    "uns.batch_condition": (
        r"of list 'batch_condition'",
        r"uns\['batch_condition'\]' is not valid",
    ),
    "uns.default_embedding": (r"uns\['default_embedding'\]' is not valid, it must be a key",),
    "uns.X_approximate_distribution": (r"'X_approximate_distribution'\]' is not valid\. Allowed",),
    "uns.colors_column": (r"does not have a corresponding categorical field in obs",),
    "uns.colors_type": (r"^Colors field .* must be of 'numpy\.ndarray'", r"^Colors in .* strings"),
    "uns.colors_count": (r"^Annotated categorical field .* must have at least",),
    "uns.colors_format": (r"must be either all hex colors or all CSS4",),
    "obsm.missing": (r"^No embeddings found in 'adata\.obsm'",),
    "obsm.X_prefix": (r"has to have a key with an 'X_' prefix",),
    "obsm.key": (
        r"^Embedding key .* cannot be used",
        r"^Suffix for embedding key",
        r"does not match the regex",
    ),
    "obsm.other_key": (r"is not 'spatial' nor does it start with 'X_'",),
    "obsm.type": (r"^All embeddings have to be of 'numpy\.ndarray' type",),
    "obsm.shape": (r"^All (embeddings|unspecified embeddings|'X_' and 'spatial' embeddings) must",),
    "obsm.values": (
        r"invalid data type",
        r"contains positive infinity",
        r"contains at least one NaN",
        r"contains all NaN",
    ),
    "obsm.spatial": (r"^'spatial' embedding is (required|forbidden)",),
    "mapping.empty": (r"^The size of the ndarray stored for a 'adata\.\w+\[",),
    "matrix.encoding": (r"^Invalid sparse encoding for", r"^Unknown encoding for matrix"),
    "matrix.sparsity": (r"^Sparsity of '.*' is .* which is greater than",),
    "raw.dtype": (r"^Raw matrix values must have type numpy\.float32",),
    "raw.values": (r"^All non-zero values in raw matrix must be positive integers",),
    "raw.empty_rows": (r"^Each cell must have at least one non-zero value",),
    "raw.duplicated_rows": (r"^Found \d+ duplicated raw counts",),
    "raw.shape": (
        r"^Number of (genes|cells) in X",
        r"^Index of 'raw\.var' is not identical",
        r"^Cells in X and raw\.X",
    ),
    "raw.missing_normalized": (r"^Only raw data was found",),
    "var.index_unique": (r"^Column 'index' in dataframe 'var' is not unique",),
    "raw.var.index_unique": (r"^Column 'index' in dataframe 'raw\.var' is not unique",),
    "raw.var.feature_id": (
        r"is not a valid feature ID in 'raw\.var'",
        r"feature ID '.*' in 'raw\.var', make sure",
    ),
    "var.feature_id": (
        r"is not a valid feature ID in 'var'",
        r"in 'var', make sure",
        r"but feature_ids are from",
    ),
    "var.few_features": (r"^Dataframe 'var' only has \d+ rows",),
    "var.feature_is_filtered_missing": (r"^Dataframe 'var' is missing column 'feature_is_f",),
    "var.feature_is_filtered_dtype": (r"^Column 'feature_is_filtered' in dataframe 'var' must be",),
    "var.feature_is_filtered_without_raw": (r"must be False for all features if 'adata\.raw' is",),
    "var.feature_is_filtered_zero_columns": (r"have all-zero values in adata\.X",),
    "var.feature_is_filtered_nonzero": (r"^Some features are 'True' in 'feature_is_filtered'",),
    "raw.var.feature_is_filtered": (r"^Column 'feature_is_filtered' must not be present in 'raw",),
    # consequences, not rules: the reference repeats a failed raw rule as "raw data missing",
    # and skips its raw rules when anything else failed (ontolake always checks them)
    "": (r"^Raw data (may be|is) missing", r"^Validation of raw layer was not performed"),
}
"""The reference's messages of each rule (``""``: messages that are not findings)."""


def reference_rules(messages: list[str], *, warnings: bool = False) -> set[str]:
    """The rule id of each message (a message no rule maps fails the test)."""
    found = set()
    for message in messages:
        rule = next(
            (
                rule
                for rule, patterns in REFERENCE_RULES.items()
                if any(re.search(pattern, message) for pattern in patterns)
            ),
            None,
        )
        assert rule is not None, f"no rule id for the reference's message: {message}"
        if rule == "obsm.values" and warnings:
            rule = "obsm.other_key_values"
        if rule:
            found.add(rule)
    return found


# ---- running both -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cellxgene-corpus")
    files = {}
    for name, change in VALID.items():
        files[name] = write_h5ad(folder / f"{name}.h5ad", ROWS, change=change)
    for rule, (change, after) in DEFECTS.items():
        files[rule] = write_h5ad(folder / f"{rule}.h5ad", ROWS, change=change)
        if after is not None:
            after(files[rule])
    return files


@pytest.fixture(scope="module")
def verdicts(corpus, cellxgene_registry, module_curate_cli) -> dict[str, Any]:
    """Both tools on every file, side by side: {name: (ours as JSON, reference)}."""
    executable = os.environ.get("ONTOLAKE_CELLXGENE_SCHEMA")
    if not executable or not Path(executable).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but ONTOLAKE_CELLXGENE_SCHEMA names no cellxgene-schema")
        pytest.skip("set ONTOLAKE_CELLXGENE_SCHEMA to a cellxgene-schema executable")
    python = Path(executable).with_name("python")
    script = Path(__file__).with_name("cellxgene_reference.py")
    reference = subprocess.Popen(
        [str(python), str(script), *map(str, corpus.values())],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    curate = module_curate_cli
    env = {"ONTOLAKE_INSTANCE": str(cellxgene_registry)}

    def ours(path: Path) -> dict[str, Any]:
        arguments = ("validate", path, "--schema", "cellxgene", "--format", "json")
        done = curate(*arguments, timeout=1800, **env)  # the first imports the ontologies
        assert done.returncode in (0, 1), (path.name, done.stderr)
        report = json.loads(done.stdout)
        assert report["valid"] == (done.returncode == 0)
        return report

    # two files first, one at a time: the instance imports what the corpus needs (the
    # ontologies, the human and the dog gene tables) once; then two processes at a time
    first = ["valid", "uns.organism"]
    mine = {name: ours(corpus[name]) for name in first}
    with ThreadPoolExecutor(max_workers=2) as pool:
        names = [name for name in corpus if name not in first]
        mine.update(zip(names, pool.map(ours, [corpus[n] for n in names]), strict=True))
    out, _ = reference.communicate(timeout=1800)
    assert reference.returncode == 0, out
    theirs = {Path(line["path"]).stem: line for line in map(json.loads, out.splitlines())}
    return {name: (mine[name], theirs[name]) for name in corpus}


def _our_rules(report: dict[str, Any], key: str) -> set[str]:
    return {issue["rule"] for issue in report[key]}


RAW_LAYER_RULES = {
    "raw.dtype",
    "raw.values",
    "raw.empty_rows",
    "raw.shape",
    "raw.missing_normalized",
}
"""The rules the reference checks only when nothing else failed; ontolake always checks them,
so they are left out of the comparison when the reference says it skipped them."""

REFERENCE_CRASHES = {"file.encoding_version"}
"""Files the reference cannot read (it raises; its command line shows a traceback)."""


@pytest.mark.parametrize("name", [*VALID, *DEFECTS])
def test_verdict_and_rules_match_the_reference(name, verdicts):
    ours, theirs = verdicts[name]
    errors, warnings = _our_rules(ours, "issues"), _our_rules(ours, "warnings")
    if name in DEFECTS:  # the defect breaks its rule
        assert name in errors | warnings, (ours["issues"], ours["warnings"])
    if "crash" in theirs:
        assert name in REFERENCE_CRASHES, theirs["crash"]
        assert not ours["valid"]
        return
    assert ours["valid"] == theirs["valid"], (ours["issues"], theirs["errors"])
    if any("Validation of raw layer was not performed" in w for w in theirs["warnings"]):
        errors, warnings = errors - RAW_LAYER_RULES, warnings - RAW_LAYER_RULES
    assert errors == reference_rules(theirs["errors"]), (ours["issues"], theirs["errors"])
    assert warnings == reference_rules(theirs["warnings"], warnings=True), (
        ours["warnings"],
        theirs["warnings"],
    )


def test_categories_of_several_types_are_refused_in_memory(cellxgene_registry):
    """anndata cannot write such categories to a file, so this rule is checked in memory."""
    import ontolake as ol
    from ontolake.curate.cellxgene import CellxgeneCurator
    from ontolake.instance import setup

    folder = Path(str(cellxgene_registry)).parent
    adata = ad.read_h5ad(write_h5ad(folder / "in_memory.h5ad", ROWS))
    adata.obs["flag"] = pd.Categorical([True, "a"])
    ol.connect(cellxgene_registry, remember=False)
    try:
        report = CellxgeneCurator(adata).collect()
    finally:
        setup.disconnect()
    assert [(i.rule, i.column) for i in report.issues] == [("frame.category_types", "flag")]
    assert "categories of types bool, str" in report.issues[0].message


def test_every_rule_has_a_check_and_a_defect():
    from ontolake.curate.cellxgene import ANNOTATION_RULES
    from ontolake.curate.cellxgene_checks import CHECKS
    from ontolake.schemas.cellxgene_slots import SLOT_RULES

    ids = [rule.id for rule in SLOT_RULES]
    assert set(CHECKS) | ANNOTATION_RULES == set(ids)
    assert not set(CHECKS) & ANNOTATION_RULES
    in_valid_files = {"raw.missing_normalized", "var.few_features"}
    assert set(DEFECTS) | in_valid_files | {"frame.category_types"} == set(ids)
