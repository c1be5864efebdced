"""The fleet report as one self-contained HTML page, in the site report's look (same CSS and script)."""

from __future__ import annotations

from reports.html import MAX_BYTES, page
from reports.view.fleet import SHARED_CAP, Fleet, build_fleet


def render_fleet_html(fleet: Fleet, budget: int = MAX_BYTES) -> str:
    """Every site is always listed; past `budget` bytes the shared findings are cut first, then the
    trend strips (the JSON and CSV keep everything)."""
    cap, trends = SHARED_CAP, True
    while True:
        view = build_fleet(fleet, shared_cap=cap)
        text = page("fleet.html", fleet=view, trends=trends and view.trends > 0)
        if len(text.encode("utf-8")) <= budget or (cap == 0 and not trends):
            return text
        if cap:
            cap = 0 if cap <= 10 else cap // 2
        else:
            trends = False
