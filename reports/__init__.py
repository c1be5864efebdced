"""Report formats: each renders a ScanResult to one file's text. Pure: no file, process or network I/O
(scanner.app.outputs writes them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from reports.csvfmt import render_csv
from reports.html import render_html
from reports.junit import render_junit
from reports.markdown import render_markdown
from reports.plan import render_plan
from scanner.model import ScanResult
from scanner.store import dump_result


class Format(NamedTuple):
    filename: str
    render: Callable[[ScanResult], str]


# Format name (as given to -f) -> file and renderer; a new format is one more line here.
FORMATS: dict[str, Format] = {
    "html": Format("report.html", render_html),
    "md": Format("report.md", render_markdown),
    "json": Format("result.json", dump_result),
    "csv": Format("findings.csv", render_csv),
    "junit": Format("junit.xml", render_junit),
    "plan": Format("action-plan.csv", render_plan),
}
# Formats written along with another because it points to them: the HTML report and the findings
# list both send the reader to the action plan.
COMPANIONS: dict[str, tuple[str, ...]] = {"html": ("plan",), "csv": ("plan",)}


def with_companions(formats: list[str]) -> list[str]:
    return list(dict.fromkeys([*formats, *(c for f in formats for c in COMPANIONS.get(f, ()))]))


def render(result: ScanResult, fmt: str) -> str:
    return format_of(fmt).render(result)


def format_of(fmt: str) -> Format:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; use some of {', '.join(FORMATS)}") from None
