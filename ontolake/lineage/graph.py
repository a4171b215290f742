"""Lineage graphs: artifacts ↔ runs ↔ transforms, as Graphviz DOT text and pictures.

Starting from an artifact or a run, the graph walks upstream: an artifact's run, a run's
transform, inputs and initiating run, and on through the inputs' runs. With
``downstream=True`` it also walks forward: the runs that read an artifact, their outputs and
the runs they initiated. Edges point the way data flows: ``input → run → output``,
``transform → run``, ``initiating run → nested run``.

Pictures (SVG, PNG, PDF) are drawn by Graphviz's ``dot`` program when it is installed
(``apt-get install graphviz``, ``brew install graphviz``, ``conda install graphviz``);
without it, ontolake lays the graph out itself and writes an SVG (see ``ontolake._graphviz``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from ontolake._graphviz import display, quote, render

__all__ = ["LineageGraph", "build_lineage", "view_lineage"]

logger = logging.getLogger("ontolake")

MAX_NODES = 2000
_STYLES = {
    "artifact": 'shape=note, style=filled, fillcolor="#e8f1fb", color="#3b6ea5"',
    "run": 'shape=box, style="rounded,filled", fillcolor="#fdf3e1", color="#b7791f"',
    "transform": 'shape=component, style=filled, fillcolor="#eaf6ec", color="#2f855a"',
}
_EDGE_STYLES = {"uses": "", "made": "", "code": "style=dashed", "initiated": "style=dotted"}


@dataclass
class LineageGraph:
    """Nodes (``artifact_<uid>``, ``run_<uid>``, ``transform_<uid>``) and directed edges.

    Example:
        >>> graph = LineageGraph()
        >>> graph.add_node("run_r1", "run", "train.py")
        >>> graph.add_node("artifact_abc", "artifact", "raw/a.csv")
        >>> graph.add_edge("run_r1", "artifact_abc", "made")
        >>> dot = graph.to_dot().splitlines()
        >>> dot[0], dot[-2]
        ('digraph lineage {', '  "run_r1" -> "artifact_abc";')
    """

    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)
    edges: set[tuple[str, str, str]] = field(default_factory=set)
    focus: str | None = None
    truncated: bool = False

    def add_node(self, node: str, kind: str, label: str) -> None:
        """Add a node of ``kind`` (artifact, run, transform) with a display label."""
        self.nodes[node] = (kind, label)

    def add_edge(self, source: str, target: str, kind: str) -> None:
        """Add an edge of ``kind`` (uses, made, code, initiated)."""
        self.edges.add((source, target, kind))

    def to_dot(self) -> str:
        """The graph as Graphviz DOT text (sorted, so the same graph gives the same text)."""
        lines = [
            "digraph lineage {",
            "  rankdir=LR;",
            '  node [fontname="Helvetica", fontsize=10];',
            '  edge [color="#555555"];',
        ]
        for node, (kind, label) in sorted(self.nodes.items()):
            extra = ", penwidth=2.5" if node == self.focus else ""
            lines.append(f"  {quote(node)} [label={quote(label)}, {_STYLES[kind]}{extra}];")
        for source, target, kind in sorted(self.edges):
            style = _EDGE_STYLES[kind]
            lines.append(f"  {quote(source)} -> {quote(target)}{f' [{style}]' if style else ''};")
        if self.truncated:
            lines.append(f'  truncated [label="… more than {MAX_NODES} nodes", shape=plaintext];')
        lines.append("}")
        return "\n".join(lines) + "\n"


class _Walk:
    """Batched breadth-first walk over the lineage tables (a few queries per level)."""

    def __init__(self, session: Any, graph: LineageGraph) -> None:
        self.session = session
        self.graph = graph
        self.artifact_uids: dict[int, str] = {}
        self.artifact_runs: dict[int, int | None] = {}
        self.run_uids: dict[int, str] = {}
        self.run_parents: dict[int, int | None] = {}

    def _room(self) -> bool:
        if len(self.graph.nodes) >= MAX_NODES:
            self.graph.truncated = True
            return False
        return True

    def artifacts(self, ids: Iterable[int]) -> dict[int, int | None]:
        """Add artifact nodes; return ``{artifact id: id of the run that made it}``."""
        from sqlalchemy import select

        from ontolake.registries.artifact import Artifact as Model

        Artifact = cast("Any", Model)  # uid/key are declared plainly on the access mixin
        ids = set(ids)
        missing = [i for i in ids if i not in self.artifact_uids]
        if missing and self._room():
            rows = self.session.execute(
                select(
                    Artifact.id, Artifact.uid, Artifact.key, Artifact.version, Artifact.run_id
                ).where(Artifact.id.in_(missing))
            ).all()
            for artifact_id, uid, key, version, run_id in rows:
                self.artifact_uids[artifact_id] = uid
                self.artifact_runs[artifact_id] = run_id
                self.graph.add_node(f"artifact_{uid}", "artifact", f"{key or uid}\nv{version}")
        return {i: self.artifact_runs[i] for i in ids if i in self.artifact_runs}

    def runs(self, ids: Iterable[int]) -> dict[int, int | None]:
        """Add run nodes and their transforms; return ``{run id: initiating run id}``."""
        from sqlalchemy import select

        from ontolake.registries.lineage import Run, Transform

        ids = set(ids)
        missing = [i for i in ids if i not in self.run_uids]
        if missing and self._room():
            rows = self.session.execute(
                select(
                    Run.id,
                    Run.uid,
                    Run.status,
                    Run.started_at,
                    Run.initiated_by_run_id,
                    Transform.uid,
                    Transform.key,
                    Transform.version,
                    Transform.kind,
                )
                .join(Transform, Transform.id == Run.transform_id)
                .where(Run.id.in_(missing))
            ).all()
            for run_id, uid, status, started, parent, t_uid, t_key, t_version, t_kind in rows:
                self.run_uids[run_id] = uid
                self.run_parents[run_id] = parent
                when = started.strftime("%Y-%m-%d %H:%M:%S") if started else "not started"
                self.graph.add_node(f"run_{uid}", "run", f"run {uid[:8]}\n{when}\n{status}")
                transform = f"transform_{t_uid}"
                self.graph.add_node(transform, "transform", f"{t_key}\nv{t_version} {t_kind}")
                self.graph.add_edge(transform, f"run_{uid}", "code")
        return {i: self.run_parents[i] for i in ids if i in self.run_parents}

    def inputs(
        self, *, of_runs: Iterable[int] = (), of_artifacts: Iterable[int] = ()
    ) -> list[tuple[int, int]]:
        """(run id, artifact id) input links of some runs or some artifacts."""
        from sqlalchemy import select

        from ontolake.registries.links import run_input_artifact as link

        of_runs, of_artifacts = set(of_runs), set(of_artifacts)
        if not of_runs and not of_artifacts:
            return []
        where = (
            link.c.run_id.in_(list(of_runs))
            if of_runs
            else link.c.artifact_id.in_(list(of_artifacts))
        )
        rows = self.session.execute(select(link.c.run_id, link.c.artifact_id).where(where))
        return [(int(run), int(artifact)) for run, artifact in rows]

    def link(self, source: tuple[str, int], target: tuple[str, int], kind: str) -> None:
        """Add an edge between two nodes already in the graph (skipped when one is missing)."""
        names = []
        for node_kind, node_id in (source, target):
            uids = self.artifact_uids if node_kind == "artifact" else self.run_uids
            if node_id not in uids:
                return
            names.append(f"{node_kind}_{uids[node_id]}")
        self.graph.add_edge(names[0], names[1], kind)


def build_lineage(record: Any, *, downstream: bool = False) -> LineageGraph:
    """The lineage graph around an artifact or a run (upstream; downstream on request).

    A run's graph always shows what it and the runs it initiated made; the runs that read
    those artifacts (and an artifact's readers) appear only with ``downstream=True``.

    Example:
        >>> graph = build_lineage(ol.Artifact.get(key="results/x.parquet"))
        >>> sorted(kind for kind, _label in graph.nodes.values())
        ['artifact', 'artifact', 'run', 'transform']
        >>> sorted(kind for _source, _target, kind in graph.edges)
        ['code', 'made', 'uses']
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.artifact import Artifact
    from ontolake.registries.lineage import Run

    graph = LineageGraph()
    with current_instance().read() as session:
        walk = _Walk(session, graph)
        if isinstance(record, Artifact):
            graph.focus = f"artifact_{record.uid}"
            _upstream(walk, {record.id}, set())
            if downstream:
                _downstream(walk, {record.id}, set(), follow_readers=True)
        elif isinstance(record, Run):
            graph.focus = f"run_{record.uid}"
            _upstream(walk, set(), {record.id})
            _downstream(walk, set(), {record.id}, follow_readers=downstream)
        else:
            raise TypeError(
                f"Lineage is drawn for an Artifact or a Run, not {type(record).__name__}."
            )
    return graph


def _upstream(walk: _Walk, artifact_ids: set[int], run_ids: set[int]) -> None:
    """Walk from artifacts to the runs that made them, their inputs and initiating runs."""
    seen_artifacts: set[int] = set()
    seen_runs: set[int] = set()
    while artifact_ids or run_ids:
        artifact_ids -= seen_artifacts
        seen_artifacts |= artifact_ids
        makers = walk.artifacts(artifact_ids)
        run_ids = (run_ids | {run for run in makers.values() if run is not None}) - seen_runs
        seen_runs |= run_ids
        parents = walk.runs(run_ids)
        for artifact, run in makers.items():
            if run is not None:
                walk.link(("run", run), ("artifact", artifact), "made")
        inputs = walk.inputs(of_runs=run_ids)
        walk.artifacts({artifact for _run, artifact in inputs})
        for run, artifact in inputs:
            walk.link(("artifact", artifact), ("run", run), "uses")
        initiators = {parent for parent in parents.values() if parent is not None}
        walk.runs(initiators)
        for run, parent in parents.items():
            if parent is not None:
                walk.link(("run", parent), ("run", run), "initiated")
        artifact_ids = {artifact for _run, artifact in inputs}
        run_ids = initiators


def _downstream(
    walk: _Walk, artifact_ids: set[int], run_ids: set[int], *, follow_readers: bool
) -> None:
    """Walk from runs to what they made and the runs they initiated (and on to readers)."""
    from sqlalchemy import select

    from ontolake.registries.artifact import Artifact
    from ontolake.registries.lineage import Run

    seen_runs: set[int] = set()
    while artifact_ids or run_ids:
        readers = walk.inputs(of_artifacts=artifact_ids if follow_readers else ())
        walk.runs({run for run, _artifact in readers})
        for run, artifact in readers:
            walk.link(("artifact", artifact), ("run", run), "uses")
        run_ids = (run_ids | {run for run, _artifact in readers}) - seen_runs
        seen_runs |= run_ids
        if not run_ids:
            break
        made = walk.session.execute(
            select(Artifact.id, Artifact.run_id).where(Artifact.run_id.in_(list(run_ids)))
        ).all()
        walk.artifacts({artifact for artifact, _run in made})
        for artifact, run in made:
            walk.link(("run", run), ("artifact", artifact), "made")
        children = walk.session.execute(
            select(Run.id, Run.initiated_by_run_id).where(
                Run.initiated_by_run_id.in_(list(run_ids))
            )
        ).all()
        walk.runs({child for child, _parent in children})
        for child, parent in children:
            walk.link(("run", parent), ("run", child), "initiated")
        artifact_ids = {artifact for artifact, _run in made}
        run_ids = {child for child, _parent in children}


def view_lineage(
    record: Any, path: str | os.PathLike[str] | None = None, *, downstream: bool = False
) -> str:
    """The lineage of an artifact or run as DOT text; written (drawn) to ``path`` if given.

    In a Jupyter notebook the picture is also displayed when Graphviz is installed.

    Example:
        >>> artifact = ol.Artifact.get(key="results/x.parquet")
        >>> dot = view_lineage(artifact, "lineage.svg")  # or lineage.dot without Graphviz
        >>> dot.splitlines()[0]
        'digraph lineage {'
    """
    dot = build_lineage(record, downstream=downstream).to_dot()
    if path is not None:
        render(dot, path)
    display(dot)
    return dot
