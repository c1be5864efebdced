"""The mdm-preflight command line. Commands delegate; errors become one line and an exit code."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from scanner import __version__, config, credentials, store, unattended
from scanner.cmlog import LogReadError
from scanner.codec import to_jsonable
from scanner.console import ScanProgress, summary
from scanner.diff import compare
from scanner.diffview import print_changes
from scanner.evidence import Evidence
from scanner.files import ReportWriteError, WriteError, check_report_folder, write_atomic
from scanner.lock import LockBusy
from scanner.logview import show_logs
from scanner.model import ScanResult, Severity
from scanner.registry import CatalogError, discover
from scanner.runner import prepare, run
from scanner.timespec import window_start

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl+C
EXIT_STOPPED = 143  # 128 + SIGTERM: systemd, kill, a scheduler's "stop" (Windows: Ctrl+Break)
EXIT_EMAIL, EXIT_LOCKED = unattended.EXIT_EMAIL, unattended.EXIT_LOCKED  # 4, 5: see README "Exit codes"
DEFAULT_OUT = Path("mdm-preflight-report")
DEFAULT_CONFIG = Path("mdm-preflight.toml")
ALL_FORMATS = "html,md,json,csv,junit"

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


class UsageError(Exception):
    """Bad input from the user: exit 2 with one line."""


class Stopped(BaseException):
    """A scheduler or service manager asked the run to stop (SIGTERM; Ctrl+Break on Windows).

    A BaseException, like KeyboardInterrupt: nothing that handles errors as values swallows it, each
    `with` on the way out runs (the history lock is released, a half-written report's temporary file
    removed)."""


def _stop(signum: int, frame: object) -> None:
    import signal

    signal.signal(signum, signal.SIG_DFL)  # a second request is not negotiable: it ends the process
    raise Stopped(signal.Signals(signum).name)


def _stop_on_signals() -> None:
    """SIGTERM everywhere it exists; SIGBREAK on Windows, where Task Scheduler and services send
    Ctrl+Break. (Ending a task with TerminateProcess cannot be caught by any program.)"""
    import signal

    for name in ("SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop)


def _boundary(func: Callable[..., Any]) -> Callable[..., Any]:
    """Domain errors end here as one line on stderr and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (
            UsageError,
            config.ConfigError,
            store.StoreError,
            CatalogError,
            LogReadError,
            ReportWriteError,
            WriteError,
        ) as exc:
            unattended.log.error("%s", exc)
            err.print(f"mdm-preflight: error: {credentials.scrub(str(exc))}", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_USAGE) from None
        except KeyboardInterrupt:  # Ctrl+C: the shell's convention, never 1 (findings)
            unattended.log.error("interrupted")
            err.print("mdm-preflight: interrupted; files already written are complete", markup=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Stopped as why:  # the scheduler's stop: the same promise, the service managers' code
            unattended.log.error("stopped by %s", why)
            err.print(
                f"mdm-preflight: stopped by {why}; files already written are complete, the others were "
                "not written",
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_STOPPED) from None

    return wrapper


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


def _load_config(path: Path | None) -> config.Config:
    if path is None and (env := os.environ.get("MDM_PREFLIGHT_CONFIG")):
        path = Path(env)
    if path is None:
        if not DEFAULT_CONFIG.exists():
            raise UsageError(
                f"no {DEFAULT_CONFIG} here; pass --config FILE or create one with 'mdm-preflight init'"
            )
        path = DEFAULT_CONFIG
    return config.load(path)


def _formats(text: str) -> list[str]:
    from reports import FORMATS, with_companions

    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(
            f"unknown report format {unknown[0] if unknown else text!r}; use some of {', '.join(FORMATS)}"
        )
    return with_companions(chosen)


def _with_overrides(cfg: config.Config, fail_on: str | None, since: str | None) -> config.Config:
    if fail_on is not None:
        try:
            choice = "never" if fail_on.lower() == "never" else Severity.parse(fail_on).value
        except ValueError as exc:
            raise UsageError(f"--fail-on: {exc}") from None
        cfg = dataclasses.replace(cfg, scan=dataclasses.replace(cfg.scan, fail_on=choice))
    if since is not None:
        try:
            window_start(since, datetime.now(UTC))
        except ValueError as exc:
            raise UsageError(f"--since: {exc}") from None
        checks = {**cfg.checks, "logs.errors": {**cfg.checks.get("logs.errors", {}), "since": since}}
        cfg = dataclasses.replace(cfg, checks=checks)
    return cfg


def exit_code(result: ScanResult, fail_on: str) -> int:
    worst = result.worst_open()
    if fail_on != "never" and worst is not None and worst.rank >= Severity.parse(fail_on).rank:
        return EXIT_FINDINGS
    return EXIT_INCOMPLETE if result.incomplete else EXIT_CLEAN


def _scan(
    cfg: config.Config,
    *,
    only: list[str] | None,
    skip: list[str] | None,
    formats: str,
    output: Path,
    evidence: Path | None,
    quiet: bool,
    argv: list[str],
    plan: unattended.Plan | None = None,
    redact: bool = False,
) -> None:
    from reports.provenance import run_facts, scrub

    check_report_folder(output)  # found before minutes of scanning, not after
    catalog = discover()
    plan = plan or unattended.Plan()
    fmts = _formats(formats if not plan.pdf else f"html,{formats}")  # the PDF is printed from the HTML
    prepared = prepare(catalog, cfg, only or (), skip or ())
    saved = store.load_evidence(evidence) if evidence else None
    for problem in catalog.load_errors:
        err.print(f"mdm-preflight: warning: {problem}", markup=False)
    options = {
        "command": scrub(argv),
        **run_facts(),
        "config": cfg.source,
        "evidence": str(evidence or ""),
        "fail_on": cfg.scan.fail_on,
        "checks": [p.spec.info.id for p in prepared],
        **_branding(cfg),
    }
    with unattended.Run(cfg, plan, err) as job:
        try:
            job.prepare()
        except LockBusy as exc:
            unattended.log.error("%s", exc)
            err.print(
                f"mdm-preflight: error: {credentials.scrub(str(exc))}; nothing scanned",
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_LOCKED) from None
        with ScanProgress(err, total=len(prepared)) as progress:
            result, ev = run(cfg, catalog, prepared, evidence=saved, options=options, progress=progress)
        result = job.compared(result)
        # What leaves the machine is redacted; the history keeps real names, so later runs compare.
        shown = _redacted(result, ev) if redact else result
        if redact:  # raw evidence would undo the redaction: none written, none left from before
            (output / "evidence.json").unlink(missing_ok=True)
        problems: list[str] = []
        written = _write(shown, ev if saved is None and not redact else None, fmts, output, problems)
        if "report.html" in {p.name for p in written}:
            written += job.print_pdf(output / "report.html")
        job.keep(result)
        code = exit_code(result, cfg.scan.fail_on)
        if not quiet:
            if shown.changes is not None:
                print_changes(out, shown.changes)
                out.print()
            summary(out, shown, written, cfg.scan.fail_on)
        unattended.log_outcome(result, code)
        code = job.deliver(shown, written, code)
        if problems and code != EXIT_EMAIL:  # a night without its reports must not look ordinary
            code = EXIT_USAGE
    raise typer.Exit(code)


def _branding(cfg: config.Config) -> dict[str, Any]:
    """[report] as result options, the logo read now: a saved result re-renders with the same look."""
    from reports.brand import BrandError, logo_uri

    rep = cfg.report
    if rep == config.ReportConfig():
        return {}
    logo = ""
    if rep.logo:
        path = Path(rep.logo)
        try:
            logo = logo_uri(path if path.is_absolute() or cfg.base_dir is None else cfg.base_dir / path)
        except BrandError as exc:
            raise UsageError(f"{cfg.source}: report.logo: {exc}") from None
    return {
        "report": {"author": rep.author, "engagement": rep.engagement, "accent": rep.accent, "logo": logo}
    }


def _redacted(result: ScanResult, ev: Evidence | None = None) -> ScanResult:
    """Pseudonyms keyed per run, or by MDM_PREFLIGHT_REDACT_KEY so they stay the same across runs."""
    import secrets

    from reports.redact import redact

    key = os.environ.get("MDM_PREFLIGHT_REDACT_KEY", "").encode("utf-8") or secrets.token_bytes(32)
    return redact(result, key, ev)


def _write(result: ScanResult, ev: Any, fmts: list[str], output: Path, problems: list[str]) -> list[Path]:
    """Every file that can be written is; each one that cannot is one error line, kept in `problems`."""
    from reports import write_reports

    try:
        written = write_reports(result, fmts, output)
    except ReportWriteError as exc:
        written = exc.written
        problems += exc.problems
    if ev is not None and "json" in fmts and output.is_dir():
        try:
            written.append(write_atomic(output / "evidence.json", store.dump_evidence(ev)))
        except OSError as exc:  # WriteError: one line naming the file
            problems.append(str(exc))
    for line in problems:
        unattended.log.error("%s", line)
        err.print(f"mdm-preflight: error: {line}", markup=False, soft_wrap=True)
    return written


@app.command()
@_boundary
def scan(
    config_file: ConfigOpt = None,
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    formats: FormatOpt = ALL_FORMATS,
    output: OutOpt = DEFAULT_OUT,
    fail_on: FailOpt = None,
    evidence: Annotated[
        Path | None, typer.Option(help="Re-evaluate saved evidence; touches nothing.")
    ] = None,
    since: SinceOpt = None,
    quiet: QuietOpt = False,
    history: Annotated[
        Path | None, typer.Option(help="Keep each run's result here and compare with the previous one.")
    ] = None,
    keep: Annotated[int | None, typer.Option(help="Results kept in --history (default 30).")] = None,
    baseline: Annotated[Path | None, typer.Option(help="Compare with this saved result.json.")] = None,
    email: Annotated[bool, typer.Option("--email", help="Send the summary as [email] says.")] = False,
    dry_run_email: Annotated[
        Path | None, typer.Option(help="Write the email to this .eml file instead of sending it.")
    ] = None,
    log_file: Annotated[Path | None, typer.Option(help="Append to this rotating log file.")] = None,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="With --log-file: the libraries' debug log too (passwords masked)."),
    ] = False,
    redact: RedactOpt = False,
    pdf: PdfOpt = False,
) -> None:
    """Collect evidence, run the checks, write reports, print a summary (and email it)."""
    scheduled = {
        "history_dir": history,
        "keep": keep,
        "baseline": baseline,
        "email": email,
        "dry_run_email": dry_run_email,
        "pdf": pdf,
    }
    with unattended.log_file(log_file, debug):  # opened first, so configuration errors are logged too
        from reports.provenance import scrub

        unattended.log.info("mdm-preflight %s: scan %s", __version__, " ".join(scrub(sys.argv[2:])))
        try:
            _boundary(_scan_command)(
                config_file, only, skip, formats, output, fail_on, evidence, since, quiet, scheduled, redact
            )
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # a bug: into the log too, while it is open (main() says the rest)
            unattended.log.error("internal error: %s", _bug_text(exc))
            raise


