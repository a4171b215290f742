"""Check a dataset against the CELLxGENE convention: ``curate validate x.h5ad --schema cellxgene``.

The ``obs`` annotations are checked column by column over their distinct values; the terms
are resolved in the ontology versions the convention pins
(:class:`~ontolake.curate.term_index.TermIndex`), which looks up only the ids the dataset
uses and caches the answers: no registry is needed. The rest of the convention (matrices,
embeddings, ``uns`` keys, ``var`` and ``raw.var``) is checked rule by rule by
:mod:`ontolake.curate.cellxgene_checks`, with matrices read a block at a time. Every issue and
warning names its rule (:data:`ontolake.schemas.cellxgene_slots.SLOT_RULES`). The verdict,
the invalid values and the rules broken are the ones ``cellxgene-schema validate`` reports
(tested file by file, one defect per rule).

Not checked: spatial datasets' own fields (``uns['spatial']``, tissue positions, Visium
matrix sizes), genetic-perturbation and experimental-condition columns, and the
pre-analysis mode.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontolake.curate.cellxgene_checks import CHECKS, Context, Finding
from ontolake.curate.cellxgene_data import anndata_data
from ontolake.curate.h5ad_annotations import read_h5ad_data
from ontolake.curate.report import InvalidValue, Issue, NextStep, ValidationReport
from ontolake.curate.term_index import GeneIndex, TermIndex
from ontolake.errors import ValidationError
from ontolake.schemas import cellxgene as convention
from ontolake.schemas import cellxgene_slots as convention_slots
from ontolake.schemas.cellxgene_slots import RULES, SLOT_RULES
from ontolake.schemas.rules import TermConstraint

if TYPE_CHECKING:
    import pandas as pd

    from ontolake.schemas.rules import Column, Condition, Rule

__all__ = ["ANNOTATION_RULES", "CellxgeneCurator"]

ANNOTATION_RULES = frozenset(
    {
        "obs.column_missing",
        "obs.term_values",
        "obs.dtype",
        "obs.missing_values",
        "obs.organism_prefix",
        "obs.index_unique",
        "obs.suspension_type_unknown_assay",
        "names.deprecated",
        "names.reserved",
        "names.dunder",
        "uns.organism",
        "var.index_unique",
        "var.feature_id",
        "raw.var.index_unique",
        "raw.var.feature_id",
    }
)
"""The rules this module checks itself (the others have a check in ``CHECKS``)."""

_DELIMITER = " || "
_ORGANISM_KEY = "organism_ontology_term_id"


class CellxgeneCurator:
    """Validate an AnnData (or an ``.h5ad`` / ``.zarr`` path) against the CELLxGENE convention.

    Example:
        >>> import anndata as ad
        >>> adata = ad.AnnData(obs=df)  # cells without the convention's annotations
        >>> report = CellxgeneCurator(adata).collect()
        >>> report.is_valid, sorted(issue.column for issue in report.issues if issue.column)[:3]
        (False, ['assay_ontology_term_id', 'cell_type', 'cell_type_ontology_term_id'])
    """

    def __init__(self, dataset: Any) -> None:
        from ontolake.curate.anndata_files import read_parts

        self._name = str(dataset) if isinstance(dataset, (str, Path)) else "AnnData"
        path = Path(dataset) if isinstance(dataset, (str, Path)) else None
        try:
            lite = read_h5ad_data(path) if path and path.suffix == ".h5ad" else None
        except OSError:  # not HDF5: read_parts names the file and what to do
            lite = None
        if lite is None and path is not None:
            parts = read_parts(path)  # names the file when it is not an AnnData
            lite = anndata_data(parts.adata if parts.adata is not None else _open(path))
        self.data = lite if lite is not None else anndata_data(dataset)
        self.obs: pd.DataFrame = self.data.obs
        self.var_index: list[str] = [str(value) for value in self.data.var.index]
        self.uns: dict[str, Any] = self.data.uns
        self.terms = TermIndex()

    def collect(self) -> ValidationReport:
        """Check everything; return the report (nothing is raised for invalid data)."""
        report = ValidationReport(
            dataset=self._name,
            schema=f"cellxgene {convention.SCHEMA_VERSION}",
            slots={"obs": len(self.obs), "var": len(self.var_index)},
        )
        distinct: set[str] = set()
        for column in self.obs.columns:
            for value in self.obs[column].dropna().unique():
                if isinstance(value, str):
                    distinct.update(value.split(_DELIMITER))
        organism = self.uns.get(_ORGANISM_KEY)
        organism = organism if isinstance(organism, str) else None
        GeneIndex.require([organism] if organism else [], self._name)  # before any lookup
        self.terms.load([*distinct, *([organism] if organism else [])])
        self._check_organism(report)
        self._check_names(report)
        self._check_obs_names(report)
        for column in convention.COLUMNS:
            _ColumnCheck(self, column, report).run()
        self._check_prefixes(report)
        self._check_genes(report, "var", self.var_index)
        if self.data.raw_var is not None:
            self._check_genes(report, "raw.var", [str(i) for i in self.data.raw_var.index])
        context = Context(self.data, self.terms)
        for rule in SLOT_RULES:
            check = CHECKS.get(rule.id)
            for finding in check(context) if check else ():
                self._record(report, finding)
        return report

    @staticmethod
    def _record(report: ValidationReport, finding: Finding) -> None:
        """An issue, or a warning when the finding's rule only recommends."""
        issue = Issue(
            finding.slot, finding.column, finding.kind, finding.message, rule=finding.rule
        )
        if RULES[finding.rule].severity == "warning":
            report.warn(issue)
        else:
            report.add(issue)

    def validate(self) -> None:
        """Raise :class:`~ontolake.errors.ValidationError` listing every failure.

        Example:
            >>> import anndata as ad
            >>> try:
            ...     CellxgeneCurator(ad.AnnData(obs=df)).validate()
            ... except ol.errors.ValidationError as error:
            ...     print(str(error).splitlines()[0])
            AnnData is not valid: 16 issue(s)
        """
        report = self.collect()
        if not report.is_valid:
            raise ValidationError(report.summary())

    # ---- uns, organism-specific prefixes, genes -------------------------------------------
    def _check_organism(self, report: ValidationReport) -> None:
        organism = self.uns.get(_ORGANISM_KEY)
        if organism is None:
            report.add(
                Issue(
                    "uns",
                    _ORGANISM_KEY,
                    "missing_column",
                    f"uns has no {_ORGANISM_KEY!r}",
                    rule="uns.organism",
                )
            )
            return
        reasons = check_term_string(self.terms, organism, convention.ORGANISM)
        if reasons:
            values = [InvalidValue(str(organism), 1, reason="; ".join(reasons))]
            report.add(
                Issue(
                    "uns",
                    _ORGANISM_KEY,
                    "invalid_values",
                    "not a supported organism",
                    values,
                    rule="uns.organism",
                )
            )

    def _check_names(self, report: ValidationReport) -> None:
        """Deprecated and reserved column and key names."""
        raw_var = self.data.raw_var
        present = {
            "obs": [str(c) for c in self.obs.columns],
            "var": [str(c) for c in self.data.var.columns],
            "raw.var": [str(c) for c in raw_var.columns] if raw_var is not None else [],
            "uns": list(self.uns),
        }
        for slot, names in present.items():
            forbidden = convention.FORBIDDEN_NAMES[slot.removeprefix("raw.")]
            for name in names:
                why = forbidden.get(name) or ("reserved" if name.startswith("__") else None)
                if why is None:
                    continue
                rule = "names.dunder" if name.startswith("__") else "names.reserved"
                kind = "extra_column" if slot != "uns" else "check"
                message = f"{name!r} is {why} in {slot}: remove it"
                rule = "names.deprecated" if why == "deprecated" else rule
                report.add(Issue(slot, name, kind, message, rule=rule))

    def _check_prefixes(self, report: ValidationReport) -> None:
        """Fish, fly and worm may use their own anatomy ontologies; other organisms not."""
        organism = self.uns.get(_ORGANISM_KEY)
        own = {"NCBITaxon:6239": "WBbt", "NCBITaxon:7955": "ZFA", "NCBITaxon:7227": "FBbt"}
        extra = own.get(organism) if isinstance(organism, str) else None
        obs = self.obs
        if "tissue_type" not in obs or not isinstance(organism, str):
            return
        tissue_type = obs["tissue_type"].astype(object)
        if "cell_type_ontology_term_id" in obs:
            cell_type = obs["cell_type_ontology_term_id"].astype(object)
            allowed = ("CL", extra) if extra else ("CL",)
            bad = ~cell_type.isin(["unknown", "na"]) & ~_starts(cell_type, allowed)
            cell_line = tissue_type == "cell line"
            na_rows = cell_line & (cell_type == "na")
            if na_rows.any() and na_rows.sum() != cell_line.sum():
                report.add(
                    Issue(
                        "obs",
                        "cell_type_ontology_term_id",
                        "check",
                        "when some cell-line rows are 'na', all cell-line rows must be 'na'",
                        rule="obs.organism_prefix",
                    )
                )
            if bad.any():
                report.add(
                    Issue(
                        "obs",
                        "cell_type_ontology_term_id",
                        "check",
                        f"terms must be from {' or '.join(allowed)} for organism {organism}",
                        rule="obs.organism_prefix",
                    )
                )
        if "tissue_ontology_term_id" in obs:
            tissue = obs["tissue_ontology_term_id"].astype(object)
            culture = tissue_type == "primary cell culture"
            anatomy = ("UBERON", extra) if extra else ("UBERON",)
            cells = ("CL", extra) if extra else ("CL",)
            bad = (culture & (tissue != "unknown") & ~_starts(tissue, cells)) | (
                ~culture & (tissue_type != "cell line") & ~_starts(tissue, anatomy)
            )
            if bad.any():
                report.add(
                    Issue(
                        "obs",
                        "tissue_ontology_term_id",
                        "check",
                        f"tissues must be {' or '.join(anatomy)} terms (cell cultures "
                        f"{' or '.join(cells)}) for organism {organism}",
                        rule="obs.organism_prefix",
                    )
                )

    def _check_obs_names(self, report: ValidationReport) -> None:
        """Cells are told apart by their obs names: each must be unique."""
        import pandas as pd

        from ontolake.curate.column_values import most_frequent

        index = self.obs.index
        if not index.has_duplicates:
            return
        counts = most_frequent(pd.Series(index[index.duplicated(keep=False)]).astype(str))
        shown = ", ".join(f"{value!r} x{count}" for value, count in counts[:5])
        more = f", … {len(counts) - 5:,} more" if len(counts) > 5 else ""
        report.add(
            Issue(
                "obs",
                "index",
                "duplicated_index",
                f"the obs index (obs names) is not unique: {shown}{more}",
                steps=[NextStep("make_index_unique", "obs", "adata.obs_names_make_unique()")],
                rule="obs.index_unique",
            )
        )

    def _check_genes(self, report: ValidationReport, slot: str, ids: list[str]) -> None:
        """The feature ids of ``var`` (or ``raw.var``): unique, of the dataset's organism."""
        if len(set(ids)) != len(ids):
            message = f"the {slot} index is not unique"
            report.add(
                Issue(slot, "index", "duplicated_index", message, rule=f"{slot}.index_unique")
            )
        organism = self.uns.get(_ORGANISM_KEY)
        organism = organism if isinstance(organism, str) else None
        lineage = self.terms.ancestors(organism, inclusive=True) if organism else frozenset()
        GeneIndex.require(lineage, self._name)
        found = GeneIndex().organisms_of(ids, lineage)
        unknown = [i for i in dict.fromkeys(ids) if i not in found]
        if unknown:
            values = [InvalidValue(i, 1, reason="in no gene table") for i in unknown]
            message = f"{len(unknown)} feature id(s) are in no built-in gene table"
            report.add(
                Issue(slot, "index", "invalid_names", message, values, rule=f"{slot}.feature_id")
            )
        if organism is None:
            return
        foreign = sorted(
            {
                taxon
                for taxon in found.values()
                if taxon not in lineage and taxon not in convention.EXEMPT_GENE_ORGANISMS
            }
        )
        if foreign:
            report.add(
                Issue(
                    slot,
                    "index",
                    "invalid_names",
                    f"the organism is {organism} but feature ids are from {', '.join(foreign)}",
                    rule=f"{slot}.feature_id",
                )
            )


