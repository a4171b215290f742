"""The starting state of every docstring example in ``ontolake/`` (run by ``pytest``).

pytest collects the examples with ``--doctest-modules`` (``testpaths`` in pyproject.toml;
``make test`` runs them with the suite). This file sits at the repository root, outside the
package: a conftest.py applies to its folder and those below, so it reaches ``ontolake/``
without being shipped in the wheel (the fixtures of ``tests/conftest.py`` do not reach it).

Each docstring starts from the same state, whatever ran before it and in whichever order:
the state is built once per process (per xdist worker), saved, and copied back before a
docstring whenever a file of it changed. It is:

- a working folder (the current directory) holding ``sample.fasta``; ``cells.csv`` and
  ``cells.parquet`` (the table ``df``); ``hp.obo``, ``hp.owl`` and ``hp.json`` (120 terms of
  the Human Phenotype Ontology in three formats); ``cl.json.zst`` (194 terms of the Cell
  Ontology as CELLxGENE exports it); the folder ``reads`` (``a.fasta``, ``b.fasta``);
  ``train.py``; ``analysis.ipynb`` (a notebook calling ``ol.track()``); and, written when
  the docstring names them, ``pbmc.h5ad``, ``multiome.h5mu`` (modality ``rna``) and
  ``visium.zarr`` (table ``table``), each with the first three cells of ``df`` and, for the
  AnnData, three genes of the gene table below;
- ``./data``: an instance (SQLite) that is connected and remembered in a private config
  folder (``ONTOLAKE_CONFIG_DIR``), with a private cache folder (``ONTOLAKE_CACHE_DIR``). It
  holds the built-in Cell Ontology; 300 human genes (``tests/data/ontologies``); the
  features ``gc_content`` (float), ``experiment_date`` (date), ``cell_type`` (``bt.CellType``)
  and ``n_genes`` (int); the schemas ``obs of scRNA`` (``cell_type``, ``n_genes``),
  ``scRNA`` (AnnData: that ``obs``, ``var.T`` of Gene ids), ``multiome`` (MuData:
  ``rna:obs``) and ``visium`` (SpatialData: ``table:obs``); the label ``batch 7``; the
  Record type ``Sample`` with ``P53mutant1`` and ``P53mutant2``; the artifacts
  ``raw/sample.fasta`` (labelled ``batch 7``) and ``tables/x.parquet``; the artifact
  ``results/x.parquet`` that a run of ``train.py`` (``params={"lr": 0.01}``) made from
  ``tables/x.parquet``; and a run of ``crash.py`` left ``started`` by a process that died;
- the default settings (``ol.settings``, progress reports on), and neither
  ``ONTOLAKE_INSTANCE`` nor ``ONTOLAKE_QUIET`` set: what an example sets or exports ends
  with it.

Names the examples can use: ``ol`` (ontolake), ``bt`` (``ol.bio``), ``pd`` (pandas), ``df``
(cells ``c1`` to ``c4`` with ``cell_type`` ``T cell``, ``T-cell``, ``B cell``, ``unknown cell``
and ``n_genes``), and, bound when an example uses them, ``artifact`` (``raw/sample.fasta``),
``schema`` (``obs of scRNA``) and ``t_cell`` (CL:0000084).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

collect_ignore = ["ontolake/instance/migrations"]  # Alembic scripts, not importable alone

ONTOLOGIES = Path(__file__).parent / "tests" / "data" / "ontologies"
SUBSETS = {  # the committed ontology subsets, under the names the examples use
    "hp_subset.obo": "hp.obo",
    "hp_subset.owl": "hp.owl",
    "hp_subset.json": "hp.json",
    "cl_subset.json.zst": "cl.json.zst",
}
GENES = ["ENSG00000290825", "ENSG00000223972", "ENSG00000227232"]  # in the gene subset


def _cells() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "cell_type": ["T cell", "T-cell", "B cell", "unknown cell"],
            "n_genes": [1200, 800, 950, 400],
        },
        index=["c1", "c2", "c3", "c4"],
    )


def _write_pbmc(path: Path) -> None:
    import anndata as ad
    import numpy as np
    import pandas as pd

    var = pd.DataFrame(index=pd.Index(GENES, name="gene_id"))
    ad.AnnData(np.ones((3, 3), dtype=np.float32), obs=_cells().iloc[:3], var=var).write_h5ad(path)


def _write_multiome(path: Path) -> None:
    import anndata as ad
    import mudata as md
    import numpy as np

    rna = ad.AnnData(np.ones((3, 2), dtype=np.float32), obs=_cells().iloc[:3])
    md.MuData({"rna": rna}).write(path)


def _write_visium(path: Path) -> None:
    import anndata as ad
    import pandas as pd
    import spatialdata as sd
    from spatialdata.models import PointsModel, TableModel

    cells = _cells().iloc[:3]
    points = PointsModel.parse(pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [1.0, 1.0, 1.0]}))
    obs = cells.assign(region=pd.Categorical(["spots"] * 3), instance_id=[0, 1, 2])
    table = TableModel.parse(
        ad.AnnData(obs=obs), region="spots", region_key="region", instance_key="instance_id"
    )
    sd.SpatialData(points={"spots": points}, tables={"table": table}).write(path)


# files written on demand (reading and writing them imports anndata, mudata or spatialdata)
ON_DEMAND: dict[str, Callable[[Path], None]] = {
    "pbmc.h5ad": _write_pbmc,
    "multiome.h5mu": _write_multiome,
    "visium.zarr": _write_visium,
}


TRAIN_SCRIPT = """\
import ontolake as ol

