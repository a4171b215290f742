"""Run every benchmark several times, print a table of medians, optionally record it.

    python benchmarks/run_all.py [--repeat N] [--write] [--only import,query,...]
                                 [--compare-lamindb PATH_TO_VENV [--quick]] [--ncbitaxon]

``--write`` replaces the generated section of ``benchmarks/RESULTS.md`` (between the
``run_all:begin`` / ``run_all:end`` markers) and leaves the hand-written history alone.
``--compare-lamindb`` runs ``lamindb_workloads.py`` with the Python of that virtualenv
(LaminDB and bionty installed there, never in ours) after our own workloads, in the same run,
and prints LaminDB's medians and the ratio LaminDB / ontolake per workload.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import bench_artifacts
import bench_cellxgene
import bench_cold_start
import bench_curate
import bench_features
import bench_import
import bench_lineage
import bench_ontology
import bench_parquet
import bench_query
import bench_standardize
import bench_verbs
from common import DEFAULT_REPEAT, Result, fmt, fresh_instance, load, machine

HERE = Path(__file__).resolve().parent
RESULTS_MD = HERE / "RESULTS.md"
BEGIN, END = "<!-- run_all:begin -->", "<!-- run_all:end -->"
MODULES = {
    "import": bench_import,
    "artifacts": bench_artifacts,
    "query": bench_query,
    "ontology": bench_ontology,
    "features": bench_features,
    "lineage": bench_lineage,
    "curate": bench_curate,
    "files": bench_parquet,
    "standardize": bench_standardize,
    "cellxgene": bench_cellxgene,
    "cold": bench_cold_start,
    "verbs": bench_verbs,
}
# our workloads whose LaminDB counterpart measures a different count (quick mode)
COUNTS = {"save_dataframes_1000": 1000, "save_files_1000": 1000}


def export_terms(path: Path) -> None:
    """Write the CL terms and value pools LaminDB's side validates against (same values)."""
    import ontolake as ol

    fresh_instance("terms")
    ol.bio.CellType.import_source()
    terms = [[r.ontology_id, r.name, r.synonyms or ""] for r in ol.bio.CellType.filter()]
    data = {"cell_types": terms, "pool": bench_ontology.cl_pool(), **bench_curate.pools()}
    path.write_text(json.dumps(data))


def run_lamindb(venv: Path, repeat: int, quick: bool, keys: list[str], folder: Path) -> dict:
    """Run lamindb_workloads.py in ``venv``; its progress lines are echoed, the rest logged."""
    python = venv / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{python} not found: create the venv with lamindb and bionty first")
    terms, output, log = folder / "terms.json", folder / "lamindb.json", folder / "lamindb.log"
    export_terms(terms)
    command = [str(python), str(HERE / "lamindb_workloads.py"), "--json", str(output)]
    command += ["--repeat", str(repeat), "--terms", str(terms), "--only", ",".join(keys)]
    command += ["--quick"] if quick else []
    print(f"\n# LaminDB workloads with {python} (full log: {log})", flush=True)
    with log.open("w") as handle:
        process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=handle, text=True)
        assert process.stderr is not None
        for line in process.stderr:
            handle.write(line)
            if line.startswith("[lamindb]"):
                print(line.rstrip(), flush=True)
        process.wait()
    if process.returncode or not output.exists():
        print(f"LaminDB run failed (exit {process.returncode}); see {log}", flush=True)
        return {}
    return json.loads(output.read_text())


def lamindb_cells(outcome: Result, lamindb: dict) -> tuple[str, str, str]:
    """(LaminDB median, ratio, note) for one of our results."""
    entry = lamindb.get(outcome.lamindb_key or "")
    if not entry:
        return ("—", "", "") if not outcome.lamindb_key or not lamindb else ("not run", "", "")
    if "error" in entry:
        return entry["error"], "", ""
    theirs, ours = entry["seconds"], outcome.seconds
    count, expected = entry.get("count"), COUNTS.get(outcome.lamindb_key or "")
    shown = fmt(theirs, outcome.unit)
    if expected and count and count != expected:  # quick mode: LaminDB's figure is per item
        ours = ours / expected
        shown = f"{fmt(theirs, 'ms')} per item ({count} saves)"
    ratio = f"{theirs / ours:,.0f}x" if theirs >= 10 * ours else f"{theirs / ours:.2g}x"
    ratio = ratio if ours > 0 and theirs > 0 else "n/a"
    return shown, ratio, entry.get("note") or ""


