"""Checks as the reports show them: one view per check, grouped into sections per area, urgent first."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from reports.text import printable, seconds, value
from scanner.model import CheckResult, Finding, Severity, Status

AREA_TITLES = {
    "logs": "ConfigMgr logs",
    "upn": "UPN suffixes",
    "directory": "Active Directory",
    "dns": "Public DNS",
    "adfs": "AD FS",
    "sync": "Directory synchronization",
    "scp": "Service connection point",
    "ios": "iOS (Apple push)",
}
# Display order and labels. "accepted" is a failed check whose every finding is accepted: it must
# not read as a failure, but it is not a pass either.
# "info" is a passed check that reports facts (an inventory table): shown first in its area.
STATES = {
    "info": "Information",
    "fail": "Failed",
    "accepted": "Accepted",
    "error": "Errors",
    "skipped": "Skipped",
    "pass": "Passed",
}
_AS_COUNTED = {
    "info": "informational",
    "fail": "failed",
    "accepted": "accepted",
    "error": "errored",
    "skipped": "skipped",
    "pass": "passed",
}
_ORDER = {state: i for i, state in enumerate(STATES)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Count:
    key: str  # a state or severity value; templates use it as a CSS class
    label: str
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    text: str
    href: str  # empty unless the reference is an https:// URL: anything else is shown as plain text


CAP = 100  # finding rows per check in the HTML report; the rest are in findings.csv / result.json
EVIDENCE_CAP = 25  # items of one evidence list shown per finding; the whole list is in the CSV
# A value that starts with a folder on the scanning computer ("/opt/…/Cloudusersync.log:900: ERROR …",
# "D:\\Program Files\\…\\Logs\\Sitecomp.log:135"): the reader needs the file's name, not where the tool
# was installed; the full path stays in findings.csv and result.json.
_FOLDER = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\|/)(?:[^\\/:\n]*[\\/])+(?=[^\\/\n]+)", re.M)


def _short(text: str) -> str:
    return _FOLDER.sub("", text)


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceItem:
    key: str
    text: str  # a list: one line per item, at most EVIDENCE_CAP of them
    items: int  # how many items the whole list has (1 for a plain value)
    hidden: int  # items left out of `text`
    values: tuple[str, ...] = ()  # a list's shown items, one per line in the HTML report
    appendix: str = ""  # the printed appendix holding the items left out, when there is one


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingRow:
    severity: str
    target: str
    message: str
    evidence: tuple[tuple[str, str], ...]  # key, value as text (long lists capped, with a pointer)
    details: tuple[EvidenceItem, ...] = ()  # the same, with counts, for the HTML report
    accepted: bool = False
    reason: str = ""
    owner: str = ""
    expires: str = ""
    age: str = ""  # "open for 23 days (since 2026-11-02)" when the run kept a history

    @property
    def evidence_text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.evidence)

    @property
    def status_text(self) -> str:
        if not self.accepted:
            return self.age or "open"  # "open for 23 days (since 2026-11-02)" when the run kept a history
        extra = ", ".join(x for x in (self.owner, f"expires {self.expires}" if self.expires else "") if x)
        return f"accepted: {self.reason}" + (f" ({extra})" if extra else "")


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckView:
    id: str
    anchor: str  # the id of its card or list entry in the HTML page
    title: str
    area: str
    severity: str  # the check's default severity
    state: str  # a key of STATES
    description: str
    remediation: str
    references: tuple[Link, ...]
    reason: str  # why it errored or was skipped
    examined: str
    duration: str
    findings: tuple[FindingRow, ...]  # the rows shown, open ones first
    columns: tuple[str, ...] = ()  # for facts: the evidence keys, shown as a plain table
    hidden: int  # findings left out by the cap
    open: int
    accepted: int
    worst: str  # worst open severity, empty when none is open
    affected: int = 0  # users behind the open findings, when every finding counts them
    appendix: str = ""  # the printed appendix holding the rows left out, when there is one
    unprinted: int = 0  # of the rows left out, those not even in the appendix (findings.csv has them)


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    area: str
    title: str
    anchor: str
    problems: tuple[CheckView, ...]  # facts, failed or accepted: shown as cards, facts first
    unresolved: tuple[CheckView, ...]  # errored or skipped, with reasons
    passed: tuple[CheckView, ...]
    counts: tuple[Count, ...]  # non-zero states only, labelled to follow a number ("2 failed")


def check_view(r: CheckResult, cap: int | None, age: Callable[[str], str] | None = None) -> CheckView:
    """`cap` limits the finding rows shown; None shows them all. `age` tells how long an open finding
    (by fingerprint) has been open."""
    state = _state(r, r.open_findings)
    # Facts keep the check's own order (the suffix table by user count); problems go worst first.
    ordered = r.findings if state == "info" else sorted(r.findings, key=_finding_order)
    # Rows are costly (a site with 100,000 users): only those shown are made.
    shown = [_row(f, age) for f in (ordered if cap is None else ordered[:cap])]
    opened = r.open_findings
    worst = max((f.severity for f in opened), key=lambda s: s.rank, default=None)
    return CheckView(
        id=r.check.id,
        anchor=anchor(r.check.id),
        title=r.check.title,
        area=r.check.area,
        severity=r.check.severity.value,
        state=state,
        columns=tuple(str(k) for k in r.findings[0].evidence) if state == "info" and r.findings else (),
        description=r.check.description,
        remediation=r.check.remediation,
        references=tuple(_link(ref) for ref in r.check.references),
        reason=r.reason,
        examined=r.examined,
        duration=seconds(r.duration),
        findings=tuple(shown),
        hidden=len(ordered) - len(shown),
        open=len(opened),
        accepted=len(r.findings) - len(opened),
        worst=worst.value if worst else "",
        affected=_affected(opened),
    )


def _affected(found: tuple[Finding, ...]) -> int:
    counts = [f.evidence.get("users") for f in found]
    if not counts or not all(isinstance(n, int) and not isinstance(n, bool) for n in counts):
        return 0
    return sum(n for n in counts if isinstance(n, int))


def _state(r: CheckResult, opened: tuple[Finding, ...]) -> str:
    if r.status is Status.FAIL and not opened:
        return "accepted"
    if r.status is Status.PASS and r.findings:
        return "info"
    return r.status.value


def sections(checks: Iterable[CheckView]) -> tuple[Section, ...]:
    """One section per area, the most urgent area first, the most urgent check first within it."""
    by_area: dict[str, list[CheckView]] = {}
    for c in checks:
        by_area.setdefault(c.area, []).append(c)
    built = [_section(area, sorted(group, key=_check_order)) for area, group in by_area.items()]
    return tuple(sorted(built, key=_section_order))


def count(checks: Iterable[CheckView], state: str) -> int:
    return sum(1 for c in checks if c.state == state)


def _section(area: str, checks: list[CheckView]) -> Section:
    return Section(
        area=area,
        title=AREA_TITLES.get(area) or area.replace("_", " ").replace("-", " ").title(),
        anchor="area-" + (re.sub(r"[^a-z0-9]+", "-", area.lower()).strip("-") or "other"),
        problems=tuple(c for c in checks if c.state in ("info", "fail", "accepted")),
        unresolved=tuple(c for c in checks if c.state in ("error", "skipped")),
        passed=tuple(c for c in checks if c.state == "pass"),
        counts=tuple(Count(key=s, label=_AS_COUNTED[s], count=n) for s in STATES if (n := count(checks, s))),
    )


def _finding_order(f: Finding) -> tuple[bool, int, str]:
    # Open findings before accepted ones, so a cap never hides an open finding behind accepted ones.
    return f.accepted is not None, -f.severity.rank, f.target


def _check_order(c: CheckView) -> tuple[int, int, int, str]:
    return _ORDER[c.state], -_rank(c.worst), -_rank(c.severity), c.id


def _section_order(s: Section) -> tuple[int, int, str]:
    checks = s.problems + s.unresolved + s.passed
    states = [_ORDER[c.state] for c in checks if c.state != "info"]  # facts do not make an area urgent
    ranks = [_rank(c.worst) for c in checks if c.state != "info"]
    return min(states, default=len(_ORDER)), -max(ranks, default=0), s.title


def _rank(severity: str) -> int:
    return Severity(severity).rank if severity else 0


def anchor(check_id: str) -> str:
    return "check-" + "".join(ch if ch.isalnum() else "-" for ch in check_id.lower())


def _row(f: Finding, age: Callable[[str], str] | None) -> FindingRow:
    acc = f.accepted
    details = tuple(_item(str(k), v) for k, v in f.evidence.items())
    return FindingRow(
        severity=f.severity.value,
        target=f.target,
        message=f.message,
        evidence=tuple((d.key, d.text) for d in details),
        details=details,
        accepted=acc is not None,
        reason=acc.reason if acc else "",
        owner=acc.owner if acc else "",
        expires=acc.expires if acc else "",
        age=age(f.fingerprint) if age and acc is None else "",
    )


def _item(key: str, data: object) -> EvidenceItem:
    if not isinstance(data, list | tuple):
        return EvidenceItem(key=key, text=_short(value(data, sep="\n")), items=1, hidden=0)
    shown = list(data[:EVIDENCE_CAP])
    hidden = len(data) - len(shown)
    text = _short(value(shown, sep="\n"))  # a list: a line each
    if hidden:
        text += f"\n… and {hidden:,} more in findings.csv"
    lines = tuple(_short(v if isinstance(v, str) else value(v)) for v in shown)
    return EvidenceItem(key=key, text=text, items=len(data), hidden=hidden, values=lines)


def _link(ref: str) -> Link:
    # Only https links are clickable: a "javascript:" or "file:" reference from a plugin stays text.
    if not ref.startswith("https://"):
        return Link(text=ref, href="")
    return Link(text=ref, href=quote(printable(ref).strip(), safe=":/?#@!$&'*+,;=%~"))
