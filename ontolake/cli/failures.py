"""What ``curate`` does with an error: its exit code, its one line, its JSON document.

Exit codes: 0 valid, 1 invalid (a verdict: the data does not conform, the instance is
unhealthy), 2 the command could not give a verdict (a usage error, unreadable or bad input, a
missing instance, registry or record; any :class:`~ontolake.errors.OntolakeError` but a
``ValidationError``, and any ``OSError``), 3 an internal error (any other exception: a bug in
ontolake), 130 interrupted (Ctrl-C), 141 stdout closed by its reader (``curate ls | head -1``:
128 + SIGPIPE, what a shell reports for a Unix tool stopped that way). The message is one
line, with secrets in URLs masked; ``curate --debug`` adds the traceback. The command an
internal error asks to rerun shows passwords in URLs and the values of password options as
``***``.

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
        from ontolake._urls import mask_text

        name = type(error).__name__
        if isinstance(error, KeyboardInterrupt):
            return cls("interrupted", INTERRUPTED, name, "interrupted")
        if isinstance(error, click.UsageError):
            message = mask_text(_one_line(error.format_message()))
            return cls("usage_error", UNUSABLE_INPUT, name, message)
        if isinstance(error, OntolakeError):
            return cls("input_error", error.exit_code, name, mask_text(_one_line(str(error))))
        if isinstance(error, OSError):
            where = f"{error.filename}: " if error.filename else ""
            reason = error.strerror or str(error)
            return cls("input_error", UNUSABLE_INPUT, name, mask_text(_one_line(where + reason)))
        arguments = [argument for argument in argv if argument != "--debug"]
        shown = _masked(arguments)
        rerun = shlex.join(["curate", "--debug", *shown])
        fill_in = " (with your password where it shows ***)" if shown != arguments else ""
        detail = mask_text(_one_line(f"{name}: {error}"))
        return cls(
            "internal_error",
            INTERNAL_ERROR,
            name,
            f"internal error ({detail}); this is a bug in ontolake: run `{rerun}`{fill_in} to "
            "see the traceback, and report it with that output",
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


def _masked(arguments: list[str]) -> list[str]:
    """``arguments`` with URL passwords and the values of password options as ``***``.

    Example:
        >>> _masked(["roles", "--db", "postgresql://me:pw@db/lake", "--writer-password", "pw"])
        ['roles', '--db', 'postgresql://me:***@db/lake', '--writer-password', '***']
    """
    from ontolake._urls import MASK, is_secret_name, mask_url

    shown = []
    secret_follows = False
    for argument in arguments:
        option, equals, value = argument.partition("=")
        is_option = argument.startswith("--")
        if secret_follows:
            shown.append(MASK)
        elif is_option and equals:
            shown.append(f"{option}={MASK if is_secret_name(option) else mask_url(value)}")
        else:
            shown.append(mask_url(argument))
        secret_follows = is_option and not equals and is_secret_name(argument)
    return shown
