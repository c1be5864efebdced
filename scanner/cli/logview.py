"""The `logs` command: what is in a set of ConfigMgr logs, at a glance or as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from reports.text import BIDI
from scanner.cli.console import escape
from scanner.codec import to_jsonable
from scanner.evidence.logs import LogSet, LogsEvidence
from scanner.facts import error_codes
from scanner.sources.logs import TimeRule, collect_logs
from scanner.sources.parse.cmlog import LogReadError
from scanner.timespec import fmt, window_start


def show_logs(
    console: Console, paths: list[str], *, as_json: bool, since: str | None, limit: int, convention: str
) -> None:
    if convention not in ("bias", "offset"):
        raise LogReadError(f"--time-convention: {convention!r} is not bias or offset")
    ev = collect_logs(paths, TimeRule(convention=convention))
    if not ev.usable():
        raise LogReadError("; ".join(ev.unreadable()) or "no log files found")
    if since is not None:
        try:
            window_start(since, datetime.now(UTC))
        except ValueError as exc:
            raise LogReadError(f"--since: {exc}") from None
    if as_json:
        text = json.dumps(to_jsonable(ev), ensure_ascii=False)  # control characters come out as \\u escapes
        console.print_json(BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text))  # and so do bidi overrides
        return
    _table(console, ev)
    for problem in (*ev.unreadable(), *ev.truncated()):
        console.print(f"[yellow]![/] {escape(problem)}")
    for log in ev.logs:
        start = window_start(since, log.last) if since and log.last else None
        recs = [r for r in ev.problems_of(log) if start is None or r.time is None or r.time >= start]
        if not recs:
            continue
        console.print(
            f"\n[bold]{escape(ev.label(log))}[/]: {len(recs)} errors and warnings"
            + (f", the last {limit}:" if len(recs) > limit else ":")
        )
        for r in recs[-limit:]:
            style = "red" if r.severity == "error" else "yellow"
            console.print(
                f"  [{style}]{r.severity:7}[/] {fmt(r.time)}  {escape(r.component)}  "
                f"{escape(r.message.splitlines()[0] if r.message else '')}  "
                f"[dim]{escape(r.file)}:{r.line}[/]"
            )
        if codes := error_codes.explain([r.message for r in reversed(recs)]):
            console.print("  [bold]Error codes:[/]")
            for line in codes:
                console.print(f"    {escape(line)}")


def _table(console: Console, ev: LogsEvidence) -> None:
    """One table per folder: same-named logs in two folders are two logs, and the folder says which."""
    folders: dict[str, list[LogSet]] = {}
    for log in ev.logs:
        folders.setdefault(str(Path(log.path).parent) if log.path else "", []).append(log)
    for folder, logs in folders.items():
        table = Table(
            "log", "files", "format", "entries", "errors", "warnings", "first", "last", box=None,
            header_style="bold", title=escape(folder), title_justify="left", title_style="bold",
        )  # fmt: skip
        for log in logs:
            formats = ",".join(sorted({f"{f.format}/{f.encoding}" for f in log.files}))
            judged = log.configmgr  # a file that is no ConfigMgr log (dpkg.log) is listed, not judged
            table.add_row(
                escape(log.name),
                str(len(log.files)),
                formats,
                f"{log.entries:,}",
                f"{log.errors:,}" if judged else "not judged",
                f"{log.warnings:,}" if judged else "",
                fmt(log.first),
                fmt(log.last),
            )
        console.print(table)
