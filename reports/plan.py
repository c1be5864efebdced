"""action-plan.csv: one row per root cause, with empty owner, due date and status for the customer.

findings.csv stays the per-finding list (its `cause` column is the plan row's cause_id, so the two join).
"""

from __future__ import annotations

from reports.csvfmt import table
from reports.view.actions import Action, actions
from scanner.model import ScanResult

COLUMNS = (
    "severity",
    "cause",
    "action",
    "affected",
    "sample",
    "problems",
    "checks",
    "fingerprints",
    "cause_id",
    "owner",
    "due_date",
    "status",
)
PROBLEMS = 10  # finding messages quoted per row; the rest are counted (findings.csv has them all)
CELL = 32_000  # Excel shows at most 32,767 characters in a cell


def render_plan(result: ScanResult) -> str:
    """Most severe first, then the most users; accepted findings and info facts are not actions."""
    return table(COLUMNS, ((*row(a), "", "", "") for a in actions(result)))


def row(a: Action) -> tuple[str, ...]:
    steps = a.steps if len(a.steps) == 1 else tuple(f"{i}. {s}" for i, s in enumerate(a.steps, 1))
    messages = list(dict.fromkeys(f.message for f in a.findings))
    more = len(messages) - PROBLEMS
    shown = "\n".join(messages[:PROBLEMS]) + (f"\n… and {more:,} more in findings.csv" if more > 0 else "")
    sample = ", ".join(a.sample)
    if len(a.users or a.objects) > len(a.sample):
        sample += " …"
    return (
        a.severity.value,
        a.title,
        "\n".join(steps),
        a.affected,
        sample,
        _fit(shown),
        "; ".join(a.checks),
        _fit("; ".join(f.fingerprint for f in a.findings)),
        a.id,
    )


def _fit(text: str) -> str:
    if len(text) <= CELL:
        return text
    return text[: CELL - 40].rsplit(" ", 1)[0] + " … (cut: findings.csv has all)"
