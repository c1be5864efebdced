"""The graph source: a token from msal with the app's certificate, then Graph, all against stand-ins."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scanner import config
from scanner.sources.graph import GraphSourceError, collect_graph
from tests.lab.tenant import TENANT_A, App, Graph, TenantLab, b64, graph_domain, make_app
from tests.lab.web import WebLab, signing_cert

PW_ENV = "MDMP_TEST_GRAPH_PW"


@pytest.fixture
def app(tmp_path: Path) -> App:
    return make_app(tmp_path)


def tenant_graph(signing: bytes) -> Graph:
    return Graph(
        domains=[
            graph_domain("contoso.onmicrosoft.com"),
            graph_domain("contoso.com", federated=True),
            graph_domain("eu.contoso.com"),
            graph_domain("new.contoso.com", verified=False),
            graph_domain("fabrikam.com"),
        ],
        organization={
            "id": TENANT_A,
            "onPremisesSyncEnabled": True,
            "onPremisesLastSyncDateTime": "2026-12-06T08:30:00Z",
        },
        mdm_authority="intune",
        push={
            "appleIdentifier": "mdm@contoso.com",
            "topicIdentifier": "com.apple.mgmt.External.5f0c3a7e",
            "expirationDateTime": "2027-01-20T09:14:02Z",
            "certificateSerialNumber": "7A1B",
            "certificateUploadStatus": None,
        },
        federation={
            "contoso.com": {
                "issuerUri": "http://sts.contoso.com/adfs/services/trust",
                "passiveSignInUri": "https://sts.contoso.com/adfs/ls/",
                "signingCertificate": b64(signing),
                "nextSigningCertificate": None,
                "preferredAuthenticationProtocol": "wsFed",
            }
        },
    )


def cfg(lab: TenantLab, app: App, certificate: Path, **graph: Any) -> config.Config:
    return config.from_dict(
        {
            "scan": {"timeout": 5},
            "tenant": {"authority": lab.authority, "ca_file": str(lab.ca_file)},
            "graph": {
                "endpoint": lab.endpoint,
                "client_id": app.client_id,
                "tenant_id": TENANT_A,
                "certificate": str(certificate),
                **graph,
            },
        }
    )


def test_everything_the_checks_need_is_read_with_the_apps_certificate(
    web_lab: WebLab, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    signing = signing_cert("ADFS Signing - sts.contoso.com", days=200)
    lab = TenantLab(web_lab, {}, tenant_graph(signing), app)
    monkeypatch.setenv(PW_ENV, app.password)
    for certificate, extra in ((app.pem, {}), (app.pfx, {"certificate_password_env": PW_ENV})):
        ev = collect_graph(cfg(lab, app, certificate, **extra))
        # Five domains over three pages of two.
        assert [d.id for d in ev.domains] == [d["id"] for d in lab.graph.domains]
        assert [d.id for d in ev.domains if not d.is_verified] == ["new.contoso.com"]
        # what to publish for the unverified one, from verificationDnsRecords; verified ones have none
        assert {d.id: (d.verification_txt, d.verification_mx) for d in ev.domains if d.verification_txt} == {
            "new.contoso.com": ("MS=ms21173179", "ms21173179.msv1.invalid")
        }
        assert (ev.organization_id, ev.sync_enabled) == (TENANT_A, True)
        assert ev.last_sync == datetime(2026, 12, 6, 8, 30, tzinfo=UTC)
        assert ev.mdm_authority == "intune"
        assert ev.push is not None and ev.push.apple_id == "mdm@contoso.com"
        assert ev.push.expires == datetime(2027, 1, 20, 9, 14, 2, tzinfo=UTC)
        [fed] = ev.federation
        assert fed.domain == "contoso.com" and fed.signing is not None and fed.next_signing is None
        assert fed.signing.common_name == "ADFS Signing - sts.contoso.com"
        assert not ev.unreadable()
    pages = [s.path for s in lab.seen if s.path.startswith("/v1.0/domains?")]
    assert len(pages) == 2 * 2  # per run (PEM, PFX), the two nextLinks, followed on the same endpoint
    asked = [s.path for s in lab.seen if s.path.endswith("/verificationDnsRecords")]
    assert asked == ["/v1.0/domains/new.contoso.com/verificationDnsRecords"] * 2  # only the unverified one
    assert {s.method for s in lab.seen if "/v1.0/" in s.path} == {"GET"}


def test_a_missing_permission_is_that_reads_error_naming_the_permission(web_lab: WebLab, app: App) -> None:
    graph = tenant_graph(signing_cert("ADFS Signing", days=200))
    graph.denied = {"/v1.0/deviceManagement"}
    graph.push = None
    lab = TenantLab(web_lab, {}, graph, app)
    ev = collect_graph(cfg(lab, app, app.pem))
    assert "403 Authorization_RequestDenied" in ev.push_error
    assert "DeviceManagementServiceConfig.Read.All" in ev.push_error
    assert ev.domains and ev.mdm_authority == "intune"  # the other reads are whole


def test_throttling_is_waited_out_and_hostile_answers_are_errors(web_lab: WebLab, app: App) -> None:
    graph = tenant_graph(signing_cert("ADFS Signing", days=200))
    graph.throttled = {"/v1.0/organization"}
    graph.organization = {"id": TENANT_A, "onPremisesSyncEnabled": "yes", "onPremisesLastSyncDateTime": 7}
    graph.push = {"error": "not an object"}
    lab = TenantLab(web_lab, {}, graph, app)
    ev = collect_graph(cfg(lab, app, app.pem))
    asked = [s.path for s in lab.seen if s.path.startswith("/v1.0/organization?")]
    assert len(asked) == 2 and not ev.organization_error  # asked again after Retry-After
    assert ev.sync_enabled is None and ev.last_sync is None  # wrong types are not facts
    assert ev.push is not None and ev.push.expires is None


def test_no_push_certificate_is_404_and_no_error(web_lab: WebLab, app: App) -> None:
    graph = tenant_graph(signing_cert("ADFS Signing", days=200))
    graph.push = None
    ev = collect_graph(cfg(TenantLab(web_lab, {}, graph, app), app, app.pem))
    assert ev.push is None and not ev.push_error


def test_a_certificate_the_tenant_does_not_hold_gets_no_token(
    web_lab: WebLab, app: App, tmp_path: Path
) -> None:
    lab = TenantLab(web_lab, {}, Graph(), app)
    (tmp_path / "other").mkdir()
    stranger = make_app(tmp_path / "other")
    with pytest.raises(GraphSourceError, match="AADSTS700027"):
        collect_graph(cfg(lab, app, stranger.pem))
    assert not [s for s in lab.seen if s.path.startswith("/v1.0/")]


def test_a_wrong_pfx_password_is_one_line_without_the_password(
    web_lab: WebLab, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = TenantLab(web_lab, {}, Graph(), app)
    monkeypatch.setenv(PW_ENV, "Wr0ng Canary+Pw/7")
    with pytest.raises(GraphSourceError) as err:
        collect_graph(cfg(lab, app, app.pfx, certificate_password_env=PW_ENV))
    message = str(err.value)
    assert f"cannot open it with the password in {PW_ENV}" in message and "Canary" not in message
    monkeypatch.delenv(PW_ENV)
    with pytest.raises(GraphSourceError, match=r"named by \[graph\] certificate_password_env"):
        collect_graph(cfg(lab, app, app.pfx, certificate_password_env=PW_ENV))
