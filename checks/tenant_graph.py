"""What the tenant holds, read through Microsoft Graph: sync, MDM authority, push and signing certificates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from checks.adfs_metadata import _metadata
from checks.ios import PORTAL, ApnsOptions
from scanner.context import Context, Unverifiable
from scanner.evidence.tenant import GraphEvidence
from scanner.model import Finding, Severity
from scanner.registry import NoOptions, check

SYNC_DOC = "https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-operations"
MDM_DOC = "https://learn.microsoft.com/mem/intune/fundamentals/mdm-authority-set"
FEDERATION_DOC = "https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-fed-o365-certs"


def graph(ctx: Context[Any], error_field: str) -> GraphEvidence:
    """The Graph evidence, or the check's error when the read it rests on failed (a missing permission)."""
    ev = ctx.need(ctx.ev.graph)
    if why := getattr(ev, error_field):
        raise Unverifiable(why)
    return ev


@check(
    id="tenant.sync_recent",
    title="Directory synchronization is off or has not run recently",
    severity=Severity.HIGH,
    needs={"graph"},
    remediation="On the Entra Connect server, check the ADSync service and run Start-ADSyncSyncCycle "
    "-PolicyType Delta; read the Synchronization Service Manager's last run for errors.",
    references=(SYNC_DOC,),
)
def sync_recent(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Users reach Intune through directory synchronization. When it is off or stalled, new and changed
    users never arrive in the tenant, and ConfigMgr's user collection no longer matches Intune's users."""
    ev = graph(ctx, "organization_error")
    limit = ev.max_sync_age_hours
    last = ev.last_sync
    ctx.examined = (
        f"organization {ev.organization_id}: onPremisesSyncEnabled {ev.sync_enabled}, last sync "
        + (f"{last:%Y-%m-%d %H:%M} UTC" if last else "never")
    )
    target = f"tenant:{ev.organization_id or ev.tenant_id}"
    if ev.sync_enabled is not True:
        was = "was turned off" if ev.sync_enabled is False else "has never been turned on"
        yield ctx.finding(target, f"Directory synchronization {was} in tenant {ev.organization_id}.")
    elif last is None:
        yield ctx.finding(target, "Directory synchronization is on but has never completed.")
    elif (hours := (ev.checked_at - last).total_seconds() / 3600) > limit:  # when Graph said so
        yield ctx.finding(
            target,
            f"Directory synchronization last ran {hours:,.1f} hours before Graph was read "
            f"({last:%Y-%m-%d %H:%M} UTC), more than {limit:g} hours.",
            hours=round(hours, 1),
            limit=limit,
        )


@check(
    id="tenant.mdm_authority",
    title="The tenant's mobile device management authority is not set",
    severity=Severity.HIGH,
    needs={"graph"},
    remediation="Set the MDM authority in the Intune admin center (Tenant administration > Tenant status), "
    "or for hybrid MDM in the ConfigMgr console when adding the Microsoft Intune subscription.",
    references=(MDM_DOC,),
)
def mdm_authority(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """No device can enroll until the tenant has an MDM authority; Office 365's basic mobility management
    as authority leaves Intune (and ConfigMgr) out of the devices' path."""
    ev = graph(ctx, "mdm_error")
    authority = ev.mdm_authority or "unknown"
    ctx.examined = f"mobileDeviceManagementAuthority of {ev.organization_id or ev.tenant_id}: {authority}"
    target = f"tenant:{ev.organization_id or ev.tenant_id}"
    if authority.lower() == "unknown":
        yield ctx.finding(
            target, "The tenant has no mobile device management authority: no device can enroll."
        )
    elif authority.lower() == "office365":
        yield ctx.finding(
            target, "The tenant's MDM authority is Office 365 (basic mobility), not Intune or ConfigMgr."
        )


@check(
    id="tenant.apns_certificate",
    title="Intune's Apple push certificate is missing, expired or expiring",
    severity=Severity.HIGH,
    cause="certificate",
    needs={"graph"},
    remediation=f"Renew the certificate in the Apple Push Certificates Portal ({PORTAL}) with the Apple ID "
    "shown, then upload it in the Intune admin center (Devices > iOS/iPadOS > Enrollment > Apple MDM Push "
    "certificate); never create a new one, or every iOS device must enroll again.",
    references=(PORTAL,),
    options=ApnsOptions,
)
def apns_certificate(ctx: Context[ApnsOptions]) -> Iterator[Finding]:
    """The same certificate as ios.apns_certificate, as Intune holds it: this is the one devices are
    actually managed with, whatever file sits on the site server."""
    ev = graph(ctx, "push_error")
    push = ev.push
    if push is None:
        ctx.examined = "Intune holds no Apple push certificate (404)"
        yield ctx.finding(
            "apns:none",
            "Intune holds no Apple push certificate: iOS/iPadOS devices cannot enroll.",
            severity=Severity.MEDIUM,
        )
        return
    if push.expires is None:
        raise Unverifiable("Intune's Apple push certificate has no expirationDateTime")
    at = ev.checked_at if ctx.opts.relative_to == "read" else ctx.ev.as_of("graph")
    days = (push.expires - at).total_seconds() / 86400
    ctx.examined = f"{push.topic} (Apple ID {push.apple_id}), expires {push.expires:%Y-%m-%d}"
    facts = {"apple_id": push.apple_id, "topic": push.topic, "expires": push.expires.isoformat()}
    target = push.topic or "apns"
    if days < 0:
        yield ctx.finding(
            target,
            f"Intune's Apple push certificate (Apple ID {push.apple_id}) expired on "
            f"{push.expires:%Y-%m-%d}: iOS devices can no longer be managed.",
            severity=Severity.CRITICAL,
            **facts,
        )
    elif days <= ctx.opts.warn_days:
        yield ctx.finding(
            target,
            f"Intune's Apple push certificate (Apple ID {push.apple_id}) expires in {days:.0f} days, "
            f"on {push.expires:%Y-%m-%d}.",
            severity=Severity.HIGH if days <= ctx.opts.critical_days else Severity.MEDIUM,
            **facts,
        )


@check(
    id="tenant.federation_certificate",
    title="Entra ID holds another token-signing certificate than AD FS publishes",
    severity=Severity.HIGH,
    needs={"graph", "adfs"},
    remediation="Update the federation trust with the certificates AD FS publishes: Update-MgDomainFederation"
    "Configuration (or Update-MsolFederatedDomain on older tooling, or Entra Connect > Manage federation), "
    "and make sure Entra ID can read the federation metadata from outside.",
    references=(FEDERATION_DOC,),
)
def federation_certificate(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Entra ID accepts a federated sign-in only when the token is signed with the certificate it holds.
    When AD FS signs with another, or rolls over to a successor Entra ID never learned, every user of
    the domain is refused at once."""
    ev = graph(ctx, "domains_error")
    adfs = ctx.ev.adfs
    assert adfs is not None
    published = {c.thumbprint: c for c in _metadata(adfs).signing}  # or why none could be read
    ctx.examined = (
        f"{len(ev.federation)} federated domains against {len(published)} published signing certificates"
    )
    for fed in ev.federation:
        sts = urlsplit(fed.passive_sign_in_uri).hostname or ""
        if sts and sts.lower() != adfs.host:  # another service: tenant.federation_target says so
            ctx.examined += f"; {fed.domain} signs in at {sts}, not compared"
            continue
        if fed.error:
            raise Unverifiable(f"{fed.domain}: {fed.error}")
        held = {c.thumbprint for c in (fed.signing, fed.next_signing) if c is not None}
        facts: dict[str, Any] = {"entra": sorted(held), "adfs": sorted(published)}
        if fed.signing is None or fed.signing.thumbprint not in published:
            shown = fed.signing.thumbprint if fed.signing else "none"
            yield ctx.finding(
                fed.domain,
                f"{fed.domain}: Entra ID validates tokens with certificate {shown}, which AD FS "
                f"{adfs.host} does not publish ({', '.join(published)}): sign-ins fail.",
                **facts,
            )
            continue  # the successors below are part of the same fix
        for thumb, cert in published.items():
            if thumb not in held:
                yield ctx.finding(
                    f"{fed.domain}:{thumb}",
                    f"{fed.domain}: AD FS publishes signing certificate {thumb} "
                    f"(valid from {cert.not_before:%Y-%m-%d}) that Entra ID does not hold: sign-ins fail "
                    "when AD FS rolls over to it.",
                    **facts,
                )
