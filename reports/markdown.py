"""The Markdown report, for pasting into a consultant's own document; never larger than 1 MB."""

from __future__ import annotations

import html
from typing import Any

from reports.templating import environment
from reports.text import printable
from reports.view.report import Report, build
from reports.view.sections import FindingRow
from scanner.model import ScanResult

MAX_BYTES = 1_000_000
_CUT = "\n\n**Report cut at the size limit.** The complete data is in result.json and findings.csv.\n"


def escape(text: str) -> str:
    """Make a value inert in Markdown: one table cell, no HTML, no code spans, no links."""
    text = printable(text).replace("\\", "\\\\")  # first, so a value cannot un-escape our escapes
    text = html.escape(text, quote=False).replace("`", "&#96;")
    text = text.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


_ENV = environment("markdown")


def text(template: str, **context: Any) -> str:
    """A Markdown document from the one environment: every value escaped by `escape`."""
    return _ENV.get_template(template).render(**context)


def render_markdown(result: ScanResult, budget: int = MAX_BYTES) -> str:
    """Every finding if it fits in `budget` bytes; otherwise the longest lists lose rows first."""
    report = build(result, cap=None)
    text = _render(report)
    size = _size(text)
    if size <= budget:
        return text
    cap = _fit(report, size - budget)
    while True:
        text = _render(build(result, cap=cap))
        if _size(text) <= budget:
            return text
        if cap == 0:
            return _cut(text, budget)
        cap = cap * 9 // 10  # the estimate was short (pointer lines, notice): trim a little more


def _render(report: Report) -> str:
    return text("report.md", report=report)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _fit(report: Report, excess: int) -> int:
    """The largest per-check row cap that drops at least `excess` bytes (plus room for pointers)."""
    lists = [[_row_size(f) for f in c.findings] for s in report.sections for c in s.problems]
    need = excess + 200 * len(lists) + 1000
    low, high = 0, max((len(rows) for rows in lists), default=0)
    while low < high:  # dropped bytes shrink as the cap grows: find the largest cap still dropping enough
        mid = (low + high + 1) // 2
        if sum(sum(rows[mid:]) for rows in lists) >= need:
            low = mid
        else:
            high = mid - 1
    return low


def _row_size(row: FindingRow) -> int:
    cells = (row.severity, row.target, row.message, row.evidence_text, row.status_text)
    return _size("|" + "".join(f" {escape(c)} |" for c in cells) + "\n")


def _cut(text: str, budget: int) -> str:
    # Last resort when even the text around the findings is too long (huge descriptions or warnings).
    room = budget - _size(_CUT)
    return text.encode("utf-8")[:room].decode("utf-8", errors="ignore") + _CUT
