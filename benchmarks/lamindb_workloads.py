"""The ontolake benchmark workloads, done with LaminDB + bionty (for comparison only).

Runs INSIDE a separate virtualenv where ``lamindb`` and ``bionty`` are installed; it never
imports ontolake (``run_all.py --compare-lamindb VENV`` starts it). It creates a local
SQLite instance in a temporary folder (``LAMIN_SETTINGS_DIR`` and ``LAMIN_CACHE_DIR`` point
there, the user is anonymous, nothing is sent to the hub) and writes a JSON object keyed
like the ``lamindb_key`` of ontolake's results::

    {"key": {"seconds": median, "best": ..., "samples": [...], "count": n, "note": ...}}
    {"key": {"error": "failed: <short reason>"}}

``--terms PATH`` is a JSON file written by ``run_all.py`` with the Cell Ontology terms and
the value pools, so both sides validate the same values against the same vocabulary even
though bionty cannot download the ontology offline. ``--quick`` saves 100 artifacts instead
of 1,000 (the figure is then per item, with its count) and annotates fewer artifacts.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lamindb_common import ONLY, RESULTS, bulk, fail, guarded, log, record, timings, uid, wanted


@guarded("import", "cli_help")
def startup(repeat: int, env: dict) -> None:
    lamin = str(Path(sys.executable).parent / "lamin")
    for key, command in (
        ("import", [sys.executable, "-c", "import lamindb"]),
        ("cli_help", [lamin, "--help"]),
    ):
        if wanted(key):
            run = lambda command=command: subprocess.run(  # noqa: E731
                command, check=True, capture_output=True, env=env
            )
            record(key, timings(run, repeat, number=3))


@guarded("save_dataframes_1000", "save_files_1000")
def saves(ln, repeat: int, count: int, folder: Path) -> None:
    import pandas as pd

    note = f"{count} saves, figure per item" if count != 1000 else ""
    frames_samples, files_samples = [], []
    for rep in range(repeat):
        frames = [pd.DataFrame({"sample": [f"s{i}"], "value": [float(i)]}) for i in range(count)]
        start = time.perf_counter()
        for i, frame in enumerate(frames):
            ln.Artifact.from_dataframe(frame, key=f"tables{rep}/t{i}.parquet").save()
        frames_samples.append(time.perf_counter() - start)
        sources = folder / f"sources{rep}"
        sources.mkdir()
        paths = []
        for i in range(count):
            path = sources / f"reads{i}.txt"
            path.write_text(f">read{rep}-{i}\nACGT{i}\n")
            paths.append(path)
        start = time.perf_counter()
        for i, path in enumerate(paths):
            ln.Artifact(path, key=f"raw{rep}/reads{i}.txt").save()
        files_samples.append(time.perf_counter() - start)
    scale = 1 if count == 1000 else 1 / count
    record("save_dataframes_1000", [s * scale for s in frames_samples], count, note)
    record("save_files_1000", [s * scale for s in files_samples], count, note)


def seed_artifacts(ln, keys: list[str]) -> list[int]:
    storage_id = ln.Storage.filter().first().id
    user_id = ln.setup.settings.user.id if hasattr(ln.setup.settings.user, "id") else 1
    start = ln.Artifact.objects.count()
    rows = [
        {
            "uid": uid(16) + "0000",
            "key": key,
            "description": f"reads of sample {i}",
            "suffix": ".fastq.gz",
            "size": 1000 + i,
            "hash": uid(22),
            "storage_id": storage_id,
            "created_by_id": user_id,
            "is_latest": True,
            "_key_is_virtual": True,
            "_overwrite_versions": False,
            "_hash_type": "md5",
        }
        for i, key in enumerate(keys)
    ]
    bulk(ln.Artifact, rows)
    ids = list(ln.Artifact.objects.order_by("id").values_list("id", flat=True))
    return ids[start:]


@guarded("key_prefix_dataframe", "key_prefix_count", "search")
def queries(ln, repeat: int) -> None:
    keys = []
    for i in range(10_000):
        prefix = "project-a" if i < 1111 else f"project-{'bcdefghij'[i % 9]}"
        keys.append(f"{prefix}/sample-{i:05d}/reads.fastq.gz")
    seed_artifacts(ln, keys)
    matching = ln.Artifact.filter(key__startswith="project-a/")
    frame = lambda: matching.to_dataframe(limit=None)  # noqa: E731  (default limit: 20 rows)
    note = f"{len(frame())} rows; 10,000 artifact rows bulk-inserted, as on our side"
    record("key_prefix_dataframe", timings(frame, repeat, 5), note=note)
    record("key_prefix_count", timings(matching.count, repeat, 20))
    if wanted("search"):
        search = lambda: list(ln.Artifact.search("sample-00042", limit=10))  # noqa: E731
        record("search", timings(search, repeat, 3))


@guarded(
    "annotate_per_artifact",
    "add_values_single",
    "feature_filter_list",
    "feature_filter_dataframe",
    "feature_filter_combined",
    "feature_count",
    "feature_include",
)
def features(ln, repeat: int, annotate: int, n_artifacts: int) -> None:
    from lamindb_setup.core.hashing import hash_string

    gc = ln.Feature(name="gc_content", dtype=float).save()
    day_feature = ln.Feature(name="experiment_date", dtype=datetime.date).save()
    batch = ln.Feature(name="batch", dtype=ln.ULabel).save()
    ln.save([ln.ULabel(name=f"batch {i}") for i in range(20)])
    labels = {label.name: label for label in ln.ULabel.filter(name__startswith="batch ")}
    rng = random.Random(7)
    first = datetime.date(2025, 1, 1)
    ids = seed_artifacts(ln, [f"samples/{i:06d}.fastq.gz" for i in range(n_artifacts)])
    annotated = list(ln.Artifact.filter(id__in=ids[: annotate * repeat]).order_by("id"))
    samples = []
    for rep in range(repeat):
        chunk = annotated[rep * annotate : (rep + 1) * annotate]
        start = time.perf_counter()
        for artifact in chunk:
            artifact.features.add_values(
                {
                    "gc_content": rng.random(),
                    "experiment_date": first + datetime.timedelta(days=rng.randrange(365)),
                    "batch": f"batch {rng.randrange(20)}",
                }
            )
        samples.append((time.perf_counter() - start) / len(chunk))
    record("annotate_per_artifact", samples, annotate, "features.add_values, 3 values, no bulk")
    if wanted("add_values_single"):
        single = annotated[0]
        add = lambda: single.features.add_values({"gc_content": 0.5, "batch": "batch 3"})  # noqa: E731
        record("add_values_single", timings(add, repeat, 5))

    # the rest of the artifacts: JSON values and label links inserted in bulk
    through = ln.Artifact.json_values.through
    value_model = through._meta.get_field("jsonvalue").related_model
    link_ulabel = ln.ULabel.artifacts.through
    rest = ids[annotate * repeat :]
    gcs = [rng.random() for _ in rest]
    days = sorted({(first + datetime.timedelta(days=d)).isoformat() for d in range(365)})
    existing = {
        (v["feature_id"], v["hash"]) for v in value_model.objects.values("feature_id", "hash")
    }
    value_rows = [{"feature_id": gc.id, "value": g, "hash": hash_string(str(g))} for g in gcs] + [
        {"feature_id": day_feature.id, "value": d, "hash": hash_string(d)}
        for d in days
        if (day_feature.id, hash_string(d)) not in existing
    ]
    bulk(value_model, value_rows)
    by_hash = {
        (v["feature_id"], v["hash"]): v["id"]
        for v in value_model.objects.values("id", "feature_id", "hash")
    }
    links = []
    ulabel_links = []
    for artifact_id, g in zip(rest, gcs, strict=True):
        day = days[rng.randrange(365)]
        for key in ((gc.id, hash_string(str(g))), (day_feature.id, hash_string(day))):
            links.append({"artifact_id": artifact_id, "jsonvalue_id": by_hash[key]})
        label = labels[f"batch {rng.randrange(20)}"].id
        link = {"artifact_id": artifact_id, "ulabel_id": label, "feature_id": batch.id}
        ulabel_links.append(link)
    bulk(through, links)
    bulk(link_ulabel, ulabel_links)

    selective = ln.Artifact.filter(gc_content__gte=0.999)
    n_selective = selective.count()
    note = f"{n_selective} of {n_artifacts:,} annotated (the rest bulk-inserted into link tables)"
    # .all(): a fresh queryset per call (Django caches the rows of an evaluated one)
    record("feature_filter_list", timings(lambda: list(selective.all()), repeat), note=note)
    frame = lambda: selective.to_dataframe(limit=None)  # noqa: E731
    record("feature_filter_dataframe", timings(frame, repeat), note=note)
    if wanted("feature_filter_combined"):
        combined = ln.Artifact.filter(experiment_date="2025-03-14", batch="batch 7")
        record("feature_filter_combined", timings(lambda: list(combined.all()), repeat))
    broad = ln.Artifact.filter(gc_content__gte=0.5)
    include = lambda: selective.to_dataframe(features=True, limit=None)  # noqa: E731
    for key, function, remark in (
        ("feature_count", broad.count, ""),
        ("feature_include", include, note),
    ):
        try:
            if wanted(key):
                record(key, timings(function, repeat), note=remark)
        except Exception as error:  # a slow count must not hide the next workload
            fail(key, error)


@guarded("import_cl")
def import_cl(bt) -> None:
    start = time.perf_counter()
    bt.CellType.import_source()
    record("import_cl", [time.perf_counter() - start])


def seed_cell_types(bt, terms: dict) -> None:
    """The Cell Ontology terms from ontolake's catalog, inserted as bionty records."""
    if bt.CellType.filter().count():
        return
    rows = [
        {"uid": uid(8), "name": name, "ontology_id": oid, "synonyms": synonyms or None}
        for oid, name, synonyms in terms["cell_types"]
    ]
    bulk(bt.CellType, rows)


