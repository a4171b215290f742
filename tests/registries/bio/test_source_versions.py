"""Source versions side by side in a registry: organisms apart, older versions recorded only.

Importing the mouse gene table never touches human genes; importing an older ontology
version (the README's Ontologies block, or a schema file pinning it) changes no current term
and no verdict on other data, and features pinned to that version take its terms.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import update

import ontolake as ol
from ontolake.errors import ValidationError
from ontolake.instance.setup import current_instance
from ontolake.ontology_sources import catalog
from ontolake.ontology_sources.source import InMemorySource, SourceSpec
from ontolake.ontology_sources.terms import Term


def genes(organism: str, version: str, ids: list[tuple[str, str]]) -> InMemorySource:
    spec = SourceSpec("Gene", "gencode", version, organism, f"memory://{organism}", "gene_table")
    return InMemorySource(
        [Term(i, symbol, extra={"biotype": "protein_coding"}) for i, symbol in ids], spec
    )


HUMAN = [("ENSG00000141510", "TP53"), ("ENSG00000010610", "CD4")]
MOUSE = [("ENSMUSG00000059552", "Trp53"), ("ENSMUSG00000023274", "Cd4")]


def cl(version: str, names: dict[str, str]) -> InMemorySource:
    spec = SourceSpec("CellType", "cl", version, None, f"memory://cl/{version}", "memory")
    return InMemorySource([Term(i, name) for i, name in names.items()], spec)


SHARED = {"CL:0000000": "cell", "CL:0000084": "T cell"}
OLDER = cl("2025-01-01", {**SHARED, "CL:0000001": "old-only cell"})
NEWER = cl("2025-06-01", {**SHARED, "CL:0000002": "new-only cell"})


def current(entity: str) -> list[tuple[str, str | None]]:
    return sorted(
        (source.version, source.organism)
        for source in ol.bio.Source.filter(entity=entity, currently_used=True)
    )


def test_importing_one_organisms_genes_never_touches_anothers(instance):
    bt = ol.bio
    bt.Gene.import_source(genes("human", "48", HUMAN))
    bt.Gene.import_source(genes("mouse", "M37", MOUSE))
    assert bt.Gene.filter(is_obsolete=True).count() == 0
    assert current("Gene") == [("48", "human"), ("M37", "mouse")]
    assert bt.Gene.filter(organism__name="human").count() == 2
    assert bt.Gene.filter(organism__ontology_id="NCBITaxon:10090").count() == 2
    assert bt.Gene.get(symbol="TP53").organism.name == "human"
    assert bt.Gene.validate(["ENSG00000010610", "ENSMUSG00000023274"], field="stable_id").all()
    again = bt.Gene.import_source(genes("human", "48", HUMAN))  # a no-op
    assert (again.version, again.currently_used) == ("48", True)


def test_reimporting_repairs_genes_an_earlier_release_damaged(instance):
    """Earlier releases flagged the human genes obsolete on a mouse import, without organism."""
    bt = ol.bio
    bt.Gene.import_source(genes("human", "48", HUMAN))
    bt.Gene.import_source(genes("mouse", "M37", MOUSE))
    human = bt.Source.get(organism="human")
    with current_instance().write() as session:
        session.execute(
            update(bt.Source).where(bt.Source.id == human.id).values(currently_used=False)
        )
        session.execute(
            update(bt.Gene)
            .where(bt.Gene.source_id == human.id)
            .values(is_obsolete=True, organism_id=None)
        )
    bt.Gene.import_source(genes("human", "48", HUMAN))
    assert bt.Gene.filter(is_obsolete=True).count() == 0
    assert bt.Gene.filter(organism__name="human").count() == 2
    assert current("Gene") == [("48", "human"), ("M37", "mouse")]


def test_an_older_version_is_recorded_without_changing_current_terms(instance):
    bt = ol.bio
    bt.CellType.import_source(NEWER)
    before = {
        t.ontology_id: (t.name, t.is_obsolete, t.source.version) for t in bt.CellType.filter()
    }
    bt.CellType.import_source(OLDER)
    after = {t.ontology_id: (t.name, t.is_obsolete, t.source.version) for t in bt.CellType.filter()}
    assert current("CellType") == [("2025-06-01", None)]
    # current terms untouched; the older version's own term is added, obsolete (not current)
    assert after == {**before, "CL:0000001": ("old-only cell", True, "2025-01-01")}
    older = bt.Source.get(entity="CellType", version="2025-01-01")
    assert (older.n_terms, older.currently_used) == (3, False)
    bt.CellType.import_source(NEWER)  # nothing to do: it is current and whole
    assert {
        t.ontology_id: (t.name, t.is_obsolete, t.source.version) for t in bt.CellType.filter()
    } == after


def test_features_pinned_to_an_older_version_take_its_terms(instance):
    bt = ol.bio
    bt.CellType.import_source(NEWER)
    bt.CellType.import_source(OLDER)
    schema = ol.Schema(
        features=[
            ol.Feature(name="cell_type", dtype=bt.CellType),
            ol.Feature(name="pinned", dtype=bt.CellType, source="cl@2025-01-01"),
        ]
    )
    frame = pd.DataFrame(
        {"cell_type": ["T cell", "new-only cell"], "pinned": ["T cell", "old-only cell"]}
    )
    assert ol.curate.DataFrameCurator(frame, schema).validate() is None
    swapped = frame.rename(columns={"cell_type": "pinned", "pinned": "cell_type"})
    with pytest.raises(ValidationError) as caught:
        ol.curate.DataFrameCurator(swapped, schema).validate()
    reasons = {
        (issue.column, value.value): value.reason
        for issue in caught.value.report.issues
        for value in issue.values
    }
    assert reasons == {
        ("cell_type", "old-only cell"): "obsolete, no replacement",
        ("pinned", "new-only cell"): "in the registry, outside the feature's filter "
        "(source cl@2025-01-01)",
    }


def test_a_newer_version_still_flags_what_it_drops(instance):
    bt = ol.bio
    bt.CellType.import_source(OLDER)
    bt.CellType.import_source(NEWER)
    assert current("CellType") == [("2025-06-01", None)]
    assert [t.name for t in bt.CellType.filter(is_obsolete=True)] == ["old-only cell"]


def test_reimporting_the_current_version_repairs_an_older_one_made_current(instance):
    """What earlier releases did on an older import: made it current, moved shared terms."""
    bt = ol.bio
    bt.CellType.import_source(NEWER)
    healthy = {t.ontology_id: (t.is_obsolete, t.source.version) for t in bt.CellType.filter()}
    bt.CellType.import_source(OLDER)
    newer, older = (
        bt.Source.get(entity="CellType", version=v) for v in ("2025-06-01", "2025-01-01")
    )
    with current_instance().write() as session:
        session.execute(
            update(bt.Source).where(bt.Source.id == newer.id).values(currently_used=False)
        )
        session.execute(
            update(bt.Source).where(bt.Source.id == older.id).values(currently_used=True)
        )
        session.execute(
            update(bt.CellType).where(bt.CellType.source_id == newer.id).values(source_id=older.id)
        )
        session.execute(
            update(bt.CellType)
            .where(bt.CellType.ontology_id == "CL:0000002")
            .values(is_obsolete=True)
        )
    bt.CellType.import_source(NEWER)
    repaired = {t.ontology_id: (t.is_obsolete, t.source.version) for t in bt.CellType.filter()}
    assert repaired == {**healthy, "CL:0000001": (True, "2025-01-01")}
    assert current("CellType") == [("2025-06-01", None)]


def _cl_terms(version: str) -> dict[str, str]:
    return {t.ontology_id: t.name for t in catalog.find("CellType", version=version).terms()}


@pytest.fixture(scope="module")
def cl_versions() -> tuple[dict[str, str], dict[str, str]]:
    pytest.importorskip("cellxgene_ontology_guide")
    return _cl_terms("2025-04-10"), _cl_terms(catalog.find("CellType").spec.version)


def test_the_readme_ontologies_block_keeps_the_newest_version_current(instance, cl_versions):
    older, newest = cl_versions
    added = sorted(set(newest) - set(older))  # terms only the newest version has
    bt = ol.bio
    bt.CellType.import_source()
    obsolete = sorted(t.ontology_id for t in bt.CellType.filter(is_obsolete=True))
    names = [newest[added[0]], "T cell"]
    schema = ol.Schema(features=[ol.Feature(name="cell_type", dtype=bt.CellType)])
    frame = pd.DataFrame({"cell_type": names})
    assert ol.curate.DataFrameCurator(frame, schema).validate() is None
    bt.CellType.import_source(version="2025-04-10")
    assert sorted(t.ontology_id for t in bt.CellType.filter(is_obsolete=True)) == obsolete
    assert current("CellType") == [(catalog.find("CellType").spec.version, None)]
    assert bt.CellType.get(ontology_id=added[0]).source.version == current("CellType")[0][0]
    assert ol.curate.DataFrameCurator(frame, schema).validate() is None  # still valid
    pinned = ol.Schema(
        features=[ol.Feature(name="cell_type", dtype=bt.CellType, source="cl@2025-04-10")]
    )
    with pytest.raises(ValidationError) as caught:
        ol.curate.DataFrameCurator(frame, pinned).validate()
    assert caught.value.report.non_validated() == {"cell_type": [newest[added[0]]]}


def test_cli_mouse_genes_after_human_genes_keep_a_human_dataset_valid(curate_cli):
    import anndata as ad
    import numpy as np

    human_ids = ["ENSG00000010610", "ENSG00000141510"]
    adata = ad.AnnData(
        X=np.ones((2, 2), dtype=np.float32),
        obs=pd.DataFrame(index=["c1", "c2"]),
        var=pd.DataFrame(index=human_ids),
    )
    adata.write_h5ad(curate_cli.cwd / "human.h5ad")
    assert curate_cli("init", "--storage", "./lake").returncode == 0
    for organism in ("human", "mouse"):
        done = curate_cli("ontology", "import", "Gene", "--organism", organism)
        assert done.returncode == 0, done.stderr
    schema = "ensembl_gene_ids_and_valid_features_in_obs"
    checked = curate_cli("validate", "human.h5ad", "--schema", schema, "--format", "json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    again = curate_cli("ontology", "import", "Gene")  # the current human table: nothing to do
    assert again.returncode == 0, again.stderr
    listed = curate_cli("ontology", "ls").stdout.splitlines()
    assert sum(line.startswith("Gene") and line.rstrip().endswith("*") for line in listed) == 2


def test_cli_a_schema_file_pinning_an_older_version_changes_no_other_verdict(
    curate_cli, cl_versions
):
    older, newest = cl_versions
    added = newest[sorted(set(newest) - set(older))[0]]
    version = catalog.find("CellType", version="2025-04-10").spec.version
    feature = "features:\n  - name: cell_type\n    dtype: cat[bio.CellType]\n"
    (curate_cli.cwd / "current.yaml").write_text(f"ontolake_schema: 1\nname: current\n{feature}")
    (curate_cli.cwd / "pinned.yaml").write_text(
        "ontolake_schema: 1\nname: pinned\n"
        f"sources:\n  - {{entity: CellType, name: cl, version: {version}}}\n"
        f"{feature}    source: cl@{version}\n"
    )
    pd.DataFrame({"cell_type": [added, "T cell"]}).to_csv(curate_cli.cwd / "new.csv", index=False)
    pd.DataFrame({"cell_type": ["T cell"]}).to_csv(curate_cli.cwd / "old.csv", index=False)
    assert curate_cli("init", "--storage", "./lake").returncode == 0
    assert curate_cli("ontology", "import", "CellType").returncode == 0
    assert curate_cli("validate", "new.csv", "--schema", "current.yaml").returncode == 0
    pinned = curate_cli("validate", "old.csv", "--schema", "pinned.yaml")
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    outside = curate_cli("validate", "new.csv", "--schema", "pinned.yaml")
    assert outside.returncode == 1 and repr(added) in outside.stdout
    still = curate_cli("validate", "new.csv", "--schema", "current.yaml")
    assert still.returncode == 0, still.stdout + still.stderr
    current_line = [
        line for line in curate_cli("ontology", "ls").stdout.splitlines() if line.endswith("*")
    ]
    assert len(current_line) == 1
    assert catalog.find("CellType").spec.version in current_line[0]
