"""The Graph checks on Graph evidence: each finds its problem and stays quiet on its trap."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from scanner.evidence import Evidence
from scanner.evidence.adfs import AdfsEvidence, FederationMetadata
from scanner.evidence.certs import CertInfo
from scanner.evidence.tenant import Federation, GraphEvidence, PushCertificate
from scanner.evidence.web import HttpInfo, TlsInfo
from scanner.model import SourceStatus
from tests.conftest import COLLECTED, run_check

A = "6babcaad-604b-40ac-a9d7-9fd97c0b779f"


def graph(**kw: Any) -> Evidence:
    base: dict[str, Any] = dict(
        endpoint="https://graph.microsoft.com",
        tenant_id=A,
        client_id="c",
        checked_at=COLLECTED,
        organization_id=A,
        sync_enabled=True,
        last_sync=COLLECTED - timedelta(minutes=40),
        mdm_authority="sccm",
        push=PushCertificate(
            apple_id="mdm@contoso.com",
            topic="com.apple.mgmt.External.x",
            expires=COLLECTED + timedelta(days=200),
        ),
    )
    ev = GraphEvidence(**(base | kw))
    status = SourceStatus(name="graph", status="ok")
    return Evidence(tool_version="test", collected_at=COLLECTED, sources=(status,), graph=ev)


def found(check_id: str, ev: Evidence, **opts: Any) -> dict[str, str]:
    result = run_check(check_id, ev, **opts)
    assert result.status.value in ("pass", "fail"), result.reason
    return {f.message: f.severity.value for f in result.findings}


def test_sync_recent_off_never_and_stale() -> None:
    assert found("tenant.sync_recent", graph()) == {}  # trap: 40 minutes ago is fine
    assert "was turned off" in next(iter(found("tenant.sync_recent", graph(sync_enabled=False))))
    assert "never been turned on" in next(iter(found("tenant.sync_recent", graph(sync_enabled=None))))
    stale = graph(last_sync=COLLECTED - timedelta(hours=5))
    assert "last ran 5.0 hours before Graph was read" in next(iter(found("tenant.sync_recent", stale)))
    assert (
        found("tenant.sync_recent", graph(last_sync=COLLECTED - timedelta(hours=5), max_sync_age_hours=6))
        == {}
    )


def test_a_missing_permission_is_the_checks_error_naming_it() -> None:
    why = "Graph /v1.0/organization answered 403: grant the app the permission Organization.Read.All"
    result = run_check("tenant.sync_recent", graph(organization_error=why))
    assert result.status.value == "error" and "Organization.Read.All" in result.reason


def test_mdm_authority_unset_or_office365() -> None:
    assert found("tenant.mdm_authority", graph()) == {}  # sccm: hybrid MDM, this tool's case
    assert found("tenant.mdm_authority", graph(mdm_authority="intune")) == {}
    assert list(found("tenant.mdm_authority", graph(mdm_authority="unknown")).values()) == ["high"]
    assert "Office 365" in next(iter(found("tenant.mdm_authority", graph(mdm_authority="office365"))))


def test_apns_certificate_thresholds_like_the_site_servers_file() -> None:
    def push(days: float) -> Evidence:
        return graph(
            push=PushCertificate(apple_id="mdm@contoso.com", expires=COLLECTED + timedelta(days=days))
        )

    assert found("tenant.apns_certificate", push(200)) == {}
    assert list(found("tenant.apns_certificate", push(20)).values()) == ["medium"]
    assert list(found("tenant.apns_certificate", push(5)).values()) == ["high"]
    assert list(found("tenant.apns_certificate", push(-1)).values()) == ["critical"]
    assert found("tenant.apns_certificate", push(20), warn_days=10) == {}
    [none] = found("tenant.apns_certificate", graph(push=None))
    assert "holds no Apple push certificate" in none


def cert(thumb: str, days: float = 300) -> CertInfo:
    return CertInfo(
        subject=f"CN=ADFS Signing {thumb}",
        issuer="CN=x",
        not_before=COLLECTED - timedelta(days=30),
        not_after=COLLECTED + timedelta(days=days),
        thumbprint=thumb,
    )


def with_adfs(ev: Evidence, *published: CertInfo) -> Evidence:
    page = HttpInfo(
        url="https://sts.contoso.com/FederationMetadata/2007-06/FederationMetadata.xml", status=200
    )
    adfs = AdfsEvidence(
        url="https://sts.contoso.com",
        host="sts.contoso.com",
        port=443,
        checked_at=COLLECTED,
        tls=TlsInfo(host="sts.contoso.com", port=443),
        metadata_http=page,
        metadata=FederationMetadata(
            entity_id="http://sts.contoso.com/adfs/services/trust", signing=published
        ),
        probe=page,
        mex=page,
        idp_signon=page,
        openid=page,
    )
    return replace(ev, adfs=adfs, sources=(*ev.sources, SourceStatus(name="adfs", status="ok")))


def test_federation_certificate_mismatch_and_unknown_successor() -> None:
    fed = Federation(
        domain="contoso.com", passive_sign_in_uri="https://sts.contoso.com/adfs/ls/", signing=cert("AA")
    )
    ev = graph(federation=(fed,))
    assert (
        found("tenant.federation_certificate", with_adfs(ev, cert("AA"))) == {}
    )  # trap: the same certificate
    both = replace(fed, next_signing=cert("BB"))
    assert (
        found("tenant.federation_certificate", with_adfs(graph(federation=(both,)), cert("AA"), cert("BB")))
        == {}
    )
    successor = found("tenant.federation_certificate", with_adfs(ev, cert("AA"), cert("BB")))
    assert [m for m in successor if "publishes signing certificate BB" in m and "does not hold" in m]
    swapped = found("tenant.federation_certificate", with_adfs(ev, cert("CC")))
    assert any(
        "validates tokens with certificate AA, which AD FS sts.contoso.com does not publish" in m
        for m in swapped
    )
    # Another service's domain is not compared with this AD FS (tenant.federation_target reports it).
    elsewhere = replace(fed, passive_sign_in_uri="https://sts.fabrikam.com/adfs/ls/")
    assert found("tenant.federation_certificate", with_adfs(graph(federation=(elsewhere,)), cert("CC"))) == {}
