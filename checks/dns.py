"""Public DNS: domains resolve, verification and enrollment records exist, AD FS has an A record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scanner.context import Context, Skip
from scanner.evidence.dns import ENROLLMENT, REGISTRATION, DnsAnswer, DnsEvidence
from scanner.facts.domains import covered_by
from scanner.model import Finding, Severity
from scanner.registry import NoOptions, check

ENROLL_DOC = "https://learn.microsoft.com/mem/intune/enrollment/windows-enroll"
DOMAIN_DOC = (
    "https://learn.microsoft.com/microsoft-365/admin/get-help-with-domains/information-for-dns-records"
)
ENROLL_TARGET = "enterpriseenrollment-s.manage.microsoft.com"
ENROLL_LEGACY = ("enterpriseenrollment.manage.microsoft.com", "manage.microsoft.com")
REGISTER_TARGET = "enterpriseregistration.windows.net"
_TXT = re.compile(r"^MS=ms\d{8}$", re.I)
_MX = re.compile(r"^\d+ ms\d{8}\.msv1\.invalid$", re.I)
_UNANSWERED = ("TIMEOUT", "SERVFAIL", "REFUSED", "ERROR")


def _dns(ctx: Context[Any]) -> DnsEvidence:
    dns = ctx.need(ctx.ev.dns)
    if not dns.domains and not dns.adfs_host:
        raise Skip("no domain to check: list [site] verified_domains or [dns] domains")
    return dns


def _answer(ev: DnsEvidence, name: str, rtype: str) -> DnsAnswer:
    return ev.primary.get(name, rtype) or DnsAnswer(name=name, rtype=rtype, rcode="ERROR", detail="not asked")


def _unanswered(ctx: Context[Any], a: DnsAnswer) -> Finding:
    """A query nobody answered is a finding of its own: never read it as "record missing"."""
    return ctx.finding(
        f"{a.name} {a.rtype}",
        f"{a.name} {a.rtype} could not be checked: {a.rcode} {a.detail}".strip() + ".",
        severity=Severity.MEDIUM,
        rcode=a.rcode,
        detail=a.detail,
    )


def _examined(ev: DnsEvidence) -> str:
    servers = ", ".join(ev.primary.nameservers) or "the system resolver"
    return f"{len(ev.domains)} domains ({', '.join(ev.domains)}) via {servers} port {ev.primary.port}"


@check(
    id="dns.domain_resolves",
    title="A domain users sign in with has no public DNS zone",
    severity=Severity.HIGH,
    cause="domain",
    needs={"dns"},
    remediation="Register the domain and publish its zone (SOA and NS at the registrar), or move the "
    "users to a domain that has one.",
    references=(DOMAIN_DOC,),
)
def domain_resolves(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """The tenant verifies domains through public DNS; a name with no zone can never be verified."""
    ev = _dns(ctx)
    ctx.examined = _examined(ev)
    for domain, why in ev.domains.items():
        a = _answer(ev, domain, "SOA")
        if a.rcode in _UNANSWERED:
            yield _unanswered(ctx, a)
        elif a.rcode == "NXDOMAIN":
            yield ctx.finding(
                domain,
                f"{domain} does not exist in public DNS (NXDOMAIN); it is checked because it is {why}.",
                rcode=a.rcode,
                why=why,
            )


@check(
    id="dns.verification_record",
    title="A domain lacks the Microsoft verification record",
    severity=Severity.MEDIUM,
    cause="domain",
    needs={"dns"},
    remediation="At the domain's apex, publish the TXT record MS=ms######## (or, where TXT is impossible, "
    "the MX ms########.msv1.invalid with priority 32767), then press Verify in the Microsoft 365 admin "
    "center (Settings > Domains > the domain).",
    references=(DOMAIN_DOC,),
)
def verification_record(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """A domain becomes usable for sign-in only after the tenant verifies it through this record;
    once verified Microsoft allows removing it, so then its absence is only noted."""
    ev = _dns(ctx)
    ctx.examined = _examined(ev)
    for domain, why in ev.domains.items():
        txt, mx = _answer(ev, domain, "TXT"), _answer(ev, domain, "MX")
        if txt.rcode in _UNANSWERED:
            yield _unanswered(ctx, txt)
            continue
        if any(_TXT.match(r) for r in txt.records) or any(_MX.match(r) for r in mx.records):
            continue
        verified = covered_by(domain, ctx.site.verified_domains)
        yield ctx.finding(
            domain,
            f"{domain} has no MS=ms… TXT or msv1.invalid MX record"
            + (f" (fine: already verified through {verified})." if verified else f"; it is {why}."),
            severity=Severity.INFO if verified else None,
            txt=list(txt.records),
            mx=list(mx.records),
            **verification(ctx, domain),
        )


def verification(ctx: Context[Any], domain: str) -> dict[str, str]:
    """The TXT (and MX) record the tenant asks for, when Microsoft Graph gave it: the plan fills it in."""
    g = next((d for d in ctx.ev.graph.domains if d.id == domain), None) if ctx.ev.graph else None
    if g is None or not g.verification_txt:
        return {}
    return {
        "verification_txt": g.verification_txt,
        **({"verification_mx": g.verification_mx} if g.verification_mx else {}),
    }


def _cname_findings(
    ctx: Context[Any], prefix: str, target: str, legacy: tuple[str, ...]
) -> Iterator[Finding]:
    ev = _dns(ctx)
    ctx.examined = _examined(ev)
    for domain in ev.domains:
        name = f"{prefix}.{domain}"
        a = _answer(ev, name, "CNAME")
        if a.rcode in _UNANSWERED:
            yield _unanswered(ctx, a)
        elif not a.records:
            yield ctx.finding(
                name,
                f"{name} has no CNAME record ({a.rcode}): it should point to {target}.",
                rcode=a.rcode,
                expected=target,
            )
        elif a.records[0] in legacy:
            yield ctx.finding(
                name,
                f"{name} points to the older {a.records[0]}: it works, but users must "
                f"confirm the server; point it to {target}.",
                severity=Severity.LOW,
                found=a.records[0],
                expected=target,
            )
        elif a.records[0] != target:
            yield ctx.finding(
                name,
                f"{name} points to {a.records[0]}, not {target}.",
                found=a.records[0],
                expected=target,
                server=a.server,
            )


@check(
    id="dns.enrollment_cname",
    title="Windows devices cannot discover the enrollment service",
    severity=Severity.HIGH,
    cause="domain",
    needs={"dns"},
    remediation="Create CNAME EnterpriseEnrollment.<domain> -> EnterpriseEnrollment-s.manage.microsoft.com "
    "(TTL 1 hour) for every UPN suffix users have; changes can take up to 72 hours.",
    references=(ENROLL_DOC,),
)
def enrollment_cname(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Without this record Windows asks users to type the enrollment server by hand; one is needed
    for every UPN suffix users actually have."""
    yield from _cname_findings(ctx, ENROLLMENT, ENROLL_TARGET, ENROLL_LEGACY)


