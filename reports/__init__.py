"""Report formats: each renders a ScanResult to one file's text. Pure: no file, process or network I/O
(scanner.app.outputs writes them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from reports.csvfmt import render_csv
from reports.fleet_csv import render_fleet_csv
from reports.fleet_html import render_fleet_html
from reports.fleet_json import render_fleet_json
from reports.fleet_md import render_fleet_markdown
from reports.html import render_html
from reports.junit import render_junit
from reports.markdown import render_markdown
from reports.plan import render_plan
from reports.users import render_users
from reports.view.fleet import Fleet
from scanner.formats import FLEET, RENDERED
from scanner.model import ScanResult
from scanner.store import dump_result


class Format(NamedTuple):
    filename: str
    render: Callable[[ScanResult], str]


# Format name (as given to -f, named in scanner/formats.py) -> file and renderer.
_RENDERERS: dict[str, Callable[[ScanResult], str]] = {
    "html": render_html,
    "md": render_markdown,
    "json": dump_result,
    "csv": render_csv,
    "junit": render_junit,
    "plan": render_plan,
    "users": render_users,
}
FORMATS: dict[str, Format] = {name: Format(out.filename, _RENDERERS[name]) for name, out in RENDERED.items()}


class FleetFormat(NamedTuple):
    filename: str
    render: Callable[[Fleet], str]


_FLEET_RENDERERS: dict[str, Callable[[Fleet], str]] = {
    "html": render_fleet_html,
    "md": render_fleet_markdown,
    "csv": render_fleet_csv,
    "json": render_fleet_json,
}
# The fleet report's formats (fleet -f, named in scanner/formats.py).
FLEET_FORMATS: dict[str, FleetFormat] = {
    name: FleetFormat(out.filename, _FLEET_RENDERERS[name]) for name, out in FLEET.items()
}
# Formats written along with another because it points to them: the HTML report and the findings
# list both send the reader to the action plan and the per-user list.
COMPANIONS: dict[str, tuple[str, ...]] = {"html": ("plan", "users"), "csv": ("plan", "users")}


def with_companions(formats: list[str]) -> list[str]:
    return list(dict.fromkeys([*formats, *(c for f in formats for c in COMPANIONS.get(f, ()))]))


def render(result: ScanResult, fmt: str) -> str:
    return format_of(fmt).render(result)


def format_of(fmt: str) -> Format:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; use some of {', '.join(FORMATS)}") from None
