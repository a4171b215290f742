"""Reports tell the truth: exact counts, every failing key, steps that add no typo, close names.

Against the built-in Cell Ontology and the committed human gene-table subset.
"""

from __future__ import annotations

import logging
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import ontolake as ol
from ontolake.curate.report import MAX_VALUES
from ontolake.errors import InvalidDataError, ValidationError

DATA = Path(__file__).parent.parent / "data" / "ontologies"


@pytest.fixture
def cells(sqlite_instance):
    """The Cell Ontology imported; a schema over one cell-type column."""
    ol.bio.CellType.import_source()
    return ol.Schema(features=[ol.Feature(name="cell_type", dtype=ol.bio.CellType)], name="cells")


def _report(curator):
    with pytest.raises(ValidationError) as caught:
        curator.validate()
    return caught.value.report


def test_counts_beyond_the_values_kept_are_exact(cells):
    values = [f"no such cell {i}" for i in range(MAX_VALUES + 500)]
    report = _report(ol.curate.DataFrameCurator(pd.DataFrame({"cell_type": values}), cells))
    (issue,) = report.issues
    assert len(issue.values) == MAX_VALUES
    assert issue.n_values == MAX_VALUES + 500
    assert issue.message.startswith(f"{MAX_VALUES + 500} value(s) not valid")
    assert f"… {MAX_VALUES + 495:,} more" in report.summary()
    assert f"… and {MAX_VALUES + 480:,} more values" in report.to_markdown()
    assert f"… and {MAX_VALUES + 480:,} more values" in report.to_html()
    assert report.to_dict()["issues"][0]["n_values"] == MAX_VALUES + 500


def test_gene_names_beyond_the_values_kept_are_counted_and_listed(sqlite_instance):
    ol.bio.Gene.import_source(DATA / "genes_homo_sapiens_subset.csv.gz")
    schema = ol.Schema(
        otype="AnnData", slots={"var.T": ol.Schema(itype=ol.bio.Gene.ontology_id, dtype="num")}
    )
    known = [row.ontology_id for row in ol.bio.Gene.filter().order_by("id")[:3]]
    unknown = [f"ENSG9{i:010d}" for i in range(1_500)]
    adata = ad.AnnData(np.zeros((2, len(known) + len(unknown)), dtype=np.float32))
    adata.var_names = [*known, *unknown]
    curator = ol.curate.AnnDataCurator(adata, schema)
    report = _report(curator)
    (names,) = report.issues
    assert names.message == f"1500 of {1_503} name(s) are not values of bio.Gene.ontology_id"
    assert names.n_values == 1_500 and len(names.values) == MAX_VALUES
    assert "… 1,495 more" in report.summary()
    # every failing key is listed, with every value the report kept
    assert list(curator.non_validated) == ["var.T"]
    assert curator.non_validated["var.T"] == unknown[:MAX_VALUES]


def test_non_validated_lists_every_failing_column_and_name_list(sqlite_instance):
    ol.bio.CellType.import_source()
    ol.bio.Gene.import_source(DATA / "genes_homo_sapiens_subset.csv.gz")
    schema = ol.Schema(
        otype="AnnData",
        slots={
            "obs": ol.Schema(features=[ol.Feature(name="cell_type", dtype=ol.bio.CellType)]),
            "var.T": ol.Schema(itype=ol.bio.Gene.ontology_id, dtype="num"),
        },
    )
    genes = [row.ontology_id for row in ol.bio.Gene.filter().order_by("id")[:4]]
    adata = ad.AnnData(
        np.zeros((2, 4), dtype=np.float32),
        obs=pd.DataFrame({"cell_type": ["T cell", "T-cell"]}, index=["a", "b"]),
        var=pd.DataFrame(index=[*genes[:3], genes[3].lower()]),
    )
    curator = ol.curate.AnnDataCurator(adata, schema)
    with pytest.raises(ValidationError):
        curator.validate()
    assert curator.non_validated == {"obs:cell_type": ["T-cell"], "var.T": [genes[3].lower()]}
    # the keys are the ones the fixing verbs take, and fixing them empties the listing
    mapping = curator.standardize("var.T")
    assert mapping == {"var.T": {genes[3].lower(): genes[3]}}
    curator.standardize("obs:cell_type")
    assert curator.validate() is None
    assert curator.non_validated == {}


def test_the_proposed_add_new_from_never_adds_a_value_the_report_maps(cells, caplog):
    frame = pd.DataFrame({"cell_type": ["T cel", "T cel", "T-cell", "my new cell", "B cell"]})
    curator = ol.curate.DataFrameCurator(frame, cells)
    report = _report(curator)
    (issue,) = report.issues
    by_value = {value.value: value for value in issue.values}
    typo = by_value["T cel"].suggestions[0]
    assert (typo.kind, typo.value, typo.confident) == ("fuzzy", "T cell", True)
    assert by_value["my new cell"].suggestions == [] or not any(
        s.confident for s in by_value["my new cell"].suggestions
    )
    standardize, replace, add_new = issue.steps
    assert (standardize.action, standardize.values) == ("standardize", ("T-cell",))
    assert (replace.action, replace.values) == ("replace_values", ("T cel",))
    assert add_new.action == "add_new_from" and add_new.values == ("my new cell",)
    assert "'T cel' → 'T cell'" in add_new.note and "'T-cell' → 'T cell'" in add_new.note
    assert "leaves out 'T cel' → 'T cell'" in report.summary()
    assert report.next_steps() == [standardize.python, replace.text, add_new.text]
    # running the proposed step adds what it says and nothing the report maps to a term
    with caplog.at_level(logging.WARNING, logger="ontolake"):
        created = curator.add_new_from("cell_type")
    assert [record.name for record in created] == ["my new cell"]
    assert "'T cel' (fuzzy: 'T cell')" in caplog.text
    assert "'T-cell' (synonym: 'T cell')" in caplog.text
    assert ol.bio.CellType.filter(name__in=["T cel", "T-cell"]).count() == 0
    assert curator.non_validated == {"cell_type": ["T cel", "T-cell"]}


