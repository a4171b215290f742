"""What ``curate`` does with an error: its exit code, its one line, its JSON document.

Exit codes: 0 valid, 1 invalid (a verdict: the data does not conform, the instance is
unhealthy), 2 the command could not give a verdict (a usage error, unreadable or bad input, a
missing instance, registry or record; any :class:`~ontolake.errors.OntolakeError` but a
``ValidationError``, and any ``OSError``), 3 an internal error (any other exception: a bug in
ontolake), 130 interrupted (Ctrl-C), 141 stdout closed by its reader (``curate ls | head -1``:
128 + SIGPIPE, what a shell reports for a Unix tool stopped that way). The message is one
line, with secrets in URLs masked; ``curate --debug`` adds the traceback.

Example:
    >>> failure = Failure.of(ValueError("boom"), ["validate", "x.csv"])
    >>> failure.exit_code, failure.kind
    (3, 'internal_error')
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

import click

from ontolake.errors import OntolakeError

__all__ = [
    "CLOSED_OUTPUT",
    "INTERNAL_ERROR",
    "INTERRUPTED",
    "INVALID",
    "UNUSABLE_INPUT",
    "VALID",
    "Failure",
]

VALID = 0
INVALID = 1
UNUSABLE_INPUT = 2
INTERNAL_ERROR = 3
INTERRUPTED = 130
CLOSED_OUTPUT = 141


@dataclass(frozen=True)
class Failure:
    """An error as the user meets it: ``kind``, exit code and a one-line message.

    ``kind`` is ``usage_error`` (the command line is wrong), ``input_error`` (the input, the
    instance or the environment is: an ``OntolakeError`` or an ``OSError``),
    ``internal_error`` (a bug) or ``interrupted`` (Ctrl-C).
    """

    kind: str
    exit_code: int
    exception: str
    message: str

    @classmethod
    def of(cls, error: BaseException, argv: list[str]) -> Failure:
        """The failure of ``error``, raised by ``curate`` run with arguments ``argv``."""
        from ontolake._urls import mask_url

        name = type(error).__name__
        if isinstance(error, KeyboardInterrupt):
            return cls("interrupted", INTERRUPTED, name, "interrupted")
        if isinstance(error, click.UsageError):
            return cls("usage_error", UNUSABLE_INPUT, name, _one_line(error.format_message()))
        if isinstance(error, OntolakeError):
            return cls("input_error", error.exit_code, name, mask_url(_one_line(str(error))))
        if isinstance(error, OSError):
            where = f"{error.filename}: " if error.filename else ""
            reason = error.strerror or str(error)
            return cls("input_error", UNUSABLE_INPUT, name, mask_url(_one_line(where + reason)))
        rerun = shlex.join(["curate", "--debug", *[a for a in argv if a != "--debug"]])
        detail = mask_url(_one_line(f"{name}: {error}"))
        return cls(
            "internal_error",
            INTERNAL_ERROR,
            name,
            f"internal error ({detail}); this is a bug in ontolake: run `{rerun}` to see the "
            "traceback, and report it with that output",
        )

    def document(self, **fields: Any) -> dict[str, Any]:
        """The JSON document of this failure (``fields`` first, e.g. dataset and schema).

        Example:
            >>> Failure("usage_error", 2, "UsageError", "no PATH").document(dataset=None)
            ... # doctest: +NORMALIZE_WHITESPACE
            {'dataset': None, 'valid': None, 'exit_code': 2, 'error': {'type': 'usage_error',
             'exception': 'UsageError', 'message': 'no PATH'}}
        """
        return {
            **fields,
            "valid": None,
            "exit_code": self.exit_code,
            "error": {"type": self.kind, "exception": self.exception, "message": self.message},
        }


def _one_line(text: str) -> str:
    return " ".join(text.split())
