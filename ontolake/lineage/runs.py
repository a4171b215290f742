"""Writing transforms and runs: reuse or version a transform, start a run, finish it.

Each step is one write transaction, so a run is never half-written: starting creates (when
needed) the transform version, the run and its project links together; finishing sets
``finished_at``, the status, the log and report artifacts and links the run's outputs to its
projects together.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ontolake.errors import InvalidDataError
from ontolake.lineage.context import ActiveRun, expire_links

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from ontolake.instance.session import Instance
    from ontolake.registries.lineage import Run

__all__ = ["TransformSpec", "finish_run", "json_params", "source_hash", "start_run"]

RUN_STATUSES = ("started", "completed", "errored", "aborted")


@dataclass(frozen=True)
class TransformSpec:
    """What identifies a transform: its key, kind and source (hashed), plus a reference."""

    key: str
    kind: str
    source_code: str | None
    reference: str | None = None
    description: str | None = None

    @property
    def hash(self) -> str | None:
        """The sha256 of the source code (None without source)."""
        return None if self.source_code is None else source_hash(self.source_code)


def source_hash(source: str) -> str:
    """The sha256 hex digest of a source text.

    Example:
        >>> len(source_hash("print(1)"))
        64
    """
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays as Python values; everything else unchanged."""
    if hasattr(value, "dtype") and hasattr(value, "tolist"):
        return value.tolist()
    return value


def _storable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def json_params(params: Mapping[str, Any], *, strict: bool) -> dict[str, Any]:
    """Parameters as a JSON object: storable values as they are, the rest refused or by repr.

    Args:
        params: parameter names and values.
        strict: raise ``InvalidDataError`` naming the first value JSON cannot hold (NaN and
            infinities included); otherwise store such values as their ``repr()``.

    Example:
        >>> json_params({"lr": 0.01, "layers": (64, 32)}, strict=True)
        {'lr': 0.01, 'layers': [64, 32]}
        >>> json_params({"f": len}, strict=False)
        {'f': '<built-in function len>'}
    """
    if not isinstance(params, Mapping):
        raise InvalidDataError(
            f"params must be a dict of names to values, got {type(params).__name__}."
        )
    stored: dict[str, Any] = {}
    for name, raw in params.items():
        if not isinstance(name, str):
            raise InvalidDataError(f"Parameter names must be strings, got {name!r}.")
        value = _plain(raw)
        if _storable(value):
            stored[name] = json.loads(json.dumps(value))
        elif strict:
            raise InvalidDataError(
                f"Parameter {name!r}={raw!r} cannot be stored as JSON: pass numbers, strings, "
                "booleans, None, or lists and dicts of them (str() other values yourself)."
            )
        else:
            stored[name] = repr(raw)
    return stored


def _find_transform(session: Session, spec: TransformSpec) -> tuple[int, str] | None:
    """The id and uid of the latest transform with ``spec``'s key and source hash."""
    from sqlalchemy import select

    from ontolake.registries.lineage import Transform

    statement = select(Transform.id, Transform.uid).where(
        Transform.key == spec.key,
        Transform.is_latest.is_(True),
        Transform.is_trashed.is_(False),
    )
    if spec.hash is not None:
        statement = statement.where(Transform.hash == spec.hash)
    row = session.execute(statement.limit(1)).first()
    return None if row is None else (int(row[0]), str(row[1]))


def _project_ids(session: Session, names: tuple[str, ...], user_id: int) -> tuple[int, ...]:
    """Ids of the projects named, creating the missing ones."""
    from sqlalchemy import select

    from ontolake.instance.engine import lock_names
    from ontolake.registries.labels import Project

    ids: list[int] = []
    for name in names:
        lock_names(session, f"project:{name}")  # concurrent runs create it once (PostgreSQL)
        found = session.execute(select(Project.id).where(Project.name == name)).scalar()
        if found is None:
            project = Project(name=name, created_by_id=user_id)
            session.add(project)
            session.flush()
            found = project.id
        ids.append(int(found))
    return tuple(ids)


