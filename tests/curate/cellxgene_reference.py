"""Run the reference validator (``cellxgene-schema validate``) on many files in one process.

Run with the Python of the reference's virtualenv: ``python cellxgene_reference.py A.h5ad
B.h5ad …``. Each file is checked as ``cellxgene-schema validate FILE`` checks it (a fresh
``Validator``, dask's threaded scheduler); the ontologies and gene tables load once, which
turns ~30 s per file into ~1 s. One JSON line per file: path, verdict, errors, warnings,
and ``crash`` when the validator raised (``cellxgene-schema validate`` then exits non-zero).
"""

from __future__ import annotations

import json
import sys


def main(paths: list[str]) -> None:
    """Check each file; print one JSON line per file."""
    import dask
    from cellxgene_schema.validate import Validator

    for path in paths:
        validator = Validator()
        try:
            with dask.config.set({"scheduler": "threads"}):
                valid = validator.validate_adata(path)
        except Exception as error:  # what the command line shows as a traceback
            print(json.dumps({"path": path, "valid": False, "crash": repr(error)}), flush=True)
            continue
        line = {
            "path": path,
            "valid": bool(valid),
            "errors": [e.removeprefix("ERROR: ") for e in validator.errors],
            "warnings": [w.removeprefix("WARNING: ") for w in validator.warnings],
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
