"""The HTML report: one self-contained file (inline CSS, no scripts, no URLs loaded) for a customer."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports.text import printable
from reports.view import CAP, build
from scanner.model import ScanResult


def _finalize(data: Any) -> Any:
    # Runs on every {{ }} before autoescape, so no value can smuggle control characters through.
    if isinstance(data, Markup):
        return Markup(printable(data))
    return printable(data) if isinstance(data, str) else data


_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    finalize=_finalize,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(result: ScanResult, cap: int = CAP) -> str:
    """At most `cap` finding rows per check; the rest are counted and pointed to."""
    return _ENV.get_template("report.html").render(report=build(result, cap=cap))
