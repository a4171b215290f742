"""The record a kernel keeps of its cells, laid over the notebook file for the report.

The kernels themselves are exercised in test_notebook.py and test_notebook_runners.py; here
the record is fed the calls the kernel's events and messages make, to pin down which run
each cell of the report shows and what status that gives.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import nbformat
from hypothesis import given
from hypothesis import strategies as st

from ontolake.lineage.notebook_record import NotebookRecord


def write(folder: Path, cells: list[tuple[str, str, str | None]]) -> Path:
    """A notebook of (cell type, source, cell id or None for a generated one) cells."""
    notebook = nbformat.v4.new_notebook()
    for kind, source, cell_id in cells:
        cell = (
            nbformat.v4.new_code_cell(source)
            if kind == "code"
            else nbformat.v4.new_markdown_cell(source)
        )
        if cell_id is not None:
            cell.id = cell_id
        notebook.cells.append(cell)
    path = folder / "analysis.ipynb"
    nbformat.write(notebook, str(path))
    return path


def run_cell(record, source, text=None, *, cell_id=None, error=None, count=None):
    """One cell as the kernel runs it: begins, prints ``text``, ends (raising ``error``)."""
    request = f"request-{count}-{source}-{cell_id}"
    record.begin_cell(source, cell_id=cell_id, request_id=request, execution_count=count)
    if text is not None:
        record.receive("stream", {"name": "stdout", "text": text}, request)
    if error is not None:
        traceback = [f"{type(error).__name__}: {error}"]
        content = {"ename": type(error).__name__, "evalue": str(error), "traceback": traceback}
        record.receive("error", content, request)
    record.end_cell(count, error)


def outputs(recorded):
    """The text each cell of the report shows ("" for none), markdown cells left out.

    The recorded notebook must be a valid nbformat document, without warnings.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nbformat.validate(nbformat.from_dict(recorded.document))
    return [
        "".join(output.get("text", output.get("evalue", "")) for output in cell["outputs"])
        for cell in recorded.document["cells"]
        if cell["cell_type"] == "code"
    ]


@given(
    sources=st.lists(st.sampled_from(["df", "df.head()", "x = 1", "print(x)"]), min_size=1),
    data=st.data(),
)
def test_a_notebook_run_top_to_bottom_shows_each_cell_its_own_outputs(sources, data):
    """Without cell ids (nbclient sends none), repeated sources still land in their own cells."""
    ran = data.draw(st.integers(min_value=0, max_value=len(sources)), label="cells run")
    with tempfile.TemporaryDirectory() as folder:
        cells = [("markdown", "# Notes", None)] + [("code", source, None) for source in sources]
        path = write(Path(folder), cells)
        record = NotebookRecord()
        for number, source in enumerate(sources[:ran], start=1):
            run_cell(record, source, f"out {number}\n", count=number)
        recorded = record.notebook(path)
    assert outputs(recorded) == [f"out {n}\n" for n in range(1, ran + 1)] + [""] * (
        len(sources) - ran
    )
    counts = [cell["execution_count"] for cell in recorded.document["cells"][1:]]
    assert counts == list(range(1, ran + 1)) + [None] * (len(sources) - ran)
    assert recorded.document["cells"][0]["source"] == "# Notes"
    assert recorded.status == "completed"


def test_a_run_stopped_by_an_error_is_errored_and_shows_no_later_outputs(tmp_path):
    path = write(tmp_path, [("code", "a", None), ("code", "b", None), ("code", "c", None)])
    record = NotebookRecord()
    run_cell(record, "a", "first\n", count=1)
    run_cell(record, "b", error=ValueError("boom"), count=2)
    recorded = record.notebook(path)
    assert outputs(recorded) == ["first\n", "boom", ""]
    assert recorded.status == "errored"


def test_an_interrupted_cell_makes_the_run_aborted(tmp_path):
    path = write(tmp_path, [("code", "a", None)])
    record = NotebookRecord()
    run_cell(record, "a", error=KeyboardInterrupt(), count=1)
    assert record.notebook(path).status == "aborted"


def test_cells_with_ids_show_their_latest_run_and_unsaved_cells_come_last(tmp_path):
    path = write(
        tmp_path,
        [("code", "load()", "load"), ("markdown", "## Fit", None), ("code", "fit()", "fit")],
    )
    record = NotebookRecord()
    run_cell(record, "scratch()", "scratch\n", cell_id="new", count=1)
    run_cell(record, "fit()", error=NameError("fit"), cell_id="fit", count=2)
    run_cell(record, "load()", "loaded\n", cell_id="load", count=3)
    run_cell(record, "fit(data)", "fitted\n", cell_id="fit", count=4)  # edited, not saved
    recorded = record.notebook(path)
    cells = recorded.document["cells"]
    assert [cell["source"] for cell in cells] == ["load()", "## Fit", "fit(data)", "scratch()"]
    assert [cell.get("id") for cell in cells] == ["load", cells[1]["id"], "fit", "new"]
    assert outputs(recorded) == ["loaded\n", "fitted\n", "scratch\n"]
    assert [cells[i]["execution_count"] for i in (0, 2, 3)] == [3, 4, 1]
    assert recorded.status == "completed"  # the cell that raised ran again without error


def test_a_cell_left_raising_makes_an_interactive_run_errored(tmp_path):
    path = write(tmp_path, [("code", "a", "a"), ("code", "b", "b")])
    record = NotebookRecord()
    run_cell(record, "b", error=ValueError("still broken"), cell_id="b", count=1)
    run_cell(record, "a", "fine\n", cell_id="a", count=2)
    assert record.notebook(path).status == "errored"


def test_outputs_follow_the_kernels_clear_and_update_messages():
    record = NotebookRecord()
    record.begin_cell("progress", request_id="one")
    record.receive("stream", {"name": "stdout", "text": "a"}, "one")
    record.receive("stream", {"name": "stdout", "text": "b\n"}, "one")  # streams join
    record.receive("stream", {"name": "stderr", "text": "warning\n"}, "one")
    display = {"data": {"text/plain": "'draft'"}, "metadata": {}, "transient": {"display_id": "d"}}
    record.receive("display_data", display, "one")
    record.end_cell(1, None)
    record.begin_cell("update", request_id="two")
    update = {"data": {"text/plain": "'final'"}, "metadata": {}, "transient": {"display_id": "d"}}
    record.receive("update_display_data", update, "two")  # updates the first cell's display
    record.receive("stream", {"name": "stdout", "text": "gone\n"}, "two")
    record.receive("clear_output", {"wait": True}, "two")
    record.receive("stream", {"name": "stdout", "text": "kept\n"}, "two")  # clears first
    record.receive("stream", {"name": "stdout", "text": "not ours\n"}, "unknown request")
    record.end_cell(2, None)
    first, second = record.notebook(None).document["cells"]
    assert first["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "ab\n"},
        {"output_type": "stream", "name": "stderr", "text": "warning\n"},
        {"output_type": "display_data", "data": {"text/plain": "'final'"}, "metadata": {}},
    ]
    assert second["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "kept\n"}]


def test_an_unreadable_notebook_gives_the_cells_in_the_order_they_ran(tmp_path, caplog):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    record = NotebookRecord()
    run_cell(record, "b", "second\n", count=1)
    run_cell(record, "a", "first\n", count=2)
    run_cell(record, "b", "second again\n", count=3)
    recorded = record.notebook(broken)
    assert [cell["source"] for cell in recorded.document["cells"]] == ["a", "b"]
    assert outputs(recorded) == ["first\n", "second again\n"]
    assert "broken.ipynb cannot be read" in caplog.text