def _scan_command(
    config_file: Path | None,
    only: list[str] | None,
    skip: list[str] | None,
    formats: str,
    output: Path,
    fail_on: str | None,
    evidence: Path | None,
    since: str | None,
    quiet: bool,
    unattended_args: dict[str, Any],
    redact: bool = False,
) -> None:
    if evidence is not None and config_file is None and not DEFAULT_CONFIG.exists():
        cfg = config.Config()  # saved evidence needs no sources; options and exceptions are optional
    else:
        cfg = _load_config(config_file)
    cfg = _with_overrides(cfg, fail_on, since)
    _scan(
        cfg,
        only=only,
        skip=skip,
        formats=formats,
        output=output,
        evidence=evidence,
        quiet=quiet,
        argv=sys.argv[1:],
        plan=unattended.plan(cfg, **unattended_args),
        redact=redact,
    )


@app.command()
@_boundary
def demo(
    formats: FormatOpt = ALL_FORMATS,
    output: OutOpt = DEFAULT_OUT,
    fail_on: FailOpt = None,
    quiet: QuietOpt = False,
    redact: RedactOpt = False,
    pdf: PdfOpt = False,
) -> None:
    """Scan the bundled sample environment (planted problems included)."""
    cfg = _with_overrides(config.load(demo_config()), fail_on, None)
    _scan(
        cfg,
        only=None,
        skip=None,
        formats=formats,
        output=output,
        evidence=None,
        quiet=quiet,
        argv=["demo", *(["--redact"] if redact else []), *(["--pdf"] if pdf else [])],
        plan=unattended.Plan(pdf=pdf),
        redact=redact,
    )


