"""The scan use case: prepare, collect, check, compare, write, print, keep, deliver — one exit code.

The command line gives it a `ScanUI` (rich's progress bar and summary); a scheduled task's part (lock,
history, email) is an `unattended.Run`. Nothing here imports typer or rich.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from reports.view.provenance import run_facts, scrub
from scanner import config, credentials, store
from scanner.app import pdf
from scanner.app.brand import BrandError, logo_uri
from scanner.app.options import UsageError, formats
from scanner.app.outputs import write_reports
from scanner.app.redact import redact as pseudonymise
from scanner.evidence import Evidence
from scanner.exitcodes import ExitCode, for_result
from scanner.files import ReportWriteError, check_report_folder, write_atomic
from scanner.model import Changes, ScanResult
from scanner.registry import discover
from scanner.runner import Progress, prepare, run
from scanner.sources import secrets_needed
from scanner.unattended import run as unattended
from scanner.unattended.lock import LockBusy


class ScanUI(Protocol):
    """What the person (or the task's log) sees."""

    def say(self, text: str) -> None: ...  # one plain line on stderr
    def progress(self, total: int) -> AbstractContextManager[Progress]: ...
    def changes(self, changes: Changes) -> None: ...
    def summary(self, result: ScanResult, written: list[Path], fail_on: str) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanRequest:
    cfg: config.Config
    formats: str
    output: Path
    only: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)
    evidence: Path | None = None  # saved evidence to re-evaluate instead of collecting
    quiet: bool = False
    argv: list[str] = field(default_factory=list)
    plan: unattended.Plan = field(default_factory=unattended.Plan)
    redact: bool = False
    notes: tuple[str, ...] = ()  # said on stderr and kept as the result's warnings (in every report)


def scan(req: ScanRequest, ui: ScanUI) -> ExitCode:
    cfg, plan, output = req.cfg, req.plan, req.output
    check_report_folder(output)  # found before minutes of scanning, not after
    catalog = discover()
    fmts = formats(req.formats if not plan.pdf else f"html,{req.formats}")  # the PDF is printed from HTML
    prepared = prepare(catalog, cfg, req.only, req.skip)
    saved = store.load_evidence(req.evidence) if req.evidence else None
    for problem in (*catalog.load_errors, *req.notes):
        ui.say(f"mdm-preflight: warning: {problem}")
    options = {
        "command": scrub(req.argv),
        **run_facts(),
        "config": cfg.source,
        "evidence": str(req.evidence or ""),
        "fail_on": cfg.scan.fail_on,
        "checks": [p.spec.info.id for p in prepared],
        **branding(cfg),
    }
    with unattended.Run(cfg, plan, ui.say, pdf.print_report) as job:
        try:
            job.prepare()
        except LockBusy as exc:
            unattended.log.error("%s", exc)
            ui.say(f"mdm-preflight: error: {credentials.scrub(str(exc))}; nothing scanned")
            return ExitCode.LOCKED
        # Every password now: a task without one stops before scanning, a prompt is never under a progress bar
        needed = {n for p in prepared for n in p.spec.info.needs}
        credentials.ask_first(secrets_needed(cfg, needed), config.ConfigError)
        with ui.progress(len(prepared)) as progress:
            result, ev = run(cfg, catalog, prepared, evidence=saved, options=options, progress=progress)
        result = job.compared(result)
        if req.notes:
            result = dataclasses.replace(result, warnings=(*result.warnings, *req.notes))
        # What leaves the machine is redacted; the history keeps real names, so later runs compare.
        shown = redacted(result, ev) if req.redact else result
        if req.redact:  # raw evidence would undo the redaction: none written, none left from before
            (output / "evidence.json").unlink(missing_ok=True)
        problems: list[str] = []
        written = write(shown, ev if saved is None and not req.redact else None, fmts, output, problems)
        for line in problems:
            ui.say(f"mdm-preflight: error: {line}")
        if "report.html" in {p.name for p in written}:
            written += job.print_pdf(shown, output)
        job.keep(result)
        code = for_result(result, cfg.scan.fail_on)
        if result.nothing_checked:  # said even under -q: a scheduled task's log must show it
            line = f"nothing was checked: {result.not_checked()}"
            unattended.log.error("%s", line)
            ui.say(f"mdm-preflight: error: {line}")
        if not req.quiet:
            if shown.changes is not None:
                ui.changes(shown.changes)
            ui.summary(shown, written, cfg.scan.fail_on)
        unattended.log_outcome(result, code)
        code = ExitCode(job.deliver(shown, written, code))
        if problems and code != ExitCode.EMAIL:  # a night without its reports must not look ordinary
            code = ExitCode.USAGE
    return code


def branding(cfg: config.Config) -> dict[str, Any]:
    """[report] as result options, the logo read now: a saved result re-renders with the same look."""
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
        "report": {
            "author": rep.author,
            "engagement": rep.engagement,
            "accent": rep.accent,
            "logo": logo,
            "classification": rep.classification,
        }
    }


def redacted(result: ScanResult, ev: Evidence | None = None) -> ScanResult:
    """Pseudonyms keyed per run, or by MDM_PREFLIGHT_REDACT_KEY so they stay the same across runs."""
    key = os.environ.get("MDM_PREFLIGHT_REDACT_KEY", "").encode("utf-8") or secrets.token_bytes(32)
    return pseudonymise(result, key, ev)


def write(result: ScanResult, ev: Any, fmts: list[str], output: Path, problems: list[str]) -> list[Path]:
    """Every file that can be written is; each one that cannot is one error line, kept in `problems`."""
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
    return written
