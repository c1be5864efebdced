"""The fleet use case: many sites' saved results into one report across them, and its email."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reports import FLEET_FORMATS
from reports.view.fleet import Fleet
from reports.view.runs import TREND_RUNS
from scanner.app.fleetmail import FleetMail
from scanner.app.results import Found, gather
from scanner.config import Config
from scanner.errors import PreflightError
from scanner.exitcodes import ExitCode
from scanner.files import check_report_folder, report_folder, write_atomic
from scanner.model import Severity


class FleetError(PreflightError):
    """Nothing to report on: no result could be read."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetRequest:
    paths: tuple[Path, ...]  # result files, or folders searched for them
    history: tuple[Path, ...] = ()  # folders of earlier runs, for the trend
    formats: tuple[str, ...] = tuple(FLEET_FORMATS)
    output: Path
    runs: int = TREND_RUNS  # runs per trend strip
    fail_on: str = "high"  # a severity, or never
    config: Config | None = None  # for --email / --dry-run-email: [email] and [scan] timeout
    email: bool = False
    dry_run_email: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetOutcome:
    found: Found
    written: tuple[Path, ...]
    problems: tuple[str, ...]  # report files that could not be written, one line each
    code: int


def run_fleet(req: FleetRequest, say: Callable[[str], None]) -> FleetOutcome:
    """`say` prints one line for the user (progress notes, email outcome)."""
    unknown = [f for f in req.formats if f not in FLEET_FORMATS]
    if unknown or not req.formats:
        raise FleetError(
            f"unknown fleet format {unknown[0] if unknown else ''!r}; use some of {', '.join(FLEET_FORMATS)}"
        )
    check_report_folder(req.output)  # a folder that cannot exist is found before reading a thousand files
    mailer = None
    if req.email or req.dry_run_email:
        if req.config is None:
            raise FleetError("--email needs a configuration with an [email] section: pass --config FILE")
        mailer = FleetMail(req.config, req.email, req.dry_run_email, say)
    found = gather(req.paths, req.history, req.output, req.runs)
    if not found.sites:
        where = ", ".join(str(p) for p in req.paths)
        raise FleetError(
            f"no readable result in {where}: give result.json files, or folders that 'scan -o' or "
            "--history wrote" + (f" ({found.problems[0]})" if found.problems else "")
        )
    report_folder(req.output)
    fleet = Fleet(sites=found.sites, problems=found.problems, generated=datetime.now(UTC))
    written, problems = [], []
    for name in dict.fromkeys(req.formats):
        fmt = FLEET_FORMATS[name]
        try:
            written.append(write_atomic(req.output / fmt.filename, fmt.render(fleet)))
        except OSError as exc:  # WriteError: one line naming the file; the other formats are still written
            problems.append(str(exc))
    code = exit_code(fleet, req.fail_on)
    if mailer is not None:
        code = mailer.deliver(fleet, written, code)
    return FleetOutcome(found=found, written=tuple(written), problems=tuple(problems), code=code)


def exit_code(fleet: Fleet, fail_on: str) -> int:
    """1 when any site has an open finding at `fail_on` or worse; else 3 when a site was not fully seen
    or a result could not be read; else 0."""
    if fail_on != "never":
        bar = Severity.parse(fail_on).rank
        if any(Severity(f.severity).rank >= bar for s in fleet.sites for f in s.run.findings):
            return ExitCode.FINDINGS
    if fleet.problems or any(s.run.incomplete for s in fleet.sites):
        return ExitCode.INCOMPLETE
    return ExitCode.CLEAN
