"""iOS management: the Apple push (APNs) certificate is an MDM push certificate and is not about to expire."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.context import Context, Unverifiable
from scanner.model import Finding, Severity
from scanner.registry import check

MDM_TOPIC = "com.apple.mgmt."  # Apple's MDM push topics: com.apple.mgmt.External.<uuid>
APPLE = "Apple Inc."
PORTAL = "https://identity.apple.com/pushcert"


@dataclass(frozen=True, slots=True, kw_only=True)
class ApnsOptions:
    warn_days: int = 30  # expiring within this many days: medium
    critical_days: int = 7  # within this many: high (expired: critical)
    relative_to: str = "now"  # now: when the evidence was collected; read: the read_at in the file


@check(
    id="ios.apns_certificate",
    title="The Apple push certificate for iOS management is expired, expiring or wrong",
    severity=Severity.HIGH,
    cause="certificate",
    needs={"apns"},
    remediation="Renew, do not replace, the certificate: sign in to the Apple Push Certificates Portal "
    f"({PORTAL}) with the SAME Apple ID that created it, choose Renew on this certificate, upload the "
    "ConfigMgr certificate request, then import the renewed certificate into the Intune subscription in "
    "the ConfigMgr console. A new certificate (Create instead of Renew, or another Apple ID) has a new "
    "topic, and every enrolled iOS device must then enroll again.",
    references=(
        PORTAL,
        "https://learn.microsoft.com/mem/configmgr/mdm/deploy-use/enroll-hybrid-ios-mac",
    ),
    options=ApnsOptions,
)
def apns_certificate(ctx: Context[ApnsOptions]) -> Iterator[Finding]:
    """Every iOS device is managed through Apple's push service with this certificate. It expires
    every year; when it lapses, every iOS device silently stops receiving policy and commands, and a
    certificate created anew instead of renewed forces every device to enroll again."""
    ev = ctx.need(ctx.ev.apns)
    if ctx.opts.relative_to not in ("now", "read"):
        raise ValueError(f"relative_to must be 'now' or 'read', not {ctx.opts.relative_to!r}")
    if ev.error or ev.certificate is None:
        raise Unverifiable(ev.error or f"{ev.file}: no certificate was read")
    cert = ev.certificate
    ctx.examined = (
        f"{ev.file} ({ev.format}): {cert.subject}, issued by {cert.issuer}, valid until "
        f"{cert.not_after:%Y-%m-%d}"
    )
    target = ev.topic or ev.file
    facts: dict[str, Any] = {
        "topic": ev.topic,
        "apple_id": ev.apple_id,
        "issuer": cert.issuer,
        "not_after": cert.not_after.isoformat(),
        "thumbprint": cert.thumbprint,
    }
    if not ev.topic.startswith(MDM_TOPIC):
        yield ctx.finding(
            target,
            f"{ev.file} is not an MDM push certificate: its topic (UID) is "
            f"{ev.topic or 'missing'}, not {MDM_TOPIC}….",
            **facts,
        )
    if ev.issuer_organization != APPLE:
        yield ctx.finding(
            target, f"{target} is not issued by Apple's push certificate authority: {cert.issuer}.", **facts
        )
    at = ev.read_at if ctx.opts.relative_to == "read" else ctx.ev.as_of("apns")
    days = cert.days_left(at)
    whose = f" (Apple ID {ev.apple_id})" if ev.apple_id else ""
    if days < 0:
        yield ctx.finding(
            target,
            f"{target}{whose} expired on {cert.not_after:%Y-%m-%d}, {-days:.0f} days ago: iOS devices "
            "can no longer be managed.",
            severity=Severity.CRITICAL,
            days_left=round(days, 1),
            **facts,
        )
    elif days <= ctx.opts.warn_days:
        yield ctx.finding(
            target,
            f"{target}{whose} expires in {days:.0f} days, on {cert.not_after:%Y-%m-%d}: renew it with the "
            "same Apple ID.",
            severity=Severity.HIGH if days <= ctx.opts.critical_days else Severity.MEDIUM,
            days_left=round(days, 1),
            **facts,
        )