ol.track(params={"lr": 0.01})
table = ol.Artifact.get(key="tables/x.parquet").load()
ol.Artifact.from_dataframe(table[table.a > 0.5], key="results/x.parquet").save()
ol.finish()
"""

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Analysis"},
        *(
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for source in ("import ontolake as ol\nol.track()", 'print("hello")')
        ),
    ],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _write_files(work: Path) -> None:
    """The files of the working folder."""
    work.mkdir(parents=True)
    (work / "sample.fasta").write_text(">read1\nACGTACGTGC\n>read2\nGGCCATTA\n")
    cells = _cells()
    cells.to_csv(work / "cells.csv")
    cells.to_parquet(work / "cells.parquet")
    for subset, name in SUBSETS.items():
        shutil.copy(ONTOLOGIES / subset, work / name)
    (work / "reads").mkdir()
    (work / "reads" / "a.fasta").write_text(">read1\nACGTACGTGC\n")
    (work / "reads" / "b.fasta").write_text(">read2\nGGCCATTA\n")
    (work / "train.py").write_text(TRAIN_SCRIPT)
    (work / "analysis.ipynb").write_text(json.dumps(NOTEBOOK, indent=1))


def _fill_instance() -> None:
    """Create the instance ``./data`` with the records the examples use."""
    import pandas as pd

    import ontolake as ol

    ol.init(storage="./data")
    ol.bio.CellType.import_source()
    ol.bio.Gene.import_source(ONTOLOGIES / "genes_homo_sapiens_subset.csv.gz")
    ol.Feature(name="gc_content", dtype=float, unit="fraction").save()
    ol.Feature(name="experiment_date", dtype="date").save()
    cell_type = ol.Feature(name="cell_type", dtype=ol.bio.CellType).save()
    n_genes = ol.Feature(name="n_genes", dtype=int).save()
    obs = ol.Schema(features=[cell_type, n_genes], name="obs of scRNA").save()
    var = ol.Schema(itype=ol.bio.Gene.ontology_id)
    ol.Schema(otype="AnnData", name="scRNA", slots={"obs": obs, "var.T": var}).save()
    ol.Schema(otype="MuData", name="multiome", slots={"rna:obs": obs}).save()
    ol.Schema(otype="SpatialData", name="visium", slots={"table:obs": obs}).save()
    batch = ol.ULabel(name="batch 7").save()
    sample = ol.Record(name="Sample", is_type=True).save()
    ol.save([ol.Record(name=f"P53mutant{i}", type=sample) for i in (1, 2)])
    artifact = ol.Artifact("sample.fasta", key="raw/sample.fasta", description="reads").save()
    artifact.ulabels.append(batch)
    artifact.save()
    table = pd.DataFrame({"a": [0.2, 0.7, 0.9], "b": ["x", "y", "z"]})
    ol.Artifact.from_dataframe(table, key="tables/x.parquet").save()
    # what train.py does, run here (a script would call ol.track() without path=)
    ol.track(path="train.py", params={"lr": 0.01}, capture_output=False)
    table = ol.Artifact.get(key="tables/x.parquet").load()
    ol.Artifact.from_dataframe(table[table.a > 0.5], key="results/x.parquet").save()
    ol.finish()
    _add_stale_run()
    ol.disconnect()


def _add_stale_run() -> None:
    """A run of ``crash.py`` still ``started`` although its process is gone (killed)."""
    from ontolake.instance.setup import current_instance
    from ontolake.lineage.runs import TransformSpec, start_run

    code = "import json; from ontolake.lineage.processes import process_identity as p; "
    child = subprocess.run(
        [sys.executable, "-c", code + "print(json.dumps(p()))"],
        capture_output=True,
        text=True,
        check=True,
    )
    spec = TransformSpec(key="crash.py", kind="script", source_code="import os\nos.abort()\n")
    environment = {"process": json.loads(child.stdout)}
    start_run(current_instance(), spec, params=None, environment=environment)


@pytest.fixture(scope="session")
def _doctest_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Template]:
    """The state every docstring starts from, built once in this process."""
    base = tmp_path_factory.mktemp("doctest")
    state = base / "state"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ONTOLAKE_CONFIG_DIR", str(state / "config"))
        patch.setenv("ONTOLAKE_CACHE_DIR", str(state / "cache"))
        patch.delenv("ONTOLAKE_INSTANCE", raising=False)
        _write_files(state / "work")
        patch.chdir(state / "work")
        _fill_instance()
    database = state / "work" / "data" / ".ontolake" / "ontolake.db"
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # copy a database, not a log
    shutil.copytree(state, base / "template", symlinks=True)
    yield _Template(base / "template", state, _fingerprint(state))


class _Template:
    """The saved state, and the live copy the examples use (at the same absolute path)."""

    def __init__(self, saved: Path, live: Path, fingerprint: list[tuple[str, int, int]]) -> None:
        self.saved = saved
        self.live = live
        self.fingerprint = fingerprint

    def restore(self) -> None:
        """Make the live copy equal to the saved state (nothing to do if no file changed)."""
        if _fingerprint(self.live) != self.fingerprint:
            shutil.rmtree(self.live)
            shutil.copytree(self.saved, self.live, symlinks=True)


def _fingerprint(folder: Path) -> list[tuple[str, int, int]]:
    """Every file (size, modification time) and folder below ``folder``."""
    found = []
    for path in folder.rglob("*"):
        if path.name.endswith("-shm"):  # SQLite's shared-memory index, rebuilt on open
            continue
        stat = path.lstat()
        is_folder = path.is_dir() and not path.is_symlink()
        found.append(
            (
                path.relative_to(folder).as_posix(),
                *((0, 0) if is_folder else (stat.st_size, stat.st_mtime_ns)),
            )
        )
    return sorted(found)


# names bound only when an example of the docstring uses them (each is a database query)
RECORDS: dict[str, Callable[[Any], Any]] = {
    "artifact": lambda ol: ol.Artifact.get(key="raw/sample.fasta"),
    "schema": lambda ol: ol.Schema.get(name="obs of scRNA"),
    "t_cell": lambda ol: ol.bio.CellType.get(ontology_id="CL:0000084"),
}


@pytest.fixture(autouse=True)
def _doctest_state(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Before each docstring of the package: the saved state and the names above."""
    if not isinstance(request.node, pytest.DoctestItem):
        yield
        return
    import pandas as pd

    import ontolake as ol
    from ontolake.instance.setup import disconnect
    from ontolake.lineage import context

    template: _Template = request.getfixturevalue("_doctest_template")
    namespace: dict[str, Any] = request.getfixturevalue("doctest_namespace")
    template.restore()
    work = template.live / "work"
    monkeypatch.setenv("ONTOLAKE_CONFIG_DIR", str(template.live / "config"))
    monkeypatch.setenv("ONTOLAKE_CACHE_DIR", str(template.live / "cache"))
    monkeypatch.delenv("ONTOLAKE_INSTANCE", raising=False)
    monkeypatch.delenv("ONTOLAKE_QUIET", raising=False)
    monkeypatch.chdir(work)
    _default_settings()
    test = request.node.dtest
    for name, write in ON_DEMAND.items():
        if name in (test.docstring or ""):
            _on_demand(template.saved.parent / "files", name, write, work)
    ol.connect("./data", remember=False)  # the saved settings remember it already
    source = "\n".join(example.source for example in test.examples)
    namespace.clear()
    namespace.update(ol=ol, bt=ol.bio, pd=pd, df=_cells())
    for name, find in RECORDS.items():
        if re.search(rf"\b{name}\b", source):
            namespace[name] = find(ol)
    environment = dict(os.environ)
    yield
    namespace.clear()
    if context.tracked_run() is not None:  # an example that failed before ol.finish()
        ol.finish("aborted")
    disconnect()
    _default_settings()  # what an example set (settings.quiet = True) ends with it
    os.environ.clear()  # what an example set (ONTOLAKE_RUN_UID, ...) ends with it
    os.environ.update(environment)
    if "fsspec" in sys.modules:  # files examples wrote to memory:// end with them too
        from fsspec.implementations.memory import MemoryFileSystem

        MemoryFileSystem.store.clear()
        MemoryFileSystem.pseudo_dirs[:] = [""]


def _default_settings() -> None:
    """``ol.settings`` as a new process has them, progress reports on."""
    from ontolake._progress import set_enabled
    from ontolake.instance.settings import Settings, settings

    vars(settings).update(vars(Settings()))
    set_enabled(True)


def _on_demand(cache: Path, name: str, write: Callable[[Path], None], work: Path) -> None:
    """Copy the file ``name`` into ``work``, writing it into ``cache`` the first time."""
    made = cache / name
    if not made.exists():
        cache.mkdir(exist_ok=True)
        write(made)
    copy = shutil.copytree if made.is_dir() else shutil.copy
    copy(made, work / name)
