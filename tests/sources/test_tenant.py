"""The tenant source against a real HTTPS stand-in for Microsoft's sign-in service."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner import config
from scanner.evidence.tenant import TenantEvidence
from scanner.sources.tenant import PLACEHOLDER, TenantSourceError, collect_tenant
from tests.lab.tenant import TENANT_A, TENANT_B, Domain, TenantLab
from tests.lab.web import WebLab

REAL_USERS = ("ann.lee", "bob.marsh", "Ann Lee")
DOMAINS = {
    "contoso.com": Domain(kind="federated", sts="sts.contoso.com"),
    "eu.contoso.com": Domain(kind="managed"),
    "fabrikam.com": Domain(kind="managed", tenant=TENANT_B),
    "contoso.org": Domain(kind="unknown"),
    "sales.contoso.com": Domain(kind="viral"),
    "junk.contoso.com": Domain(kind="garbage"),
    "odd.contoso.com": Domain(kind="nonamespace"),
    "broken.contoso.com": Domain(kind="error"),
}


def cfg(authority: str, ca: Path, domains: list[str], timeout: float = 5, **tenant: Any) -> config.Config:
    return config.from_dict(
        {
            "site": {"verified_domains": domains},
            "scan": {"timeout": timeout},
            "tenant": {"authority": authority, "ca_file": str(ca), **tenant},
            "adfs": {"url": "https://sts.contoso.com"},
        }
    )


@pytest.fixture
def lab(web_lab: WebLab) -> TenantLab:
    return TenantLab(web_lab, DOMAINS)


def realm(ev: TenantEvidence, domain: str) -> Any:
    r = ev.get(domain)
    assert r is not None
    return r


def test_each_documented_answer_is_read_as_what_it_means(lab: TenantLab) -> None:
    ev = collect_tenant(cfg(lab.authority, lab.ca_file, list(DOMAINS)), {})
    fed = realm(ev, "contoso.com")
    assert (fed.namespace, fed.sts_host, fed.tenant_id, fed.region) == (
        "Federated",
        "sts.contoso.com",
        TENANT_A,
        "EU",
    )
    assert realm(ev, "eu.contoso.com").namespace == "Managed"
    assert realm(ev, "fabrikam.com").tenant_id == TENANT_B
    unknown = realm(ev, "contoso.org")
    assert unknown.namespace == "Unknown" and unknown.no_tenant and not unknown.tenant_error
    assert realm(ev, "sales.contoso.com").viral
    # Not a realm answer is an error of that lookup, never "Unknown".
    for name in ("junk.contoso.com", "odd.contoso.com", "broken.contoso.com"):
        r = realm(ev, name)
        assert r.namespace == "" and r.error and not r.unknown, name
    assert "HTTP 500" in realm(ev, "broken.contoso.com").error
    assert "NameSpaceType None" in realm(ev, "odd.contoso.com").error
    assert ev.expected() == (TENANT_A, "the tenant most domains belong to")


def test_without_userrealm_getuserrealm_srf_answers_and_userrealm_is_asked_no_more(lab: TenantLab) -> None:
    lab.userrealm = False
    more = [f"d{i}.contoso.com" for i in range(7)]
    ev = collect_tenant(
        cfg(lab.authority, lab.ca_file, ["contoso.com", "eu.contoso.com", "contoso.org", *more]), {}
    )
    fed, managed, unknown = (realm(ev, d) for d in ("contoso.com", "eu.contoso.com", "contoso.org"))
    assert (fed.namespace, fed.sts_host, managed.namespace, unknown.namespace) == (
        "Federated",
        "sts.contoso.com",
        "Managed",
        "Unknown",
    )
    assert all("getuserrealm.srf" in r.via for r in ev.realms)
    # Of ten domains, only those already on their way (the first burst) asked the missing endpoint.
    assert len([s for s in lab.seen if "/userrealm/" in s.path]) <= 5


def test_no_real_user_name_is_ever_sent(lab: TenantLab) -> None:
    """The site database's users give the suffixes; only the placeholder reaches the stand-in."""
    from scanner.evidence.sql import SqlEvidence, UserGroup, UserRef

    users = tuple(UserRef(name=n, upn=f"{n}@contoso.com") for n in REAL_USERS)
    group = UserGroup(key="contoso.com", count=3, users=users)
    sql = SqlEvidence(origin="test", database="CM_EC1", query="", inventory=(), users=3, domains=(group,))
    ev = collect_tenant(cfg(lab.authority, lab.ca_file, []), {"sql": sql})
    assert realm(ev, "contoso.com").users == 3
    sent = " ".join(f"{s.path} {s.body.decode(errors='replace')}" for s in lab.seen)
    assert lab.seen and f"{PLACEHOLDER}@contoso.com" in sent
    for name in REAL_USERS:
        assert name.lower() not in sent.lower()
    assert {s.method for s in lab.seen} == {"GET"}


