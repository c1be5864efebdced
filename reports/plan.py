"""action-plan.csv: one row per open finding, with empty owner, due date and status for the customer."""

from __future__ import annotations

import csv
import io

from reports.csvfmt import cell
from scanner.model import ScanResult

COLUMNS = (
    "severity",
    "check_id",
    "check_title",
    "target",
    "finding",
    "fix",
    "fingerprint",
    "owner",
    "due_date",
    "status",
)


def render_plan(result: ScanResult) -> str:
    """Most severe first; accepted findings and info facts are not actions. Excel-safe like findings.csv."""
    rows = [
        (f.severity, r.check.id, r.check.title, f.target, f.message, r.check.remediation, f.fingerprint)
        for r in result.results
        for f in r.open_findings
        if f.is_problem
    ]
    rows.sort(key=lambda row: (-row[0].rank, row[1], row[3]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([*(cell(str(v)) for v in row), "", "", ""] for row in rows)
    return "\ufeff" + out.getvalue()