@guarded("validate_1m", "standardize_1m", "inspect_1m")
def vocabulary(bt, terms: dict, repeat: int) -> None:
    import numpy as np

    seed_cell_types(bt, terms)
    pool = np.array(terms["pool"], dtype=object)
    values = pool[np.random.default_rng(0).integers(0, len(pool), 1_000_000)]
    note = "CL records inserted from ontolake's term list (no offline import)"
    for verb in ("validate", "standardize", "inspect"):
        key = f"{verb}_1m"
        if not wanted(key):
            continue
        # registry only, like ontolake: the default (from_source=True) downloads the ontology
        options = {} if verb == "validate" else {"from_source": False, "mute": True}
        try:
            method = getattr(bt.CellType, verb)
            run = lambda method=method, options=options: method(values, **options)  # noqa: E731
            extra = "; from_source=False" if options else ""
            record(key, timings(run, repeat), note=note + extra)
        except Exception as error:
            fail(key, error)


@guarded("dataframe_curator_1m")
def curate(ln, bt, terms: dict, repeat: int) -> None:
    import numpy as np
    import pandas as pd

    seed_cell_types(bt, terms)
    n = 1_000_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "cell_type": np.array(terms["names"], dtype=object)[
                rng.integers(0, len(terms["names"]), n)
            ],
            "cell_type_id": np.array(terms["ids"], dtype=object)[
                rng.integers(0, len(terms["ids"]), n)
            ],
            "t_cell_type": np.array(terms["t_cells"], dtype=object)[
                rng.integers(0, len(terms["t_cells"]), n)
            ],
            "n_genes": rng.integers(0, 5000, n),
            "fraction_mito": rng.random(n),
        }
    )
    schema = ln.Schema(
        name="bench",
        features=[
            feature(ln, "cell_type", bt.CellType),
            feature(ln, "cell_type_id", bt.CellType.ontology_id),
            feature(ln, "t_cell_type", bt.CellType),
            feature(ln, "n_genes", int),
            feature(ln, "fraction_mito", float),
        ],
        coerce=True,  # without it, categorical features must already have dtype category
    ).save()

    def validate() -> None:
        ln.curators.DataFrameCurator(frame, schema).validate()

    note = "Schema(coerce=True); t_cell_type checked against all CL names (no hierarchy offline)"
    record("dataframe_curator_1m", timings(validate, repeat), note=note)


