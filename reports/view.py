"""What a report shows: a ScanResult turned into counted, grouped, sorted, capped data for templates."""

from __future__ import annotations

from dataclasses import dataclass

from reports.changes import ChangesView, changes_view
from reports.sections import STATES, Count, Section, check_view, count, sections
from reports.text import seconds, value, when
from scanner.model import ExceptionUse, ScanResult, Severity, SourceStatus

CAP = 100  # finding rows per check in the HTML report; the rest are in findings.csv / result.json


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRow:
    name: str
    status: str
    target: str
    started: str
    duration: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionRow:
    check: str
    target: str
    reason: str
    owner: str
    expires: str
    problem: str  # "matched no finding" or "expired on …"


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    company: str
    site_code: str
    tool_version: str
    started: str
    finished: str
    duration: str
    options: tuple[tuple[str, str], ...]
    verdict: str
    tone: str  # bad | warn | good
    statuses: tuple[Count, ...]  # every state, zeros included
    severities: tuple[Count, ...]  # open findings per severity, zeros included
    open: int
    accepted: int
    sections: tuple[Section, ...]
    warnings: tuple[str, ...]
    exceptions: tuple[ExceptionRow, ...]  # only those that need a look: unused or expired
    sources: tuple[SourceRow, ...]
    shortened: bool  # some check shows fewer findings than it has
    changes: ChangesView | None = None  # compared with an earlier run, shown first


def build(result: ScanResult, cap: int | None = CAP) -> Report:
    """`cap` limits finding rows per check; None shows them all."""
    checks = [check_view(r, cap) for r in result.results]
    statuses = tuple(
        Count(key=s, label=label, count=n)
        for s, label in STATES.items()
        if (n := count(checks, s)) or s != "info"  # the facts tile only when there are facts
    )
    found = result.open_findings()
    severities = tuple(
        Count(key=s.value, label=s.value.capitalize(), count=sum(1 for f in found if f.severity is s))
        for s in Severity
    )
    warnings = (*result.warnings, *(f"source {s.name}: {w}" for s in result.sources for w in s.warnings))
    verdict, tone = _verdict(severities, statuses, len(warnings))
    return Report(
        company=result.company,
        site_code=result.site_code,
        tool_version=result.tool_version,
        started=when(result.started),
        finished=when(result.finished),
        duration=seconds((result.finished - result.started).total_seconds()),
        options=tuple((str(k), value(v)) for k, v in result.options.items()),
        verdict=verdict,
        tone=tone,
        statuses=statuses,
        severities=severities,
        open=len(found),
        accepted=sum(c.accepted for c in checks),
        sections=sections(checks),
        warnings=warnings,
        exceptions=tuple(_exception(e) for e in result.exceptions if e.expired or not e.matched),
        sources=tuple(_source(s) for s in result.sources),
        shortened=any(c.hidden for c in checks),
        changes=changes_view(result.changes) if result.changes else None,
    )


def _verdict(severities: tuple[Count, ...], statuses: tuple[Count, ...], warnings: int) -> tuple[str, str]:
    """One line that answers "is this deployment ready?", never calling an incomplete scan clean."""
    problems = [c for c in severities if c.key != Severity.INFO.value]  # info findings are facts
    total = sum(c.count for c in problems)
    worst = next((c for c in problems if c.count), None)
    if not any(c.count for c in statuses):
        return "No checks ran", "warn"
    if worst is None:
        head, tone = "No problems found", "good"
    else:
        head = f"{_plural(worst.count, worst.key + ' finding')} need{'s' * (worst.count == 1)} attention"
        if rest := total - worst.count:
            head += f", plus {_plural(rest, 'lower-severity finding')}"
        tone = "bad" if Severity(worst.key).rank >= Severity.HIGH.rank else "warn"
    counts = {c.key: c.count for c in statuses}
    missing = []
    if counts["error"]:
        missing.append(f"{_plural(counts['error'], 'check')} could not run")
    if counts["skipped"]:
        missing.append(f"{counts['skipped']} skipped")
    if warnings:
        missing.append(f"{_plural(warnings, 'warning')} about the run")
    if missing and worst is None:
        return f"No problems found in the checks that ran; {', '.join(missing)}", "warn"
    return head + (f"; {', '.join(missing)}" if missing else ""), tone


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _exception(e: ExceptionUse) -> ExceptionRow:
    problem = f"expired on {e.expires}" if e.expired else "matched no finding"
    return ExceptionRow(
        check=e.check, target=e.target, reason=e.reason, owner=e.owner, expires=e.expires, problem=problem
    )


def _source(s: SourceStatus) -> SourceRow:
    return SourceRow(
        name=s.name,
        status=s.status,
        target=s.target,
        started=when(s.started) if s.started else "",
        duration=seconds(s.duration),
        reason=s.reason,
    )
