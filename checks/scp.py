"""The service connection point's Internet access: every Intune endpoint reachable, trusted and quick."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.context import Context, Skip
from scanner.evidence.endpoints import EndpointProbe, EndpointsEvidence
from scanner.model import Finding, Severity
from scanner.registry import check

INTERNET_DOC = "https://learn.microsoft.com/mem/configmgr/core/plan-design/network/internet-endpoints"
INTUNE_DOC = "https://learn.microsoft.com/mem/intune/fundamentals/intune-endpoints"
ROOT_DOC = (
    "https://learn.microsoft.com/troubleshoot/mem/configmgr/setup-migrate-backup-recovery/"
    "connectivity-issues-digicert-global-root-g2-not-installed"
)


_STEP = {
    "dns_ms": "DNS",
    "connect_ms": "TCP",
    "proxy_ms": "proxy CONNECT",
    "tls_ms": "TLS",
    "http_ms": "HTTP",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointOptions:
    slow_ms: int = 3000  # all steps of one endpoint together; slower is reported (medium)


@check(
    id="scp.internet_endpoints",
    title="Intune endpoints are unreachable, untrusted or slow from the service connection point",
    severity=Severity.HIGH,
    needs={"endpoints"},
    remediation="Let the service connection point's computer reach every endpoint over HTTPS: add the names "
    "to the proxy's allow-list and exempt them from TLS inspection; import the root certificate the "
    "chain ends at into the computer's Trusted Root Certification Authorities store (certlm.msc, or "
    "certutil -addstore Root root.cer); set the proxy for the site system in the ConfigMgr console "
    "(Administration > Site Configuration > Servers and Site System Roles > the server > Site system "
    "properties > Proxy), with an account when the proxy requires authentication.",
    references=(INTERNET_DOC, INTUNE_DOC, ROOT_DOC),
    options=EndpointOptions,
)
def internet_endpoints(ctx: Context[EndpointOptions]) -> Iterator[Finding]:
    """The service connection point talks to Intune over HTTPS, often through a proxy; when it cannot
    reach an endpoint, or cannot validate its certificate (a root missing from the store, or a
    TLS-inspecting proxy), devices stop receiving policy and users stop synchronizing, while the
    console shows nothing but warnings in the connector's logs."""
    ev = ctx.need(ctx.ev.endpoints)
    if not ev.probes:
        raise Skip("no endpoint listed in [endpoints] endpoints")
    ctx.examined = f"{len(ev.probes)} endpoints from {ev.listed_in}, " + (
        f"through the proxy {ev.proxy}" if ev.proxy else "directly"
    )
    shared = Counter(p.tls.untrusted_issuer() for p in ev.probes if p.tls and p.tls.untrusted_issuer())
    for p in ev.probes:
        finding = _problem(ctx, ev, p, shared) or _slow(ctx, p)
        if finding is not None:
            yield finding


def _problem(
    ctx: Context[Any], ev: EndpointsEvidence, p: EndpointProbe, shared: Counter[str]
) -> Finding | None:
    where: dict[str, Any] = {"host": p.host, "port": p.port, "purpose": p.purpose, "proxy": ev.proxy}
    if p.dns is not None and p.dns.error:
        message = f"{p.endpoint} does not resolve on this computer: {p.dns.error}."
        return ctx.finding(p.endpoint, message, stage="dns", **where)
    tls = p.tls
    if tls is None:
        return None
    if tls.proxy_status not in (0, 200):
        message = f"{p.endpoint} {_refusal(ev, tls.proxy_status, tls.error)}."
        return ctx.finding(
            p.endpoint, message, stage="proxy", proxy_status=tls.proxy_status, proxy_error=tls.error, **where
        )
    if tls.error:
        return ctx.finding(p.endpoint, f"{p.endpoint} is unreachable: {tls.error}.", stage="connect", **where)
    if not tls.verified:
        return _untrusted(ctx, ev, p, shared, where)
    if p.http is not None and p.http.error:
        return ctx.finding(
            p.endpoint, f"{p.endpoint} gave no HTTP answer: {p.http.error}.", stage="http", **where
        )
    return None


def _refusal(ev: EndpointsEvidence, status: int, error: str) -> str:
    """What the proxy's answer to CONNECT means, in the words of the finding."""
    answer = error.rpartition(": ")[2]  # the proxy's status line, e.g. "403 Filtered"
    if status in (401, 407) and ev.proxy_user:
        return (
            f"is blocked by the proxy {ev.proxy}: it rejected the credentials of {ev.proxy_user} ({status})"
        )
    if status == 407:
        return (
            f"is blocked by the proxy {ev.proxy}: it requires authentication (407); set [endpoints] user "
            "and password_env, or exempt the endpoint from authentication"
        )
    if status == 403:
        return f"is blocked by the proxy {ev.proxy} ({answer}): it is not on the proxy's allow-list"
    return f"is not reachable through the proxy {ev.proxy}: the proxy answered {answer}"


def _untrusted(
    ctx: Context[Any], ev: EndpointsEvidence, p: EndpointProbe, shared: Counter[str], where: dict[str, Any]
) -> Finding:
    assert p.tls is not None
    issuer = p.tls.untrusted_issuer()
    if not issuer:
        detail = p.tls.verify_error
    else:
        detail = f"the chain ends at {issuer}, which this computer does not trust"
        if ev.proxy or shared[issuer] > 1:
            why = f"through the proxy {ev.proxy}" if ev.proxy else f"on {shared[issuer]} endpoints"
            detail += (
                f" ({why}: a TLS-inspecting proxy whose CA is not trusted is the classic cause; Intune "
                "does not support TLS inspection of its endpoints, so exempt them)"
            )
    return ctx.finding(
        p.endpoint,
        f"{p.endpoint} fails TLS validation: {detail}.",
        stage="tls",
        verify_error=p.tls.verify_error,
        untrusted_issuer=issuer,
        leaf_issuer=p.tls.leaf.issuer if p.tls.leaf else "",
        **where,
    )


def _slow(ctx: Context[EndpointOptions], p: EndpointProbe) -> Finding | None:
    ms = round(p.seconds * 1000)
    if ms <= ctx.opts.slow_ms:
        return None
    steps = {
        "dns_ms": p.dns.seconds if p.dns else 0.0,
        "connect_ms": p.tls.connect_seconds if p.tls else 0.0,
        "proxy_ms": p.tls.tunnel_seconds if p.tls else 0.0,
        "tls_ms": p.tls.handshake_seconds if p.tls else 0.0,
        "http_ms": p.http.seconds if p.http else 0.0,
    }
    shown = {k: round(v * 1000) for k, v in steps.items()}
    parts = ", ".join(f"{_STEP[k]} {v:,} ms" for k, v in shown.items() if v)
    return ctx.finding(
        p.endpoint,
        f"{p.endpoint} is slow: {ms:,} ms ({parts}); the threshold is {ctx.opts.slow_ms:,} ms.",
        severity=Severity.MEDIUM,
        total_ms=ms,
        **shown,
    )
