"""Core result types: severities, statuses, findings, check results and the scan result."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; compare ranks, never the strings."""
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (use one of {names})") from None


_SEVERITY_RANK = {
    Severity.CRITICAL: 5,
    Severity.HIGH: 4,
    Severity.MEDIUM: 3,
    Severity.LOW: 2,
    Severity.INFO: 1,
}


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckInfo:
    """The public face of a check, as stored in results and shown in reports."""

    id: str  # "area.name", stable, lower case
    title: str  # the condition in plain words
    severity: Severity  # default severity of its findings
    area: str
    description: str = ""  # why it matters
    remediation: str = ""  # what to do, imperative and specific
    references: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # evidence sections (sources) it reads


@dataclass(frozen=True, slots=True, kw_only=True)
class Acceptance:
    """Why a finding is accepted: copied from the matching [[exceptions]] entry."""

    reason: str
    owner: str = ""
    expires: str = ""  # ISO date, empty for no expiry


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    check_id: str
    severity: Severity
    target: str  # what is wrong: a suffix, a DN, a host, a file:line
    message: str  # one sentence: "<target> <is/has> <problem>: <detail>."
    evidence: dict[str, Any] = field(default_factory=dict)
    accepted: Acceptance | None = None
    # What to fix, shared by the findings of one root cause ("domain:fabrikam.com"): the action plan
    # groups on it. Empty: the finding is its own cause. Set from the check's `cause` (scanner/causes.py).
    cause: str = ""

    __json_extra__: ClassVar[tuple[str, ...]] = ("fingerprint",)  # derived, but in the JSON contract

    @property
    def is_problem(self) -> bool:
        """Something to fix; an informational finding is a fact (an inventory row), never counted as one."""
        return self.severity is not Severity.INFO

    @property
    def fingerprint(self) -> str:
        """Stable across runs: exceptions and diffs key on it."""
        return fingerprint(self.check_id, self.target)

    @property
    def root_cause(self) -> str:
        """The cause this finding groups under: the check's, or the finding itself."""
        return self.cause or f"finding:{self.check_id}:{self.target}"


def fingerprint(check_id: str, target: str) -> str:
    return hashlib.sha256(f"{check_id}\x00{target}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    check: CheckInfo
    status: Status
    findings: tuple[Finding, ...] = ()
    reason: str = ""  # why it errored or was skipped
    examined: str = ""  # what it looked at, so a pass is believable
    duration: float = 0.0  # seconds

    @property
    def open_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.accepted is None)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceStatus:
    """Provenance of one evidence section."""

    name: str
    status: str  # ok | partial (some inputs unreadable) | error | not_configured
    target: str = ""  # server, files or folder it read
    started: datetime | None = None
    duration: float = 0.0
    reason: str = ""
    warnings: tuple[str, ...] = ()
    # When its evidence was collected, when that was before this run (a saved evidence file); None: at
    # `started`. Ages and expiry dates are measured from it.
    collected: datetime | None = None
    collected_from: str = ""  # "" (recorded in the file) or FILE_TIME (the file records none)

    @property
    def as_of(self) -> datetime | None:
        return self.collected or self.started


FILE_TIME = "file time"  # SourceStatus.collected_from: the file's modification time, for want of a record


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionUse:
    """An [[exceptions]] entry and what became of it in this scan."""

    check: str
    target: str
    reason: str
    owner: str = ""
    expires: str = ""
    matched: int = 0
    expired: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangedFinding:
    """A finding as a comparison lists it (without its evidence: that is in the result itself)."""

    check_id: str
    severity: Severity
    target: str
    message: str
    fingerprint: str
    note: str = ""  # e.g. why it is accepted now


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    check_id: str
    title: str
    before: str  # a Status value, or "" when the check did not run last time
    after: str  # a Status value, or "" when it did not run this time


@dataclass(frozen=True, slots=True, kw_only=True)
class Changes:
    """What changed since an earlier result; findings are matched by fingerprint (scanner/diff.py)."""

    baseline: str  # the earlier result: a file name
    baseline_started: datetime
    new: tuple[ChangedFinding, ...] = ()  # open now, absent before
    resolved: tuple[ChangedFinding, ...] = ()  # gone, and its check ran this time
    still_failing: tuple[ChangedFinding, ...] = ()  # open then and now
    newly_accepted: tuple[ChangedFinding, ...] = ()  # accepted now, not before
    exception_expired: tuple[ChangedFinding, ...] = ()  # accepted before, open now
    unverified: tuple[ChangedFinding, ...] = ()  # its check did not run this time: not known to be gone
    status_changes: tuple[StatusChange, ...] = ()

    @property
    def any(self) -> bool:
        return bool(
            self.new or self.resolved or self.newly_accepted or self.exception_expired or self.status_changes
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PastRun:
    """One earlier (or this) run as a trend shows it: when, and each prerequisite's state then."""

    started: datetime
    states: dict[str, str]  # prerequisite key -> ready | not_ready | not_checked


@dataclass(frozen=True, slots=True, kw_only=True)
class Trend:
    """A site's last runs from its history folder, oldest first, this run last."""

    runs: tuple[PastRun, ...]
    first_seen: dict[str, datetime] = field(default_factory=dict)  # open finding fingerprint -> since


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanResult:
    tool_version: str
    started: datetime
    finished: datetime
    company: str = ""
    site_code: str = ""
    options: dict[str, Any] = field(default_factory=dict)  # how it was run
    sources: tuple[SourceStatus, ...] = ()
    results: tuple[CheckResult, ...] = ()
    exceptions: tuple[ExceptionUse, ...] = ()
    warnings: tuple[str, ...] = ()  # problems of the run itself (a plugin that failed to load)
    changes: Changes | None = None  # compared with an earlier result (--history, --baseline, diff)
    trend: Trend | None = None  # the last runs kept in --history, this one included

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)

    def open_findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.open_findings]

    def open_problems(self) -> list[Finding]:
        """Open findings that are problems: what a run's counts, exit code and action plan are about."""
        return [f for f in self.open_findings() if f.is_problem]

    def worst_open(self) -> Severity | None:
        found = self.open_findings()
        return max((f.severity for f in found), key=lambda s: s.rank) if found else None

    @property
    def nothing_checked(self) -> bool:
        """No check of collected evidence passed or failed: an empty config, a selection of nothing, or
        every source missing (advice read from the config alone, such as "no AD FS", checks nothing)."""
        return not any(
            r.status in (Status.PASS, Status.FAIL) and set(r.check.needs) - {"config"} for r in self.results
        )

    def not_checked(self) -> str:
        """Why nothing was checked, in one line: the skip and error reasons, most common first."""
        reasons = Counter(
            r.reason or r.status.value for r in self.results if r.status not in (Status.PASS, Status.FAIL)
        )
        if not reasons:
            return "no check was selected (see --only, --skip and the [checks] enabled settings)"
        return "; ".join(f"{n} check{'s' * (n != 1)}: {why}" for why, n in reasons.most_common(5))

    @property
    def incomplete(self) -> bool:
        """A check errored, a configured source failed or nothing was checked: not everything was seen."""
        return (
            self.nothing_checked
            or any(r.status is Status.ERROR for r in self.results)
            or any(s.status in ("error", "partial") for s in self.sources)
            or bool(self.warnings)
        )
