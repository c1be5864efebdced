"""One run in brief: what a fleet row and a trend need of a result, without its findings' evidence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from reports.view.checklist import checklist
from reports.view.sections import check_view
from scanner.model import PastRun, ScanResult, Severity, Status, Trend

TREND_RUNS = 30  # runs a trend strip shows by default: a month of nightly scans


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckState:
    id: str
    title: str
    area: str
    severity: str  # the check's default severity
    status: str  # pass | fail | error | skipped, as in result.json
    state: str  # as the site report shows it: info, fail, accepted, error, skipped, pass
    worst: str  # worst open severity, empty when none is open
    open: int
    accepted: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenFinding:
    fingerprint: str
    check_id: str
    severity: str
    target: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    site: str  # the site code
    company: str
    started: datetime
    tool_version: str
    incomplete: bool
    checks: tuple[CheckState, ...]
    states: dict[str, str]  # prerequisite key -> ready | not_ready | not_checked
    summaries: dict[str, str]  # prerequisite key -> why that state, in one line
    findings: tuple[OpenFinding, ...]  # open findings, worst first
    counts: dict[str, int]  # open findings per severity value
    worst: str  # worst open severity other than info, empty when none
    trend: Trend | None = None  # what the run itself kept of its history (scan --history)
    changed: bool | None = None  # since the run it was compared with; None when it was compared with none
    new: int = 0  # findings new since then
    resolved: int = 0

    @property
    def key(self) -> tuple[str, str]:
        """A site is its company and site code: two customers may both have a site PS1."""
        return self.company.casefold(), self.site.casefold()

    @property
    def name(self) -> str:
        """How lists name the site: "Contoso — EC1"."""
        return " — ".join(p for p in (self.company, self.site) if p) or "(unnamed site)"

    def open_by_severity(self, severity: Severity) -> int:
        return self.counts.get(severity.value, 0)


_RANK = {s.value: s.rank for s in Severity}  # plain strings: a fleet compares millions of them


def summarise(result: ScanResult) -> RunSummary:
    views = [check_view(r, cap=0) for r in result.results]
    prereqs = checklist(views)
    found = sorted(
        (f for r in result.results for f in r.open_findings),
        key=lambda f: (-f.severity.rank, f.check_id, f.target),
    )
    counts = {s.value: 0 for s in Severity}
    for f in found:
        counts[f.severity.value] += 1
    worst = next((s.value for s in Severity if counts[s.value] and s is not Severity.INFO), "")
    return RunSummary(
        site=result.site_code,
        company=result.company,
        started=result.started,
        tool_version=result.tool_version,
        incomplete=result.incomplete,
        checks=tuple(
            CheckState(
                id=v.id,
                title=v.title,
                area=v.area,
                severity=v.severity,
                status=r.status.value,
                state=v.state,
                worst=v.worst,
                open=v.open,
                accepted=v.accepted,
                reason=v.reason,
            )
            for r, v in zip(result.results, views, strict=True)
        ),
        states={p.key: p.state for p in prereqs},
        summaries={p.key: p.summary for p in prereqs},
        findings=tuple(
            OpenFinding(
                fingerprint=f.fingerprint,
                check_id=f.check_id,
                severity=f.severity.value,
                target=f.target,
                message=f.message,
            )
            for f in found
        ),
        counts=counts,
        worst=worst,
        trend=result.trend,
        changed=result.changes.any if result.changes else None,
        new=len(result.changes.new) if result.changes else 0,
        resolved=len(result.changes.resolved) if result.changes else 0,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RunPoint:
    """What a trend keeps of an earlier run: small, so a year of nightly runs fits in memory."""

    started: datetime
    states: dict[str, str]
    open: frozenset[str]  # fingerprints of its open findings
    ran: frozenset[str]  # ids of the checks that passed or failed (so a missing finding is gone)


def point(run: RunSummary) -> RunPoint:
    ran = frozenset(c.id for c in run.checks if c.status in (Status.PASS.value, Status.FAIL.value))
    return RunPoint(
        started=run.started, states=run.states, open=frozenset(f.fingerprint for f in run.findings), ran=ran
    )


def trend_of(current: RunSummary, earlier: Iterable[RunPoint], limit: int = TREND_RUNS) -> Trend:
    """The trend of one site up to `current`; earlier runs in any order, later ones left out.

    A finding's first appearance is the start of its current streak: a run whose check ran and did
    not report it ends the streak; a run where its check did not run (error, skipped, absent) does
    not, since the finding was not known to be gone."""
    ordered = sorted((p for p in earlier if p.started < current.started), key=lambda p: p.started)
    since = {f.fingerprint: current.started for f in current.findings}
    check_of = {f.fingerprint: f.check_id for f in current.findings}
    alive = set(since)
    for run in reversed(ordered):
        if not alive:
            break
        for fp in list(alive):
            if fp in run.open:
                since[fp] = run.started
            elif check_of[fp] in run.ran:
                alive.discard(fp)
    shown = [*ordered, point(current)]
    if limit > 0:
        shown = shown[-limit:]
    return Trend(
        runs=tuple(PastRun(started=r.started, states=dict(r.states)) for r in shown), first_seen=since
    )
