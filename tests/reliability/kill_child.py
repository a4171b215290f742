"""Test helper run as a child process: one write operation, killed at a named write step.

Usage: ``python kill_child.py '{"operation": ..., "storage": ..., "db": ..., "files": ...}'``
with ``ONTOLAKE_FAULT_AT=<step>`` in the environment: ontolake's own hook
(:mod:`ontolake._faults`) kills the process with SIGKILL when the operation reaches that step.
With ``"trace": true`` instead, nothing is killed and the child prints ``REACHED <step>`` for
each step in order, so the test knows which steps each operation passes. ``DONE`` means the
operation finished.

The operations (``OPERATIONS``) act on the instance ``test_kill_points.seed`` made: ``save``
stores a new key with a label in one ``ol.save``, ``save-dataframe`` a DataFrame (serialised
to staging first, also for S3), ``new-version`` a third version of
``k/data.txt``, ``delete`` deletes that key's latest version for good, ``trash`` and
``restore`` move ``k/member.txt`` and ``k/trashed.txt``, ``collection`` saves version 2 of
``c/set``, ``import`` imports an ontology file, ``migrate`` is ``curate migrate``,
``ontology-migrate`` re-annotates ``k/member.txt`` from hp 2024 to hp 2025 and ``init``
creates the instance.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ontolake as ol


def save(spec: dict[str, Any]) -> None:
    files = Path(spec["files"])
    ol.save([ol.Artifact(files / "new.txt", key="k/new.txt"), ol.ULabel(name="saved")])


def save_dataframe(_spec: dict[str, Any]) -> None:
    import pandas as pd

    table = pd.DataFrame({"cell": ["c1", "c2"], "n_genes": [120, 85]})
    ol.Artifact.from_dataframe(table, key="k/table.parquet").save()


def new_version(spec: dict[str, Any]) -> None:
    ol.Artifact(Path(spec["files"]) / "data-3.txt", key="k/data.txt").save()


def delete(_spec: dict[str, Any]) -> None:
    ol.Artifact.filter(key="k/data.txt", is_latest=True).one().delete(permanent=True)


def trash(_spec: dict[str, Any]) -> None:
    ol.Artifact.get(key="k/member.txt").delete()


def restore(_spec: dict[str, Any]) -> None:
    ol.Artifact.filter(key="k/trashed.txt", is_trashed=True).one().restore()


def collection(_spec: dict[str, Any]) -> None:
    members = [ol.Artifact.get(key="k/member.txt"), ol.Artifact.get(key="k/data.txt")]
    ol.Collection(key="c/set", artifacts=members).save()


def import_ontology(spec: dict[str, Any]) -> None:
    ol.bio.Phenotype.import_source(spec["ontology"])


def migrate(spec: dict[str, Any]) -> None:
    from ontolake.cli import main

    main(["migrate", "--storage", spec["storage"]], standalone_mode=False)


def ontology_migrate(_spec: dict[str, Any]) -> None:
    ol.bio.migrate_labels("hp", "2024-08-13", "2025-01-16")


def init(spec: dict[str, Any]) -> None:
    ol.init(storage=spec["storage"], db=spec["db"])


OPERATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "save": save,
    "save-dataframe": save_dataframe,
    "new-version": new_version,
    "delete": delete,
    "trash": trash,
    "restore": restore,
    "collection": collection,
    "import": import_ontology,
    "migrate": migrate,
    "ontology-migrate": ontology_migrate,
    "init": init,
}


def main() -> None:
    spec = json.loads(sys.argv[1])
    if spec.get("trace"):
        import ontolake._faults as faults

        faults._FAULT_AT = "(trace)"
        faults._arrive = lambda step: print(f"REACHED {step}", flush=True)
    if spec["operation"] not in ("init", "migrate"):
        ol.connect(spec["storage"], db=spec["db"])
    OPERATIONS[spec["operation"]](spec)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
