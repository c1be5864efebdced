"""fleet.csv: one row per site and check, safe to open in Excel (a pivot table away from any view)."""

from __future__ import annotations

import csv
import io

from reports.csvfmt import cell
from reports.view.fleet import Fleet

COLUMNS = (
    "company",
    "site_code",
    "scanned",
    "tool_version",
    "check_id",
    "check_title",
    "area",
    "status",
    "worst_open_severity",
    "open_findings",
    "accepted_findings",
    "reason",
    "result_file",
)


def render_fleet_csv(fleet: Fleet) -> str:
    """Sites in name order, checks in their result's order; UTF-8 with a BOM and CRLF, as Excel expects."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for s in sorted(fleet.sites, key=lambda s: s.run.name.casefold()):
        run = s.run
        site = (run.company, run.site, run.started.isoformat(), run.tool_version)
        writer.writerows(
            [
                cell(v)
                for v in (
                    *site,
                    c.id,
                    c.title,
                    c.area,
                    c.status,
                    c.worst,
                    str(c.open),
                    str(c.accepted),
                    c.reason,
                    s.source,
                )
            ]
            for c in run.checks
        )
    return "\ufeff" + out.getvalue()
