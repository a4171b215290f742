"""``@ol.tracked()``: every call of a function is a run of a function transform.

The transform's key is ``module.qualname`` (the script's file stem for functions defined in
the running script) and its source the function's source, so editing the function makes a
new version. Each call's bound arguments (defaults included) are the run's parameters:
values JSON can hold are stored as they are, the rest as their ``repr()``. A call inside a
tracked run (``ol.track()`` or another tracked function) is nested under it
(``initiated_by_run``) and inherits its projects. Artifacts saved during the call are its
outputs; artifacts read are its inputs. An exception marks the run ``errored`` and is
re-raised unchanged.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from ontolake.lineage import context

if TYPE_CHECKING:
    from ontolake.instance.session import Instance
    from ontolake.lineage.runs import TransformSpec

__all__ = ["tracked"]

logger = logging.getLogger("ontolake")

FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])


def _function_spec(function: Callable[..., Any], key: str | None) -> TransformSpec:
    from ontolake.lineage.runs import TransformSpec

    module = function.__module__
    if module == "__main__":
        main_file = getattr(sys.modules.get("__main__"), "__file__", None)
        module = Path(main_file).stem if main_file else "__main__"
    try:
        source: str | None = inspect.getsource(function)
    except (OSError, TypeError):
        source = None
    try:
        reference: str | None = inspect.getsourcefile(function)
    except TypeError:
        reference = None
    return TransformSpec(
        key=key or f"{module}.{function.__qualname__}",
        kind="function",
        source_code=source,
        reference=reference,
        description=(inspect.getdoc(function) or "").split("\n", 1)[0] or None,
    )


class _Transforms:
    """The transform id of a decorated function per instance, found or made on first call."""

    def __init__(self, spec: TransformSpec) -> None:
        self.spec = spec
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def get(self, instance: Instance) -> int | None:
        with self._lock:
            return self._ids.get(instance.db_url)

    def remember(self, instance: Instance, transform_id: int) -> None:
        with self._lock:
            self._ids[instance.db_url] = transform_id


@overload
def tracked(key: FunctionT) -> FunctionT: ...


@overload
def tracked(key: str | None = None) -> Callable[[FunctionT], FunctionT]: ...


def tracked(key: str | FunctionT | None = None) -> FunctionT | Callable[[FunctionT], FunctionT]:
    """Track each call of the decorated function as a run with its arguments as params.

    Args:
        key: the transform's key (default: ``module.qualname``). ``@ol.tracked`` without
            parentheses works too.

    Example:
        >>> import ontolake as ol
        >>> @ol.tracked()
        ... def preprocess(key: str, normalize: bool = True) -> ol.Artifact:
        ...     df = ol.Artifact.get(key=key).load()  # an input of the run
        ...     if normalize:
        ...         df["a"] = df["a"] / df["a"].max()
        ...     return ol.Artifact.from_dataframe(df, key="clean/" + key).save()  # an output
        >>> clean = preprocess("tables/x.parquet")
        >>> clean.key, clean.run.params
        ('clean/tables/x.parquet', {'key': 'tables/x.parquet', 'normalize': True})
        >>> ol.Run.filter(params__normalize=True).count()
        1
    """
    if callable(key):
        return tracked()(key)
    name = key

    def decorate(function: FunctionT) -> FunctionT:
        transforms = _Transforms(_function_spec(function, name))
        signature = inspect.signature(function)

        def begin(args: tuple[Any, ...], kwargs: dict[str, Any]) -> context.ActiveRun:
            from ontolake.instance.session import current_instance
            from ontolake.lineage.runs import json_params, start_run

            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            params = json_params(dict(bound.arguments), strict=False)
            instance = current_instance()
            state, _run = start_run(
                instance,
                transforms.spec,
                params=params,
                parent=context.active(),
                known_transform_id=transforms.get(instance),
            )
            transforms.remember(instance, state.transform_id)
            return state

        def end(state: context.ActiveRun, status: str) -> None:
            from ontolake.instance.session import current_instance
            from ontolake.lineage.runs import finish_run
            from ontolake.registries.base import utcnow

            finish_run(current_instance(), state, status=status, finished_at=utcnow())

        def end_after(state: context.ActiveRun, error: BaseException) -> None:
            """Finish as errored; a failure to do so must not hide the function's error."""
            try:
                end(state, _status_of(error))
            except Exception as failure:
                logger.warning("could not finish run %s: %s", state.uid, failure)

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def run_coroutine(*args: Any, **kwargs: Any) -> Any:
                state = begin(args, kwargs)
                with context.nested_run(state):
                    try:
                        result = await function(*args, **kwargs)
                    except BaseException as error:
                        end_after(state, error)
                        raise
                end(state, "completed")
                return result

            return cast("FunctionT", run_coroutine)

        @functools.wraps(function)
        def run_function(*args: Any, **kwargs: Any) -> Any:
            state = begin(args, kwargs)
            with context.nested_run(state):
                try:
                    result = function(*args, **kwargs)
                except BaseException as error:
                    end_after(state, error)
                    raise
            end(state, "completed")
            return result

        return cast("FunctionT", run_function)

    return decorate


def _status_of(error: BaseException) -> str:
    return "aborted" if isinstance(error, (KeyboardInterrupt, SystemExit)) else "errored"
