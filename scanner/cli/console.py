"""The terminal: a progress bar while a scan runs and the summary an admin reads afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape as _escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scanner.model import CheckResult, ScanResult, Status


def escape(text: str) -> str:
    """Values from servers and logs are hostile: no markup, no control or bidi characters."""
    from reports.text import printable

    return _escape(printable(text))


_STYLE = {Status.PASS: "green", Status.FAIL: "red", Status.ERROR: "magenta", Status.SKIPPED: "dim"}
_SEV_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
SHOW_FINDINGS = 5
SHOW_FACTS = 15
FIX_FIRST = 3
_SOURCE_WORDS = {
    "ok": "read",
    "not_configured": "not configured",
    "partial": "partly read",
    "error": "could not be read",
    "offline": "from saved evidence",
}
_PREREQ_STYLE = {"ready": "green", "not_ready": "red", "not_checked": "yellow"}
_PREREQ_MARK = {"ready": "✓", "not_ready": "✗", "not_checked": "?"}


class ScanProgress:
    """Sources then checks, as one bar; silent when stderr is not a terminal (scheduled runs)."""

    def __init__(self, console: Console, total: int) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self._task = self._bar.add_task("collecting evidence", total=total)

    def __enter__(self) -> ScanProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._bar.stop()

    def source_done(self, name: str, status: str) -> None:
        said = _SOURCE_WORDS.get(status, status.replace("_", " "))
        self._bar.update(self._task, description=f"{name}: {said}")

    def check_done(self, check_id: str, status: Status) -> None:
        self._bar.update(self._task, advance=1, description=f"checking {check_id}")


def summary(console: Console, result: ScanResult, written: list[Path], fail_on: str) -> None:
    """The verdict per prerequisite first, then what to fix first, then every check."""
    prerequisites(console, result)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    width = max((len(r.check.id) for r in result.results), default=5)
    table.add_column("status", no_wrap=True)
    table.add_column("check", no_wrap=True, min_width=width)  # ids are typed into `explain`: never split
    for col in ("severity", "findings", "title"):
        table.add_column(col, overflow="fold")
    for r in sorted(result.results, key=_order):
        open_n, total = len(r.open_findings), len(r.findings)
        count = f"{open_n}" + (f" (+{total - open_n} accepted)" if total > open_n else "")
        worst = max((f.severity for f in r.open_findings), key=lambda s: s.rank, default=None)
        table.add_row(
            f"[{_STYLE[r.status]}]{r.status.value.upper()}[/]",
            r.check.id,
            f"[{_SEV_STYLE[worst.value]}]{worst.value}[/]" if worst else "",
            count if total else "",
            _what(r),
        )
    print_table(console, table)
    for r in sorted(result.results, key=_order):
        _details(console, r)
    _not_run(console, result)
    for s in result.sources:
        for w in s.warnings:
            console.print(f"[yellow]![/] source {s.name}: {escape(w)}")
    for w in result.warnings:
        console.print(f"[yellow]![/] {escape(w)}")
    for e in result.exceptions:
        if e.expired or not e.matched:
            why = f"expired {e.expires}" if e.expired else "matched no finding"
            console.print(f"[yellow]![/] exception {escape(e.check)} / {escape(e.target)}: {why}")
    console.print(verdict(result, fail_on))
    for path in written:
        console.print(f"  wrote {escape(str(path))}")


def prerequisites(console: Console, result: ScanResult) -> None:
    """The walkthrough's prerequisites, each ready, not ready or not checked; then the fixes that matter."""
    from reports.view.actions import actions
    from reports.view.checklist import of_result
    from reports.view.scope import scope

    console.print("[bold]Prerequisites[/]")
    fixes: list[str] = []
    for p in of_result(result):
        style = _PREREQ_STYLE[p.state]
        console.print(
            f"  [{style}]{_PREREQ_MARK[p.state]} {p.label:<22}[/] {escape(p.title)}: {escape(p.summary)}"
        )
        fixes += [c.id for c in p.failing if c.id not in fixes]
    if result.options.get("evidence") or any(s.collected for s in result.sources):
        # Saved evidence: the verdict holds as of its collection, which may be days ago; say so with it.
        console.print(f"  [dim]{escape(scope(result).as_of)}[/]")
    # Causes, not checks: one unverified domain is one thing to fix, however many checks see it.
    first = [a for a in actions(result) if set(a.checks) & set(fixes)][:FIX_FIRST]
    if first:
        console.print("\n[bold]Fix first[/] (action-plan.csv has every cause)")
        for a in first:
            affected = f" — {a.affected}" if a.affected and a.users else ""
            console.print(f"  {escape(a.title)}{affected} [dim]({escape(', '.join(a.checks))})[/]")
    console.print()


