"""The fleet email's text: verdict, sites not ready, shared findings; fleet.html is attached."""

from __future__ import annotations

from reports.templating import environment
from reports.view.fleet import Fleet, build_fleet

SITES, SHARED = 20, 10  # listed in the message; the attached report has them all


def render_fleet_email_text(fleet: Fleet, notes: tuple[str, ...] = ()) -> str:
    view = build_fleet(fleet, shared_cap=SHARED)
    blocked = [s for s in view.sites if s.not_ready]
    return (
        environment("text")
        .get_template("fleet_email.txt")
        .render(fleet=view, blocked=blocked[:SITES], more=max(0, len(blocked) - SITES), notes=notes)
    )
