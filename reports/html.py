"""The HTML report: one self-contained file (inline CSS, an optional inline script, nothing loaded)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from importlib.resources import files
from typing import Any

from markupsafe import Markup

from reports.templating import environment
from reports.view.appendix import split
from reports.view.report import CAP, build
from scanner.model import ScanResult

_ENV = environment("html")


# The only script the page may run, named by its hash in the Content-Security-Policy: nothing else
# (an injected tag, an external resource) would run or load even if escaping ever failed.
SCRIPT = files("reports").joinpath("templates/report.js").read_text(encoding="utf-8")
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
CSP = f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_HASH}'"


def page(template: str, **context: Any) -> str:
    """A page of this look from the one environment, with the one script its CSP allows."""
    return _ENV.get_template(template).render(script=Markup(SCRIPT), csp=CSP, **context)


MAX_BYTES = 5_000_000  # a browser opens it at once and a mail server accepts it
_MIN_CAP = 10


def render_html(result: ScanResult, cap: int = CAP, budget: int = MAX_BYTES) -> str:
    """At most `cap` finding rows per check, fewer when the page would pass `budget` bytes; the rest
    are counted and pointed to."""
    while True:
        text = page("report.html", report=build(result, cap=cap))
        size = len(text.encode("utf-8"))
        if size <= budget or cap <= _MIN_CAP:
            return text
        cap = max(_MIN_CAP, min(cap - 1, int(cap * budget / size * 0.9)))


def render_document(result: ScanResult) -> str:
    """The page printed to report.pdf: each check's first rows in the body, the rest in appendices."""
    report = build(result, cap=CAP)  # what the screen shows, rearranged for paper
    body, appendices = split(report.sections)
    return page("report.html", report=replace(report, sections=body, appendices=appendices))
