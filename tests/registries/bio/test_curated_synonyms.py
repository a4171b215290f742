"""Curators' own vocabulary: add_synonym, remove_synonym and set_abbr on ontology records.

The synonym index (``<table>_synonyms``, what validate/standardize/inspect read) changes in
the transaction that saves the record, whether the synonyms change through the verbs or by
assigning ``record.synonyms``; a synonym another live term owns is refused, naming it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fresh_process import user_environment
from sqlalchemy import select

import ontolake as ol
from ontolake.errors import IntegrityError, InvalidDataError
from ontolake.instance.session import current_instance
from ontolake.ontology_sources.source import InMemorySource, SourceSpec
from ontolake.ontology_sources.terms import Synonym, Term

TERMS = [
    Term("CL:0000000", "cell"),
    Term("CL:0000084", "T cell", synonyms=(Synonym("T-cell", "exact"),)),
    Term("CL:0000236", "B cell", synonyms=(Synonym("B-cell", "exact"),)),
    Term("CL:0000999", "old cell type", is_obsolete=True, replaced_by=("CL:0000084",)),
]


@pytest.fixture
def cells(instance):
    spec = SourceSpec("CellType", "cl", "2025-01-01", None, "memory://cl", "memory")
    ol.bio.CellType.import_source(InMemorySource(TERMS, spec))
    return ol.bio.CellType


def indexed(model, ontology_id: str) -> list[str]:
    """The synonym index rows of one record, as validate/standardize read them."""
    table = model.synonym_table
    with current_instance().read() as session:
        record_id = session.execute(
            select(model.id).where(model.ontology_id == ontology_id)
        ).scalar_one()
        rows = session.execute(
            select(table.c.text, table.c.folded).where(table.c.record_id == record_id)
        ).all()
    assert all(folded == text.casefold() for text, folded in rows)
    return sorted(text for text, _folded in rows)


def stored_synonyms(model, ontology_id: str) -> str | None:
    with current_instance().read() as session:
        return session.execute(
            select(model.synonyms).where(model.ontology_id == ontology_id)
        ).scalar_one()


def test_add_synonym_is_indexed_with_the_record(cells):
    t_cell = cells.get(ontology_id="CL:0000084")
    t_cell.add_synonym("Tc")
    assert t_cell.synonyms == "T-cell|Tc"
    assert stored_synonyms(cells, "CL:0000084") == "T-cell|Tc"
    assert indexed(cells, "CL:0000084") == ["T-cell", "Tc"]
    assert cells.standardize(["Tc", "TC", "tc"]) == ["T cell", "T cell", "T cell"]
    assert [(s.kind, s.value) for s in cells.inspect(["Tc"]).suggestions["Tc"]] == [
        ("synonym", "T cell")
    ]
    assert cells.validate(["Tc"]).tolist() == [False]  # a synonym, as "T-cell": standardize it
    assert cells.standardize(["Tc"], return_field=cells.ontology_id) == ["CL:0000084"]
    t_cell.add_synonym(["T lymphocyte", "Tc", "T cell"])  # known ones and the name: no-ops
    assert indexed(cells, "CL:0000084") == ["T lymphocyte", "T-cell", "Tc"]
    assert cells.search("T lymphocyte").first().name == "T cell"


@pytest.mark.parametrize("taken", ["T-cell", "t-CELL", "T cell", "t cell", "cl:0000084"])
def test_a_synonym_another_live_term_owns_is_refused_naming_it(cells, taken):
    b_cell = cells.get(ontology_id="CL:0000236")
    with pytest.raises(IntegrityError) as caught:
        b_cell.add_synonym(taken)
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert f"{taken!r}" in message
    assert "CL:0000084" in message and "'T cell'" in message
    assert "remove_synonym" in message
    assert b_cell.synonyms == "B-cell"
    assert stored_synonyms(cells, "CL:0000236") == "B-cell"
    assert indexed(cells, "CL:0000236") == ["B-cell"]
    assert cells.standardize([taken]) in (["T cell"], [taken])


def test_force_shares_a_synonym_which_is_then_ambiguous(cells):
    b_cell = cells.get(ontology_id="CL:0000236")
    b_cell.add_synonym("lymphocyte")
    t_cell = cells.get(ontology_id="CL:0000084")
    with pytest.raises(IntegrityError, match="CL:0000236"):
        t_cell.add_synonym("Lymphocyte")
    t_cell.add_synonym("lymphocyte", force=True)
    assert indexed(cells, "CL:0000084") == ["T-cell", "lymphocyte"]
    assert cells.standardize(["lymphocyte", "Lymphocyte"]) == ["lymphocyte", "Lymphocyte"]
    kinds = {s.kind for s in cells.inspect(["lymphocyte"]).suggestions["lymphocyte"]}
    assert kinds == {"ambiguous"}


def test_a_synonym_of_an_obsolete_term_is_free(cells):
    t_cell = cells.get(ontology_id="CL:0000084")
    t_cell.add_synonym("old cell type")
    assert "old cell type" in indexed(cells, "CL:0000084")


def test_remove_synonym_takes_it_out_of_the_index(cells):
    t_cell = cells.get(ontology_id="CL:0000084")
    t_cell.add_synonym("Tc")
    t_cell.remove_synonym(["Tc", "T-cell"])
    assert t_cell.synonyms is None
    assert stored_synonyms(cells, "CL:0000084") is None
    assert indexed(cells, "CL:0000084") == []
    assert cells.standardize(["Tc", "T-cell"]) == ["Tc", "T-cell"]
    with pytest.raises(InvalidDataError, match=r"'Tx' is no synonym of CL:0000084 'T cell'"):
        t_cell.remove_synonym("Tx")
    b_cell = cells.get(ontology_id="CL:0000236")
    b_cell.add_synonym("Tc")  # free again
    assert cells.standardize(["Tc"]) == ["B cell"]


def test_set_abbr_sets_the_abbreviation_and_indexes_it(cells):
    t_cell = cells.get(ontology_id="CL:0000084")
    t_cell.set_abbr("TC")
    assert cells.get(ontology_id="CL:0000084").abbr == "TC"
    assert indexed(cells, "CL:0000084") == ["T-cell", "TC"]
    assert cells.standardize(["TC", "tc"]) == ["T cell", "T cell"]
    assert cells.filter(abbr="TC").one().name == "T cell"
    b_cell = cells.get(ontology_id="CL:0000236")
    with pytest.raises(IntegrityError, match=r"CL:0000084 'T cell'"):
        b_cell.set_abbr("tc")
    assert cells.get(ontology_id="CL:0000236").abbr is None


def test_assigning_synonyms_then_saving_goes_through_the_index(cells):
    t_cell = cells.get(ontology_id="CL:0000084")
    t_cell.synonyms = "T-cell|Tc|T lymphocyte"
    t_cell.save()
    assert indexed(cells, "CL:0000084") == ["T lymphocyte", "T-cell", "Tc"]
    assert cells.standardize(["T lymphocyte"]) == ["T cell"]
    t_cell.synonyms = "Tc"
    t_cell.save()
    assert indexed(cells, "CL:0000084") == ["Tc"]
    b_cell = cells.get(ontology_id="CL:0000236")
    b_cell.synonyms = "B-cell|tc"
    with pytest.raises(IntegrityError, match=r"'tc' is a synonym of CL:0000084 'T cell'"):
        b_cell.save()
    assert stored_synonyms(cells, "CL:0000236") == "B-cell"
    assert indexed(cells, "CL:0000236") == ["B-cell"]
    b_cell.description = "a lymphocyte"  # a save that changes no synonym still works
    b_cell.save()
    assert cells.get(ontology_id="CL:0000236").description == "a lymphocyte"


def test_a_newer_version_keeps_the_curators_synonyms(cells):
    cells.get(ontology_id="CL:0000084").add_synonym("Tc")
    newer = [
        Term(t.ontology_id, t.name, synonyms=(Synonym("T lymphocyte", "exact"),))
        if t.ontology_id == "CL:0000084"
        else t
        for t in TERMS
    ]
    spec = SourceSpec("CellType", "cl", "2025-06-01", None, "memory://cl/2", "memory")
    cells.import_source(InMemorySource(newer, spec))
    assert stored_synonyms(cells, "CL:0000084") == "T lymphocyte|Tc"
    assert indexed(cells, "CL:0000084") == ["T lymphocyte", "Tc"]
    assert cells.standardize(["Tc", "T-cell"]) == ["T cell", "T-cell"]


def test_no_write_path_skips_the_index(cells):
    """A changed record flushed by another write, or saved with ol.save, is indexed too."""
    t_cell = cells.get(ontology_id="CL:0000084")
    t_cell.synonyms = "T-cell|Tc"
    ol.ULabel(name="batch 1").save()  # the same session flushes the loaded, changed record
    assert stored_synonyms(cells, "CL:0000084") == "T-cell|Tc"
    assert indexed(cells, "CL:0000084") == ["T-cell", "Tc"]
    b_cell = cells.get(ontology_id="CL:0000236")
    b_cell.synonyms = "B-cell|Bc"
    taken = cells(name="other cell", ontology_id="MY:0000003", synonyms="TC")
    with pytest.raises(IntegrityError, match="'TC' is a synonym of CL:0000084 'T cell'"):
        ol.save([b_cell, taken])
    assert indexed(cells, "CL:0000236") == ["B-cell"]  # all or nothing
    assert cells.filter(ontology_id="MY:0000003").count() == 0


def test_new_records_index_their_synonyms_and_unsaved_ones_wait(cells):
    mine = cells(name="my cell", ontology_id="MY:0000001", synonyms="mine")
    mine.add_synonym("my-cell")
    assert mine.id is None  # not saved: nothing written yet
    mine.save()
    assert indexed(cells, "MY:0000001") == ["mine", "my-cell"]
    assert cells.standardize(["MY-CELL"]) == ["my cell"]
    mine.add_synonym("my own", save=False)
    assert indexed(cells, "MY:0000001") == ["mine", "my-cell"]
    mine.save()
    assert indexed(cells, "MY:0000001") == ["mine", "my own", "my-cell"]
    with pytest.raises(IntegrityError, match="MY:0000001"):
        cells(name="other cell", ontology_id="MY:0000002", synonyms="Mine").save()
    assert cells.filter(ontology_id="MY:0000002").count() == 0


@pytest.mark.parametrize("bad", ["", "  ", "a|b"])
def test_malformed_synonyms_are_refused(cells, bad):
    t_cell = cells.get(ontology_id="CL:0000084")
    with pytest.raises(InvalidDataError) as caught:
        t_cell.add_synonym(bad)
    assert len(str(caught.value).splitlines()) == 1
    assert indexed(cells, "CL:0000084") == ["T-cell"]


def test_a_new_process_standardizes_with_the_curators_synonym(cells, tmp_path):
    cells.get(ontology_id="CL:0000084").add_synonym("Tc")
    cells.get(ontology_id="CL:0000236").set_abbr("Bc")
    instance = current_instance()
    script = (
        "import json, sys, ontolake as ol\n"
        "ol.connect(sys.argv[1], db=sys.argv[2] or None)\n"
        "cells = ol.bio.CellType\n"
        "print(json.dumps([cells.standardize(['Tc', 'bc']),"
        " [s.kind for s in cells.inspect(['Tc']).suggestions['Tc']]]))\n"
    )
    db = "" if instance.db_url.startswith("sqlite") else instance.db_url
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", script, instance.root.root, db],
        env=user_environment(home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [["T cell", "B cell"], ["synonym"]]


CELLS_OBO = """format-version: 1.2
ontology: cl
data-version: 2025-01-01

