"""What a fleet report shows: many sites' newest results as a matrix, worst site first, and their causes."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import PurePath

from reports.text import when
from reports.view.checklist import LABELS, PREREQUISITES
from reports.view.runs import RunSummary
from reports.view.sections import Count
from reports.view.shared import Shared, shared_findings
from reports.view.trend import MARKS, TrendView, trend_view
from scanner.model import Severity, Trend

SHARED_CAP = 100  # shared findings listed; the JSON has them all


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteInput:
    """One site as the application found it: its newest run, where that came from, its trend."""

    run: RunSummary
    source: str  # the result file, as found
    report: str  # a link to the site's own report.html (relative to the fleet report), or ''
    trend: Trend | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Fleet:
    """What every fleet renderer is given: the sites read, the files that could not be, and when."""

    sites: tuple[SiteInput, ...]
    problems: tuple[str, ...]  # one line per result file skipped or refused
    generated: datetime
    views: dict[int, FleetView] = field(default_factory=dict, repr=False, compare=False)  # by shared cap


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    key: str
    state: str  # ready | not_ready | not_checked
    label: str
    mark: str  # ✓ ✗ ?: the state in one character, for Markdown
    summary: str  # why, in one line (the cell's tooltip)


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteRow:
    anchor: str
    company: str
    site: str
    name: str  # "Contoso — EC1", how the site is named in lists
    started: str
    day: str  # the scan's date, what the matrix shows (the time is in its tooltip)
    tool_version: str
    cells: tuple[Cell, ...]
    not_ready: int
    blocked: tuple[str, ...]  # titles of the prerequisites not ready
    severities: tuple[Count, ...]  # open findings per severity, zeros included
    open: int  # open findings other than facts (info)
    worst: str
    tone: str  # bad | warn | good
    incomplete: bool
    source: str
    shown: str  # the source relative to the folder all sources share: what the matrix prints under the name
    report: str
    trend: TrendView | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    key: str
    title: str
    counts: tuple[Count, ...]  # sites per state, zeros left out
    by_state: dict[str, int]  # sites per state, zeros included


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetView:
    generated: str
    sites: tuple[SiteRow, ...]
    columns: tuple[Column, ...]
    severities: tuple[Count, ...]  # open findings across the fleet
    ready: int  # sites with every prerequisite ready
    shared: tuple[Shared, ...]
    shared_total: int  # findings open at two or more sites (the table may show fewer)
    problems: tuple[str, ...]  # result files skipped or refused, one line each
    versions: tuple[str, ...]  # "0.3.0: 12 sites" when more than one version wrote the results
    trends: int  # sites with a trend
    verdict: str
    tone: str


def build_fleet(fleet: Fleet, shared_cap: int = SHARED_CAP) -> FleetView:
    """Built once per cap: every format renders the same view of a thousand sites."""
    if (view := fleet.views.get(shared_cap)) is None:
        view = fleet.views[shared_cap] = _build(fleet, shared_cap)
    return view


def _build(fleet: Fleet, shared_cap: int) -> FleetView:
    sites, problems = fleet.sites, fleet.problems
    rows = _anchored(sorted((_row(s) for s in sites), key=_worst_first))
    rows = _shortened(rows)
    by_version: dict[str, int] = {}
    for s in sites:
        by_version[s.run.tool_version] = by_version.get(s.run.tool_version, 0) + 1
    shared, total = shared_findings([s.run for s in sites], shared_cap)
    ready = sum(1 for r in rows if all(c.state == "ready" for c in r.cells))
    severities = tuple(
        Count(key=sev.value, label=sev.value.capitalize(), count=sum(r.severities[i].count for r in rows))
        for i, sev in enumerate(Severity)
    )
    return FleetView(
        generated=when(fleet.generated),
        sites=tuple(rows),
        columns=tuple(_column(key, title, rows) for key, title, _ in PREREQUISITES),
        severities=severities,
        ready=ready,
        shared=shared,
        shared_total=total,
        problems=tuple(problems),
        versions=tuple(f"{v}: {_n(n, 'site')}" for v, n in sorted(by_version.items()))
        if len(by_version) > 1
        else (),
        trends=sum(1 for r in rows if r.trend is not None),
        verdict=(v := _verdict(rows, ready, len(problems)))[0],
        tone=v[1],
    )


def _anchored(rows: list[SiteRow]) -> list[SiteRow]:
    seen: dict[str, int] = {}
    out = []
    for r in rows:
        base = "site-" + (re.sub(r"[^a-z0-9]+", "-", r.name.lower()).strip("-") or "unnamed")
        seen[base] = seen.get(base, 0) + 1
        out.append(replace(r, anchor=base if seen[base] == 1 else f"{base}-{seen[base]}"))
    return out


def _shortened(rows: list[SiteRow]) -> list[SiteRow]:
    """Sources relative to their common folder: on a share, 'contoso-ec1/result.json', not the whole path."""
    parents = [PurePath(r.source).parent for r in rows]
    try:
        common = PurePath(os.path.commonpath(parents)) if len(rows) > 1 else parents[0].parent
    except (ValueError, IndexError):  # different drives on Windows, or no site
        return rows
    return [replace(r, shown=str(PurePath(r.source).relative_to(common))) for r in rows]


def _column(key: str, title: str, rows: list[SiteRow]) -> Column:
    by_state = dict.fromkeys(LABELS, 0)
    for r in rows:
        for c in r.cells:
            if c.key == key:
                by_state[c.state] = by_state.get(c.state, 0) + 1
    counts = tuple(Count(key=s, label=LABELS[s].lower(), count=n) for s, n in by_state.items() if n)
    return Column(key=key, title=title, counts=counts, by_state=by_state)


def _row(s: SiteInput) -> SiteRow:
    run = s.run
    cells = tuple(
        Cell(
            key=key,
            state=(state := run.states.get(key, "not_checked")),
            label=LABELS.get(state, state),
            mark=MARKS.get(state, "?"),
            summary=run.summaries.get(key, ""),
        )
        for key, _, _ in PREREQUISITES
    )
    severities = tuple(
        Count(key=sev.value, label=sev.value.capitalize(), count=run.open_by_severity(sev))
        for sev in Severity
    )
    worst = run.worst
    rank = Severity(worst).rank if worst else 0
    tone = "bad" if rank >= Severity.HIGH.rank else "warn" if rank or run.incomplete else "good"
    return SiteRow(
        anchor="",  # given once every row is known: two names may make the same anchor
        company=run.company,
        site=run.site,
        name=run.name if run.company or run.site else f"(unnamed site in {PurePath(s.source).parent.name})",
        started=when(run.started),
        day=run.started.strftime("%Y-%m-%d"),
        tool_version=run.tool_version,
        cells=cells,
        not_ready=sum(1 for c in cells if c.state == "not_ready"),
        blocked=tuple(
            title for (_, title, _), c in zip(PREREQUISITES, cells, strict=True) if c.state == "not_ready"
        ),
        severities=severities,
        open=sum(c.count for c in severities if c.key != Severity.INFO.value),
        worst=worst,
        tone=tone,
        incomplete=run.incomplete,
        source=s.source,
        shown=s.source,
        report=s.report,
        trend=trend_view(s.trend),
    )


def _worst_first(r: SiteRow) -> tuple[int, int, int, bool, str]:
    rank = Severity(r.worst).rank if r.worst else 0
    return -r.not_ready, -rank, -r.open, not r.incomplete, r.name.casefold()


def _verdict(rows: list[SiteRow], ready: int, problems: int) -> tuple[str, str]:
    if not rows:
        return "No site results were read", "warn"
    head = f"{ready} of {_n(len(rows), 'site')} ready"
    blocked = sum(1 for r in rows if r.not_ready)
    if blocked:
        head += f"; {_n(blocked, 'site')} with a prerequisite not ready"
    unread = f"; {_n(problems, 'result file')} could not be read" if problems else ""
    tone = "bad" if blocked else "good" if ready == len(rows) and not problems else "warn"
    return head + unread, tone


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"