def demo_config() -> Path:
    return Path(str(files("sample_logs").joinpath("demo.toml")))


@app.command()
@_boundary
def collect(
    config_file: ConfigOpt = None,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("evidence.json"),
    only: OnlyOpt = None,
    skip: SkipOpt = None,
) -> None:
    """Gather evidence only (run on the customer's side); analyse it later with scan --evidence."""
    from scanner.runner import collect as gather

    cfg = _load_config(config_file)
    prepared = prepare(discover(), cfg, only or (), skip or ())
    ev = gather(cfg, {n for p in prepared for n in p.spec.info.needs})
    write_atomic(output, store.dump_evidence(ev))
    for s in ev.sources:
        err.print(f"{s.name}: {s.status}{' — ' + s.reason if s.reason else ''}", markup=False)
    out.print(f"wrote {output}", markup=False)
    raise typer.Exit(EXIT_INCOMPLETE if any(s.status in ("error", "partial") for s in ev.sources) else 0)


@app.command()
@_boundary
def report(
    result_file: Annotated[Path, typer.Argument(help="A saved result.json.")],
    formats: FormatOpt = "html",
    output: OutOpt = DEFAULT_OUT,
    config_file: Annotated[
        Path | None, typer.Option("--config", "-c", help="Take the [report] branding from this config.")
    ] = None,
    redact: RedactOpt = False,
    pdf: PdfOpt = False,
) -> None:
    """Re-render a saved result in any format, without scanning."""
    from reports import write_reports
    from reports.pdf import PdfError, print_pdf

    result = store.load_result(result_file)
    if config_file is not None:
        branding = _branding(config.load(config_file))
        result = dataclasses.replace(result, options={**result.options, "report": branding.get("report", {})})
    if redact:
        result = _redacted(result)
    fmts = _formats(formats)
    if pdf and "html" not in fmts:
        fmts = _formats(",".join(["html", *fmts]))
    written = write_reports(result, fmts, output)
    for path in written:
        out.print(f"wrote {path}", markup=False)
    if pdf:
        try:
            made = print_pdf(output / "report.html", output / "report.pdf")
        except PdfError as exc:
            raise UsageError(str(exc)) from None
        out.print(f"wrote {made}", markup=False)


