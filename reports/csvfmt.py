"""findings.csv: the action list, one row per finding, safe to open in Excel."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from reports.text import printable
from reports.view.actions import actions
from scanner.model import CheckResult, Finding, ScanResult

COLUMNS = (
    "check_id",
    "check_title",
    "severity",
    "status",
    "target",
    "message",
    "evidence",
    "fingerprint",
    "accepted",
    "accepted_reason",
    "accepted_owner",
    "accepted_expires",
    "remediation",
    "cause",  # the action-plan.csv row (its cause_id) this finding is part of
)
# A spreadsheet runs a cell starting with these as a formula (=HYPERLINK, =cmd|…): a leading
# apostrophe makes it text.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    text = printable(text)
    return "'" + text if text.startswith(_FORMULA) else text


def table(columns: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A CSV file as Excel expects it: UTF-8 with a BOM, CRLF, every cell formula-guarded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([cell(v) for v in row] for row in rows)
    return "\ufeff" + out.getvalue()


def render_csv(result: ScanResult) -> str:
    """Open findings first, most severe first; UTF-8 with a BOM and CRLF, as Excel expects."""
    rows = [(r, f) for r in result.results for f in r.findings]
    rows.sort(key=lambda rf: (rf[1].accepted is not None, -rf[1].severity.rank, rf[1].check_id, rf[1].target))
    ids = {a.key: a.id for a in actions(result)}
    return table(COLUMNS, (_values(r, f, ids) for r, f in rows))


def _values(r: CheckResult, f: Finding, cause_ids: dict[str, str]) -> tuple[str, ...]:
    acc = f.accepted
    return (
        f.check_id,
        r.check.title,
        f.severity.value,
        "accepted" if acc else "open",
        f.target,
        f.message,
        json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, default=str),
        f.fingerprint,
        "yes" if acc else "no",
        acc.reason if acc else "",
        acc.owner if acc else "",
        acc.expires if acc else "",
        r.check.remediation,
        cause_ids.get(f.root_cause, "") if f.accepted is None else "",  # accepted: no plan row
    )
