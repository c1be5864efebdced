"""What changed since an earlier run, on the terminal."""

from __future__ import annotations

from rich.console import Console

from reports.view.changes import changes_view
from scanner.cli.console import escape
from scanner.model import Changes

_STYLE = {"new": "red", "exception_expired": "yellow", "resolved": "green", "newly_accepted": "cyan"}


def print_changes(console: Console, changes: Changes, rows: int | None = 10) -> None:
    """The headline, then each group's first `rows` findings (None: all of them)."""
    view = changes_view(changes, cap=rows)
    console.print(
        f"[bold]Since {escape(view.baseline)}[/] ({view.baseline_started}): {escape(view.headline)}"
    )
    for g in view.groups:
        style = _STYLE.get(g.key, "dim")
        console.print(f"  [{style}]{escape(g.title)}[/] ({len(g.rows) + g.hidden})")
        for r in g.rows:
            note = f" ({escape(r.note)})" if r.note else ""
            console.print(f"    {r.severity:>8}  {escape(r.check_id)}  {escape(r.target)}{note}")
        if g.hidden:
            console.print(f"    … and {g.hidden} more")
    for s in view.statuses:
        console.print(f"  check {escape(s.check_id)}: {s.before} → {s.after}")
