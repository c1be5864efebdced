"""The realm checks on tenant evidence: each finds its problem and stays quiet on its trap."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scanner.evidence import Evidence
from scanner.evidence.sql import SqlEvidence, UserGroup, UserRef
from scanner.evidence.tenant import GraphDomain, GraphEvidence, Realm, TenantEvidence
from scanner.model import SourceStatus
from tests.conftest import COLLECTED, run_check

A, B = "6babcaad-604b-40ac-a9d7-9fd97c0b779f", "0a2b9c1e-7d44-4f0e-9b1a-3c5d7e9f1b2d"
STS = "sts.contoso.com"


def realm(domain: str, kind: str = "Managed", users: int = 10, **kw: Any) -> Realm:
    tenant = "" if kind == "Unknown" else kw.pop("tenant_id", A)
    auth = f"https://{kw.pop('sts', STS)}/adfs/ls/?username=x&wa=wsignin1.0" if kind == "Federated" else ""
    return Realm(
        domain=domain,
        why="test",
        users=users,
        namespace=kind,
        tenant_id=tenant,
        auth_url=auth,
        no_tenant=kind == "Unknown",
        **kw,
    )


def evidence(*realms: Realm, verified: tuple[str, ...] = (), adfs: str = STS, **kw: Any) -> Evidence:
    ten = TenantEvidence(
        authority="https://login.microsoftonline.com",
        placeholder="mdm-preflight",
        checked_at=COLLECTED,
        verified_list=verified,
        adfs_host=adfs,
        realms=realms,
        **kw,
    )
    status = SourceStatus(name="tenant", status="ok", target=ten.authority)
    return Evidence(tool_version="test", collected_at=COLLECTED, sources=(status,), tenant=ten)


def sql_evidence(domains: dict[str, int]) -> SqlEvidence:
    groups = tuple(
        UserGroup(key=d, count=n, users=(UserRef(name=f"CORP\\u{i}", upn=f"u{i}@{d}"),))
        for i, (d, n) in enumerate(domains.items())
    )
    return SqlEvidence(
        origin="test", database="CM_EC1", query="", inventory=(), users=sum(domains.values()), domains=groups
    )


def targets(check_id: str, ev: Evidence) -> dict[str, str]:
    result = run_check(check_id, ev)
    assert result.status.value in ("pass", "fail"), result.reason
    return {f.target: f.severity.value for f in result.findings}


def test_domain_verified_names_unknown_and_unverified_domains_with_their_users() -> None:
    ev = evidence(realm("contoso.com"), realm("contoso.org", "Unknown", users=12), realm("new.contoso.com"))
    result = run_check("tenant.domain_verified", ev)
    [f] = result.findings
    assert (
        f.target == "contoso.org" and "12 users sign in with it" in f.message and "AADSTS90002" in f.message
    )
    graph = GraphEvidence(
        endpoint="g",
        tenant_id=A,
        client_id="c",
        checked_at=COLLECTED,
        domains=(GraphDomain(id="contoso.com", is_verified=True), GraphDomain(id="new.contoso.com")),
    )
    with_graph = replace(ev, graph=graph)
    assert targets("tenant.domain_verified", with_graph) == {"contoso.org": "high", "new.contoso.com": "high"}


def test_an_added_unverified_domain_is_said_so_with_the_record_to_publish() -> None:
    """Realm discovery knows no tenant for a domain added but not verified; Graph says it is added."""
    pending = GraphDomain(id="eu.contoso.com", verification_txt="MS=ms21173179")
    graph = GraphEvidence(endpoint="g", tenant_id=A, client_id="c", checked_at=COLLECTED, domains=(pending,))
    ev = replace(evidence(realm("eu.contoso.com", "Unknown", users=2)), graph=graph)
    [f] = run_check("tenant.domain_verified", ev).findings
    assert f.message == "eu.contoso.com is added to the tenant but not verified: 2 users sign in with it."
    assert f.evidence["verification_txt"] == "MS=ms21173179" and f.cause == "domain:eu.contoso.com"


def test_domain_verified_trap_a_failed_lookup_is_not_unknown() -> None:
    ev = evidence(
        realm("contoso.com"), Realm(domain="odd.contoso.com", why="t", error="HTTP 200: not a realm answer")
    )
    result = run_check("tenant.domain_verified", ev)
    assert result.status.value == "error" and "odd.contoso.com: HTTP 200" in result.reason


def test_other_tenant_names_both_tenants_and_their_domains() -> None:
    ev = evidence(realm("contoso.com"), realm("eu.contoso.com"), realm("fabrikam.com", tenant_id=B))
    [f] = run_check("tenant.other_tenant", ev).findings
    assert f.target == "fabrikam.com" and B in f.message and A in f.message
    assert "contoso.com, eu.contoso.com" in f.message and "most domains" in f.message
    # The configured tenant wins over the majority: now the two contoso domains are elsewhere.
    pinned = evidence(*ev.tenant.realms, expected_tenant=B, expected_from="[tenant] tenant_id")  # type: ignore[union-attr]
    assert set(targets("tenant.other_tenant", pinned)) == {"contoso.com", "eu.contoso.com"}


def test_other_tenant_trap_unknown_domains_have_no_tenant_to_differ() -> None:
    ev = evidence(realm("contoso.com"), realm("contoso.org", "Unknown"))
    assert targets("tenant.other_tenant", ev) == {}


def test_unmanaged_finds_the_viral_tenant_only() -> None:
    ev = evidence(realm("contoso.com"), realm("sales.contoso.com", viral=True))
    assert targets("tenant.unmanaged", ev) == {"sales.contoso.com": "high"}


def test_federation_target_another_host_high_managed_medium() -> None:
    ev = evidence(
        realm("contoso.com", "Federated"),
        realm("eu.contoso.com", "Federated", sts="sts.fabrikam.com"),
        realm("shop.contoso.com"),
    )
    found = run_check("tenant.federation_target", ev).findings
    assert {f.target: f.severity.value for f in found} == {
        "eu.contoso.com": "high",
        "shop.contoso.com": "medium",
    }
    assert "signs in at sts.fabrikam.com, not at the configured AD FS sts.contoso.com" in found[0].message
    # Trap: no AD FS configured, a managed domain is no finding at all.
    assert targets("tenant.federation_target", evidence(realm("shop.contoso.com"), adfs="")) == {}


def test_verified_list_both_ways() -> None:
    ev = evidence(
        realm("contoso.com"),
        realm("contoso.org", "Unknown"),
        realm("eu.contoso.com"),  # the listed root covers it
        realm("contoso.de"),
        realm("fabrikam.com", tenant_id=B),
        realm("other.contoso.com", users=0),
        verified=("contoso.com", "contoso.org", "fabrikam.com"),
    )
    found = {f.target: f.message for f in run_check("tenant.verified_list", ev).findings}
    assert set(found) == {"contoso.org", "fabrikam.com", "contoso.de"}
    assert "listed as verified but is unknown" in found["contoso.org"]
    assert "missing from [site] verified_domains" in found["contoso.de"]
    assert run_check("tenant.verified_list", evidence(realm("contoso.com"))).status.value == "skipped"


def test_upn_checks_judge_verified_by_the_tenant_and_say_so() -> None:
    """The configuration says contoso.com; the tenant says only eu.contoso.com is held."""
    sql = sql_evidence({"contoso.com": 3, "eu.contoso.com": 2})
    ten = evidence(realm("contoso.com", "Unknown"), realm("eu.contoso.com"))
    ev = replace(ten, sql=sql, sources=(*ten.sources, SourceStatus(name="sql", status="ok")))
    result = run_check("upn.unverified_suffix", ev, site={"verified_domains": ["contoso.com"]})
    assert [f.target for f in result.findings] == ["contoso.com"]
    assert "the tenant's answer (https://login.microsoftonline.com" in result.examined
    # Without the tenant's answer, the configured list is used, and said to be just that.
    offline = replace(ev, tenant=None)
    result = run_check("upn.unverified_suffix", offline, site={"verified_domains": ["contoso.com"]})
    assert [
        f.target for f in result.findings
    ] == [] and "[site] verified_domains as configured" in result.examined


def test_other_tenant_the_service_connection_point_and_the_app_must_name_the_same_tenant() -> None:
    """facts/tenant.md §1.4: the configured tenant, the SCP's azureADId and Graph's organization agree."""
    ev = evidence(realm("contoso.com"), expected_tenant=A, expected_from="[tenant] tenant_id", scp_tenant=B)
    graph = GraphEvidence(endpoint="g", tenant_id=B, client_id="c", checked_at=COLLECTED, organization_id=B)
    found = {f.target: f.message for f in run_check("tenant.other_tenant", replace(ev, graph=graph)).findings}
    assert set(found) == {
        "tenant-id:the hybrid-join service connection point's azureADId",
        "tenant-id:the [graph] app registration's tenant",
    }
    assert all(B in m and A in m and "[tenant] tenant_id" in m for m in found.values())
    agreeing = evidence(
        realm("contoso.com"), expected_tenant=A, expected_from="[tenant] tenant_id", scp_tenant=A
    )
    assert targets("tenant.other_tenant", agreeing) == {}
