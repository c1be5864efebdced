"""The AD FS checks on evidence: the demo's probe of sts.contoso.com, and variations of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from scanner.evidence import Evidence
from scanner.evidence.adfs import AdfsEvidence
from scanner.evidence.web import HttpInfo
from scanner.model import SourceStatus, Status
from scanner.store import saved_section
from tests.conftest import SAMPLES, run_check


@pytest.fixture(scope="module")
def demo() -> AdfsEvidence:
    return saved_section(SAMPLES / "adfs.json", "adfs", AdfsEvidence)


def evidence(adfs: AdfsEvidence | None, configured: tuple[str, ...] = ()) -> Evidence:
    status = (SourceStatus(name="adfs", status="ok"),) if adfs else ()
    now = datetime(2026, 11, 26, tzinfo=UTC)
    return Evidence(tool_version="t", collected_at=now, sources=status, adfs=adfs, configured=configured)


def leaf_expiring(ev: AdfsEvidence, days: float) -> AdfsEvidence:
    leaf = ev.tls.chain[0]
    leaf = replace(leaf, not_after=ev.checked_at + timedelta(days=days))
    return replace(ev, tls=replace(ev.tls, chain=(leaf, *ev.tls.chain[1:])))


def test_not_configured_is_information_only_when_there_is_no_adfs_section(demo: AdfsEvidence) -> None:
    absent = run_check("adfs.not_configured", evidence(None))
    assert absent.status is Status.PASS and [f.severity.value for f in absent.findings] == ["info"]
    assert "cloud passwords" in absent.findings[0].message
    assert run_check("adfs.not_configured", evidence(demo)).findings == ()
    assert run_check("adfs.not_configured", evidence(None, configured=("adfs",))).findings == ()


def test_the_demo_service_answers_and_its_certificate_is_fine(demo: AdfsEvidence) -> None:
    reach = run_check("adfs.reachable", evidence(demo))
    assert reach.status is Status.PASS and "TLSv1.2" in reach.examined and "probe 200" in reach.examined
    assert run_check("adfs.tls_certificate", evidence(demo)).status is Status.PASS


@pytest.mark.parametrize(
    ("days", "severity", "options"),
    [(60, "medium", {}), (10, "critical", {}), (60, None, {"warn_days": 30}), (-3, "critical", {})],
)
def test_tls_certificate_thresholds_follow_the_options(
    demo: AdfsEvidence, days: float, severity: str | None, options: dict[str, int]
) -> None:
    result = run_check("adfs.tls_certificate", evidence(leaf_expiring(demo, days)), **options)
    assert [f.severity.value for f in result.findings] == ([severity] if severity else [])


def test_validation_switched_off_is_itself_a_finding(demo: AdfsEvidence) -> None:
    result = run_check("adfs.tls_certificate", evidence(replace(demo, verify_tls=False)))
    assert result.status is Status.FAIL and "verify_tls = false" in result.findings[0].message


def test_an_unanswered_service_fails_reachable_and_leaves_the_rest_unverified(demo: AdfsEvidence) -> None:
    down = replace(demo, tls=replace(demo.tls, error="connection refused", chain=(), verified=False))
    ev = evidence(down)
    assert "connection refused" in run_check("adfs.reachable", ev).findings[0].message
    for check_id in ("adfs.tls_certificate", "adfs.idp_signon_exposed"):
        result = run_check(check_id, ev)
        assert (
            result.status is Status.ERROR and "did not answer over HTTPS: connection refused" in result.reason
        )


def test_probe_and_signon_page(demo: AdfsEvidence) -> None:
    assert run_check("adfs.idp_signon_exposed", evidence(demo)).status is Status.FAIL
    hidden = replace(demo, idp_signon_form=False)
    assert run_check("adfs.idp_signon_exposed", evidence(hidden)).status is Status.PASS
    assert run_check("adfs.probe", evidence(demo)).status is Status.PASS
    down = replace(demo, probe=HttpInfo(url="http://sts.contoso.com/adfs/probe", status=503))
    assert "answers HTTP 503" in run_check("adfs.probe", evidence(down)).findings[0].message