def _open(path: Path) -> Any:
    """An AnnData the h5py reader could not read: backed (X on disk) for ``.h5ad``."""
    import anndata

    if path.suffix.lower() == ".h5ad":
        return anndata.read_h5ad(path, backed="r")
    return anndata.read_zarr(path)


_RULE_OF_KIND = {
    "missing_column": "obs.column_missing",
    "invalid_values": "obs.term_values",
    "dtype": "obs.dtype",
    "missing_values": "obs.missing_values",
}


def _starts(series: pd.Series[Any], prefixes: tuple[str, ...]) -> pd.Series[Any]:
    return series.map(lambda value: isinstance(value, str) and value.startswith(prefixes))


class _ColumnCheck:
    """One convention column checked over the rows each of its rules applies to."""

    def __init__(self, curator: CellxgeneCurator, column: Column, report: ValidationReport) -> None:
        self.curator = curator
        self.column = column
        self.report = report
        self.failures: dict[str, list[str]] = {}
        self.issued: set[str] = set()

    def run(self) -> None:
        import numpy as np

        obs = self.curator.obs
        name = self.column.name
        if name not in obs:
            self._issue("missing_column", f"obs has no column {name!r}")
            return
        series = obs[name]
        matched = np.zeros(len(obs), dtype=bool)
        for rule in self.column.rules:
            mask = self._mask(rule)
            if mask is None:
                continue
            matched |= mask
            if mask.any():
                self._check(series[mask], rule.terms, rule.enum, (), rule)
        unmatched = ~matched
        if unmatched.any() and self.column.unmatched:
            warning = convention_slots.RULES[self.column.unmatched]
            self.report.warn(Issue("obs", name, "check", warning.says, rule=warning.id))
        if unmatched.any():
            column = self.column
            self._check(series[unmatched], column.terms, column.enum, column.forbidden, None)
        by_reason: dict[str, list[InvalidValue]] = {}
        cells = series.astype(object)
        for value, reasons in self.failures.items():
            reason = "; ".join(dict.fromkeys(reasons))
            count = int((cells == value).sum()) if value != "nan" else int(cells.isna().sum())
            by_reason.setdefault(reason, []).append(InvalidValue(value, count, reason=reason))
        for reason, values in by_reason.items():
            self._issue("invalid_values", f"{reason} (expected {self.column.message})", values)

    def _issue(self, kind: str, message: str, values: list[InvalidValue] | None = None) -> None:
        if message not in self.issued:
            self.issued.add(message)
            rule = _RULE_OF_KIND[kind]
            self.report.add(Issue("obs", self.column.name, kind, message, values or [], rule=rule))

    def _fail(self, value: Any, reason: str) -> None:
        self.failures.setdefault(str(value), []).append(reason)

    def _mask(self, rule: Rule) -> Any:
        import numpy as np

        masks = [self._condition(condition) for condition in rule.when]
        if any(mask is None for mask in masks):
            return None
        return np.logical_and.reduce(masks)

    def _condition(self, condition: Condition) -> Any:
        import numpy as np

        terms = self.curator.terms
        obs = self.curator.obs

        def meets(value: Any) -> bool:
            ok = True
            if condition.match or condition.match_descendants_of:
                ok = value in condition.match or (
                    isinstance(value, str)
                    and terms.is_within(value, condition.match_descendants_of)
                )
            if condition.exclude or condition.exclude_descendants_of:
                ok = ok and not (
                    value in condition.exclude
                    or (
                        isinstance(value, str)
                        and terms.is_within(value, condition.exclude_descendants_of)
                    )
                )
            return ok

        if condition.uns_key is not None:
            if condition.uns_key not in self.curator.uns:
                return None
            return np.full(len(obs), meets(self.curator.uns[condition.uns_key]))
        assert condition.column is not None
        if condition.column not in obs:
            return None
        column = obs[condition.column].astype(object)
        verdicts = {value: meets(value) for value in column.unique()}
        return column.map(verdicts).to_numpy(dtype=bool)

    def _check(
        self,
        series: pd.Series[Any],
        terms: TermConstraint | None,
        enum: tuple[str, ...] | None,
        forbidden: tuple[str, ...],
        rule: Rule | None,
    ) -> None:
        kind = self.column.kind
        name = self.column.name
        if kind == "bool":
            if series.dtype != bool:
                self._issue("dtype", f"{name} must be boolean, not {series.dtype.name}")
            return
        if kind == "categorical":
            if series.dtype.name != "category":
                self._issue("dtype", f"{name} must be categorical, not {series.dtype.name}")
            else:
                categories = series.dtype.categories
                if name == "donor_id" and categories.dtype.kind not in "OUT":
                    self._issue("dtype", f"{name} categories must be strings")
                elif name == "donor_id" and any(not str(c).strip() for c in categories):
                    self._issue("missing_values", f"{name} must not contain empty values")
                if enum is None and series.isna().any():
                    self._issue("missing_values", f"{name} must not contain missing values")
                for value in series.dropna().unique():
                    if value in forbidden:
                        self._fail(value, f"{value!r} is forbidden")
        if enum is not None:
            for value in series.unique():
                if value not in enum:
                    self._fail(value, f"not one of {', '.join(enum)}")
        if kind == "curie" and terms is not None:
            if series.isna().any():
                self._issue("missing_values", f"{name} must not contain missing values")
                return
            for value in series.unique():
                for reason in check_term_string(self.curator.terms, value, terms):
                    self._fail(value, reason)


