"""``@ol.tracked()`` functions: runs per call, params, nesting, inputs and outputs."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pandas as pd
import pytest

import ontolake as ol
from ontolake.lineage.context import current_run


class Model:
    def __repr__(self) -> str:
        return "Model(depth=3)"


@ol.tracked()
def normalise(key: str, scale: float = 1.0, model: Model | None = None, **extra) -> ol.Artifact:
    """Scale a table: one step of a pipeline."""
    table = ol.Artifact.get(key=key).load()
    return ol.Artifact.from_dataframe(table * scale, key=f"clean/{Path(key).name}").save()


@ol.tracked("pipeline")
def pipeline(keys: list[str]) -> list[ol.Artifact]:
    return [normalise(key, scale=2.0, model=Model(), note="x") for key in keys]


@ol.tracked
def fails(value: int) -> None:
    raise ValueError(f"bad value {value}")


def save_table(key: str, values: list[int]) -> ol.Artifact:
    return ol.Artifact.from_dataframe(pd.DataFrame({"a": values}), key=key).save()


def test_each_call_is_a_run_with_its_arguments_nested_under_the_caller(instance):
    first, second = save_table("raw/a.parquet", [1, 2]), save_table("raw/b.parquet", [3])
    outputs = pipeline(["raw/a.parquet", "raw/b.parquet"])
    outer = ol.Run.filter(transform__key="pipeline").one()
    assert outer.params == {"keys": ["raw/a.parquet", "raw/b.parquet"]}
    assert outer.status == "completed" and outer.initiated_by_run is None
    steps = ol.Run.filter(transform__key=f"{__name__}.normalise").order_by("started_at").to_list()
    assert [step.initiated_by_run for step in steps] == [outer, outer]
    assert steps[0].params == {
        "key": "raw/a.parquet",
        "scale": 2.0,
        "model": "Model(depth=3)",  # not JSON: stored by repr
        "extra": {"note": "x"},
    }
    assert [step.inputs for step in steps] == [[first], [second]]
    assert [step.outputs for step in steps] == [[outputs[0]], [outputs[1]]]
    assert outer.outputs == [] and outer.inputs == []
    transform = steps[0].transform
    assert transform == steps[1].transform  # one transform, found once
    assert transform.kind == "function" and transform.description.startswith("Scale a table")
    assert transform.source_code.startswith("@ol.tracked()\ndef normalise(")
    assert outputs[0].transform == transform
    assert ol.Run.filter(params__scale=2.0, params__key__endswith="b.parquet").one() == steps[1]
    assert current_run() is None  # nothing left current after the calls


def test_a_failing_call_is_errored_and_the_error_propagates(instance):
    with pytest.raises(ValueError, match="bad value 3"):
        fails(3)
    run = ol.Run.filter(transform__key=f"{__name__}.fails").one()
    assert run.status == "errored" and run.finished_at is not None and run.params == {"value": 3}


def test_inputs_are_recorded_once_for_cache_load_and_open_but_never_own_outputs(instance):
    raw = save_table("raw/a.parquet", [1, 2])
    other = save_table("raw/b.parquet", [5])

    @ol.tracked("reader")
    def reader() -> None:
        raw.cache()
        raw.load()
        ol.Artifact.get(key="raw/a.parquet").open()
        made = save_table("made/c.parquet", [7])
        made.load()  # reading what the run itself made is not an input

    reader()
    run = ol.Run.filter(transform__key="reader").one()
    assert run.inputs == [raw]
    assert [a.key for a in run.outputs] == ["made/c.parquet"]
    ol.settings.track_run_inputs = False
    try:

        @ol.tracked("untracked-reader")
        def untracked_reader() -> None:
            other.load()

        untracked_reader()
    finally:
        ol.settings.track_run_inputs = True
    assert ol.Run.filter(transform__key="untracked-reader").one().inputs == []
    other.load()  # outside any run: nothing is recorded
    assert other.input_of_runs == []


def test_an_explicit_run_on_an_artifact_is_kept(instance):
    @ol.tracked("first")
    def first() -> ol.Run:
        return current_run()

    earlier = first()

    @ol.tracked("second")
    def second() -> ol.Artifact:
        frame = pd.DataFrame({"z": [1]})
        return ol.Artifact(frame, key="x.parquet", run=earlier).save()

    assert second().run == earlier


def test_async_functions_and_threads_each_keep_their_own_current_run(instance):
    @ol.tracked("async-step")
    async def step(n: int) -> int | None:
        await asyncio.sleep(0)
        return current_run().params["n"]

    assert asyncio.run(step(4)) == 4
    seen: list[object] = []

    @ol.tracked("outer")
    def outer() -> None:
        worker = threading.Thread(target=lambda: seen.append(current_run()))
        worker.start()
        worker.join()

    outer()
    assert seen == [None]  # another thread does not inherit a function's run
    assert ol.Run.filter(transform__key="async-step").one().status == "completed"
