"""action-plan.csv: one row per open finding, with empty owner, due date and status for the customer."""

from __future__ import annotations

import csv
import io
import re

from reports.csvfmt import cell
from scanner.model import Finding, ScanResult

# "EnterpriseEnrollment.<domain>" in a check's remediation: the record this finding is about.
_RECORD = re.compile(r"(?P<label>[A-Za-z][\w-]*)\.<domain>")
_DOMAIN = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,63}", re.I)

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
        (
            f.severity,
            r.check.id,
            r.check.title,
            f.target,
            f.message,
            fix(r.check.remediation, f),
            f.fingerprint,
        )
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


def fix(remediation: str, f: Finding) -> str:
    """The check's remediation for this finding: a placeholder for the domain filled from its target
    ("EnterpriseEnrollment.<domain>" for enterpriseenrollment.eu.contoso.com names that record)."""
    target = f.target.strip().rstrip(".")
    if "<domain>" not in remediation or not _DOMAIN.fullmatch(target):
        return remediation

    def record(m: re.Match[str]) -> str:
        label, _, rest = target.partition(".")
        if label.casefold() == m["label"].casefold() and rest:
            return f"{m['label']}.{rest}"
        return f"{m['label']}.{target}"

    return _RECORD.sub(record, remediation).replace("<domain>", target)
