"""action-plan.csv: the customer's to-do list, one row per root cause, safe to open in Excel."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

import pytest

from reports.plan import COLUMNS, render_plan
from reports.view.actions import actions, headline
from scanner.model import Finding, ScanResult, Severity
from tests.reports.conftest import ACCEPT, FORMULA, failed, finding, hostile_scan, many, passed, scan
from tests.system.test_cli import cli


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff") and "\r\n" in text
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert cli("demo", "-q", "-o", out).exit_code == 1
    return out


def _demo_rows(demo: Path) -> list[dict[str, str]]:
    return _rows((demo / "action-plan.csv").read_bytes().decode("utf-8"))


def test_one_row_per_unverified_domain_covering_its_users_and_every_check(demo: Path) -> None:
    rows = _demo_rows(demo)
    fabrikam = [r for r in rows if "fabrikam.com" in r["cause"]]
    assert len(fabrikam) == 1, [r["cause"] for r in fabrikam]
    row = fabrikam[0]
    assert row["cause"] == "Domain fabrikam.com" and row["severity"] == "high"
    checks = set(row["checks"].split("; "))
    assert {"upn.unverified_suffix", "tenant.other_tenant", "dns.verification_record"} <= checks
    assert {"dns.enrollment_cname", "dns.registration_cname", "upn.enrollment_collection"} <= checks
    assert {"CONTOSO\\faye", "CONTOSO\\finn", "CONTOSO\\flo"} <= set(row["sample"].split(", "))
    assert row["affected"] == "at least 5 users"  # 4 named in the site database; the tenant counts 5
    # every finding it covers keeps its fingerprint, so a tracker keyed on them still finds it
    findings = _rows((demo / "findings.csv").read_bytes().decode("utf-8"))
    covered = {f["fingerprint"] for f in findings if f["cause"] == row["cause_id"]}
    assert covered == set(row["fingerprints"].split("; ")) and len(covered) >= 8
    eu = [r for r in rows if r["cause"] == "Domain eu.contoso.com"]
    assert len(eu) == 1 and eu[0]["affected"] == "2 users"
    assert not any(r["cause"] in ("blank", "missing", "v_R_User") for r in rows)


def test_no_placeholder_is_left_and_the_txt_record_comes_from_graph(demo: Path) -> None:
    rows = _demo_rows(demo)
    for r in rows:
        assert not re.search(r"<[a-z][\w ]*>|#{3,}|MS=ms…", r["action"]), (r["cause"], r["action"])
    eu = next(r for r in rows if r["cause"] == "Domain eu.contoso.com")
    assert "TXT record MS=ms21173179" in eu["action"]  # Graph's verificationDnsRecords, in the evidence
    fabrikam = next(r for r in rows if r["cause"] == "Domain fabrikam.com")
    assert "CNAME EnterpriseEnrollment.fabrikam.com ->" in fabrikam["action"]
    assert (
        "the TXT record that the Microsoft 365 admin center shows for fabrikam.com" in (fabrikam["action"])
    )  # not in this tenant, so Graph has no record for it: where to find it
    assert "the domain" not in fabrikam["action"].split("Settings > Domains > ")[-1][:12]
    scp = next(r for r in rows if "offline mode" in r["cause"])
    assert "-SiteSystemServerName CM01.corp.contoso.com -SiteCode EC1" in scp["action"]


def test_the_headline_counts_causes_and_distinct_users_not_findings(demo: Path) -> None:
    html = (demo / "report.html").read_text(encoding="utf-8")
    md = (demo / "report.md").read_text(encoding="utf-8")
    rows = _demo_rows(demo)
    said = re.search(r"Action plan:</strong> ([\d,]+) causes to fix \(([\d,]+) findings\)", html)
    assert said and int(said[1]) == len(rows) < int(said[2])
    assert f"Action plan: {len(rows)} causes to fix" in md


def test_the_terminal_says_what_to_fix_first_as_causes_not_checks(tmp_path: Path) -> None:
    r = cli("demo", "-o", tmp_path, env={"COLUMNS": "300"})
    first = r.output.split("Fix first")[1].split("\n\n")[0].splitlines()[1:]
    assert len(first) == 3 and first[0].strip().startswith("Domain fabrikam.com — at least 5 users (")
    assert not any(line.strip().startswith(("tenant.", "upn.", "dns.")) for line in first)


def test_the_same_users_under_three_checks_are_counted_once() -> None:
    users = ["CONTOSO\\ann <ann@x.local>", "CONTOSO\\bob <bob@x.local>"]
    ev = {"users": 2, "examples": users}
    result = scan(
        failed(
            "upn.non_routable_suffix", _caused(finding("upn.non_routable_suffix", "x.local", evidence=ev))
        ),
        failed(
            "upn.enrollment_collection", _caused(finding("upn.enrollment_collection", "x.local", evidence=ev))
        ),
        failed("upn.forest_suffixes", _caused(finding("upn.forest_suffixes", "x.local", evidence={}))),
        failed(
            "upn.malformed", finding("upn.malformed", "spaces", evidence={"users": 1, "examples": users[:1]})
        ),
    )
    plan = actions(result)
    assert plan[0].title == "Domain x.local" and plan[0].affected == "2 users"
    h = headline(plan)
    assert (h.causes, h.findings, h.users, h.domains) == (2, 4, 2, 1)
    assert h.summary == "2 causes to fix (4 findings), affecting 2 users and 1 domain"


def _caused(f: Finding) -> Finding:
    return replace(f, cause=f"domain:{f.target}")


def test_a_single_finding_is_its_own_row_with_its_fingerprint_as_id(mixed: ScanResult) -> None:
    rows = _rows(render_plan(mixed))
    assert [r["severity"] for r in rows] == ["critical", "high"]
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["checks"] == "adfs.cert_expiry" and rows[0]["action"] == "Fix what adfs.cert_expiry found."
    assert rows[0]["cause_id"] == rows[0]["fingerprints"]
    assert all(r["owner"] == r["due_date"] == r["status"] == "" for r in rows)


def test_accepted_findings_and_facts_are_not_actions() -> None:
    result = scan(
        failed("upn.x", finding("upn.x", "a", accepted=ACCEPT), finding("upn.x", "b")),
        passed("upn.inventory"),
        failed("upn.facts", finding("upn.facts", "suffix", severity=Severity.INFO)),
    )
    assert [r["sample"] for r in _rows(render_plan(result))] == ["b"]


def test_every_finding_is_covered_however_many() -> None:
    assert len(_rows(render_plan(scan(many("upn.x", 5000))))) == 5000


def test_formulas_are_neutralised() -> None:
    rows = _rows(render_plan(hostile_scan()))
    assert any(r["sample"] == "'" + FORMULA for r in rows)
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
    fixes = {r["sample"]: r["action"] for r in _rows(render_plan(result))}
    assert fixes["enterpriseenrollment.eu.contoso.com"].startswith(
        "Create CNAME EnterpriseEnrollment.eu.contoso.com ->"
    )
    assert fixes["fabrikam.com"].startswith("Create CNAME EnterpriseEnrollment.fabrikam.com ->")
    assert (
        fixes["ann@contoso.com"] == "Check each UPN suffix users have for ann."
    )  # not a domain: where to look


def test_the_report_itself_lists_the_worst_causes_with_their_steps(demo: Path) -> None:
    """A consultant hands over report.html or report.md: the plan's first rows are in it, not only a CSV."""
    rows = _demo_rows(demo)
    html = (demo / "report.html").read_text(encoding="utf-8")
    section = html.split('id="fix-first"')[1].split("</section>")[0]
    titles = re.findall(r"<strong>([^<]+)</strong>", section)
    assert titles == [r["cause"] for r in rows[: len(titles)]] and len(titles) == 10  # the plan's order
    first = section.split('<li class="cause')[1]
    steps = rows[0]["action"].split("\n")
    assert len(re.findall(r"<li>", first)) == len(steps) > 1  # every step of the cause, numbered
    for check in rows[0]["checks"].split("; "):
        assert f'href="#check-{check.replace(".", "-").replace("_", "-")}"' in first  # to its card
    assert f"{len(rows) - 10} more causes in action-plan.csv" in section
    md = (demo / "report.md").read_text(encoding="utf-8")
    listed = md.split("## What to fix first")[1].split("\n## ")[0]
    assert re.findall(r"^\d+\. \*\*\w+\*\*: \*\*(.+?)\*\*", listed, re.M) == titles
    assert listed.count("   - Seen by ") == 10


def test_a_component_is_one_action_whatever_reports_it(demo: Path) -> None:
    """Sitecomp's install lines, the component's status, its log errors and its status messages are one
    component to mend; the row counts no "objects" (the component is the object)."""
    rows = [r for r in _demo_rows(demo) if r["cause"] == "Component SMS_CLOUD_USERSYNC"]
    assert len(rows) == 1
    assert {"logs.sitecomp_connector", "site.component_status", "site.status_messages"} <= set(
        rows[0]["checks"].split("; ")
    )
    assert rows[0]["affected"] == ""
    assert not any(r["cause"].startswith("SMS_CLOUD_USERSYNC:") for r in _demo_rows(demo))
