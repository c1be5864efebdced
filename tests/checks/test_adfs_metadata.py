"""The federation metadata checks on evidence: the demo's signing key 19 days from expiry, and variations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from scanner.evidence import Evidence
from scanner.evidence.adfs import AdfsEvidence, FederationMetadata
from scanner.model import SourceStatus, Status
from scanner.sources.parse.certs import cert_info
from scanner.store import saved_section
from tests.conftest import SAMPLES, run_check


@pytest.fixture(scope="module")
def demo() -> AdfsEvidence:
    return saved_section(SAMPLES / "adfs.json", "adfs", AdfsEvidence)


def evidence(adfs: AdfsEvidence) -> Evidence:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    return Evidence(
        tool_version="t", collected_at=now, sources=(SourceStatus(name="adfs", status="ok"),), adfs=adfs
    )


def with_signing(ev: AdfsEvidence, *days: float) -> AdfsEvidence:
    assert ev.metadata is not None
    [model] = ev.metadata.signing
    certs = tuple(
        replace(model, thumbprint=f"{i:040X}", not_after=ev.checked_at + timedelta(days=d))
        for i, d in enumerate(days)
    )
    return replace(ev, metadata=replace(ev.metadata, signing=tuple(sorted(certs, key=lambda c: c.not_after))))


def test_the_demo_key_expires_in_19_days_without_successor(demo: AdfsEvidence) -> None:
    result = run_check("adfs.token_signing_expiry", evidence(demo))
    [finding] = result.findings
    assert finding.severity.value == "high" and "expires in 19 days" in finding.message
    assert "no successor" in finding.message and finding.evidence["days_left"] == 19
    assert run_check("adfs.metadata", evidence(demo)).status is Status.PASS


@pytest.mark.parametrize(
    ("days", "expect", "options"),
    [
        ((19,), ["high"], {}),
        ((19,), ["critical"], {"critical_days": 20}),
        ((19,), [], {"warn_days": 10}),
        ((19, 380), ["info"], {}),  # rollover in progress: the check passes
        ((-2, 380), ["medium"], {}),  # expired, but a successor is published beside it
        ((-2,), ["critical"], {}),
    ],
)
def test_thresholds_and_rollover(
    demo: AdfsEvidence, days: tuple[float, ...], expect: list[str], options: dict[str, int]
) -> None:
    result = run_check("adfs.token_signing_expiry", evidence(with_signing(demo, *days)), **options)
    assert [f.severity.value for f in result.findings] == expect


def test_unusable_metadata_is_a_metadata_finding_and_leaves_expiry_unverified(demo: AdfsEvidence) -> None:
    broken = replace(demo, metadata=FederationMetadata(error="not XML: syntax error: line 1, column 0"))
    assert "not XML" in run_check("adfs.metadata", evidence(broken)).findings[0].message
    expiry = run_check("adfs.token_signing_expiry", evidence(broken))
    assert expiry.status is Status.ERROR and "see adfs.metadata" in expiry.reason


def test_an_unreadable_key_in_the_metadata_is_named(demo: AdfsEvidence) -> None:
    assert demo.metadata is not None
    damaged = replace(demo.metadata, encryption=(cert_info(b"junk"),))
    result = run_check("adfs.metadata", evidence(replace(demo, metadata=damaged)))
    assert result.status is Status.FAIL and "cannot be read" in result.findings[0].message
