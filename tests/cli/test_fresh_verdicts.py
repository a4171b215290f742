"""``curate validate`` and ``curate standardize`` on obsolete terms, as a person types them.

An obsolete term is invalid (exit 1) with its replacement named and ``curate standardize``
as the next step; a schema file allowing obsolete terms makes the same file valid (exit 0).
"""

from __future__ import annotations

import json
import shlex

import pandas as pd
from cli.conftest import CELLS_YAML

ALLOWING_YAML = CELLS_YAML.replace(
    "    dtype: cat[bio.CellType]\n", "    dtype: cat[bio.CellType]\n    allow_obsolete: true\n"
)


def test_an_obsolete_term_fails_and_standardize_replaces_it(lake):
    frame = pd.DataFrame(
        {"cell_type": ["obsolete native cell", "Müller cell", "T cell"], "n_genes": [1, 2, 3]}
    )
    frame.to_csv(lake.cwd / "cells.csv", index=False)
    invalid = lake("validate", "cells.csv", "--schema", "cells.yaml")
    assert invalid.returncode == 1, invalid.stderr
    assert "'obsolete native cell' x1 → 'cell' (obsolete)" in invalid.stdout
    assert "'Müller cell' x1 → 'Mueller cell' (synonym)" in invalid.stdout
    steps = invalid.stdout.splitlines()[-1].removeprefix("next: ").split("; ")
    assert steps == ["curate standardize cells.csv --schema cells.yaml -o cells.standardized.csv"]
    assert lake(*shlex.split(steps[0])[1:]).returncode == 0
    standardized = pd.read_csv(lake.cwd / "cells.standardized.csv")
    assert standardized["cell_type"].tolist() == ["cell", "Mueller cell", "T cell"]
    document = json.loads(
        lake("validate", "cells.csv", "--schema", "cells.yaml", "--format", "json").stdout
    )
    (issue,) = document["issues"]
    reasons = {value["value"]: value["reason"] for value in issue["values"]}
    assert reasons["obsolete native cell"] == "obsolete, replaced by 'cell'"


def test_a_schema_file_allowing_obsolete_terms_accepts_them(lake):
    pd.DataFrame({"cell_type": ["obsolete native cell"], "n_genes": [1]}).to_csv(
        lake.cwd / "old.csv", index=False
    )
    (lake.cwd / "allowing.yaml").write_text(ALLOWING_YAML)
    assert lake("validate", "old.csv", "--schema", "cells.yaml").returncode == 1
    allowed = lake("validate", "old.csv", "--schema", "allowing.yaml")
    assert (allowed.returncode, allowed.stdout) == (0, "old.csv is valid.\n")
