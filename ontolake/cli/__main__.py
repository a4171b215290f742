"""``python -m ontolake.cli``: the ``curate`` command."""

from __future__ import annotations

from ontolake.cli import main

main()
