"""The ``curate`` command: instances, artifacts, ontologies and curation from the shell.

Errors print one line naming what went wrong and what to do, with no traceback (``curate
--debug`` shows it), and exit with a code CI can trust: 0 valid, 1 invalid, 2 usage error
or unusable input, 3 internal error (:mod:`ontolake.cli.failures`). Up front, the command
modules import only ``click``, ``ontolake.errors`` and each other, so ``curate --help``
answers at once; each command imports what it needs when it runs.

Example:
    $ curate init --storage ./data
    $ curate save sample.fasta --key raw/sample.fasta
    $ curate ls --key-prefix raw/
"""

from __future__ import annotations

from ontolake.cli import artifacts, instances, ontologies, standardize, synonyms, validate
from ontolake.cli.app import main

__all__ = [
    "artifacts",
    "instances",
    "main",
    "ontologies",
    "standardize",
    "synonyms",
    "validate",
]
