"""Test helper: the body of each of the processes that write to one instance at the same time.

Imported by ``multiprocessing`` (spawn) in fresh interpreters, so it holds only picklable
module-level functions. Each worker connects to the instance, then runs the same scenarios as
every other worker; a barrier starts each scenario in all workers at once. The outcome of each
scenario is a value or the error that reached the caller (type and message), sent back on a
queue — the parent process checks them and the database.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent.parent / "data" / "ontologies"
VERSIONED_KEY = "shared/table.csv"
SAME_CONTENT_KEY = "shared/same.txt"
SAVES_PER_WORKER = 3
TERM = "CL:0000084"  # T cell, with its ancestors
PROJECT = "Drug screen"
LABEL = "batch 7"
FEATURE = "gc_content"
RUN_PROJECT = "Shared analysis"


def versions(index: int, folder: Path) -> list[tuple[str, int]]:
    """Save new versions of the same key, each with content of its own."""
    import ontolake as ol

    saved = []
    for attempt in range(SAVES_PER_WORKER):
        path = folder / f"worker-{index}-save-{attempt}.csv"
        path.write_text(f"worker,save\n{index},{attempt}\n" * 200)
        artifact = ol.Artifact(path, key=VERSIONED_KEY).save()
        saved.append((artifact.uid, artifact.version))
    return saved


def same_content(index: int, folder: Path) -> str:
    """Save identical content under the same key: one artifact for all."""
    import ontolake as ol

    path = folder / f"same-{index}.txt"
    path.write_text("identical in every process\n" * 500)
    return str(ol.Artifact(path, key=SAME_CONTENT_KEY).save().uid)


def from_source(_index: int, _folder: Path) -> int:
    """Create the same ontology term (with its ancestors) from the same source file."""
    import ontolake as ol

    return int(ol.bio.CellType.from_source(ontology_id=TERM, source=DATA / "cl_subset.json.zst").id)


def import_source(_index: int, _folder: Path) -> int:
    """Import the same ontology file into the same registry."""
    import ontolake as ol

    return int(ol.bio.Phenotype.import_source(DATA / "hp_subset.obo").id)


def project(_index: int, _folder: Path) -> int:
    """Create a project with a name that must be unique."""
    import ontolake as ol

    return int(ol.Project(name=PROJECT).save().id)


def label(_index: int, _folder: Path) -> int:
    """Create a label with a name that may repeat."""
    import ontolake as ol

    return int(ol.ULabel(name=LABEL).save().id)


def feature_and_schema(_index: int, _folder: Path) -> tuple[int, int]:
    """Define the same feature and the same schema (get-or-create by name and content)."""
    import ontolake as ol

    feature = ol.Feature(name=FEATURE, dtype="float").save()
    schema = ol.Schema(features=[feature, ol.Feature(name="n_cells", dtype="int")]).save()
    return int(feature.id), int(schema.id)


def tracked_run(_index: int, _folder: Path) -> int:
    """Track a run in a project no run has named before: the project is created once."""
    import ontolake as ol

    run = ol.track("concurrent-analysis", project=RUN_PROJECT, capture_output=False)
    ol.finish()
    return int(run.projects[0].id)


SCENARIOS = {
    "versions": versions,
    "same-content": same_content,
    "from-source": from_source,
    "import-source": import_source,
    "project": project,
    "label": label,
    "feature-and-schema": feature_and_schema,
    "tracked-run": tracked_run,
}


def work(index: int, storage: str, db: str | None, folder: str, barrier: Any, results: Any) -> None:
    """Connect, then run every scenario in step with the other workers."""
    import ontolake as ol

    outcomes: dict[str, Any] = {}
    try:
        barrier.wait(timeout=120)
        try:  # connecting at once is a scenario too (settings are written by every process)
            ol.connect(storage, db=db)
            _ = ol.Artifact, ol.bio.CellType  # import the registries before the race starts
            outcomes["connect"] = ("ok", None)
        except Exception as error:
            outcomes["connect"] = ("error", type(error).__qualname__, str(error), "")
            raise
        for name, scenario in SCENARIOS.items():
            barrier.wait(timeout=120)
            try:
                outcomes[name] = ("ok", scenario(index, Path(folder)))
            except Exception as error:
                outcomes[name] = (
                    "error",
                    f"{type(error).__module__}.{type(error).__qualname__}",
                    str(error),
                    traceback.format_exc(),
                )
    except BaseException:
        barrier.abort()  # the others stop waiting for this worker
        raise
    finally:
        results.put((index, outcomes))
