"""The email summary of a run: HTML (autoescaped) and plain text, what changed first."""

from __future__ import annotations

from dataclasses import dataclass

from reports.templating import environment
from reports.view.report import Report, build
from reports.view.sections import CheckView, Count
from scanner.model import ScanResult, Severity

TOP = 3  # findings shown per failing check; the attached report has them all


@dataclass(frozen=True, slots=True, kw_only=True)
class Digest:
    report: Report  # counts, verdict, changes
    failing: tuple[CheckView, ...]  # worst first, each with its top findings
    unresolved: tuple[CheckView, ...]  # errored checks (skipped ones are configuration, not news)
    statuses: tuple[Count, ...]
    first_run: bool  # no earlier result to compare with
    notes: tuple[str, ...]  # attachments left out, where the reports are


def digest(result: ScanResult, notes: tuple[str, ...] = ()) -> Digest:
    report = build(result, cap=TOP)
    checks = [c for s in report.sections for c in (*s.problems, *s.unresolved)]
    failing = sorted((c for c in checks if c.state == "fail"), key=_worst_first)
    return Digest(
        report=report,
        failing=tuple(failing),
        unresolved=tuple(c for c in checks if c.state == "error"),
        statuses=tuple(c for c in report.statuses if c.count),
        first_run=result.changes is None,
        notes=notes,
    )


def _worst_first(c: CheckView) -> tuple[int, str]:
    return -(Severity(c.worst).rank if c.worst else 0), c.id


_TEXT = environment("text")


def render_email_html(d: Digest) -> str:
    return environment("html").get_template("email.html").render(d=d, report=d.report)


def render_email_text(d: Digest) -> str:
    return _TEXT.get_template("email.txt").render(d=d, report=d.report)
