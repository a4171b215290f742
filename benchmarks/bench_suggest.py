"""Suggestions for many distinct invalid values: inspect and a curator's report.

A DataFrame of 15,000 rows holds 1,500 distinct cell type values that are not Cell Ontology
names (typos of real names: a letter dropped, doubled or swapped, made with a fixed seed),
10 rows each. Timed against the built-in CL (3,596 terms):

- ``CellType.inspect(values)``: every distinct value gets its suggestions;
- ``DataFrameCurator.validate()``: the report of a ``cat[bio.CellType]`` column (suggestions
  for the 1,000 values a report keeps), raised as ``ValidationError``.

    python benchmarks/bench_suggest.py [REPEAT]
"""

from __future__ import annotations

import random
import sys

from common import DEFAULT_REPEAT, Result, fresh_instance, measure

N_DISTINCT = 1_500
ROWS_PER_VALUE = 10


def typos(names: list[str], n: int, seed: int = 0) -> list[str]:
    """``n`` distinct misspellings of ``names`` that are none of them."""
    rng = random.Random(seed)
    known = set(names)
    found: dict[str, None] = {}
    while len(found) < n:
        name = rng.choice(names)
        at = rng.randrange(len(name))
        edit = rng.choice(("drop", "double", "swap"))
        if edit == "drop":
            typo = name[:at] + name[at + 1 :]
        elif edit == "double":
            typo = name[:at] + name[at] + name[at:]
        else:
            typo = name[:at] + name[at + 1 : at + 2] + name[at : at + 1] + name[at + 2 :]
        if typo and typo not in known:
            found[typo] = None
    return list(found)


def main(repeat: int = DEFAULT_REPEAT) -> list[Result]:
    import pandas as pd

    import ontolake as ol
    from ontolake.errors import ValidationError

    fresh_instance("suggest")
    bt = ol.bio
    bt.CellType.import_source()
    names = sorted(record.name for record in bt.CellType.filter(is_obsolete=False))
    values = typos(names, N_DISTINCT)
    table = pd.DataFrame({"cell_type": values * ROWS_PER_VALUE})
    schema = ol.Schema(
        features=[ol.Feature(name="cell_type", dtype=bt.CellType).save()], name="bench_suggest"
    ).save()
    label = f"{N_DISTINCT:,} distinct invalid values, {len(table):,} rows"

    def validate() -> None:
        try:
            ol.curate.DataFrameCurator(table, schema).validate()
        except ValidationError:
            return
        raise AssertionError("the typos validated")

    return [
        measure(
            f"CellType.inspect, {label}", lambda: bt.CellType.inspect(table["cell_type"]), repeat
        ),
        measure(f"DataFrameCurator.validate, {label}", validate, repeat),
    ]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT)
