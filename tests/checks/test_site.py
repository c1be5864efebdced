"""The site rules on evidence data: the cases the lab's hierarchy does not plant."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from scanner.evidence import Evidence
from scanner.evidence.sql import ComponentRow, MessageGroup, RoleRow, SiteEvidence, SiteRow, SqlEvidence
from scanner.facts import connector
from scanner.model import SourceStatus, Status
from scanner.sources.sql import from_csv
from tests.conftest import SAMPLES, run_check

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
SCP = RoleRow(server="CM01.corp.contoso.com", site="EC1")
CAS = SiteRow(code="CAS", name="Central", type=4)
EC1 = SiteRow(code="EC1", name="East", type=2, parent="CAS")


def ok(component: str, **kw: object) -> ComponentRow:
    fields: dict[str, object] = dict(site="EC1", machine=SCP.server, component=component, status=0, state=1)
    return ComponentRow(**{**fields, **kw})  # type: ignore[arg-type]


HEALTHY = SiteEvidence(
    sites=(CAS, replace(EC1, parent="")),
    scp=(SCP,),
    components=tuple(ok(c) for c in connector.components()),
    messages_since=NOW - timedelta(days=7),
)


def evidence(site: SiteEvidence | None) -> Evidence:
    sql = SqlEvidence(origin="CM_EC1 on cm01", database="CM_EC1", query="SELECT 1", inventory=(), users=0)
    return Evidence(
        tool_version="t",
        collected_at=NOW,
        sources=(SourceStatus(name="sql", status="ok"),),
        sql=replace(sql, site=site),
    )


@pytest.mark.parametrize(
    "check_id", ["site.scp_placement", "site.scp_mode", "site.component_status", "site.status_messages"]
)
def test_a_csv_export_has_no_site_tables_so_the_rules_are_skipped_saying_what_to_do(check_id: str) -> None:
    sql = from_csv(SAMPLES / "v_R_User.csv", "CM_EC1", 5)
    ev = replace(evidence(None), sql=sql)
    result = run_check(check_id, ev)
    assert result.status is Status.SKIPPED
    assert "export of v_R_User" in result.reason and "[sql] evidence" in result.reason


def test_the_healthy_site_passes_every_rule() -> None:
    for check_id in ("site.scp_placement", "site.scp_mode", "site.component_status", "site.status_messages"):
        result = run_check(check_id, evidence(HEALTHY))
        assert result.status is Status.PASS, (check_id, result.findings)
    assert "none stored (online)" in run_check("site.scp_mode", evidence(HEALTHY)).examined


def test_a_role_on_a_site_v_site_does_not_list_is_an_error_not_a_pass() -> None:
    result = run_check("site.scp_placement", evidence(replace(HEALTHY, sites=(CAS,))))
    assert result.status is Status.ERROR and "EC1 is not in v_Site" in result.reason


def test_an_unreadable_part_makes_only_its_rules_errors() -> None:
    site = replace(HEALTHY, errors={"mode": "the account cannot read SC_SysResUse (42501: denied)"})
    mode = run_check("site.scp_mode", evidence(site))
    assert (
        mode.status is Status.ERROR
        and mode.reason == "not checked: the account cannot read SC_SysResUse (42501: denied)"
    )
    assert run_check("site.scp_placement", evidence(site)).status is Status.PASS


def test_offline_mode_is_any_non_zero_value_and_names_the_server() -> None:
    result = run_check("site.scp_mode", evidence(replace(HEALTHY, offline_mode=(0, 1))))
    [finding] = result.findings
    assert finding.target == SCP.server and "offline mode" in finding.message


@pytest.mark.parametrize(
    ("row", "severity", "words"),
    [
        (ok("SMS_DMP_UPLOADER", status=1, warnings=3), "medium", "is warning: 0 error(s) and 3 warning(s)"),
        (ok("SMS_DMP_UPLOADER", state=2), "high", "is paused"),
        (ok("SMS_DMP_UPLOADER", status=2, state=0), "high", "is critical and stopped"),
    ],
)
def test_component_problems_and_their_severity(row: ComponentRow, severity: str, words: str) -> None:
    rows = (*(r for r in HEALTHY.components if r.component != row.component), row)
    [finding] = run_check("site.component_status", evidence(replace(HEALTHY, components=rows))).findings
    assert finding.severity == severity and words in finding.message
    assert "uploads the site's data to Intune" in finding.message  # what the component does, from the table


def test_a_component_without_status_on_the_scp_site_is_named() -> None:
    rows = tuple(r for r in HEALTHY.components if r.component != "SMS_CLOUD_USERSYNC")
    rows += (ok("SMS_CLOUD_USERSYNC", site="CAS", status=2),)  # another site's row does not count
    [finding] = run_check("site.component_status", evidence(replace(HEALTHY, components=rows))).findings
    assert finding.target == "SMS_CLOUD_USERSYNC" and finding.severity == "medium"
    assert "no component status on site EC1" in finding.message


def test_a_single_message_says_when_and_an_unknown_id_is_listed_by_number() -> None:
    group = MessageGroup(
        component="SMS_SERVICE_CONNECTOR", message_id=11412, severity=connector.ERROR, count=1,
        first=NOW - timedelta(hours=2), last=NOW - timedelta(hours=2), machine="CM01",
    )  # fmt: skip
    unknown = replace(group, message_id=4242, severity=connector.WARNING, count=2, win32_error=-2146762487)
    result = run_check("site.status_messages", evidence(replace(HEALTHY, messages=(group, unknown))))
    found = {f.target: f for f in result.findings}
    critical = found["SMS_SERVICE_CONNECTOR:11412"]
    assert critical.severity == "medium" and "error 11412 at 2026-11-25 16:00 UTC" in critical.message
    assert "critical cloud connectivity failures" in critical.message
    assert "warning 4242 2 times" in found["SMS_SERVICE_CONNECTOR:4242"].message
    assert (
        "0x800B0109: A certificate chain terminated in a root" in found["SMS_SERVICE_CONNECTOR:4242"].message
    )
    assert result.examined.endswith("1 not in the table: 4242")
