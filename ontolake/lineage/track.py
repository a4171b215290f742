"""``ol.track()`` and ``ol.finish()``: the run of a script or notebook.

``track()`` finds the running script (or notebook), stores its source as a transform — an
unchanged source reuses the transform, a changed one becomes its next version — starts a
run with the parameters, makes it the current run and tees stdout/stderr to a log (in a
Jupyter kernel, it records the cells instead: :mod:`~ontolake.lineage.notebook_record`).
The environment (Python, platform, packages, git) is collected in a background thread and
stored on the run as soon as it is known, so ``track()`` stays fast.

``finish()`` stores the log (and, in a notebook, the HTML report), sets ``finished_at`` and
the status, and links the run's outputs to its projects. A script that never calls
``finish()`` is finished when the interpreter exits (status ``completed``); an uncaught
exception finishes it as ``errored`` (``aborted`` for Ctrl-C) through ``sys.excepthook``.
A notebook is finished the same way when its kernel exits, ``errored`` when a cell of the
notebook raised.
A process killed by a signal it does not handle (SIGKILL) keeps status ``started`` until
the next ``ol.track()`` on the same host, or ``curate doctor --fix``, finds its process gone
and marks it ``aborted`` (see :mod:`~ontolake.lineage.processes`).

While a run is tracked, ``ONTOLAKE_RUN_UID`` holds its uid in ``os.environ``, so child
processes that are not forked (``multiprocessing`` spawn, ``subprocess``) save their outputs
under it and their own ``ol.track()`` runs are initiated by it (see
:mod:`~ontolake.lineage.context`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ontolake.errors import PathNotFoundError, TrackingError
from ontolake.lineage import context

if TYPE_CHECKING:
    from ontolake.instance.session import Instance
    from ontolake.lineage.capture import OutputCapture
    from ontolake.lineage.notebook_record import NotebookRecord
    from ontolake.lineage.runs import TransformSpec
    from ontolake.registries.lineage import Run, Transform

__all__ = ["finish", "save_run_file", "track"]

logger = logging.getLogger("ontolake")

RUN_FILES_PREFIX = "__ontolake__/runs"


class _Session:
    """What ``track()`` set up in this process and ``finish()`` undoes."""

    def __init__(
        self, instance: Instance, state: context.ActiveRun, *, notebook: Path | None
    ) -> None:
        self.instance = instance
        self.state = state
        self.notebook = notebook
        self.record: NotebookRecord | None = None
        self.capture: OutputCapture | None = None
        self.environment_thread: threading.Thread | None = None
        self.previous_run_uid = os.environ.get(context.RUN_UID_VARIABLE)


_session: _Session | None = None
_previous_excepthook: Any = None
_atexit_registered = False


def _script_spec(
    transform: str | None, path: str | os.PathLike[str] | None
) -> tuple[TransformSpec, Path | None]:
    """The transform of the running script or notebook, and the notebook path if any."""
    from ontolake.lineage.notebook import in_notebook, notebook_source
    from ontolake.lineage.runs import TransformSpec

    file = Path(path) if path is not None else None
    notebook = in_notebook()
    if file is None and notebook:
        from ontolake.lineage.notebook_path import find_notebook

        try:
            file = find_notebook()
        except TrackingError:
            if transform is None:
                raise
    if file is None and not notebook:
        main_file = getattr(sys.modules.get("__main__"), "__file__", None)
        file = Path(main_file) if main_file else None
    if file is None:
        if transform is None:
            raise TrackingError(
                "ol.track() found no script to track (interactive session or python -c): "
                "name the transform, e.g. ol.track('my-analysis'), or pass path='script.py'."
            )
        return TransformSpec(key=transform, kind="script", source_code=None), None
    file = file.expanduser().resolve()
    is_notebook = file.suffix == ".ipynb"
    try:
        source = notebook_source(file) if is_notebook else file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise PathNotFoundError(f"The script {str(file)!r} is not UTF-8 text: {error}.") from error
    except OSError as error:
        raise PathNotFoundError(
            f"The script {str(file)!r} cannot be read ({error.strerror or error}): check that "
            "it exists, or pass path= to name the file ol.track() should store."
        ) from error
    spec = TransformSpec(
        key=transform or file.name,
        kind="notebook" if is_notebook else "script",
        source_code=source,
        reference=str(file),
    )
    return spec, (file if is_notebook else None)


def _transform_spec(transform: Transform) -> tuple[TransformSpec, int | None]:
    from ontolake.lineage.runs import TransformSpec

    spec = TransformSpec(
        key=transform.key,
        kind=transform.kind or "pipeline",
        source_code=transform.source_code,
        reference=transform.reference,
        description=transform.description,
    )
    return spec, transform.id


def track(
    transform: str | Transform | None = None,
    params: dict[str, Any] | None = None,
    project: str | list[str] | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    capture_output: bool = True,
) -> Run:
    """Start tracking this script or notebook: its transform, a run, inputs and outputs.

    Args:
        transform: a key for the transform (default: the script's file name) or a
            Transform record.
        params: run parameters, stored as JSON; ``ol.Run.filter(params__lr=0.01)`` finds
            them. Values JSON cannot hold raise ``InvalidDataError`` before anything is written.
        project: name(s) of projects the run, its transform and its outputs belong to
            (created when missing).
        path: the file to store as the source, when it cannot be detected (headless
            notebooks) or is not the running ``__main__``.
        capture_output: tee ``sys.stdout``/``sys.stderr`` into the run's log.

    In a child process of a tracked script (forked, or spawned with ``ONTOLAKE_RUN_UID``
    set by the parent's ``track()``), the new run's ``initiated_by_run`` is the parent's run.

    Returns:
        The started run (``status="started"``).

    Raises:
        TrackingError: a run is being tracked already (in a script), or there is no script
            or notebook path to store and no transform key was given.
        PathNotFoundError: the script cannot be read.

    Example:
        >>> import ontolake as ol
        >>> run = ol.track(params={"lr": 0.01}, project="Drug screen", path="train.py")
        >>> run.transform.key, run.status  # in a script, ol.track() finds its file itself
        ('train.py', 'started')
        >>> scores = ol.Artifact.from_dataframe(df, key="results/scores.parquet").save()
        >>> ol.finish().status, scores.run == run
        ('completed', True)
    """
    global _session
    from ontolake.instance.session import current_instance
    from ontolake.lineage.notebook import NEW_RUN_UID_VARIABLE, in_notebook
    from ontolake.lineage.runs import json_params, start_run

    stored_params = json_params(params, strict=True) if params is not None else None
    projects = (project,) if isinstance(project, str) else tuple(project or ())
    if context.in_tracked_function():
        raise TrackingError(
            "ol.track() was called inside an @ol.tracked function: track the script at its top."
        )
    existing = context.tracked_run()
    parent = None
    if existing is None:
        parent = context.inherited_run()  # a spawned child runs under its parent's run
    elif existing.pid != os.getpid():
        parent = existing  # a forked child tracks its own run under its parent's
    elif _session is not None and _session.notebook is not None:
        logger.warning("finishing run %s: ol.track() was called again", existing.uid)
        finish()
        parent = context.inherited_run()
    else:
        raise TrackingError(
            f"Run {existing.uid} is being tracked already: call ol.finish() before "
            "ol.track() again (one script, one run; use @ol.tracked for steps)."
        )
    if transform is None or isinstance(transform, str):
        spec, notebook = _script_spec(transform, path)
        known_id = None
    else:
        spec, known_id = _transform_spec(transform)
        notebook = None
    instance = current_instance()
    preset_uid = os.environ.pop(NEW_RUN_UID_VARIABLE, None)
    state, run = start_run(
        instance,
        spec,
        params=stored_params,
        projects=projects,
        parent=parent,
        known_transform_id=known_id,
        uid=preset_uid,
    )
    session = _Session(instance, state, notebook=notebook)
    if in_notebook():
        # nbconvert needs this module, which cannot be imported once the kernel is exiting;
        # the rest of the renderer is loaded by the background thread (prepare_renderer)
        import concurrent.futures.thread  # noqa: F401

        from ontolake.lineage.notebook_record import NotebookRecord

        session.record = NotebookRecord.start()
    context.set_tracked_run(state)
    os.environ[context.RUN_UID_VARIABLE] = state.uid  # for children that are not forked
    _session = session
    _install_hooks()
    if capture_output and notebook is None and session.record is None:
        from ontolake.lineage.capture import OutputCapture

        header = f"# ontolake run {state.uid} of {spec.key}\n"
        session.capture = OutputCapture(header).start()
    session.environment_thread = threading.Thread(
        target=_store_environment,
        args=(instance, state.run_id, spec.reference, session.record is not None),
        name="ontolake-environment",
        daemon=True,
    )
    session.environment_thread.start()
    return run


def _store_environment(
    instance: Instance, run_id: int, reference: str | None, notebook_report: bool
) -> None:
    """Store the environment of the run and mark runs whose process died ``aborted``.

    When the run will have a notebook report, also load the HTML renderer (see
    :func:`~ontolake.lineage.notebook.prepare_renderer`).
    """
    from ontolake.lineage.environment import collect_environment
    from ontolake.lineage.processes import abort_stale_runs, process_identity
    from ontolake.lineage.runs import write_environment

    try:
        folder = str(Path(reference).parent) if reference else None
        environment = {**collect_environment(folder), "process": process_identity()}
        write_environment(instance, run_id, environment)
    except Exception:  # the environment is a courtesy: never fail the run
        logger.warning("could not store the environment of the run", exc_info=True)
    try:
        for stale in abort_stale_runs(instance):
            logger.warning(
                "run %s is marked aborted: its process %d died before it finished",
                stale.uid,
                stale.pid,
            )
    except Exception:
        logger.warning("could not check for runs whose process died", exc_info=True)
    if notebook_report:
        from ontolake.lineage.notebook import prepare_renderer

        try:
            prepare_renderer()
        except Exception:  # finish() says why there is no report
            logger.debug("could not load the notebook renderer", exc_info=True)


def finish(status: str | None = None) -> Run:
    """Finish the run ``ol.track()`` started: log, report, ``finished_at`` and status.

    Args:
        status: ``"completed"``, ``"errored"`` or ``"aborted"``. When not given:
            ``completed``, but in a notebook ``errored`` when a cell of the notebook raised
            (``aborted`` when one was interrupted), see
            :mod:`~ontolake.lineage.notebook_record`.

    Returns:
        The finished run.

    Raises:
        TrackingError: no run is being tracked, or this is called inside an @ol.tracked call.

    Example:
        >>> run = ol.track("my-analysis")
        >>> ol.finish().status, run.finished_at is not None
        ('completed', True)
    """
    global _session
    session = _session
    state = context.tracked_run()
    if session is None or state is None or state is not session.state:
        raise TrackingError("ol.finish() was called, but no run is tracked: call ol.track() first.")
    if state.pid != os.getpid():
        raise TrackingError(
            f"Run {state.uid} belongs to the parent process {state.pid}: finish it there."
        )
    if context.active() is not state:
        raise TrackingError("ol.finish() was called inside an @ol.tracked function.")
    from ontolake.lineage.runs import finish_run
    from ontolake.registries.base import utcnow

    finished_at = utcnow()
    recorded = session.record.stop().notebook(session.notebook) if session.record else None
    if status is None:
        status = recorded.status if recorded is not None else "completed"
    context.set_tracked_run(None)  # the log and report are not outputs of the run
    _restore_run_variable(session.previous_run_uid)
    _session = None
    _uninstall_excepthook()
    log_path = session.capture.stop() if session.capture is not None else None
    log_id = report_id = None
    if session.environment_thread is not None:
        session.environment_thread.join(timeout=30)  # it loads the notebook renderer too
    try:
        if log_path is not None:
            log_id = save_run_file(Path(log_path), state.uid, "log.txt")
        if recorded is not None:
            report_id = _notebook_report(recorded.document, state.uid)
        elif session.notebook is not None:
            report_id = _notebook_report(session.notebook, state.uid)
    finally:
        if log_path is not None:
            Path(log_path).unlink(missing_ok=True)
        finish_run(
            session.instance,
            state,
            status=status,
            finished_at=finished_at,
            log_artifact_id=log_id,
            report_artifact_id=report_id,
        )
    from ontolake.registries.lineage import Run as RunModel

    with session.instance.read() as db:
        run = db.get(RunModel, state.run_id)
    assert run is not None
    return run


def _restore_run_variable(previous: str | None) -> None:
    """Put ``ONTOLAKE_RUN_UID`` back as it was before ``track()``."""
    if previous is None:
        os.environ.pop(context.RUN_UID_VARIABLE, None)
    else:
        os.environ[context.RUN_UID_VARIABLE] = previous


def save_run_file(path: Path, run_uid: str, name: str) -> int:
    """Store a log or report of a run as an artifact under ``__ontolake__/runs/<uid>/``.

    The file is an output of no run (not of the current one, nor of a parent's).
    """
    from ontolake.registries.artifact import Artifact

    quiet = logging.getLogger("ontolake")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # no "already stored" notice for a reused report
    try:
        with context.no_run():
            artifact = Artifact(
                path,
                key=f"{RUN_FILES_PREFIX}/{run_uid}/{name}",
                description=f"{name} of run {run_uid}",
            ).save()
    finally:
        quiet.setLevel(level)
    return artifact.id


def _notebook_report(notebook: Path | dict[str, Any], run_uid: str) -> int | None:
    """Store ``notebook`` (a file, or the notebook as the kernel ran it) as HTML on the run."""
    import tempfile

    from ontolake.errors import MissingDependencyError
    from ontolake.lineage.notebook import render_html

    with tempfile.TemporaryDirectory() as scratch:
        try:
            report = render_html(notebook, Path(scratch) / "report.html")
        except MissingDependencyError:
            logger.warning("no HTML report: install nbconvert (pip install 'ontolake[notebooks]')")
            return None
        except Exception as error:  # a report must not lose the run
            logger.warning("could not render the notebook report as HTML: %s", error)
            return None
        return save_run_file(report, run_uid, "report.html")


def _install_hooks() -> None:
    global _previous_excepthook, _atexit_registered
    if sys.excepthook is not _excepthook:
        _previous_excepthook = sys.excepthook
        sys.excepthook = _excepthook
    if not _atexit_registered:
        atexit.register(_finish_at_exit)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(before=_before_fork)
        _atexit_registered = True


def _before_fork() -> None:
    """Let the environment thread finish first: a child must not inherit its held locks."""
    session = _session
    thread = session.environment_thread if session is not None else None
    if thread is not None and thread.is_alive() and thread is not threading.current_thread():
        thread.join(timeout=30)


def _uninstall_excepthook() -> None:
    if sys.excepthook is _excepthook:
        sys.excepthook = _previous_excepthook or sys.__excepthook__


def _excepthook(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    """Print the error as before (into the log too), then finish the run as errored."""
    previous = _previous_excepthook or sys.__excepthook__
    previous(kind, error, traceback)
    state = context.tracked_run()
    if _session is not None and state is not None and state.pid == os.getpid():
        status = "aborted" if issubclass(kind, KeyboardInterrupt) else "errored"
        try:
            finish(status)
        except Exception as failure:
            sys.__stderr__.write(f"ontolake: could not finish run {state.uid}: {failure}\n")  # type: ignore[union-attr]


def _finish_at_exit() -> None:
    state = context.tracked_run()
    if _session is None or state is None or state.pid != os.getpid():
        return
    if _session.record is not None:
        _outlast_sigterm()
    try:
        finish()
    except Exception as failure:
        sys.__stderr__.write(f"ontolake: could not finish run {state.uid}: {failure}\n")  # type: ignore[union-attr]


def _outlast_sigterm() -> None:
    """Ignore SIGTERM while a Jupyter kernel finishes its run at exit.

    A kernel manager asks the kernel to shut down, sends SIGTERM after half its
    ``shutdown_wait_time`` (2.5 s) and SIGKILL after all of it (5 s). Storing the report can
    take longer than 2.5 s on a busy machine, and SIGTERM would end the kernel before its run
    is finished.
    """
    import signal

    with contextlib.suppress(ValueError, OSError):  # ValueError: not the main thread
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