def test_throttling_is_waited_out_within_the_timeout(web_lab: WebLab) -> None:
    lab = TenantLab(web_lab, {"contoso.com": Domain(kind="throttled")})
    t0 = time.monotonic()
    ev = collect_tenant(cfg(lab.authority, lab.ca_file, ["contoso.com"]), {})
    assert realm(ev, "contoso.com").namespace == "Managed"
    assert 1.0 <= time.monotonic() - t0 < 3
    lab.throttled.clear()
    lab.retry_after = 60  # longer than the timeout allows: an error that says so, not a hang
    ev = collect_tenant(cfg(lab.authority, lab.ca_file, ["contoso.com"], timeout=2), {})
    assert "Retry-After 60 s" in realm(ev, "contoso.com").error


def test_a_silent_authority_costs_one_timeout_for_many_domains(web_lab: WebLab) -> None:
    silent = web_lab.silent()
    domains = [f"d{i}.contoso.com" for i in range(60)]
    t0 = time.monotonic()
    ev = collect_tenant(cfg(f"https://127.0.0.1:{silent.port}", web_lab.ca_file, domains, timeout=1.5), {})
    took = time.monotonic() - t0
    assert took < 1.5 * 1.5 + 0.5, took
    assert all(r.error for r in ev.realms) and not ev.usable()
    assert "no answer within 1.5 s" in ev.unreadable()[0]


def test_the_certificate_is_verified(web_lab: WebLab, lab: TenantLab, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    __import__("trustme").CA().cert_pem.write_to_path(str(other))
    ev = collect_tenant(cfg(lab.authority, other, ["contoso.com"]), {})
    assert "not trusted" in realm(ev, "contoso.com").error


def test_a_bad_authority_is_one_line() -> None:
    with pytest.raises(TenantSourceError, match=r"\[tenant\] authority 'http://x'"):
        collect_tenant(config.from_dict({"tenant": {"authority": "http://x"}}), {})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(
    ["NameSpaceType", "AuthURL", "IsViral", "issuer", "token_endpoint", "error_description"]
)


@settings(max_examples=150, deadline=None)
@given(
    status=st.sampled_from([200, 400, 404, 500]),
    body=JSON
    | st.dictionaries(KEYS, JSON | st.sampled_from(["Managed", "Federated", "Unknown"]), max_size=5),
)
def test_any_answer_is_a_realm_or_an_error_never_a_crash(status: int, body: Any) -> None:
    from scanner.evidence.web import HttpInfo
    from scanner.sources.tenant import _realm, _tenant

    info = HttpInfo(url="https://login.microsoftonline.com/common/userrealm/x", status=status)
    r = _realm("contoso.com", info.url, info, body)
    named = isinstance(body, dict) and body.get("NameSpaceType") in ("Managed", "Federated", "Unknown")
    assert bool(r.namespace) == (status == 200 and named) and bool(r.error) != bool(r.namespace)
    assert r.unknown == (r.namespace == "Unknown")  # "Unknown" only when the answer said so
    found = _tenant(info, body)
    assert set(found) <= {"tenant_id", "region", "no_tenant", "tenant_error"} and found


def test_the_service_connection_points_tenant_is_the_expected_one_unless_configured(lab: TenantLab) -> None:
    from scanner.evidence.directory import DirectoryEvidence

    ad = DirectoryEvidence(
        server="dc01",
        base_dn="DC=corp",
        netbios="CORP",
        upn_suffixes=("fabrikam.com", "corp.contoso.local"),
        domains=("corp.contoso.local",),
        users=1,
        enabled=1,
        excluded=0,
        with_anchor=0,
        scp_found=True,
        scp_keywords=("azureADName:contoso.com", f"azureADId:{TENANT_B.upper()}"),
    )
    ev = collect_tenant(cfg(lab.authority, lab.ca_file, ["contoso.com"]), {"directory": ad})
    assert ev.expected() == (TENANT_B, "the hybrid-join service connection point (azureADId)")
    assert [r.domain for r in ev.realms] == ["contoso.com", "fabrikam.com"]  # never corp.contoso.local
    pinned = collect_tenant(
        cfg(lab.authority, lab.ca_file, ["contoso.com"], tenant_id=TENANT_A), {"directory": ad}
    )
    assert pinned.expected() == (TENANT_A, "[tenant] tenant_id") and pinned.scp_tenant == TENANT_B