def table(results: list[Result], lamindb: dict) -> list[str]:
    """The Markdown table of the run (LaminDB columns only when compared)."""
    head = "| workload | median | best | n | target | verdict |"
    rule = "|---|---|---|---|---|---|"
    if lamindb:
        head += " LaminDB median | ratio LaminDB / ontolake |"
        rule += "---|---|"
    lines = [head, rule]
    for outcome in results:
        if not outcome.samples:  # our own workload failed (traceback printed above)
            lines.append(f"| {outcome.name} | failed |" + " — |" * (len(head.split("|")) - 4))
            continue
        target = f"< {fmt(outcome.target, outcome.unit)}" if outcome.target else "—"
        name = outcome.name + (f" ({outcome.note})" if outcome.note else "")
        row = (
            f"| {name} | {fmt(outcome.seconds, outcome.unit)} | {fmt(outcome.best, outcome.unit)}"
            f" | {len(outcome.samples)} | {target} | {outcome.verdict or '—'} |"
        )
        if lamindb:
            shown, ratio, _note = lamindb_cells(outcome, lamindb)
            row += f" {shown} | {ratio or '—'} |"
        lines.append(row)
    return lines


def section(results: list[Result], lamindb: dict, args: argparse.Namespace, loads: str) -> str:
    today = datetime.datetime.now(datetime.timezone.utc).date()
    command = " ".join(["python benchmarks/run_all.py", *sys.argv[1:]])
    lines = [
        BEGIN,
        f"## Latest `run_all.py` run — {today}, {machine()}",
        "",
        "Generated by `run_all.py --write` (this section is replaced on every run; the",
        "hand-written history below is not). Command: "
        f"`{command}`. Each figure is the median (and best) of `n` repetitions;",
        "millisecond workloads time each repetition as the mean of several calls.",
        f"Load average (1 min) at start / end: {loads}. The machine may be shared with other",
        "test runs, so absolute figures can be pessimistic; ratios from the same run are",
        "more robust than absolute numbers.",
    ]
    if lamindb:
        versions = lamindb.get("_version", {})
        when = (
            "in an earlier run (`--lamindb-json`)"
            if args.lamindb_json
            else "in the same run, after ours"
        )
        lines += [
            "",
            f"LaminDB {versions.get('lamindb', '?')} with bionty {versions.get('bionty', '?')}",
            "ran in a separate virtualenv (`--compare-lamindb`), local SQLite instance in a",
            f"temporary folder, anonymous user, same machine, {when}.",
        ]
        if lamindb.get("_comment"):
            lines.append(str(lamindb["_comment"]))
    lines += ["", *table(results, lamindb)]
    notes = [
        (outcome.lamindb_key, lamindb_cells(outcome, lamindb)[2])
        for outcome in results
        if lamindb and outcome.lamindb_key
    ]
    notes = [(key, note) for key, note in notes if note]
    if notes:
        lines += ["", "LaminDB side:", ""]
        lines += [f"- `{key}`: {note}" for key, note in notes]
    lines.append(END)
    return "\n".join(lines) + "\n"


def write(text: str) -> None:
    """Replace the generated section of RESULTS.md, or insert it before the first ``## ``."""
    current = RESULTS_MD.read_text() if RESULTS_MD.exists() else "# Benchmark results\n\n"
    if BEGIN in current and END in current:
        before, rest = current.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        updated = before + text + "\n" + after
    elif "\n## " in current:
        at = current.index("\n## ") + 1
        updated = current[:at] + text + "\n" + current[at:]
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    RESULTS_MD.write_text(updated)
    print(f"\nwrote {RESULTS_MD}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="repetitions")
    parser.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    parser.add_argument("--only", default="", help=f"comma-separated of {','.join(MODULES)}")
    parser.add_argument("--compare-lamindb", type=Path, metavar="PATH_TO_VENV")
    parser.add_argument("--quick", action="store_true", help="LaminDB: 100 saves, not 1,000")
    parser.add_argument(
        "--lamindb-json",
        type=Path,
        metavar="PATH",
        help="LaminDB figures from an earlier run's lamindb.json instead of running them",
    )
    parser.add_argument("--ncbitaxon", action="store_true", help="also import NCBITaxon (slow)")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(MODULES)
    unknown = set(names) - set(MODULES)
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; choose from {list(MODULES)}")

    start_load = load()
    print(f"# {datetime.date.today()} on {machine()}, --repeat {args.repeat}", flush=True)
    results: list[Result] = []
    for name in names:
        print(f"\n## {name}", flush=True)
        try:
            results += MODULES[name].main(args.repeat)
        except Exception as error:  # record the failure, go on with the other workloads
            traceback.print_exc()
            results.append(Result(f"{name}: failed ({type(error).__name__})", 0.0, 0.0))
    if args.ncbitaxon:
        results += bench_ontology.ncbitaxon()

    lamindb: dict = {}
    if args.lamindb_json:
        lamindb = json.loads(args.lamindb_json.read_text())
    elif args.compare_lamindb:
        keys = [r.lamindb_key for r in results if r.lamindb_key]
        folder = Path(tempfile.mkdtemp(prefix="ontolake-bench-lamindb-"))
        lamindb = run_lamindb(args.compare_lamindb, args.repeat, args.quick, keys, folder)
        print(f"LaminDB figures kept in {folder / 'lamindb.json'} (see --lamindb-json)")
    loads = f"{start_load} / {load()}"
    text = section(results, lamindb, args, loads)
    print("\n" + text)
    if args.write:
        write(text)


if __name__ == "__main__":
    main()