def start_run(
    instance: Instance,
    spec: TransformSpec,
    *,
    params: dict[str, Any] | None,
    projects: tuple[str, ...] = (),
    parent: ActiveRun | None = None,
    known_transform_id: int | None = None,
    uid: str | None = None,
    environment: dict[str, Any] | None = None,
) -> tuple[ActiveRun, Run]:
    """Reuse or version the transform of ``spec``, then insert a started run (one transaction).

    ``known_transform_id`` skips the transform lookup (a decorated function remembers its
    transform between calls). The run's environment starts as ``environment`` (default: the
    identity of this process, see :mod:`~ontolake.lineage.processes`).
    """
    from ontolake.instance.engine import lock_names
    from ontolake.lineage.processes import process_identity
    from ontolake.registries.base import utcnow
    from ontolake.registries.labels import Project
    from ontolake.registries.lineage import Run, Transform
    from ontolake.registries.links import insert_links, project_run, project_transform
    from ontolake.registries.user import current_user_id

    transform_id = known_transform_id
    if transform_id is None:
        with instance.read() as session:
            found = _find_transform(session, spec)
        transform_id = found[0] if found is not None else None
    user_id = current_user_id(instance)
    with instance.write() as session:
        if transform_id is None:
            lock_names(session, f"transform:{spec.key}")  # one creator per key (PostgreSQL)
            found = _find_transform(session, spec)  # another process may have made it
            if found is not None:
                transform_id = found[0]
            else:
                transform = Transform(
                    key=spec.key,
                    kind=spec.kind,
                    source_code=spec.source_code,
                    hash=spec.hash,
                    reference=spec.reference,
                    description=spec.description,
                    created_by_id=user_id,
                )
                transform.assign_version(session, None)
                session.add(transform)
                session.flush()
                transform_id = transform.id
        run_fields: dict[str, Any] = {
            "transform_id": transform_id,
            "started_at": utcnow(),
            "status": "started",
            "params": params or None,
            "environment": environment or {"process": process_identity()},
            "initiated_by_run_id": None if parent is None else parent.run_id,
            "created_by_id": user_id,
        }
        if uid is not None:
            run_fields["uid"] = uid
        run = Run(**run_fields)
        session.add(run)
        session.flush()
        project_ids = _project_ids(session, projects, user_id) if projects else ()
        if parent is not None:
            project_ids = tuple(dict.fromkeys((*parent.project_ids, *project_ids)))
        insert_links(session, project_run, [(project, run.id) for project in project_ids])
        insert_links(
            session, project_transform, [(project, transform_id) for project in project_ids]
        )
        for project_id in project_ids:
            known = session.identity_map.get(session.identity_key(Project, project_id))
            if known is not None:
                session.expire(known, ["runs", "transforms"])
    state = ActiveRun(
        run_id=run.id, uid=run.uid, transform_id=transform_id, project_ids=project_ids
    )
    return state, run


def finish_run(
    instance: Instance,
    state: ActiveRun,
    *,
    status: str,
    finished_at: datetime,
    log_artifact_id: int | None = None,
    report_artifact_id: int | None = None,
) -> None:
    """Close a run: finished_at, status, log and report, and its outputs linked to its projects."""
    from sqlalchemy import select, update

    from ontolake.registries.artifact import Artifact
    from ontolake.registries.lineage import Run
    from ontolake.registries.links import artifact_project, insert_links

    if status not in RUN_STATUSES:
        raise ValueError(f"status must be one of {RUN_STATUSES}, got {status!r}")
    values: dict[str, Any] = {"status": status, "finished_at": finished_at}
    if log_artifact_id is not None:
        values["log_artifact_id"] = log_artifact_id
    if report_artifact_id is not None:
        values["report_artifact_id"] = report_artifact_id
    with instance.write() as session:
        session.execute(
            update(Run).where(Run.id == state.run_id).values(**values),
            execution_options={"synchronize_session": False},
        )
        if state.project_ids:
            outputs = session.execute(
                select(Artifact.id).where(Artifact.run_id == state.run_id)
            ).scalars()
            insert_links(
                session,
                artifact_project,
                [(output, project) for output in outputs for project in state.project_ids],
            )
        known = session.identity_map.get(session.identity_key(Run, state.run_id))
        if known is not None:
            session.expire(known)
        expire_links(session, state.run_id)


def write_environment(instance: Instance, run_id: int, environment: dict[str, Any]) -> None:
    """Store the environment of a run (one transaction)."""
    from sqlalchemy import update

    from ontolake.registries.lineage import Run

    with instance.write() as session:
        session.execute(
            update(Run).where(Run.id == run_id).values(environment=environment),
            execution_options={"synchronize_session": False},
        )
