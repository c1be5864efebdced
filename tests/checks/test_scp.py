"""The service connection point's Internet access on endpoint evidence (the demo's, and variations)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scanner.evidence import Evidence
from scanner.evidence.endpoints import EndpointProbe, EndpointsEvidence
from scanner.evidence.web import HttpInfo, Lookup
from scanner.model import Finding, Severity, SourceStatus, Status
from scanner.store import saved_section
from tests.conftest import SAMPLES, run_check

CHECK = "scp.internet_endpoints"
UNTRUSTED_ROOT = "CN=Contoso Inspection Root,O=Contoso"


@pytest.fixture(scope="module")
def demo() -> Evidence:
    return evidence(saved_section(SAMPLES / "endpoints.json", "endpoints", EndpointsEvidence))


def evidence(section: EndpointsEvidence) -> Evidence:
    return Evidence(
        tool_version="t",
        collected_at=datetime(2026, 11, 26, tzinfo=UTC),
        sources=(SourceStatus(name="endpoints", status="ok"),),
        endpoints=section,
    )


def with_probes(ev: Evidence, *probes: EndpointProbe, proxy: str | None = None) -> Evidence:
    assert ev.endpoints is not None
    section = replace(ev.endpoints, probes=probes)
    return evidence(section if proxy is None else replace(section, proxy=proxy))


def healthy(ev: Evidence) -> EndpointProbe:
    assert ev.endpoints is not None
    return ev.endpoints.probes[0]  # manage.microsoft.com: fine in the demo


def untrusted(p: EndpointProbe, name: str) -> EndpointProbe:
    assert p.tls is not None
    leaf = replace(p.tls.chain[0], issuer=UNTRUSTED_ROOT)
    tls = replace(
        p.tls,
        verified=False,
        verified_chain=(),
        chain=(leaf,),
        verify_error="unable to get local issuer certificate",
    )
    return replace(p, endpoint=name, host=name, tls=tls, http=None)


def by(ev: Evidence, **options: object) -> dict[str, Finding]:
    return {f.target: f for f in run_check(CHECK, ev, **options).findings}


def test_demo_names_the_blocked_endpoint_and_the_slow_one(demo: Evidence) -> None:
    result = run_check(CHECK, demo)
    assert result.status is Status.FAIL and "through the proxy proxy.contoso.com:8080" in result.examined
    found = {f.target: f for f in result.findings}
    assert set(found) == {"https://bspmts.mp.microsoft.com/V", "graph.microsoft.com"}
    blocked = found["https://bspmts.mp.microsoft.com/V"]
    assert blocked.severity is Severity.HIGH and blocked.evidence["proxy_status"] == 403
    assert blocked.message == (
        "https://bspmts.mp.microsoft.com/V is blocked by the proxy proxy.contoso.com:8080 (403 Filtered): "
        "it is not on the proxy's allow-list."
    )
    slow = found["graph.microsoft.com"]
    assert slow.severity is Severity.MEDIUM and slow.evidence["total_ms"] == 4430
    assert "the threshold is 3,000 ms" in slow.message
    assert set(by(demo, slow_ms=5000)) == {"https://bspmts.mp.microsoft.com/V"}


def test_untrusted_chain_names_the_root_and_suspects_interception(demo: Evidence) -> None:
    p = healthy(demo)
    direct = with_probes(demo, untrusted(p, "manage.microsoft.com"), proxy="")
    [only] = by(direct).values()
    assert only.message == (
        f"manage.microsoft.com fails TLS validation: the chain ends at {UNTRUSTED_ROOT}, which this "
        "computer does not trust."
    )
    assert only.evidence["untrusted_issuer"] == UNTRUSTED_ROOT and only.severity is Severity.HIGH
    proxied = by(with_probes(demo, untrusted(p, "manage.microsoft.com")))
    assert (
        "through the proxy proxy.contoso.com:8080: a TLS-inspecting proxy"
        in proxied["manage.microsoft.com"].message
    )
    two = by(with_probes(demo, untrusted(p, "a.test"), untrusted(p, "b.test"), proxy=""))
    assert "on 2 endpoints: a TLS-inspecting proxy" in two["a.test"].message


def test_other_validation_failures_quote_openssl(demo: Evidence) -> None:
    p = healthy(demo)
    assert p.tls is not None
    tls = replace(p.tls, verified=False, verify_error="certificate has expired")
    [f] = by(with_probes(demo, replace(p, tls=tls, http=None))).values()
    assert f.message == "manage.microsoft.com fails TLS validation: certificate has expired."


def test_dns_connect_and_http_failures(demo: Evidence) -> None:
    p = healthy(demo)
    assert p.tls is not None
    nodns = replace(
        p,
        endpoint="nxdomain.invalid",
        tls=None,
        http=None,
        dns=Lookup(host="nxdomain.invalid", error="the name does not resolve"),
    )
    refused = replace(
        p, endpoint="refused.test", http=None, tls=replace(p.tls, error="connection refused", proxy_status=0)
    )
    noanswer = replace(p, endpoint="silent.test", http=HttpInfo(url=p.url, error="no answer within 10 s"))
    found = by(with_probes(demo, nodns, refused, noanswer, proxy=""))
    assert found["nxdomain.invalid"].message == (
        "nxdomain.invalid does not resolve on this computer: the name does not resolve."
    )
    assert found["refused.test"].message == "refused.test is unreachable: connection refused."
    assert found["silent.test"].evidence["stage"] == "http"
    assert all(f.severity is Severity.HIGH for f in found.values())


def test_all_reachable_passes_and_an_empty_list_is_skipped(demo: Evidence) -> None:
    assert run_check(CHECK, with_probes(demo, healthy(demo))).status is Status.PASS
    skipped = run_check(CHECK, with_probes(demo))
    assert skipped.status is Status.SKIPPED and "no endpoint" in skipped.reason


def test_the_untrusted_issuer_is_the_root_sent_or_the_issuer_of_the_last_certificate(demo: Evidence) -> None:
    tls = healthy(demo).tls
    assert tls is not None and tls.untrusted_issuer() == ""  # validated: nothing is missing
    leaf, intermediate, root = tls.verified_chain
    sent_root = replace(tls, verified=False, chain=(leaf, intermediate, root))
    sent_root = replace(sent_root, verify_error="self-signed certificate in certificate chain")
    assert sent_root.untrusted_issuer() == root.subject
    leaf_only = replace(
        tls, verified=False, chain=(leaf,), verify_error="unable to get local issuer certificate"
    )
    assert leaf_only.untrusted_issuer() == leaf.issuer
    expired = replace(tls, verified=False, verify_error="certificate has expired")
    assert expired.untrusted_issuer() == ""  # trusted, but not valid: no root is missing


@pytest.mark.parametrize(
    ("status", "error", "user", "says"),
    [
        (407, "the proxy p:8080 requires authentication (407); set user and password_env", "", "requires"),
        (401, "the proxy p:8080 rejected the credentials of 'scp' (401)", "scp", "rejected the credentials"),
        (500, "the proxy p:8080 refused x.test:443: 500 Unable to connect", "", "answered 500 Unable"),
    ],
    ids=["auth-required", "wrong-credentials", "proxy-cannot-connect"],
)
def test_each_proxy_answer_is_named(demo: Evidence, status: int, error: str, user: str, says: str) -> None:
    p = healthy(demo)
    assert p.tls is not None and demo.endpoints is not None
    refused = replace(p, http=None, tls=replace(p.tls, error=error, proxy_status=status, verified=False))
    ev = evidence(replace(demo.endpoints, probes=(refused,), proxy_user=user))
    [f] = by(ev).values()
    assert says in f.message and f.evidence["proxy_status"] == status and f.severity is Severity.HIGH
