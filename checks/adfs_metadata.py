"""AD FS federation metadata: published, well formed, and with token-signing keys that are not expiring."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from checks.adfs import RENEW, _not_ok, _readable
from scanner.context import Context, Unverifiable
from scanner.evidence.adfs import AdfsEvidence, FederationMetadata
from scanner.model import Finding, Severity
from scanner.registry import NoOptions, check

METADATA_DOC = "https://learn.microsoft.com/entra/identity-platform/federation-metadata"


def _metadata(ev: AdfsEvidence) -> FederationMetadata:
    """Usable metadata, or the reason nothing can be said about the signing keys."""
    _readable(ev, ev.metadata_http)
    page, meta = ev.metadata_http, ev.metadata
    if meta is not None and not meta.error and meta.signing:
        return meta
    if page.status != 200:
        why = f"answered HTTP {page.status}" if page.status else f"did not answer: {page.error}"
    elif meta is None or meta.error:
        why = f"is not usable: {meta.error if meta else 'larger than the cap'}"
    else:
        why = "publishes no signing certificate"
    raise Unverifiable(f"{page.url} {why}, so no signing certificate can be read (see adfs.metadata)")


@check(
    id="adfs.metadata",
    title="AD FS federation metadata is missing or unusable",
    severity=Severity.HIGH,
    needs={"adfs"},
    remediation="Publish /FederationMetadata/2007-06/FederationMetadata.xml through the Web Application "
    "Proxy (it is on by default) and check it in a browser; Azure AD reads it to pick up new "
    "token-signing certificates.",
    references=(METADATA_DOC, RENEW),
)
def metadata(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Azure AD reads the metadata to learn new signing keys; when it cannot, sign-ins stop at rollover."""
    ev = ctx.need(ctx.ev.adfs)
    page = ev.metadata_http
    _readable(ev, page)
    url = page.url
    ctx.examined = f"GET {url}: " + (
        f"HTTP {page.status}, {page.size:,} bytes" if page.status else page.error
    )
    if page.status != 200:
        yield _not_ok(ctx, page)
    elif page.truncated:
        yield ctx.finding(url, f"{url} is larger than {page.size:,} bytes: not federation metadata.")
    elif ev.metadata is None or ev.metadata.error:
        why = ev.metadata.error if ev.metadata else "not parsed"
        yield ctx.finding(url, f"{url} is not usable federation metadata: {why}.", error=why)
    elif not ev.metadata.signing:
        yield ctx.finding(
            url, f"{url} publishes no token-signing certificate.", entity_id=ev.metadata.entity_id
        )
    else:
        for cert in (*ev.metadata.signing, *ev.metadata.encryption):
            if cert.error:
                yield ctx.finding(url, f"{url} holds a certificate that cannot be read: {cert.error}.")


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningOptions:
    warn_days: int = 35  # Azure AD starts polling the metadata for the next key
    critical_days: int = 15  # Microsoft: renew at once when not in sync with fewer days left


@check(
    id="adfs.token_signing_expiry",
    title="AD FS token-signing certificate expires soon",
    severity=Severity.HIGH,
    cause="certificate",
    needs={"adfs"},
    options=SigningOptions,
    remediation="With AutoCertificateRollover on, check that AD FS generated the next certificate "
    "(Get-AdfsCertificate -CertificateType Token-Signing) and that Azure AD picked it up; otherwise "
    "renew it (Update-AdfsCertificate -CertificateType Token-Signing -Urgent) and update the federation "
    "trust (Update-MgDomainFederationConfiguration, or Update-MsolFederatedDomain).",
    references=(RENEW,),
)
def token_signing_expiry(ctx: Context[SigningOptions]) -> Iterator[Finding]:
    """Users cannot sign in to Intune once the token-signing certificate Azure AD trusts expires."""
    ev = ctx.need(ctx.ev.adfs)
    meta = _metadata(ev)
    certs = [c for c in meta.signing if not c.error]
    if not certs:
        raise Unverifiable("no token-signing certificate in the metadata can be read (see adfs.metadata)")
    soonest, latest = certs[0], certs[-1]
    days = soonest.days_left(ev.checked_at)
    shown = ", ".join(f"{c.common_name} until {c.not_after:%Y-%m-%d}" for c in certs)
    ctx.examined = f"{len(certs)} token-signing certificate{'s' * (len(certs) != 1)}: {shown}"
    facts: dict[str, Any] = {
        "subject": soonest.subject,
        "thumbprint": soonest.thumbprint,
        "not_after": soonest.not_after.isoformat(),
        "days_left": int(days),
    }
    if days > ctx.opts.warn_days:
        return
    rollover = latest is not soonest and latest.days_left(ev.checked_at) > ctx.opts.warn_days
    if rollover and days > 0:
        yield ctx.finding(
            soonest.thumbprint,
            f"Token-signing certificate {soonest.common_name} ({soonest.thumbprint}) expires in {int(days)} "
            f"days; its successor {latest.thumbprint} (until {latest.not_after:%Y-%m-%d}) is already "
            "published: rollover in progress.",
            severity=Severity.INFO,
            successor=latest.thumbprint,
            **facts,
        )
        return
    if days <= 0:
        severity = Severity.MEDIUM if rollover else Severity.CRITICAL
        tail = (
            " and is still published beside its successor: make sure the new one is primary."
            if rollover
            else "."
        )
        msg = (
            f"Token-signing certificate {soonest.common_name} ({soonest.thumbprint}) expired on "
            f"{soonest.not_after:%Y-%m-%d}{tail}"
        )
    else:
        severity = Severity.CRITICAL if days <= ctx.opts.critical_days else Severity.HIGH
        msg = (
            f"Token-signing certificate {soonest.common_name} ({soonest.thumbprint}) expires in {int(days)} "
            f"days ({soonest.not_after:%Y-%m-%d}) and no successor is published."
        )
    yield ctx.finding(soonest.thumbprint, msg, severity=severity, **facts)