def check_term_string(index: TermIndex, value: Any, constraint: TermConstraint) -> list[str]:
    """The reasons ``value`` (one term id, or several joined by ``" || "``) breaks ``constraint``.

    Example:
        >>> from ontolake.schemas.rules import TermConstraint
        >>> cells = TermConstraint(("CL",), ("unknown",), forbidden_terms=("CL:0000000",))
        >>> index = TermIndex()
        >>> index.load(["CL:0000084", "CL:0000000"])
        >>> [check_term_string(index, value, cells) for value in ("CL:0000084", "unknown")]
        [[], []]
        >>> check_term_string(index, "CL:0000000", cells)
        ['a forbidden term']
    """
    if value in constraint.exceptions:
        return []
    if constraint.ontologies == ("NA",):
        return [f"only {', '.join(repr(e) for e in constraint.exceptions)} is valid here"]
    if not isinstance(value, str):
        return ["not a string"]
    if not constraint.multi_term:
        return check_term(index, value, constraint)
    parts = value.split(_DELIMITER)
    reasons = []
    for part in parts:
        found = check_term(index, part, constraint)
        if len(parts) > 1 and constraint.multi_term_ontologies:
            only = TermConstraint(ontologies=constraint.multi_term_ontologies)
            found += check_term(index, part, only)
        reasons += [f"{part}: {reason}" if len(parts) > 1 else reason for reason in found]
    if len(parts) > 1 and any(a.strip() > b.strip() for a, b in itertools.pairwise(parts)):
        reasons.append("terms not in ascending order")
    if len(set(parts)) != len(parts):
        reasons.append("duplicated terms")
    return reasons


def check_term(index: TermIndex, term_id: str, constraint: TermConstraint) -> list[str]:
    """The reasons one term id breaks ``constraint`` (empty when it is allowed)."""
    if term_id in constraint.forbidden_terms:
        return ["a forbidden term"]
    ontologies = [o for o in constraint.ontologies if index.is_valid(term_id, o)]
    if not ontologies:
        return [f"not a term of {', '.join(constraint.ontologies)}"]
    if index.is_obsolete(term_id):
        return [f"an obsolete term of {ontologies[0]}"]
    ancestors = index.ancestors(term_id)
    for roots in constraint.forbidden_ancestors.values():
        for root in roots:
            if root in ancestors:
                return [f"a descendant of {root}, which is forbidden"]
    if not constraint.is_restricted:
        return []
    for ontology, allowed in constraint.allowed_terms.items():
        if index.is_valid(term_id, ontology) and (allowed == ("all",) or term_id in allowed):
            return []
    for roots in constraint.allowed_ancestors.values():
        if any(root in ancestors for root in roots):
            return []
    return ["not an allowed term"]
