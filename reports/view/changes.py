"""What changed since an earlier run, as reports and emails show it: counted, grouped, capped."""

from __future__ import annotations

from dataclasses import dataclass

from reports.text import when
from scanner.model import ChangedFinding, Changes

CAP = 25  # rows per group; the complete lists are in result.json ("changes")


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    severity: str
    check_id: str
    target: str
    message: str
    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    key: str  # new | resolved | exception_expired | newly_accepted | unverified: a CSS hook
    title: str
    rows: tuple[Row, ...]
    hidden: int  # rows left out by the cap


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRow:
    check_id: str
    title: str
    before: str
    after: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangesView:
    baseline: str
    baseline_started: str
    headline: str  # "3 new, 1 resolved, 12 still failing" or "No change since …"
    groups: tuple[Group, ...]  # non-empty groups only, the most urgent first
    statuses: tuple[StatusRow, ...]
    new: int
    resolved: int
    still_failing: int


_GROUPS = (
    ("new", "New findings"),
    ("exception_expired", "No longer accepted (exception expired or removed)"),
    ("resolved", "Resolved"),
    ("newly_accepted", "Newly accepted"),
    ("unverified", "Not re-checked this time (the check did not run)"),
)


def changes_view(c: Changes, cap: int | None = CAP) -> ChangesView:
    groups = tuple(_group(key, title, getattr(c, key), cap) for key, title in _GROUPS if getattr(c, key))
    return ChangesView(
        baseline=c.baseline,
        baseline_started=when(c.baseline_started),
        headline=headline(c),
        groups=groups,
        statuses=tuple(
            StatusRow(
                check_id=s.check_id, title=s.title, before=s.before or "not run", after=s.after or "not run"
            )
            for s in c.status_changes
        ),
        new=len(c.new),
        resolved=len(c.resolved),
        still_failing=len(c.still_failing),
    )


def headline(c: Changes) -> str:
    parts = [
        f"{n} {label}"
        for n, label in (
            (len(c.new), "new"),
            (len(c.resolved), "resolved"),
            (len(c.exception_expired), "no longer accepted"),
            (len(c.newly_accepted), "newly accepted"),
            (
                len(c.status_changes),
                "check status changes" if len(c.status_changes) != 1 else "check status change",
            ),
        )
        if n
    ]
    if not parts:
        return f"No change since the run of {when(c.baseline_started)}; {len(c.still_failing)} still failing"
    return ", ".join(parts) + f"; {len(c.still_failing)} still failing"


def _group(key: str, title: str, items: tuple[ChangedFinding, ...], cap: int | None) -> Group:
    shown = items if cap is None else items[:cap]
    return Group(key=key, title=title, rows=tuple(_row(i) for i in shown), hidden=len(items) - len(shown))


def _row(i: ChangedFinding) -> Row:
    return Row(
        severity=i.severity.value, check_id=i.check_id, target=i.target, message=i.message, note=i.note
    )
