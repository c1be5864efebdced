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
import typer.core
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
# Redirected output (a scheduled task's log, a pipe into grep) is never wrapped: lines stay whole
# whatever COLUMNS says; a terminal wraps at its own width.
UNWRAPPED = 100_000


def _console(stream: Any, **kw: Any) -> Console:
    tty = stream.isatty()
    return Console(highlight=False, width=None if tty else UNWRAPPED, soft_wrap=not tty, **kw)


out = _console(sys.stdout)
err = _console(sys.stderr, stderr=True)


class _Argument(typer.core.TyperArgument):
    """An argument shown by its metavar alone: FILE, not {result_file} <path>."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.metavar or (self.name or "").upper()
        return name if self.required else f"[{name}]"


class Command(typer.core.TyperCommand):
    """A command whose help shows what to type, never Python names or types."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is typer.core.TyperArgument:
                param.__class__ = _Argument


def say(text: str) -> None:
    """One plain line on stderr (no markup: values from servers and files are shown as they are)."""
    err.print(text, markup=False, soft_wrap=True)


class Stopped(BaseException):
    """A scheduler or service manager asked the run to stop (SIGTERM; Ctrl+Break on Windows).

    A BaseException, like KeyboardInterrupt: nothing that handles errors as values swallows it, and
    each `with` on the way out runs (the history lock is released, a half-written report's temporary
    file removed)."""


def _stop(signum: int, frame: object) -> None:
    import signal

    signal.signal(signum, signal.SIG_DFL)  # a second request is not negotiable: it ends the process
    raise Stopped(signal.Signals(signum).name)


def stop_on_signals() -> None:
    """SIGTERM where it exists; SIGBREAK on Windows, which services and console wrappers send as
    Ctrl+Break. (Task Scheduler's "End" on a task without a console terminates the process: nothing
    can be done then, and the next run takes over the lock of the ended process.)"""
    import signal

    for name in ("SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop)


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
        except Stopped as why:  # the scheduler's stop: the same promise, the service managers' code
            _log().error("stopped by %s", why)
            done = "files already written are complete, the others were not written"
            say(f"mdm-preflight: stopped by {why}; {done}")
            raise typer.Exit(ExitCode.STOPPED) from None

    return wrapper


def _log() -> Any:
    """The run log (scanner.unattended.run), imported when there is something to write to it."""
    from scanner.unattended import run

    return run.log


ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", metavar="FILE", help="Config file (TOML).")]
OnlyOpt = Annotated[
    list[str] | None,
    typer.Option("--only", metavar="IDS", help="Run only these check ids or globs (comma-separated)."),
]
SkipOpt = Annotated[
    list[str] | None,
    typer.Option("--skip", metavar="IDS", help="Leave out these check ids or globs (comma-separated)."),
]
FormatOpt = Annotated[
    str, typer.Option("--format", "-f", metavar="FORMATS", help="Report formats, comma-separated.")
]
OutOpt = Annotated[Path, typer.Option("--output", "-o", metavar="FOLDER", help="Folder for the reports.")]
FailOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        metavar="SEVERITY",
        help="Exit 1 at this severity or worse (critical, high, medium, low, info, never).",
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
SinceOpt = Annotated[
    str | None, typer.Option("--since", metavar="WHEN", help="Log error window: 7d, 12h or a date.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No terminal summary.")]


def _version(value: bool) -> None:
    if value:
        out.print(f"mdm-preflight {scanner.__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    pass


def _abandoned() -> bool:
    """Threads still working after the command returned: requests a source's deadline gave up on."""
    import threading

    return any(t.is_alive() and t is not threading.main_thread() for t in threading.enumerate())


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
    stop_on_signals()
    try:
        app()
    except SystemExit as done:
        if done.code in (ExitCode.INTERRUPTED, ExitCode.STOPPED) or _abandoned():
            # Ctrl+C, a stop, or a source the run gave up on at its deadline: do not wait for
            # requests still out (worker threads end only at their own timeouts, and a clock set
            # back can stretch those); every file is already whole or absent, the lock and log closed.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(done.code))  # type: ignore[arg-type]
        raise
    except (KeyboardInterrupt, Stopped) as why:  # outside a command's boundary (starting, finishing)
        code = ExitCode.INTERRUPTED if isinstance(why, KeyboardInterrupt) else ExitCode.STOPPED
        sys.stderr.write(f"mdm-preflight: {'interrupted' if code == ExitCode.INTERRUPTED else 'stopped'}\n")
        sys.stderr.flush()
        os._exit(int(code))  # never wait for requests still out
    except Exception as exc:  # a bug: plain traceback (no locals), secrets masked, its own exit code
        sys.stderr.write(_bug_text(exc))
        sys.stderr.write(
            f"mdm-preflight: internal error ({type(exc).__name__}): this is a bug in mdm-preflight, not in "
            "your environment; please report it with the lines above (reports already written are complete)\n"
        )
        sys.exit(ExitCode.BUG)
