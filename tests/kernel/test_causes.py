"""Root causes: a check declares how its findings map to the one thing to fix; the runner records it."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scanner.causes import by_certificate, by_component, by_domain, domain_of
from scanner.model import Finding, Severity
from scanner.registry import CatalogError, _collect, check, discover


def _f(check_id: str, target: str, **evidence: object) -> Finding:
    return Finding(check_id=check_id, severity=Severity.HIGH, target=target, message="m", evidence=evidence)


def test_records_and_suffixes_of_one_domain_are_one_cause_and_rule_names_are_not() -> None:
    assert domain_of("EnterpriseEnrollment.EU.contoso.com") == "eu.contoso.com"
    assert (
        by_domain(_f("dns.enrollment_cname", "enterpriseregistration.fabrikam.com")) == "domain:fabrikam.com"
    )
    assert by_domain(_f("upn.unverified_suffix", "fabrikam.com")) == "domain:fabrikam.com"
    for rule_name in ("missing", "no_at", "EC100012", "v_R_User", "tenant:72f988bf"):
        assert by_domain(_f("upn.enrollment_collection", rule_name)) == ""


def test_components_and_certificates_come_from_the_evidence_or_the_target() -> None:
    assert (
        by_component(_f("logs.errors", "Cloudusersync.log:SMS_CLOUD_USERSYNC"))
        == "component:SMS_CLOUD_USERSYNC"
    )
    seen = _f("site.component_status", "CM01:SMS_CLOUD_USERSYNC", component="SMS_CLOUD_USERSYNC")
    assert by_component(seen) == "component:SMS_CLOUD_USERSYNC"
    assert by_component(_f("logs.errors", "ccmexec.log:")) == ""
    topic = "com.apple.mgmt.External.5f0c"
    assert by_certificate(_f("ios.apns_certificate", topic, topic=topic)) == by_certificate(
        _f("tenant.apns_certificate", topic, topic=topic, apple_id="a@b.c")
    )


def test_an_unknown_cause_is_refused_at_discovery() -> None:
    module = types.ModuleType("plugin_x")

    @check(id="x.y", title="Y is wrong", severity=Severity.LOW, needs=(), remediation="Fix y.", cause="team")
    def y(ctx: object) -> list[Finding]:
        """Why y matters."""
        return []

    y.__module__ = module.__name__
    module.y = y  # type: ignore[attr-defined]
    with pytest.raises(CatalogError, match=r"check 'x.y' at plugin_x:y: unknown cause 'team'"):
        _collect(module, {})


def test_the_cause_is_an_added_field_of_the_json_and_older_results_still_load(tmp_path: Path) -> None:
    from dataclasses import replace

    from scanner.model import CheckInfo, CheckResult, ScanResult, Status
    from scanner.store import dump_result, load_result

    f = replace(_f("upn.unverified_suffix", "fabrikam.com"), cause="domain:fabrikam.com")
    info = CheckInfo(id="upn.unverified_suffix", title="t", severity=Severity.HIGH, area="upn")
    t0 = datetime(2026, 12, 6, tzinfo=UTC)
    result = ScanResult(
        tool_version="1",
        started=t0,
        finished=t0,
        results=(CheckResult(check=info, status=Status.FAIL, findings=(f,)),),
    )
    saved = json.loads(dump_result(result))
    found = saved["results"][0]["findings"][0]
    assert found["cause"] == "domain:fabrikam.com" and found["fingerprint"] == f.fingerprint
    del found["cause"]  # as a result saved before causes existed
    (tmp_path / "old.json").write_text(json.dumps(saved), encoding="utf-8")
    [old] = load_result(tmp_path / "old.json").results[0].findings
    assert old.cause == "" and old.root_cause == "finding:upn.unverified_suffix:fabrikam.com"


def test_the_built_in_checks_declare_their_causes() -> None:
    specs = discover(plugins=False).specs
    assert specs["dns.verification_record"].cause is by_domain
    assert specs["upn.malformed"].cause is not None and specs["adfs.probe"].cause is None
