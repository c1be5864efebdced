"""A site's trend as a report draws it: one strip per prerequisite, a cell per run (inline SVG, no script)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reports.view.checklist import LABELS, PREREQUISITES
from scanner.model import Trend

CELL = 14  # px per run, and the strip's height
GAP = 2
_STATES = (*LABELS, "absent")
MARKS = {
    "ready": "✓",
    "not_ready": "✗",
    "not_checked": "?",
    "absent": "·",
}  # a state in one character  # absent: that run's tool did not judge this prerequisite


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    x: int
    state: str  # ready | not_ready | not_checked | absent: the CSS class that colours it
    label: str  # "2026-11-02 · Not ready", the cell's <title>


@dataclass(frozen=True, slots=True, kw_only=True)
class Strip:
    key: str
    title: str
    cells: tuple[Cell, ...]
    width: int
    height: int
    summary: str  # the strip in words, for screen readers and the Markdown report: "ready in 27 of 30 runs"
    now: str  # the latest run's state

    @property
    def marks(self) -> str:
        """The strip as text, oldest first: "✗✗✗✓", for Markdown and plain text."""
        return "".join(MARKS.get(c.state, "?") for c in self.cells)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendView:
    runs: int
    first: str  # date of the oldest run shown
    last: str
    strips: tuple[Strip, ...]  # one per prerequisite
    overall: Strip  # one cell per run: red when any prerequisite was not ready, green when all were ready


def trend_view(trend: Trend | None) -> TrendView | None:
    """None without at least two runs: one run is not a trend."""
    if trend is None or len(trend.runs) < 2:
        return None
    strips = []
    for key, title, _ in PREREQUISITES:
        states = [r.states.get(key, "absent") for r in trend.runs]
        states = [s if s in _STATES else "absent" for s in states]
        cells = tuple(
            Cell(x=i * (CELL + GAP), state=s, label=f"{_day(r.started)} · {_label(s)}")
            for i, (r, s) in enumerate(zip(trend.runs, states, strict=True))
        )
        ready = states.count("ready")
        strips.append(
            Strip(
                key=key,
                title=title,
                cells=cells,
                width=len(cells) * (CELL + GAP) - GAP,
                height=CELL,
                summary=f"ready in {ready} of {len(states)} runs; now {_label(states[-1]).lower()}",
                now=states[-1],
            )
        )
    return TrendView(
        runs=len(trend.runs),
        first=_day(trend.runs[0].started),
        last=_day(trend.runs[-1].started),
        strips=tuple(strips),
        overall=_overall(trend),
    )


def _overall(trend: Trend) -> Strip:
    titles = {key: title for key, title, _ in PREREQUISITES}
    cells, ready_runs = [], 0
    for i, run in enumerate(trend.runs):
        states = [run.states.get(key, "absent") for key in titles]
        blocked = [titles[k] for k, s in zip(titles, states, strict=True) if s == "not_ready"]
        ready = states.count("ready")
        state = "not_ready" if blocked else "ready" if ready == len(states) else "not_checked"
        ready_runs += state == "ready"
        label = f"{_day(run.started)} · {ready} of {len(states)} prerequisites ready"
        if blocked:
            label += "; not ready: " + ", ".join(blocked)
        cells.append(Cell(x=i * (CELL + GAP), state=state, label=label))
    return Strip(
        key="overall",
        title="All prerequisites",
        cells=tuple(cells),
        width=len(cells) * (CELL + GAP) - GAP,
        height=CELL,
        summary=f"every prerequisite ready in {ready_runs} of {len(cells)} runs",
        now=cells[-1].state,
    )


def open_for(trend: Trend | None, fingerprint: str, now: datetime) -> str:
    """'open for 23 days (since 2026-11-02)', 'new in this run', or '' without a history."""
    since = trend.first_seen.get(fingerprint) if trend else None
    if since is None or trend is None or len(trend.runs) < 2:
        return ""
    if since >= now:
        return "new in this run"
    days = (now - since).days
    if days < 1:
        return f"open since {since.strftime('%Y-%m-%d %H:%M')}"
    return f"open for {days} day{'s' * (days != 1)} (since {_day(since)})"


def _label(state: str) -> str:
    return LABELS.get(state, "Not judged by that version")


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")