def feature(ln, name: str, dtype):
    return ln.Feature.filter(name=name).one_or_none() or ln.Feature(name=name, dtype=dtype).save()


@guarded("anndata_curator")
def curate_anndata(ln, bt, terms: dict, repeat: int, folder: Path) -> None:
    """Validate obs and var of a 100,000 x 20,000 sparse h5ad, opened backed from its path."""
    import anndata as ad
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    seed_cell_types(bt, terms)
    n_obs, n_var, per_row = 100_000, 20_000, 200
    genes = [f"ENSG{i:011d}" for i in range(n_var)]
    human = bt.Organism.filter(name="human").one_or_none()
    if human is None:
        bulk(bt.Organism, [{"uid": uid(8), "name": "human", "ontology_id": "NCBITaxon:9606"}])
        human = bt.Organism.get(name="human")
    bt.settings.organism = human  # the Ensembl-ID field would download a table to infer it
    gene_rows = [
        {"uid": uid(12), "ensembl_gene_id": g, "symbol": g, "organism_id": human.id} for g in genes
    ]
    bulk(bt.Gene, gene_rows)
    rng = np.random.default_rng(0)  # the same construction as bench_curate.sparse_counts
    step = n_var // per_row
    columns = rng.integers(0, step, size=(n_obs, 1)) + np.arange(per_row) * step
    data = rng.random(n_obs * per_row, dtype=np.float32)
    indptr = np.arange(0, n_obs * per_row + 1, per_row, dtype=np.int64)
    x = sp.csr_matrix((data, columns.ravel().astype(np.int32), indptr), shape=(n_obs, n_var))
    names = terms["names"][:50]
    obs = pd.DataFrame(
        {
            "cell_type": pd.Categorical(np.array(names)[np.arange(n_obs) % len(names)]),
            "n_genes": np.arange(n_obs),
        },
        index=[f"cell{i}" for i in range(n_obs)],
    )
    path = folder / "big.h5ad"
    ad.AnnData(x, obs=obs, var=pd.DataFrame(index=genes)).write_h5ad(path)
    del x
    schema = ln.Schema(
        otype="AnnData",
        slots={
            "obs": ln.Schema(
                features=[feature(ln, "cell_type", bt.CellType), feature(ln, "n_genes", int)]
            ).save(),
            "var.T": ln.Schema(itype=bt.Gene.symbol, dtype=float).save(),
        },
    ).save()

    def validate() -> None:
        ln.curators.AnnDataCurator(ad.read_h5ad(path, backed="r"), schema).validate()

    note = "read_h5ad(path, backed='r') + AnnDataCurator.validate; var.T by Gene.symbol"
    record("anndata_curator", timings(validate, repeat), note=note)
    path.unlink()