def test_add_new_from_adds_named_values_only_if_they_fail(cells):
    frame = pd.DataFrame({"cell_type": ["T cel", "T cell", "my new cell"]})
    curator = ol.curate.DataFrameCurator(frame, cells)
    with pytest.raises(InvalidDataError, match=r"\['T cell'\] are no non-validated values"):
        curator.add_new_from("cell_type", values=["T cel", "T cell"])
    assert ol.bio.CellType.filter(name="T cel").count() == 0  # nothing was created
    created = curator.add_new_from("cell_type", values=["T cel"])
    assert [record.name for record in created] == ["T cel"]
    assert curator.non_validated == {"cell_type": ["my new cell"]}


def test_missing_columns_name_the_close_column_present(sqlite_instance):
    schema = ol.Schema(
        features=[
            ol.Feature(name="cell_type", dtype=str),
            ol.Feature(name="tissue", dtype=str),
            ol.Feature(name="donor_id", dtype=str),
            ol.Feature(name="assay", dtype=str),
        ],
        name="samples",
    )
    frame = pd.DataFrame(
        {"CellType": ["T cell"], "Tissue": ["blood"], "donorID": ["d1"], "batch": ["b1"]}
    )
    report = _report(ol.curate.DataFrameCurator(frame, schema))
    steps = {issue.column: issue.steps[0] for issue in report.issues}
    assert {column: (step.action, step.values) for column, step in steps.items()} == {
        "cell_type": ("rename_column", ("CellType",)),
        "tissue": ("rename_column", ("Tissue",)),
        "donor_id": ("rename_column", ("donorID",)),
        "assay": ("add_column", ()),
    }
    (cell_type,) = report.for_column("cell_type")
    assert cell_type.message.endswith("is missing; column 'CellType' looks like it")
    assert "rename column 'CellType' to 'cell_type'" in report.summary()


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "a | b\nc",
    "*bold* _it_ `code` ~~gone~~",
]


def test_markdown_shows_data_as_text_never_as_html_links_or_formatting(cells, tmp_path):
    from markdown_it import MarkdownIt

    frame = pd.DataFrame(
        {"cell_type": HOSTILE, "<b>col</b>": [1] * len(HOSTILE)},
        index=pd.Index([f"<img src=row{i} onerror=alert(1)>" for i in range(5)], name="cell"),
    )
    path = tmp_path / "[x](javascript:alert(1)) <script>.parquet"
    frame.to_parquet(path)
    strict = ol.Schema(features=cells.members, maximal_set=True, name="<i>schema</i>")
    report = _report(ol.curate.DataFrameCurator(path, strict))
    markdown = report.to_markdown()
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    data, _, steps = rendered.partition("<h2>Next steps</h2>")
    assert steps.count("<li><code>") == steps.count("<li>") > 0  # each step one code span
    for tag in ("<script", "<img", "<b>", "<i>", "<a ", "<em>", "<strong>", "<del>", "<code>"):
        assert tag not in data, tag
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered  # shown as written
    assert "[x](javascript:alert(1))" in rendered
    tables = [line for line in markdown.splitlines() if line.startswith("|")]
    for line in tables:  # every row keeps its cells: no unescaped | inside one
        cells_in_row = len(line.replace("\\|", "").split("|")) - 2
        assert cells_in_row in (3, 5), line


def test_check_failures_come_most_frequent_first(sqlite_instance):
    import pandera.pandas as pa

    feature = ol.Feature(name="n", dtype=int)
    schema = ol.Schema(features=[feature], column_checks={"n": [pa.Check.ge(0)]})
    frame = pd.DataFrame({"n": [-5] * 5 + [-3] * 4 + [-2] * 5 + [1]})
    (issue,) = _report(ol.curate.DataFrameCurator(frame, schema)).issues
    assert [(value.value, value.count) for value in issue.values] == [
        ("-5", 5),
        ("-2", 5),
        ("-3", 4),
    ]


def test_a_missing_index_is_named_with_what_to_do(sqlite_instance):
    schema = ol.Schema(
        index=ol.Feature(name="barcode", dtype=str),
        features=[ol.Feature(name="n", dtype=int)],
    )
    (issue,) = _report(ol.curate.DataFrameCurator(pd.DataFrame({"n": [1, 2]}), schema)).issues
    assert issue.message == (
        "the index 'barcode' is missing: the data has the default RangeIndex (0, 1, 2, …)"
    )
    (step,) = issue.steps
    assert step.action == "set_index" and "df.index.name = 'barcode'" in step.python
    assert "coerce" not in step.python
    frame = pd.DataFrame({"barcode": ["AC", "GT"], "n": [1, 2]})
    report = _report(ol.curate.DataFrameCurator(frame, schema))
    assert report.steps()[0].python.startswith(
        "make the column 'barcode' the index: df = df.set_index('barcode')"
    )
    indexed = frame.set_index("barcode")
    assert ol.curate.DataFrameCurator(indexed, schema).validate() is None
