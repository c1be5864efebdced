"""What a report shows: a ScanResult turned into counted, grouped, sorted, capped data for templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from reports.text import seconds, value, when
from reports.view.actions import CauseView, Headline, actions, fix_first, headline
from reports.view.appendix import Appendix
from reports.view.brand import css_string, safe_accent, safe_logo
from reports.view.changes import ChangesView, changes_view
from reports.view.chart import Chart, severity_chart
from reports.view.checklist import LABELS, Prerequisite, checklist
from reports.view.provenance import scrub
from reports.view.scope import Scope, scope
from reports.view.sections import CAP, STATES, Count, Section, anchor, check_view, count, sections
from reports.view.trend import TrendView, open_for, trend_view
from scanner.model import ExceptionUse, ScanResult, Severity, SourceStatus

# Options shown elsewhere in the report (provenance, branding) rather than as plain options.
_OWN_KEYS = ("command", "user", "host", "platform", "python", "report", "redacted", "config")
_LIST_IDS = 6  # a selection of up to this many checks is named; a longer one is counted


@dataclass(frozen=True, slots=True, kw_only=True)
class Brand:
    author: str = ""
    engagement: str = ""
    accent: str = ""  # a validated #rgb / #rrggbb colour, or empty for the default
    logo: str = ""  # a validated data: URI, or empty
    classification: str = "Confidential"


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
    checklist: tuple[Prerequisite, ...]
    readiness: tuple[Count, ...]  # prerequisites per state, zeros left out: the score at a glance
    chart: Chart
    brand: Brand
    run: tuple[tuple[str, str], ...]  # provenance: who, where, how, for the end of the report
    redacted: bool
    actions: int  # rows in action-plan.csv: root causes
    plan: Headline  # the causes, and the distinct users they affect
    fix_first: tuple[CauseView, ...] = ()  # the worst causes with their steps: the plan's first rows
    scope: Scope
    running_head: Markup  # the printed pages' header: company and date, as a CSS string
    running_class: Markup  # the classification, as a CSS string
    trend: TrendView | None = None  # each prerequisite over the last runs kept in --history
    appendices: tuple[Appendix, ...] = ()  # the printed document's long lists, at its end


def build(result: ScanResult, cap: int | None = CAP) -> Report:
    """`cap` limits finding rows per check; None shows them all."""
    trend = result.trend
    checks = [check_view(r, cap, lambda fp: open_for(trend, fp, result.started)) for r in result.results]
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
        options=_options(result.options),
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
        changes=changes_view(result.changes) if result.changes else None,
        shortened=any(c.hidden or any(d.hidden for f in c.findings for d in f.details) for c in checks),
        checklist=(prereqs := checklist(checks)),
        readiness=tuple(
            Count(key=state, label=label.lower(), count=n)
            for state, label in LABELS.items()
            if (n := sum(1 for p in prereqs if p.state == state))
        ),
        chart=severity_chart(severities),
        brand=(brand := _brand(result.options.get("report"))),
        run=_run(result),
        redacted=bool(result.options.get("redacted")),
        actions=(plan := headline(todo := actions(result))).causes,
        plan=plan,
        fix_first=fix_first(todo, anchor),
        scope=scope(result),
        running_head=css_string(" · ".join(t for t in (result.company, when(result.started)[:10]) if t)),
        running_class=css_string(brand.classification),
        trend=trend_view(trend),
    )


def _brand(data: Any) -> Brand:
    if not isinstance(data, dict):
        return Brand()
    text = {k: v if isinstance(v, str) else "" for k, v in data.items()}
    return Brand(
        author=text.get("author", ""),
        engagement=text.get("engagement", ""),
        accent=safe_accent(text.get("accent", "")),
        logo=safe_logo(text.get("logo", "")),
        classification=text.get("classification", "").strip() or "Confidential",
    )


def _options(opts: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The options worth a reader's line: none empty, the checks counted unless only a few ran."""
    rows = []
    for k, v in opts.items():
        if k in _OWN_KEYS or v in (None, "", [], {}):
            continue
        if k == "checks" and isinstance(v, list) and len(v) > _LIST_IDS:
            v = _plural(len(v), "check")
        rows.append((str(k), value(v)))
    return tuple(rows)


def _run(result: ScanResult) -> tuple[tuple[str, str], ...]:
    """Provenance rows; facts a result does not hold (older versions, tests) are left out."""
    opts = result.options
    command = opts.get("command")
    rows = [
        ("Tool", f"mdm-preflight {result.tool_version}"),
        ("Command", "mdm-preflight " + " ".join(scrub([str(a) for a in command])) if command else ""),
        ("Configuration", str(opts.get("config") or "")),
        ("Run by", str(opts.get("user") or "")),
        ("Host", str(opts.get("host") or "")),
        ("Platform", " · ".join(str(opts[k]) for k in ("platform", "python") if opts.get(k))),
        ("Started", when(result.started)),
        ("Finished", when(result.finished)),
        ("Duration", seconds((result.finished - result.started).total_seconds())),
    ]
    return tuple((label, text) for label, text in rows if text)


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
