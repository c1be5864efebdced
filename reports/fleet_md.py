"""The fleet report in Markdown: the matrix and the shared findings, for a consultant's own document."""

from __future__ import annotations

from reports.markdown import text
from reports.view.fleet import SHARED_CAP, Fleet, build_fleet


def render_fleet_markdown(fleet: Fleet) -> str:
    return text("fleet.md", fleet=build_fleet(fleet, shared_cap=SHARED_CAP))