@app.command("diff")
@_boundary
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier result.json.")],
    new: Annotated[Path, typer.Argument(help="The later result.json.")],
    formats: Annotated[str, typer.Option("--format", "-f", help="Formats written with -o.")] = "html,md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write NEW's reports, the comparison first.")
    ] = None,
    rows: Annotated[int, typer.Option(help="Findings printed per group (0: all).")] = 25,
) -> None:
    """What changed between two saved results: new, resolved, still failing, accepted, expired."""
    from reports import write_reports

    before, after = store.load_result(old), store.load_result(new)
    changes = compare(before, after, old.name)
    print_changes(out, changes, rows=rows or None)
    if output is not None:
        for path in write_reports(dataclasses.replace(after, changes=changes), _formats(formats), output):
            out.print(f"wrote {path}", markup=False)


@app.command("checks")
@_boundary
def list_checks(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the check catalog."""
    catalog = discover()
    if as_json:
        out.print_json(json.dumps([to_jsonable(s.info) for s in catalog.select()]))
        return
    from rich.table import Table

    table = Table("id", "severity", "needs", "title", box=None, header_style="bold")
    for spec in catalog.select():
        table.add_row(spec.info.id, spec.info.severity.value, ",".join(spec.info.needs), spec.info.title)
    out.print(table)


@app.command()
@_boundary
def explain(check_id: Annotated[str, typer.Argument(help="A check id, e.g. logs.errors.")]) -> None:
    """One check's description, remediation, references and options."""
    catalog = discover()
    spec = catalog.specs.get(check_id.lower())
    if spec is None:
        catalog.select([check_id])  # raises with suggestions when nothing matches
        raise UsageError(f"{check_id!r} is a pattern; give one check id")
    i = spec.info
    out.print(f"[bold]{i.id}[/] — {i.title}\nseverity: {i.severity.value}   needs: {', '.join(i.needs)}\n")
    out.print(i.description + "\n", markup=False)
    out.print(f"[bold]Remediation[/]\n{i.remediation}\n")
    for ref in i.references:
        out.print(f"  {ref}", markup=False)
    opts = dataclasses.fields(spec.options)
    if opts:
        out.print(
            f"\n[bold]Options[/] in {escape(f'[checks.{chr(34)}{i.id}{chr(34)}]')} (also: severity, enabled)"
        )
        for f in opts:
            out.print(f"  {f.name} = {f.default!r}", markup=False)


@app.command()
@_boundary
def logs(
    paths: Annotated[list[str], typer.Argument(help="Log files, folders or globs.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the parsed evidence as JSON.")] = False,
    since: SinceOpt = None,
    limit: Annotated[int, typer.Option(help="Entries to show per log.")] = 10,
    time_convention: Annotated[str, typer.Option(help="bias (ConfigMgr) or offset.")] = "bias",
) -> None:
    """Parse ConfigMgr logs: a summary per log, then its recent errors and warnings."""
    show_logs(out, paths, as_json=as_json, since=since, limit=limit, convention=time_convention)


@app.command()
@_boundary
def init(
    output: Annotated[Path, typer.Option("--output", "-o")] = DEFAULT_CONFIG,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example configuration."""
    if output.exists() and not force:
        raise UsageError(f"{output} exists; pass --force to overwrite it")
    write_atomic(output, files("scanner").joinpath("example.toml").read_text(encoding="utf-8"))
    out.print(f"wrote {output}: fill in [site] and the sections of the sources you have", markup=False)


def _version(value: bool) -> None:
    if value:
        out.print(f"mdm-preflight {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    pass


EXIT_BUG = 6  # an unexpected exception: a bug in mdm-preflight, never mistaken for findings (1)


def _bug_text(exc: BaseException) -> str:
    import traceback

    return credentials.scrub("".join(traceback.format_exception(exc)))


def main() -> None:
    # A console or redirected output in a code page without a character we print (an em dash, a name
    # from the directory in cp437) gets a replacement character, never an exception.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    _stop_on_signals()
    try:
        app()
    except SystemExit as done:
        if done.code in (EXIT_INTERRUPTED, EXIT_STOPPED):
            # Ctrl+C or a stop: do not wait for requests still out (worker threads end only at
            # their timeouts); every file is already whole or absent, the lock and the log closed.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(done.code)
        raise
    except Exception as exc:  # a bug: plain traceback (no locals), secrets masked, its own exit code
        sys.stderr.write(_bug_text(exc))
        sys.stderr.write(
            f"mdm-preflight: internal error ({type(exc).__name__}): this is a bug in mdm-preflight, not in "
            "your environment; please report it with the lines above (reports already written are complete)\n"
        )
        sys.exit(EXIT_BUG)
