"""AD FS from outside: it answers, with a certificate devices accept, and shows no needless pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.context import Context, Unverifiable
from scanner.evidence.adfs import AdfsEvidence
from scanner.evidence.certs import CertInfo
from scanner.evidence.web import HttpInfo
from scanner.model import Finding, Severity
from scanner.registry import NoOptions, check

REQUIREMENTS = "https://learn.microsoft.com/windows-server/identity/ad-fs/overview/ad-fs-requirements"
RENEW = "https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-fed-o365-certs"
ENDPOINTS = "https://learn.microsoft.com/windows-server/identity/ad-fs/troubleshooting/ad-fs-tshoot-endpoints"
WALKTHROUGH = "https://learn.microsoft.com/mem/configmgr/mdm/deploy-use/setup-hybrid-mdm"


def _answered(ev: AdfsEvidence) -> None:
    if ev.tls.error:
        raise Unverifiable(f"{ev.host}:{ev.port} did not answer over HTTPS: {ev.tls.error}")


def _readable(ev: AdfsEvidence, page: HttpInfo) -> None:
    """A page not fetched because the certificate was refused is unknown, not missing."""
    _answered(ev)
    if page.status == 0 and "not trusted" in page.error:
        raise Unverifiable(f"{page.url} was not read: {page.error} (see adfs.tls_certificate)")


def _not_ok(ctx: Context[Any], page: HttpInfo) -> Finding:
    answer = f"answers HTTP {page.status}" if page.status else f"does not answer: {page.error}"
    return ctx.finding(page.url, f"{page.url} {answer}.", status=page.status, error=page.error)


def _ms(info: HttpInfo) -> str:
    return f"{info.seconds * 1000:.0f} ms"


@check(
    id="adfs.not_configured",
    title="No AD FS is configured for the scan",
    severity=Severity.INFO,
    needs={"config"},
    remediation="If users sign in through AD FS, add an [adfs] section with its url; without AD FS, "
    "every user needs a cloud password or password hash synchronization.",
    references=(WALKTHROUGH,),
)
def not_configured(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """The walkthrough calls AD FS optional but strongly recommended: without it every user needs a
    cloud password (or password hash sync) to sign in to Intune."""
    if ctx.ev.adfs is not None or "adfs" in ctx.ev.configured:
        ctx.examined = "[adfs] is configured"
        return
    ctx.examined = "the configuration has no [adfs] section"
    yield ctx.finding(
        "[adfs]",
        "No AD FS is configured: users sign in with cloud passwords or password hash sync, and AD FS is "
        "not checked.",
    )


@check(
    id="adfs.reachable",
    title="AD FS does not answer over HTTPS",
    severity=Severity.HIGH,
    needs={"adfs"},
    remediation="Check that the federation service name resolves to the Web Application Proxy or load "
    "balancer, that port 443 is open from the Internet, and that the AD FS service runs "
    "(Get-Service adfssrv; Test-NetConnection <name> -Port 443).",
    references=(REQUIREMENTS, ENDPOINTS),
)
def reachable(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Devices and Azure AD reach AD FS over HTTPS; when it does not answer, nobody can sign in."""
    ev = ctx.need(ctx.ev.adfs)
    where = f"{ev.host}:{ev.port}" + (f" ({ev.tls.address})" if ev.tls.address else "")
    ctx.examined = f"HTTPS on {where}"
    if ev.tls.error:
        yield ctx.finding(ev.url, f"{ev.url} does not answer over HTTPS: {ev.tls.error}.", error=ev.tls.error)
        return
    answers = "; ".join(
        f"{_name(p)} " + (f"{p.status} in {_ms(p)}" if p.status else p.error) for p in ev.endpoints()
    )
    ctx.examined += f", {ev.tls.protocol} in {ev.tls.seconds * 1000:.0f} ms; {answers}"
    return
    yield  # a generator that found nothing


def _name(page: HttpInfo) -> str:
    return page.url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsOptions:
    warn_days: int = 90
    critical_days: int = 14


