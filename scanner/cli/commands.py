"""The commands that scan or render: scan, demo, collect, report, diff. Each parses its options and
hands them to a use case in scanner/app; the frame (app, consoles, boundary) is scanner/cli/base.py."""

from __future__ import annotations

import dataclasses
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scanner.app.options import (
    ALL_FORMATS,
    DEFAULT_CONFIG,
    DEFAULT_OUT,
    UsageError,
    check_ids,
    load_config,
    with_overrides,
)
from scanner.app.options import formats as parse_formats
from scanner.cli.base import (
    EXIT_BUG,
    EXIT_CLEAN,
    EXIT_EMAIL,
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_USAGE,
    Command,
    ConfigOpt,
    FailOpt,
    FormatOpt,
    OnlyOpt,
    OutOpt,
    PdfOpt,
    QuietOpt,
    RedactOpt,
    SinceOpt,
    SkipOpt,
    _bug_text,
    app,
    boundary,
    err,
    main,
    out,
    say,
)
from scanner.exitcodes import ExitCode

if TYPE_CHECKING:
    from scanner import config
    from scanner.model import Changes, ScanResult
    from scanner.runner import Progress

# The use cases, the reports, the sources and their client libraries are imported inside the commands
# that run them: `mdm-preflight --help` (and checks, explain, init) load none of them
# (tests/system/test_startup.py).

__all__ = [  # what 0.1 exported from scanner.cli
    "EXIT_BUG",
    "EXIT_CLEAN",
    "EXIT_EMAIL",
    "EXIT_FINDINGS",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_USAGE",
    "app",
    "main",
]


NO_CONFIG = (
    "saved evidence without a configuration: the company name, verified domains, check options and "
    "exceptions are not applied; pass -c FILE to apply them"
)


class _Terminal:
    """The scan use case's view of the terminal: rich's progress bar and summary."""

    def __init__(self) -> None:
        self.say = say

    def progress(self, total: int) -> AbstractContextManager[Progress]:
        from scanner.cli.console import ScanProgress

        return ScanProgress(err, total=total)

    def changes(self, changes: Changes) -> None:
        from scanner.cli.diffview import print_changes

        print_changes(out, changes)
        out.print()

    def summary(self, result: ScanResult, written: list[Path], fail_on: str) -> None:
        from scanner.cli.console import summary

        summary(out, result, written, fail_on)


def _scan(cfg: config.Config, **request: Any) -> None:
    from scanner.app import scan as scan_case

    code = scan_case.scan(scan_case.ScanRequest(cfg=cfg, **request), _Terminal())
    raise typer.Exit(code)


