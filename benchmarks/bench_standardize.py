"""Writing a standardized file in its input's shape, against pandas writing the frame.

A 1,000,000-row table (``bench_curate.frame``: 3 ontology-backed string columns, an int and
a float column) with every tenth ``cell_type`` lower-cased (a case variant standardize maps)
is written as CSV and as parquet, then standardized in memory once. Timed, per format:

- ``write_standardized`` (what ``curate standardize`` writes): CSV streamed row by row with
  only the mapped cells changed; parquet rewritten from its Arrow table with the mapped
  column replaced, in its schema, codecs and row groups; both atomically (temporary + rename);
- ``DataFrame.to_csv(index=False)`` / ``to_parquet()`` of the standardized frame: what the
  command did before, which lost the file's shape (an unnamed index column in the CSV).

    python benchmarks/bench_standardize.py [REPEAT] [N_ROWS]
"""

from __future__ import annotations

import sys

from common import DEFAULT_REPEAT, Result, fresh_instance, measure

N_ROWS = 1_000_000


def main(repeat: int = DEFAULT_REPEAT, n_rows: int = N_ROWS) -> list[Result]:
    from bench_curate import frame, pools, table_features

    import ontolake as ol
    from ontolake.cli.writers import write_standardized

    _instance, folder = fresh_instance("standardize")
    ol.bio.CellType.import_source()
    schema = ol.Schema(features=table_features(), name="bench_standardize").save()
    table = frame(n_rows, pools())
    table.loc[::10, "cell_type"] = table["cell_type"][::10].str.lower()
    results = []
    for suffix in (".csv", ".parquet"):
        source, target = folder / f"table{suffix}", folder / "out" / f"table{suffix}"
        if suffix == ".csv":
            table.to_csv(source, index=False)
        else:
            table.to_parquet(source)
        curator = ol.curate.DataFrameCurator(source, schema)
        mapping = curator.standardize()
        standardized = curator.dataset
        kind = suffix[1:]
        results.append(
            measure(
                f"write_standardized, {kind}, {n_rows:,} rows (shape kept, atomic)",
                lambda c=curator, s=source, t=target, m=mapping: write_standardized(c, s, t, m),
                repeat,
            )
        )
        write = (
            (lambda f=standardized, t=target: f.to_csv(t, index=False))
            if suffix == ".csv"
            else (lambda f=standardized, t=target: f.to_parquet(t))
        )
        results.append(measure(f"pandas writes the frame, {kind} (baseline)", write, repeat))
    return results


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT,
        int(sys.argv[2]) if len(sys.argv) > 2 else N_ROWS,
    )
