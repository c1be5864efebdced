"""The APNs certificate check on certificates the tests make, and on the demo's evidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scanner import config
from scanner.evidence import Evidence
from scanner.evidence.apns import ApnsEvidence
from scanner.model import Finding, Severity, SourceStatus, Status
from scanner.sources.apns import collect_apns
from scanner.store import saved_section
from tests.conftest import SAMPLES, run_check
from tests.lab.apple import push_certificate, write

CHECK = "ios.apns_certificate"


def evidence(section: ApnsEvidence) -> Evidence:
    return Evidence(
        tool_version="t",
        collected_at=datetime.now(UTC),
        sources=(SourceStatus(name="apns", status="ok"),),
        apns=section,
    )


def read(tmp_path: Path, **kwargs: object) -> Evidence:
    path = write(push_certificate(**kwargs), tmp_path / "apns.pem")  # type: ignore[arg-type]
    return evidence(collect_apns(config.from_dict({"apns": {"certificate": str(path)}})))


def findings(ev: Evidence, **options: object) -> list[Finding]:
    return list(run_check(CHECK, ev, **options).findings)


def test_a_valid_mdm_push_certificate_passes(tmp_path: Path) -> None:
    result = run_check(CHECK, read(tmp_path, days=200))
    assert result.status is Status.PASS
    assert "Apple Application Integration 2 Certification Authority" in result.examined


@pytest.mark.parametrize(
    ("days", "severity", "says"),
    [
        (-3, Severity.CRITICAL, "days ago: iOS devices can no longer be managed"),
        (5, Severity.HIGH, "expires in 5 days"),
        (20, Severity.MEDIUM, "expires in 20 days"),
    ],
    ids=["expired", "within-critical-days", "within-warn-days"],
)
def test_expiry(tmp_path: Path, days: float, severity: Severity, says: str) -> None:
    ev = read(tmp_path, days=days + 0.3, apple_id="mdm-admin@contoso.com")
    [f] = findings(ev)
    assert f.severity is severity and says in f.message and "(Apple ID mdm-admin@contoso.com)" in f.message
    assert ev.apns is not None and f.target == ev.apns.topic  # stays the same when the certificate is renewed


def test_thresholds_are_options(tmp_path: Path) -> None:
    ev = read(tmp_path, days=40.5)
    assert findings(ev) == []
    [f] = findings(ev, warn_days=45, critical_days=41)
    assert f.severity is Severity.HIGH


def test_not_an_mdm_push_certificate(tmp_path: Path) -> None:
    wrong_topic = findings(read(tmp_path, topic="com.apple.pushkit.voip.contoso"))
    assert [f.message.split(":")[1].strip() for f in wrong_topic] == [
        "its topic (UID) is com.apple.pushkit.voip.contoso, not com.apple.mgmt.…."
    ]
    issuer = (("CN", "Contoso Issuing CA"), ("O", "Contoso"))
    [f] = findings(read(tmp_path, issuer=issuer))
    assert f.severity is Severity.HIGH and "not issued by Apple's push certificate authority" in f.message


def test_unreadable_certificate_is_an_error_with_the_reason(tmp_path: Path) -> None:
    broken = ApnsEvidence(file="apns.p12", read_at=datetime.now(UTC), error="apns.p12: wrong password")
    result = run_check(CHECK, evidence(broken))
    assert result.status is Status.ERROR and result.reason == "apns.p12: wrong password"


def test_demo_certificate_expires_in_twelve_days_on_any_day() -> None:
    ev = evidence(saved_section(SAMPLES / "apns.json", "apns", ApnsEvidence))
    [f] = findings(ev, relative_to="read")
    assert f.severity is Severity.MEDIUM and "expires in 12 days, on 2026-12-08" in f.message
    later = replace(ev, collected_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert findings(later)[0].severity is Severity.CRITICAL  # measured from the scan: expired by then