@check(
    id="adfs.tls_certificate",
    title="The AD FS TLS certificate is expired, expiring, untrusted or for another name",
    severity=Severity.HIGH,
    needs={"adfs"},
    options=TlsOptions,
    remediation="Install a publicly trusted certificate whose Subject or SAN holds the federation "
    "service name, with the full chain (leaf and intermediates), on AD FS and the Web Application "
    "Proxy: Set-AdfsSslCertificate -Thumbprint <new> and Set-WebApplicationProxySslCertificate.",
    references=(REQUIREMENTS,),
)
def tls_certificate(ctx: Context[TlsOptions]) -> Iterator[Finding]:
    """Every sign-in and enrollment starts with this handshake; Android refuses a chain without its
    intermediates even when desktop browsers fetch them."""
    ev = ctx.need(ctx.ev.adfs)
    _answered(ev)
    leaf = ev.tls.leaf
    if leaf is None or leaf.error:
        raise Unverifiable(f"{ev.host} sent no readable certificate {leaf.error if leaf else ''}".strip())
    ctx.examined = f"{leaf.subject}, issued by {leaf.issuer}, valid until {leaf.not_after:%Y-%m-%d}"
    facts: dict[str, Any] = {
        "subject": leaf.subject,
        "issuer": leaf.issuer,
        "not_after": leaf.not_after.isoformat(),
    }
    if not ev.verify_tls:
        yield ctx.finding(
            ev.url,
            f"{ev.url} is read with TLS validation switched off ([adfs] verify_tls = false).",
            severity=Severity.MEDIUM,
        )
    yield from _validity(ctx, ev, leaf, facts)
    if not leaf.covers(ev.host):
        names = ", ".join(leaf.sans) or "none"
        yield ctx.finding(ev.host, f"{ev.host} is not a name on its certificate (names: {names}).", **facts)
    if ev.tls.verified and ev.tls.missing_intermediates():
        yield ctx.finding(
            ev.host,
            f"{ev.host} sends only its own certificate, not the intermediate of {leaf.issuer}: it validated "
            "here from a local copy, but Android and other devices cannot build the chain.",
            **facts,
        )
    elif not ev.tls.verified and _unexplained(ev, leaf):
        yield ctx.finding(ev.host, _untrusted(ev, leaf), **facts)
    if leaf.server_auth is False:
        yield ctx.finding(
            ev.host, f"{ev.host}'s certificate is not for server authentication (EKU).", **facts
        )


def _validity(ctx: Context[TlsOptions], ev: AdfsEvidence, leaf: CertInfo, facts: Any) -> Iterator[Finding]:
    days = leaf.days_left(ev.checked_at)
    if leaf.not_before > ev.checked_at:
        yield ctx.finding(
            ev.host, f"{ev.host}'s certificate is not valid before {leaf.not_before:%Y-%m-%d}.", **facts
        )
    elif days <= 0:
        msg = f"{ev.host}'s certificate expired on {leaf.not_after:%Y-%m-%d}: devices refuse to connect."
        yield ctx.finding(ev.host, msg, severity=Severity.CRITICAL, days_left=int(days), **facts)
    elif days <= ctx.opts.critical_days or days <= ctx.opts.warn_days:
        severity = Severity.CRITICAL if days <= ctx.opts.critical_days else Severity.MEDIUM
        msg = f"{ev.host}'s certificate expires in {int(days)} days ({leaf.not_after:%Y-%m-%d})."
        yield ctx.finding(ev.host, msg, severity=severity, days_left=int(days), **facts)


def _unexplained(ev: AdfsEvidence, leaf: CertInfo) -> bool:
    """Validation failed for a reason the other findings do not already name (dates, name)."""
    in_date = leaf.not_before <= ev.checked_at < leaf.not_after
    return in_date and leaf.covers(ev.host)


def _untrusted(ev: AdfsEvidence, leaf: CertInfo) -> str:
    if len(ev.tls.chain) == 1 and not leaf.self_signed and "local issuer" in ev.tls.verify_error:
        return (
            f"{ev.host}'s certificate is not trusted: the server sends no intermediate and its issuer "
            f"{leaf.issuer} is not a trusted root here. Install the intermediate certificates on the server "
            "(devices do not fetch them), or use a certificate from a public CA."
        )
    return f"{ev.host} has a certificate devices do not trust: {ev.tls.verify_error}."


@check(
    id="adfs.probe",
    title="The AD FS health probe does not answer 200",
    severity=Severity.MEDIUM,
    needs={"adfs"},
    remediation="Open port 80 to /adfs/probe for the load balancer (and this scan), and check that the "
    "AD FS service runs on every farm node; the probe answers 200 when the node's listener is up.",
    references=(ENDPOINTS,),
)
def probe(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Load balancers mark a node down when /adfs/probe (HTTP, port 80) does not answer 200."""
    ev = ctx.need(ctx.ev.adfs)
    page = ev.probe
    ctx.examined = f"GET {page.url}"
    if page.status == 200:
        ctx.examined += f": 200 in {_ms(page)}"
        return
    yield _not_ok(ctx, page)


@check(
    id="adfs.idp_signon_exposed",
    title="The AD FS IdP-initiated sign-on page is open to the Internet",
    severity=Severity.LOW,
    needs={"adfs"},
    remediation="Unless a relying party needs it, turn it off: Set-AdfsProperties "
    "-EnableIdpInitiatedSignonPage $false (it is off by default since AD FS 2016).",
    references=(
        "https://learn.microsoft.com/windows-server/identity/ad-fs/troubleshooting/ad-fs-tshoot-initiatedsignon",
    ),
)
def idp_signon_exposed(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """An open sign-on page lists the relying parties and gives phishers a real sign-in form to copy."""
    ev = ctx.need(ctx.ev.adfs)
    page = ev.idp_signon
    _readable(ev, page)
    ctx.examined = f"GET {page.url}: " + (f"HTTP {page.status}" if page.status else page.error)
    if ev.idp_signon_form:
        yield ctx.finding(page.url, f"{page.url} shows a sign-in form to anyone on the Internet.")
