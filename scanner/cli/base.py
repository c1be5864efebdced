"""The command line's frame: the typer app, the two consoles, shared options, and the error boundary.

Commands (scanner/cli/commands.py, scanner/cli/info.py) delegate to the use cases in scanner/app; errors
meant for the user end here as one line and an exit code (scanner.exitcodes), never a traceback."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

import scanner
from scanner import credentials
from scanner.errors import PreflightError
from scanner.exitcodes import ExitCode

# The names 0.1 exported; the codes themselves are scanner.exitcodes.ExitCode.
EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = (
    ExitCode.CLEAN,
    ExitCode.FINDINGS,
    ExitCode.USAGE,
    ExitCode.INCOMPLETE,
)
EXIT_EMAIL, EXIT_LOCKED, EXIT_BUG, EXIT_INTERRUPTED = (
    ExitCode.EMAIL,
    ExitCode.LOCKED,
    ExitCode.BUG,
    ExitCode.INTERRUPTED,
)

# Tracebacks of real bugs stay plain: rich's would print local variables, which can hold secrets.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Prerequisite and health scanner for hybrid MDM (Configuration Manager + Intune).",
)
# Redirected output (a scheduled task's log) gets a fixed, generous width instead of 80 columns.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 120)


def say(text: str) -> None:
    """One plain line on stderr (no markup: values from servers and files are shown as they are)."""
    err.print(text, markup=False, soft_wrap=True)


def boundary(func: Callable[..., Any]) -> Callable[..., Any]:
    """Domain errors end here as one line on stderr and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PreflightError as exc:
            _log().error("%s", exc)
            err.print(f"mdm-preflight: error: {credentials.scrub(str(exc))}", markup=False, soft_wrap=True)
            raise typer.Exit(ExitCode.USAGE) from None
        except KeyboardInterrupt:  # Ctrl+C: the shell's convention, never 1 (findings)
            _log().error("interrupted")
            err.print("mdm-preflight: interrupted; files already written are complete", markup=False)
            raise typer.Exit(ExitCode.INTERRUPTED) from None

    return wrapper


def _log() -> Any:
    """The run log (scanner.unattended.run), imported when there is something to write to it."""
    from scanner.unattended import run

    return run.log


ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML).")]
OnlyOpt = Annotated[list[str] | None, typer.Option("--only", help="Run only these check ids or globs.")]
SkipOpt = Annotated[list[str] | None, typer.Option("--skip", help="Leave out these check ids or globs.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Report formats, comma-separated.")]
OutOpt = Annotated[Path, typer.Option("--output", "-o", help="Folder for the reports.")]
FailOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on", help="Exit 1 at this severity or worse (critical, high, medium, low, info, never)."
    ),
]
RedactOpt = Annotated[
    bool,
    typer.Option(
        "--redact",
        help="Replace user names and UPNs with stable pseudonyms (reports that leave the customer).",
    ),
]
PdfOpt = Annotated[
    bool, typer.Option("--pdf", help="Also print report.pdf with a local Chromium, Chrome or Edge.")
]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Log error window: 7d, 12h or a date.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No terminal summary.")]


def _version(value: bool) -> None:
    if value:
        out.print(f"mdm-preflight {scanner.__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    pass


def _bug_text(exc: BaseException) -> str:
    import traceback

    return credentials.scrub("".join(traceback.format_exception(exc)))


def main() -> None:
    # A library's warning (cryptography's for a 65-character certificate name) is no message for the
    # user: it goes to the log file (--log-file; with --debug too), never raw to stderr.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(logging.NullHandler())
    # A console or redirected output in a code page without a character we print (an em dash, a name
    # from the directory in cp437) gets a replacement character, never an exception.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    try:
        app()
    except SystemExit as done:
        if done.code == ExitCode.INTERRUPTED:
            # Ctrl+C: do not wait for requests still out (worker threads end only at their
            # timeouts); every file is already whole or absent, and the log is closed.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(ExitCode.INTERRUPTED))
        raise
    except Exception as exc:  # a bug: plain traceback (no locals), secrets masked, its own exit code
        sys.stderr.write(_bug_text(exc))
        sys.stderr.write(
            f"mdm-preflight: internal error ({type(exc).__name__}): this is a bug in mdm-preflight, not in "
            "your environment; please report it with the lines above (reports already written are complete)\n"
        )
        sys.exit(ExitCode.BUG)