[Term]
id: CL:0000084
name: T cell
synonym: "T-cell" EXACT []

[Term]
id: CL:0000236
name: B cell
"""


def test_cli_synonym_add_remove_and_abbr(curate_cli):
    (curate_cli.cwd / "cells.obo").write_text(CELLS_OBO)
    (curate_cli.cwd / "cells.csv").write_text("cell_type\nTc\nB-lymph\n")
    (curate_cli.cwd / "cells.yaml").write_text(
        "ontolake_schema: 1\nname: cells\nfeatures:\n"
        "  - {name: cell_type, dtype: 'cat[bio.CellType]'}\n"
    )
    assert curate_cli("init", "--storage", "./lake").returncode == 0
    imported = curate_cli("ontology", "import", "CellType", "--source", "cells.obo")
    assert imported.returncode == 0, imported.stderr
    added = curate_cli("synonym", "add", "CellType", "T cell", "Tc", "T lymphocyte")
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines() == ["CellType CL:0000084 'T cell': T-cell|Tc|T lymphocyte"]
    by_id = curate_cli("synonym", "add", "CellType", "CL:0000236", "B-lymph")
    assert by_id.returncode == 0, by_id.stderr
    taken = curate_cli("synonym", "add", "CellType", "B cell", "t-cell")
    assert taken.returncode == 2
    error = [line for line in taken.stderr.splitlines() if not line.startswith("ontolake: using")]
    assert len(error) == 1
    assert "'t-cell' is a synonym of CL:0000084 'T cell'" in error[0]
    assert "--force" in error[0]
    missing = curate_cli("synonym", "add", "CellType", "NK cell", "NK")
    assert missing.returncode == 2
    assert "NK cell" in missing.stderr and "curate ontology search" in missing.stderr
    abbr = curate_cli("synonym", "abbr", "CellType", "B cell", "BC")
    assert abbr.returncode == 0, abbr.stderr
    listed = curate_cli("synonym", "ls", "CellType", "B cell")
    assert listed.stdout.splitlines() == ["CellType CL:0000236 'B cell' (abbr BC): B-lymph|BC"]
    done = curate_cli("standardize", "cells.csv", "--schema", "cells.yaml", "-o", "out.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (curate_cli.cwd / "out.csv").read_text().splitlines() == [
        "cell_type",
        "T cell",
        "B cell",
    ]
    removed = curate_cli("synonym", "remove", "CellType", "T cell", "Tc")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.splitlines() == ["CellType CL:0000084 'T cell': T-cell|T lymphocyte"]
