"""Import time of ``ontolake`` and start-up time of ``curate --help`` (fresh interpreters)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common import DEFAULT_REPEAT, Result, measure

CURATE = str(Path(sys.executable).parent / "curate")


def main(repeat: int = DEFAULT_REPEAT) -> list[Result]:
    def run(*command: str) -> None:
        subprocess.run(command, check=True, capture_output=True)

    # each sample is the mean of 3 fresh interpreters (one start-up is ~25 ms and noisy)
    return [
        measure(
            "python -c pass (baseline)", lambda: run(sys.executable, "-c", "pass"), repeat, number=3
        ),
        measure(
            "python -c 'import ontolake' (incl. interpreter start)",
            lambda: run(sys.executable, "-c", "import ontolake"),
            repeat,
            target=0.15,
            lamindb_key="import",
            number=3,
        ),
        measure(
            "curate --help (incl. interpreter start)",
            lambda: run(CURATE, "--help"),
            repeat,
            target=0.2,
            lamindb_key="cli_help",
            number=3,
        ),
    ]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REPEAT)
