"""action-plan.csv: the customer's to-do list, one row per open finding, safe to open in Excel."""

from __future__ import annotations

import csv
import io

from reports.plan import COLUMNS, render_plan
from scanner.model import ScanResult, Severity
from tests.reports.conftest import ACCEPT, FORMULA, failed, finding, hostile_scan, many, passed, scan


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff") and "\r\n" in text
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_one_row_per_open_finding_worst_first_with_empty_columns_to_fill(mixed: ScanResult) -> None:
    rows = _rows(render_plan(mixed))
    assert [r["severity"] for r in rows] == ["critical", "high"]
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["check_id"] == "adfs.cert_expiry" and rows[0]["fix"] == "Fix what adfs.cert_expiry found."
    assert all(r["owner"] == r["due_date"] == r["status"] == "" for r in rows)


def test_accepted_findings_and_facts_are_not_actions() -> None:
    result = scan(
        failed("upn.x", finding("upn.x", "a", accepted=ACCEPT), finding("upn.x", "b")),
        passed("upn.inventory"),
        failed("upn.facts", finding("upn.facts", "suffix", severity=Severity.INFO)),
    )
    assert [r["target"] for r in _rows(render_plan(result))] == ["b"]


def test_every_finding_is_listed_however_many() -> None:
    assert len(_rows(render_plan(scan(many("upn.x", 5000))))) == 5000


def test_formulas_are_neutralised() -> None:
    rows = _rows(render_plan(hostile_scan()))
    assert any(r["target"] == "'" + FORMULA for r in rows)
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


def test_the_fix_names_the_record_of_this_finding_not_a_placeholder() -> None:
    rem = "Create CNAME EnterpriseEnrollment.<domain> -> EnterpriseEnrollment-s.manage.microsoft.com."
    result = scan(
        failed(
            "dns.enrollment_cname",
            finding("dns.enrollment_cname", "enterpriseenrollment.eu.contoso.com"),
            finding("dns.enrollment_cname", "fabrikam.com"),
            remediation=rem,
        ),
        failed("upn.x", finding("upn.x", "ann@contoso.com"), remediation="Check <domain> for ann."),
    )
    fixes = {r["target"]: r["fix"] for r in _rows(render_plan(result))}
    assert fixes["enterpriseenrollment.eu.contoso.com"].startswith(
        "Create CNAME EnterpriseEnrollment.eu.contoso.com ->"
    )
    assert fixes["fabrikam.com"].startswith("Create CNAME EnterpriseEnrollment.fabrikam.com ->")
    assert fixes["ann@contoso.com"] == "Check <domain> for ann."  # not a domain: left as the check says