@guarded("track_whole")
def lineage(repeat: int, env: dict, folder: Path) -> None:
    # the flag: saving the script's source asks the hub otherwise, and fails offline
    head = (
        "import lamindb as ln\n"
        "ln.setup.settings.instance._is_on_hub = False\n"
        "ln.Artifact.filter().count()\n"
    )
    scripts = []
    for name, body in (("untracked", ""), ("tracked", "ln.track()\nln.finish()\n")):
        script = folder / f"{name}.py"
        script.write_text(head + body)
        scripts.append(script)
    samples = []
    for _ in range(max(repeat, 5)):
        times = []
        for script in scripts:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, str(script)],
                check=True,
                capture_output=True,
                env=env,
                cwd=folder,
            )
            times.append(time.perf_counter() - start)
        samples.append(times[1] - times[0])
    record("track_whole", samples, note="tracked minus untracked process, alternately")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default="-", help="where to write the results ('-': stdout)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--terms", help="JSON file with CL terms and value pools (run_all.py)")
    parser.add_argument("--only", default="", help="comma-separated keys")
    args = parser.parse_args()
    ONLY.update(k for k in args.only.split(",") if k)

    folder = Path(tempfile.mkdtemp(prefix="lamindb-bench-"))
    env = dict(os.environ)
    env["LAMIN_SETTINGS_DIR"] = str(folder / "settings")
    env["LAMIN_CACHE_DIR"] = str(folder / "cache")
    os.environ.update(env)
    os.chdir(folder)  # lamindb keeps a .lamin/current_instance file in the working folder
    lamin = str(Path(sys.executable).parent / "lamin")
    subprocess.run(
        [lamin, "init", "--storage", str(folder / "data"), "--modules", "bionty"],
        check=True,
        capture_output=True,
        env=env,
    )
    log(f"instance in {folder}")
    startup(args.repeat, env)

    import bionty as bt
    import lamindb as ln

    # an anonymous local instance is not on the hub; without this, saving a file from
    # outside the storage root asks the hub and fails offline
    ln.setup.settings.instance._is_on_hub = False

    RESULTS["_version"] = {"lamindb": ln.__version__, "bionty": bt.__version__}
    saves(ln, args.repeat, 100 if args.quick else 1000, folder)
    queries(ln, args.repeat)
    features(ln, args.repeat, 50 if args.quick else 300, 10_000 if args.quick else 100_000)
    terms = json.loads(Path(args.terms).read_text()) if args.terms else None
    import_cl(bt)
    if terms:
        vocabulary(bt, terms, args.repeat)
        curate(ln, bt, terms, args.repeat)
        curate_anndata(ln, bt, terms, args.repeat, folder)
    lineage(args.repeat, env, folder)
    text = json.dumps(RESULTS, indent=1, default=str)
    if args.json == "-":
        print(text)
    else:
        Path(args.json).write_text(text)


if __name__ == "__main__":
    main()
