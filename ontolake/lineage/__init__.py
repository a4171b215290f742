"""Lineage: ``ol.track()``/``ol.finish()``, ``@ol.tracked()``, notebooks and lineage graphs.

Modules: :mod:`~ontolake.lineage.context` (the current run), :mod:`~ontolake.lineage.track`
(scripts and notebooks), :mod:`~ontolake.lineage.tracked` (functions),
:mod:`~ontolake.lineage.runs` (writing transforms and runs),
:mod:`~ontolake.lineage.environment`, :mod:`~ontolake.lineage.capture` (stdout/stderr log),
:mod:`~ontolake.lineage.processes` (runs whose process died),
:mod:`~ontolake.lineage.notebook`, :mod:`~ontolake.lineage.notebook_path` (which notebook
is running) and :mod:`~ontolake.lineage.graph` (pictures). Importing this package imports
nothing else.
"""