@check(
    id="dns.registration_cname",
    title="Devices cannot find the device registration service",
    severity=Severity.MEDIUM,
    cause="domain",
    needs={"dns"},
    remediation="Create CNAME EnterpriseRegistration.<domain> -> EnterpriseRegistration.windows.net "
    "(TTL 1 hour) for every UPN suffix users have.",
    references=(ENROLL_DOC,),
)
def registration_cname(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Device registration (workplace join, needed for conditional access) finds Azure AD through
    this record."""
    yield from _cname_findings(ctx, REGISTRATION, REGISTER_TARGET, ())


@check(
    id="dns.adfs_host",
    title="The AD FS name does not resolve to an address record",
    severity=Severity.HIGH,
    needs={"dns"},
    remediation="Publish an A (or AAAA) record for the federation service name; a CNAME breaks "
    "Windows integrated authentication (Kerberos) to AD FS.",
    references=("https://learn.microsoft.com/windows-server/identity/ad-fs/deployment/ad-fs-requirements",),
)
def adfs_host(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Users reach AD FS by its name: when it does not resolve nobody signs in, and a CNAME makes
    browsers ask Kerberos for the wrong service name."""
    ev = ctx.ev.dns
    if ev is None or not ev.adfs_host:
        raise Skip("no [adfs] url in the configuration")
    host = ev.adfs_host
    a = _answer(ev, host, "A")
    ctx.examined = f"{host} via {', '.join(ev.primary.nameservers) or 'the system resolver'}"
    if a.rcode in _UNANSWERED:
        yield _unanswered(ctx, a)
    elif not a.records:
        yield ctx.finding(host, f"{host} does not resolve ({a.rcode}).", rcode=a.rcode)
    elif a.canonical:
        yield ctx.finding(
            host,
            f"{host} resolves through a CNAME to {a.canonical}; AD FS needs an A record.",
            severity=Severity.MEDIUM,
            canonical=a.canonical,
            addresses=list(a.records),
        )


@check(
    id="dns.split_horizon",
    title="Internal and public DNS answer differently",
    severity=Severity.MEDIUM,
    needs={"dns"},
    remediation="Publish the same enrollment, registration and verification records in the internal "
    "zone as in the public one, or let internal clients resolve these names publicly.",
    references=(ENROLL_DOC,),
)
def split_horizon(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Devices inside the network ask the internal servers; when those answer differently, enrollment
    works from home and fails in the office (or the other way round)."""
    ev = ctx.ev.dns
    if ev is None or ev.compare is None:
        raise Skip("no [dns] compare_nameservers in the configuration")
    ctx.examined = (
        f"{len(ev.primary.answers)} answers from {', '.join(ev.primary.nameservers)} against "
        f"{', '.join(ev.compare.nameservers)}"
    )
    for a in ev.primary.answers:
        b = ev.compare.get(a.name, a.rtype)
        if b is not None and (a.rcode, sorted(a.records)) != (b.rcode, sorted(b.records)):
            yield ctx.finding(
                f"{a.name} {a.rtype}",
                f"{a.name} {a.rtype} differs: {_show(a)} from "
                f"{', '.join(ev.primary.nameservers)}, {_show(b)} from "
                f"{', '.join(ev.compare.nameservers)}.",
                primary=_show(a),
                compare=_show(b),
            )


def _show(a: DnsAnswer) -> str:
    return ", ".join(a.records) if a.records else a.rcode
