"""Curated saves on SQLite and PostgreSQL: the artifact, its schema link, labels and values
commit in one transaction, the labels are linked too (``af.cell_types``, ``af.records``), and a
failure while annotating leaves no row, value, link or file."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, text

import ontolake as ol
from ontolake.errors import FeatureValueError
from ontolake.instance.engine import create_db_engine
from ontolake.registries.feature_values import value_table
from ontolake.registries.links import LABEL_LINKS


@pytest.fixture
def samples(instance):
    """A schema over one label column (typed records), and an int feature for the dataset."""
    kind = ol.Record(name="Sample", is_type=True).save()
    ol.save([ol.Record(name=name, type=kind) for name in ("s1", "s2")])
    ol.Feature(name="n_reads", dtype=int).save()
    feature = ol.Feature(name="sample", dtype="cat[Record[Sample]]")
    return ol.Schema(features=[feature], name="samples").save()


def frame(*names: str) -> pd.DataFrame:
    return pd.DataFrame({"sample": list(names or ("s1", "s2", "s1"))})


def stored_files(instance) -> list[str]:
    """Every file under the storage root except the database and the instance marker."""
    root = Path(instance.root.root)
    kept = {"instance.json", "ontolake.db", "ontolake.db-wal", "ontolake.db-shm"}
    return sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name not in kept
    )


def rows(instance, table) -> int:
    with instance.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def nothing_saved(instance) -> None:
    assert rows(instance, ol.Artifact.__table__) == 0
    assert rows(instance, value_table(ol.Artifact)) == 0
    assert sum(rows(instance, link.table) for link in LABEL_LINKS.values()) == 0
    assert stored_files(instance) == []


def test_save_links_the_schema_and_annotates(instance, samples):
    curator = ol.curate.DataFrameCurator(frame(), samples, features={"n_reads": 7})
    artifact = curator.save_artifact(key="tables/samples.parquet")
    assert artifact.schema_id == samples.id and artifact.schema.name == "samples"
    assert artifact.features.get_values() == {"n_reads": 7, "sample": ["s1", "s2"]}
    shown = ol.Artifact.filter().to_dataframe(include="features")
    assert shown.loc[artifact.id, "sample"] == ["s1", "s2"]
    assert shown.loc[artifact.id, "n_reads"] == 7
    for label in ("s1", "s2"):  # every label of the column
        assert ol.Artifact.filter(sample=label).one().id == artifact.id
    assert ol.Artifact.filter(schema=samples).one().id == artifact.id
    assert ol.Artifact.filter(schema__name="samples").one().id == artifact.id
    assert ol.Artifact.filter(sample="s2", n_reads=7).one().id == artifact.id
    assert [a.id for a in samples.artifacts] == [artifact.id]
    # the labels are linked as records too, in the same commit
    assert sorted(record.name for record in artifact.records) == ["s1", "s2"]
    assert [a.id for a in ol.Record.get(name="s1").artifacts] == [artifact.id]
    assert ol.Artifact.filter(records__name="s2").one().id == artifact.id


def test_same_content_returns_the_stored_artifact_linked_and_annotated(instance, samples):
    plain = ol.Artifact.from_dataframe(frame(), key="tables/plain.parquet").save()
    assert plain.schema is None
    curated = ol.curate.DataFrameCurator(frame(), samples).save_artifact(key="tables/x.parquet")
    assert curated.id == plain.id  # the content was stored already
    assert ol.Artifact.get(key="tables/plain.parquet").schema_id == samples.id
    assert ol.Artifact.filter(sample="s1").one().id == plain.id


def test_annotating_a_saved_artifact_links_it(instance, samples):
    saved = ol.Artifact.from_dataframe(frame("s2"), key="tables/s2.parquet").save()
    curator = ol.curate.DataFrameCurator(saved, samples)
    assert curator.save_artifact().id == saved.id
    assert ol.Artifact.filter(schema=samples, sample="s2").one().id == saved.id
    assert [record.name for record in saved.records.all()] == ["s2"]
    # annotating again with other labels: the ones no value holds any more are unlinked
    ol.curate.DataFrameCurator(frame("s1"), samples).save_artifact(artifact=saved)
    assert [record.name for record in saved.records.all()] == ["s1"]
    assert saved.features.get_values()["sample"] == "s1"


def test_a_value_the_database_cannot_hold_leaves_nothing(instance, samples):
    curator = ol.curate.DataFrameCurator(frame(), samples, features={"n_reads": 2**64})
    curator.validate()  # an int is an int: only storing it fails
    with pytest.raises(FeatureValueError, match=r"64-bit integer.*dtype float"):
        curator.save_artifact(key="tables/samples.parquet")
    nothing_saved(instance)
    # the same curator saves once the value fits
    curator.features["n_reads"] = 2**62
    assert (
        curator.save_artifact(key="tables/samples.parquet").features.get_values()["n_reads"]
        == 2**62
    )


def _stack_has(thread: threading.Thread, function: str) -> bool:
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == function:
            return True
        frame = frame.f_back
    return False


def _wait_for(condition, what: str, outcome: list, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {outcome}"
        time.sleep(0.01)


def test_a_feature_deleted_during_the_save_leaves_nothing(instance, samples):
    """Another connection deletes a dataset-level feature while the save is writing.

    On SQLite the save waits for the other writer's lock; on PostgreSQL its value row waits
    on the deleted feature's row lock and then violates the foreign key. Either way the save
    fails and nothing of it remains.
    """
    ol.Feature(name="operator", dtype=str).save()
    curator = ol.curate.DataFrameCurator(frame(), samples, features={"operator": "me"})
    other = create_db_engine(instance.db_url)
    outcome: list[BaseException | object] = []

    def save() -> None:
        try:
            outcome.append(curator.save_artifact(key="tables/samples.parquet"))
        except BaseException as error:
            outcome.append(error)

    try:
        options = {"ontolake_write": True}  # BEGIN IMMEDIATE on SQLite
        if instance.dialect == "postgresql":
            options["isolation_level"] = "READ COMMITTED"  # the engine autocommits otherwise
        with other.connect().execution_options(**options) as connection:
            transaction = connection.begin()
            connection.execute(text("DELETE FROM features WHERE name = 'operator'"))
            saver = threading.Thread(target=save)
            saver.start()
            if instance.dialect == "sqlite":
                _wait_for(lambda: _stack_has(saver, "begin_write"), "the lock", outcome)
            else:
                waiting = (
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
                with other.connect() as probe:
                    _wait_for(
                        lambda: probe.execute(text(waiting)).scalar_one() > 0,
                        "the value row to wait on the feature's row lock",
                        outcome,
                    )
            transaction.commit()
            saver.join(timeout=60)
    finally:
        other.dispose()
    assert len(outcome) == 1 and isinstance(outcome[0], FeatureValueError), outcome
    assert "operator" in str(outcome[0])
    nothing_saved(instance)


def test_deleting_the_schema_unlinks_its_artifacts(instance, samples):
    artifact = ol.curate.DataFrameCurator(frame(), samples).save_artifact(key="tables/x.parquet")
    ol.Schema.get(name="samples").delete()
    assert ol.Artifact.filter(schema_id__isnull=True).one().id == artifact.id
    assert ol.Artifact.filter(sample="s1").one().id == artifact.id  # the labels stay


def test_describe_shows_the_schema(instance, samples):
    from rich.console import Console

    from ontolake.registries.describe import describe_tree

    artifact = ol.curate.DataFrameCurator(frame(), samples).save_artifact(key="tables/x.parquet")
    console = Console(width=200, record=True)
    console.print(describe_tree(artifact))
    shown = console.export_text()
    assert "schema: Schema(" in shown and "name='samples'" in shown


def _cell_types() -> ol.Feature:
    """Two terms of a small in-memory Cell Ontology, and a feature over them."""
    from ontolake.ontology_sources.source import InMemorySource, SourceSpec
    from ontolake.ontology_sources.terms import Term

    spec = SourceSpec("CellType", "cl", "2025-01-01", None, "memory://cl", "memory")
    terms = [Term("CL:0000084", "T cell"), Term("CL:0000236", "B cell")]
    ol.bio.CellType.import_source(InMemorySource(terms, spec))
    ol.ULabel(name="batch 1").save()
    return ol.Feature(name="cell_type", dtype=ol.bio.CellType).save()


def _curated(kind: str, cell_type: ol.Feature):
    """A curator of ``kind`` over cells of both types, with a ULabel column beside them."""
    import anndata as ad

    batch = ol.Feature(name="batch", dtype=ol.ULabel).save()
    obs = pd.DataFrame(
        {"cell_type": ["T cell", "B cell", "T cell"], "batch": ["batch 1"] * 3},
        index=["c0", "c1", "c2"],
    )
    table = ol.Schema(features=[cell_type, batch])
    if kind == "DataFrame":
        return ol.curate.DataFrameCurator(obs, table)
    if kind == "AnnData":
        schema = ol.Schema(otype="AnnData", slots={"obs": table})
        return ol.curate.AnnDataCurator(ad.AnnData(obs=obs), schema)
    if kind == "MuData":
        import mudata as md

        schema = ol.Schema(otype="MuData", slots={"rna:obs": table})
        return ol.curate.MuDataCurator(md.MuData({"rna": ad.AnnData(obs=obs)}), schema)
    import spatialdata as sd
    from spatialdata.models import PointsModel, TableModel

    spots = obs.assign(region=pd.Categorical(["spots"] * 3), instance_id=[0, 1, 2])
    cells = TableModel.parse(
        ad.AnnData(obs=spots), region="spots", region_key="region", instance_key="instance_id"
    )
    points = PointsModel.parse(pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [1.0] * 3}))
    sdata = sd.SpatialData(points={"spots": points}, tables={"table": cells})
    schema = ol.Schema(otype="SpatialData", slots={"table:obs": table})
    return ol.curate.SpatialDataCurator(sdata, schema)


@pytest.mark.parametrize("kind", ["DataFrame", "AnnData", "MuData", "SpatialData"])
def test_every_curator_links_the_labels_it_saves(instance, kind):
    cell_type = _cell_types()
    suffix = {"DataFrame": "parquet", "AnnData": "h5ad", "MuData": "h5mu", "SpatialData": "zarr"}
    artifact = _curated(kind, cell_type).save_artifact(key=f"cells/x.{suffix[kind]}")
    t_cell = ol.bio.CellType.get(name="T cell")
    assert sorted(r.name for r in artifact.cell_types) == ["B cell", "T cell"]
    assert [a.id for a in t_cell.artifacts] == [artifact.id]
    assert ol.Artifact.filter(cell_types__name="T cell").one().id == artifact.id
    assert ol.Artifact.filter(cell_types=t_cell, ulabels__name="batch 1").one().id == artifact.id
    assert [label.name for label in artifact.ulabels] == ["batch 1"]
    assert artifact.features.get_values()["cell_type"] == ["B cell", "T cell"]
    # one annotation: unlinking a label removes its value, removing values unlinks labels
    artifact.cell_types.remove(t_cell)
    assert artifact.features.get_values()["cell_type"] == "B cell"
    artifact.features.remove_values("cell_type")
    assert artifact.cell_types.count() == 0 and artifact.ulabels.count() == 1