@app.command(short_help="Scan the environment: reports, a summary, an email.")
@boundary
def scan(
    config_file: ConfigOpt = None,
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    formats: FormatOpt = ALL_FORMATS,
    output: OutOpt = DEFAULT_OUT,
    fail_on: FailOpt = None,
    evidence: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Re-evaluate saved evidence; touches nothing.")
    ] = None,
    since: SinceOpt = None,
    quiet: QuietOpt = False,
    history: Annotated[
        Path | None,
        typer.Option(metavar="FOLDER", help="Keep each run's result here and compare with the previous one."),
    ] = None,
    keep: Annotated[
        int | None, typer.Option(metavar="N", help="Results kept in --history (default 30).")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Compare with this saved result.json.")
    ] = None,
    email: Annotated[bool, typer.Option("--email", help="Send the summary as [email] says.")] = False,
    dry_run_email: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Write the email to this .eml file instead of sending it."),
    ] = None,
    log_file: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Append to this rotating log file.")
    ] = None,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="With --log-file: the libraries' debug log too (passwords masked)."),
    ] = False,
    redact: RedactOpt = False,
    pdf: PdfOpt = False,
) -> None:
    """Collect evidence, run the checks, write reports, print a summary (and email it)."""
    import scanner
    from scanner.unattended import run as unattended

    scheduled = {
        "history_dir": history,
        "keep": keep,
        "baseline": baseline,
        "email": email,
        "dry_run_email": dry_run_email,
        "pdf": pdf,
    }
    with unattended.log_file(log_file, debug):  # opened first, so configuration errors are logged too
        from reports.view.provenance import scrub

        unattended.log.info("mdm-preflight %s: scan %s", scanner.__version__, " ".join(scrub(sys.argv[2:])))
        try:
            boundary(_scan_command)(
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
    from scanner import config
    from scanner.unattended import run as unattended

    notes: tuple[str, ...] = ()
    if evidence is not None and config_file is None and not DEFAULT_CONFIG.exists():
        cfg = config.Config()  # saved evidence needs no sources; options and exceptions are optional
        notes = (NO_CONFIG,)
    else:
        cfg = load_config(config_file)
    cfg = with_overrides(cfg, fail_on, since)
    _scan(
        cfg,
        only=check_ids(only),
        skip=check_ids(skip),
        formats=formats,
        output=output,
        evidence=evidence,
        quiet=quiet,
        argv=sys.argv[1:],
        plan=unattended.plan(cfg, **unattended_args),
        redact=redact,
        notes=notes,
    )


@app.command()
@boundary
def demo(
    formats: FormatOpt = ALL_FORMATS,
    output: OutOpt = DEFAULT_OUT,
    fail_on: FailOpt = None,
    quiet: QuietOpt = False,
    redact: RedactOpt = False,
    pdf: PdfOpt = False,
) -> None:
    """Scan the bundled sample environment (planted problems included)."""
    from scanner import config
    from scanner.unattended import run as unattended

    cfg = with_overrides(config.load(demo_config()), fail_on, None)
    _scan(
        cfg,
        formats=formats,
        output=output,
        quiet=quiet,
        argv=["demo", *(["--redact"] if redact else []), *(["--pdf"] if pdf else [])],
        plan=unattended.Plan(pdf=pdf),
        redact=redact,
    )


def demo_config() -> Path:
    from importlib.resources import files

    return Path(str(files("sample_logs").joinpath("demo.toml")))


@app.command(short_help="Gather evidence only, to analyse later with scan --evidence.")
@boundary
def collect(
    config_file: ConfigOpt = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="Where to write the evidence.")
    ] = Path("evidence.json"),
    only: OnlyOpt = None,
    skip: SkipOpt = None,
) -> None:
    """Gather evidence only (run on the customer's side); analyse it later with scan --evidence."""
    from scanner import store
    from scanner.files import write_atomic
    from scanner.registry import discover
    from scanner.runner import collect as gather
    from scanner.runner import prepare

    cfg = load_config(config_file)
    prepared = prepare(discover(), cfg, check_ids(only), check_ids(skip))
    ev = gather(cfg, {n for p in prepared for n in p.spec.info.needs})
    write_atomic(output, store.dump_evidence(ev))
    for s in ev.sources:
        err.print(f"{s.name}: {s.status}{' — ' + s.reason if s.reason else ''}", markup=False)
    out.print(f"wrote {output}", markup=False)
    raise typer.Exit(ExitCode.INCOMPLETE if any(s.status in ("error", "partial") for s in ev.sources) else 0)


@app.command(cls=Command)
@boundary
def report(
    result_file: Annotated[Path, typer.Argument(metavar="RESULT.JSON", help="A saved result.json.")],
    formats: FormatOpt = "html",
    output: OutOpt = DEFAULT_OUT,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", "-c", metavar="FILE", help="Take the [report] branding from this config."),
    ] = None,
    redact: RedactOpt = False,
    pdf: PdfOpt = False,
) -> None:
    """Re-render a saved result in any format, without scanning."""
    from scanner import config, store
    from scanner.app import scan as scan_case
    from scanner.app.outputs import write_reports
    from scanner.app.pdf import PdfError, print_report

    result = store.load_result(result_file)
    if config_file is not None:
        branding = scan_case.branding(config.load(config_file))
        result = dataclasses.replace(result, options={**result.options, "report": branding.get("report", {})})
    if redact:
        result = scan_case.redacted(result)
    fmts = parse_formats(formats)
    if pdf and "html" not in fmts:
        fmts = parse_formats(",".join(["html", *fmts]))
    written = write_reports(result, fmts, output)
    for path in written:
        out.print(f"wrote {path}", markup=False)
    if pdf:
        try:
            made = print_report(result, output / "report.pdf")
        except PdfError as exc:
            raise UsageError(str(exc)) from None
        out.print(f"wrote {made}", markup=False)


@app.command("diff", cls=Command, short_help="What changed between two saved results.")
@boundary
def diff(
    old: Annotated[Path, typer.Argument(metavar="OLD.JSON", help="The earlier result.json.")],
    new: Annotated[Path, typer.Argument(metavar="NEW.JSON", help="The later result.json.")],
    formats: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMATS", help="Formats written with -o.")
    ] = "html,md",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FOLDER", help="Write NEW's reports, the comparison first."),
    ] = None,
    rows: Annotated[int, typer.Option(metavar="N", help="Findings printed per group (0: all).")] = 25,
) -> None:
    """What changed between two saved results: new, resolved, still failing, accepted, expired."""
    from scanner import store
    from scanner.app.outputs import write_reports
    from scanner.cli.diffview import print_changes
    from scanner.diff import compare

    before, after = store.load_result(old), store.load_result(new)
    changes = compare(before, after, old.name)
    print_changes(out, changes, rows=rows or None)
    if output is not None:
        for path in write_reports(
            dataclasses.replace(after, changes=changes), parse_formats(formats), output
        ):
            out.print(f"wrote {path}", markup=False)


from scanner.cli import info  # noqa: E402,F401  (registers checks, explain, logs, init)
