"""Import time of ``ontolake`` and start-up time of ``curate --help`` (fresh interpreters)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common import best_of, report

CURATE = str(Path(sys.executable).parent / "curate")


def main() -> list[str]:
    def import_package() -> None:
        subprocess.run([sys.executable, "-c", "import ontolake"], check=True)

    def bare_python() -> None:
        subprocess.run([sys.executable, "-c", "pass"], check=True)

    def curate_help() -> None:
        subprocess.run([CURATE, "--help"], check=True, capture_output=True)

    interpreter, _ = best_of(bare_python)
    package, _ = best_of(import_package)
    help_time, _ = best_of(curate_help)
    return [
        report("python -c pass (baseline)", interpreter),
        report("python -c 'import ontolake' (incl. interpreter start)", package, 0.15),
        report("curate --help (incl. interpreter start)", help_time, 0.2),
    ]


if __name__ == "__main__":
    main()