def print_table(console: Console, table: Table) -> None:
    """A table as is on a terminal; in a log or pipe without the padding after each row's last cell."""
    if console.is_terminal:
        console.print(table)
        return
    with console.capture() as captured:
        console.print(table)
    for line in captured.get().splitlines():
        console.print(line.rstrip(), markup=False, highlight=False)


def _what(r: CheckResult) -> str:
    """A failing check's title names the problem; a passing one says it was not found."""
    if r.status is not Status.PASS or r.check.severity.value == "info" or r.findings:
        return escape(r.check.title)
    return "[green]no problem found[/]"


def _not_run(console: Console, result: ScanResult) -> None:
    """One line per reason: a source that failed is said once, with the checks it stopped."""
    by_reason: dict[tuple[Status, str], list[str]] = {}
    for r in sorted(result.results, key=_order):
        if r.status in (Status.ERROR, Status.SKIPPED):
            by_reason.setdefault((r.status, r.reason), []).append(r.check.id)
    for (status, reason), ids in by_reason.items():
        console.print(f"[{_STYLE[status]}]{status.value}[/] {escape(', '.join(ids))}: {escape(reason)}")


def _order(r: CheckResult) -> tuple[int, int, str]:
    rank = {Status.FAIL: 0, Status.ERROR: 1, Status.SKIPPED: 2, Status.PASS: 3}[r.status]
    worst = max((f.severity.rank for f in r.open_findings), default=0)
    return rank, -worst, r.check.id


def _facts(console: Console, r: CheckResult) -> None:
    """An informational check's findings as a table (the UPN suffix inventory, say)."""
    table = Table(
        *(k for k in r.findings[0].evidence),
        box=None,
        header_style="bold",
        pad_edge=False,
        title=f"{escape(r.check.title)} ({r.check.id})",
        title_justify="left",
    )
    for f in r.findings[:SHOW_FACTS]:
        table.add_row(*(escape(str(f.evidence.get(k, ""))) for k in r.findings[0].evidence))
    console.print()
    print_table(console, table)
    if len(r.findings) > SHOW_FACTS:
        console.print(f"  … and {len(r.findings) - SHOW_FACTS} more rows in the report")


def _details(console: Console, r: CheckResult) -> None:
    if r.status is Status.PASS and r.findings and r.findings[0].evidence:
        _facts(console, r)
    elif r.status is Status.FAIL and r.open_findings:
        console.print(f"\n[bold]{escape(r.check.id)}[/] — {escape(r.check.title)}")
        for f in r.open_findings[:SHOW_FINDINGS]:
            console.print(f"  [{_SEV_STYLE[f.severity.value]}]{f.severity.value:>8}[/]  {escape(f.message)}")
        if len(r.open_findings) > SHOW_FINDINGS:
            console.print(f"  … and {len(r.open_findings) - SHOW_FINDINGS} more in the report")
        console.print(f"  [bold]fix:[/] {escape(r.check.remediation)}")


def verdict(result: ScanResult, fail_on: str) -> str:
    found = result.open_problems()
    counts = {s: sum(1 for f in found if f.severity.value == s) for s in _SEV_STYLE}
    parts = [f"{n} {s}" for s, n in counts.items() if n]
    if parts:
        head = "[bold red]Problems found:[/] " + ", ".join(parts)
    elif result.nothing_checked:  # never green: a run that checked nothing proves nothing
        head = f"[bold yellow]Nothing was checked:[/] {escape(result.not_checked())}"
    elif result.incomplete:
        head = "[bold yellow]No open findings in what could be checked; the scan is incomplete.[/]"
    else:
        head = "[bold green]No open findings.[/]"
    tail = []
    if errors := result.count(Status.ERROR):
        tail.append(f"{errors} check{'s' * (errors != 1)} could not run")
    if skipped := result.count(Status.SKIPPED):
        tail.append(f"{skipped} skipped")
    tail.append(f"threshold {fail_on}")
    return f"\n{head}  ({'; '.join(tail)})"
