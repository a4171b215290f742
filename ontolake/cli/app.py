"""The ``curate`` group: global options and the one place errors become exit codes.

A closed stdout (``curate ls | head -1``) ends the command quietly with exit code 141
(128 + SIGPIPE, as a shell reports for a Unix tool stopped by the closed pipe): no message,
no traceback. Warnings that libraries address to their own users' code (``FutureWarning``,
``DeprecationWarning`` raised outside ontolake, e.g. anndata's notes on old file layouts) are
not shown, unless Python was asked for warnings (``-W``, ``PYTHONWARNINGS``).

Example:
    $ curate --debug validate x.h5ad --schema cellxgene   # a traceback with any error
    $ curate --quiet ls                                   # no line naming the instance
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from ontolake.cli.failures import CLOSED_OUTPUT, INTERRUPTED, Failure

__all__ = ["ARGV", "main", "print_traceback"]

ARGV = "ontolake.argv"
"""Key of ``ctx.meta`` holding the arguments ``curate`` was run with (for messages)."""
_HELP_INSTEAD = getattr(click.exceptions, "NoArgsIsHelpError", ())
"""Raised by click >= 8.2 for a group called without arguments (it prints the help)."""


class _Group(click.Group):
    """A click group that turns every error into one line on stderr and an exit code."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        arguments = list(args)
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as error:
            _usage(error)
        ctx.meta[ARGV] = arguments
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        except click.UsageError as error:
            _usage(error)
        except BrokenPipeError:
            _stdout_closed()
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(INTERRUPTED)
        except Exception as error:
            failure = Failure.of(error, ctx.meta.get(ARGV, []))
            if ctx.params.get("debug"):
                print_traceback()
            click.secho(f"error: {failure.message}", fg="red", err=True)
            ctx.exit(failure.exit_code)


def _usage(error: click.UsageError) -> NoReturn:
    """A usage error as one line naming the help to read; exit 2."""
    if isinstance(error, _HELP_INSTEAD):
        raise error  # `curate` alone: click shows the help
    where = f" (see `{error.ctx.command_path} --help`)" if error.ctx is not None else ""
    message = Failure.of(error, []).message
    click.secho(f"error: {message}{where}", fg="red", err=True)
    raise click.exceptions.Exit(error.exit_code)


def _stdout_closed() -> NoReturn:
    """Exit quietly: whoever read stdout stopped reading (``| head``); nothing more to say."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # what is still buffered goes nowhere, silently
    raise click.exceptions.Exit(CLOSED_OUTPUT)


def _hide_library_warnings() -> None:
    """Hide ``FutureWarning``/``DeprecationWarning`` not raised by ontolake (see the module)."""
    import warnings

    if sys.warnoptions:
        return
    for category in (FutureWarning, DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("ignore", category=category, module=r"(?!ontolake(\.|$))")


def print_traceback(error: BaseException | None = None) -> None:
    """Print the traceback of ``error`` (default: the one being handled) on stderr.

    URLs in it are masked, and so are the secrets of the URLs the command was given wherever
    a library quotes them (an S3 client names ``KEY:SECRET@bucket`` as a bucket name).
    """
    import os
    import sys
    import traceback

    from ontolake._urls import hide_credentials, mask_text

    text = traceback.format_exc() if error is None else "".join(traceback.format_exception(error))
    given = [*sys.argv[1:], os.environ.get("ONTOLAKE_INSTANCE", "")]
    for url in (argument for argument in given if "://" in argument):
        text = hide_credentials(text, url)
    click.echo(mask_text(text).rstrip("\n"), err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ontolake", prog_name="curate")
@click.option("--debug", is_flag=True, help="Show the traceback of any error.")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Do not say which instance is used (like ONTOLAKE_QUIET=1).",
)
def main(debug: bool, quiet: bool) -> None:
    """Curate, version and find biological data with ontolake.

    Exit codes: 0 valid, 1 invalid (a verdict), 2 usage error or unusable input (a bad
    file, a missing instance, registry or record), 3 internal error (a bug: rerun with
    --debug for the traceback).
    """
    _hide_library_warnings()
    if quiet:
        from ontolake.instance.settings import settings

        settings.quiet = True
