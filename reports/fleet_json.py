"""fleet.json for other tools: every site's prerequisites, counts and trend, every shared finding."""

from __future__ import annotations

import json
from typing import Any

from reports.view.fleet import Fleet, build_fleet
from reports.view.runs import RunSummary
from reports.view.shared import shared_findings
from scanner.codec import to_jsonable
from scanner.model import Severity

FLEET_SCHEMA = 1


def render_fleet_json(fleet: Fleet) -> str:
    view = build_fleet(fleet, shared_cap=0)
    shared, _ = shared_findings([s.run for s in fleet.sites], cap=view.shared_total)
    body = {
        "fleet_schema_version": FLEET_SCHEMA,
        "generated": fleet.generated.isoformat(),
        "verdict": view.verdict,
        "sites": [
            {
                **_site(s.run),
                "result_file": s.source,
                "report": s.report,
                "trend": to_jsonable(s.trend) if s.trend else None,
            }
            for s in sorted(fleet.sites, key=lambda s: s.run.name.casefold())
        ],
        "shared_findings": [to_jsonable(f) for f in shared],
        "unreadable": list(fleet.problems),
    }
    # Compact: the C encoder (indent= would use the pure-Python one, several times slower on 1,000 sites).
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"


def _site(run: RunSummary) -> dict[str, Any]:
    return {
        "company": run.company,
        "site_code": run.site,
        "started": run.started.isoformat(),
        "tool_version": run.tool_version,
        "incomplete": run.incomplete,
        "prerequisites": dict(run.states),
        "open_findings": {s.value: run.open_by_severity(s) for s in Severity},
        "checks": [
            {"id": c.id, "status": c.status, "worst": c.worst, "open": c.open, "accepted": c.accepted}
            for c in run.checks
        ],
    }
