"""Directory synchronization readiness, as Active Directory shows it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from scanner.context import Context
from scanner.facts.domains import covered_by, non_public_reason
from scanner.model import Finding, Severity
from scanner.registry import NoOptions, check
from scanner.timespec import fmt

CONNECT_DOC = (
    "https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-accounts-permissions"
)
JOIN_DOC = "https://learn.microsoft.com/entra/identity/devices/how-to-hybrid-join"
# lastLogonTimestamp is only rewritten when it is older than about 14 days (ms-DS-Logon-Time-Sync-
# Interval minus a random 0-5 days), so a healthy account can look up to 14 days idle.
LOGON_SYNC_INTERVAL = timedelta(days=14)
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorOptions:
    max_idle_days: int = 7  # beyond the attribute's own 14-day update interval


@check(
    id="sync.connector_account",
    title="Azure AD Connect's connector account is missing or idle",
    severity=Severity.HIGH,
    needs={"directory"},
    options=ConnectorOptions,
    remediation="Install Azure AD Connect (Entra Connect) and let it create its MSOL_ account, or "
    "enable the existing one and check the sync service on the Connect server "
    "(Get-ADSyncScheduler, Synchronization Service Manager).",
    references=(CONNECT_DOC,),
)
def connector_account(ctx: Context[ConnectorOptions]) -> Iterator[Finding]:
    """Without directory synchronization users never reach the tenant: the walkthrough names it
    the most common reason devices cannot enroll. Connect's account logs on at every cycle."""
    d = ctx.need(ctx.ev.directory)
    accounts = d.sync_accounts
    noun = "account" if len(accounts) == 1 else "accounts"
    ctx.examined = f"{len(accounts)} Azure AD Connect {noun} on {d.server}: " + (
        ", ".join(a.name for a in accounts) or "none"
    )
    if not accounts:
        yield ctx.finding(
            d.base_dn,
            f"{d.base_dn} has no Azure AD Connect account (MSOL_, AAD_, Sync_ or "
            "ADSyncMSA): directory synchronization was probably never deployed.",
        )
        return
    limit = timedelta(days=ctx.opts.max_idle_days) + LOGON_SYNC_INTERVAL
    for a in accounts:
        if not a.enabled:
            yield ctx.finding(a.name, f"{a.name} is disabled: directory synchronization cannot run.", dn=a.dn)
        elif a.last_logon is None or ctx.ev.as_of("directory") - a.last_logon > limit:
            yield ctx.finding(
                a.name,
                f"{a.name} has not logged on since {fmt(a.last_logon)}: synchronization is not running.",
                dn=a.dn,
                last_logon=fmt(a.last_logon),
            )


@check(
    id="sync.hybrid_join_scp",
    title="The hybrid join service connection point is missing or wrong",
    severity=Severity.MEDIUM,
    needs={"directory"},
    remediation="Configure hybrid Azure AD join in Azure AD Connect (Configure device options), which "
    "writes the service connection point with azureADName and azureADId keywords.",
    references=(JOIN_DOC,),
)
def hybrid_join_scp(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Domain-joined Windows devices find their tenant through this object; when it is missing or
    names the wrong tenant they never register, and automatic enrollment never starts."""
    d = ctx.need(ctx.ev.directory)
    ctx.examined = f"the service connection point in {d.server}'s configuration partition"
    target = "CN=62a0ff2e-97b9-4513-943f-0d221bd30080"
    if not d.scp_found:
        yield ctx.finding(target, "The hybrid join service connection point does not exist in the forest.")
        return
    pairs = dict(k.split(":", 1) for k in d.scp_keywords if ":" in k)
    name, tenant = pairs.get("azureADName", ""), pairs.get("azureADId", "")
    if not name or not tenant:
        yield ctx.finding(
            target,
            f"The service connection point lacks azureADName or azureADId: keywords {list(d.scp_keywords)}.",
            keywords=list(d.scp_keywords),
        )
    if tenant and not _GUID.match(tenant):
        yield ctx.finding(target, f"azureADId {tenant!r} is not a GUID.", keywords=list(d.scp_keywords))
    verified = ctx.site.verified_domains
    if name and (non_public_reason(name) or (verified and not covered_by(name, verified))):
        yield ctx.finding(
            target,
            f"azureADName {name!r} is not a verified domain of the tenant.",
            keywords=list(d.scp_keywords),
        )


@check(
    id="sync.source_anchor",
    title="Share of users with a consistency GUID (source anchor)",
    severity=Severity.INFO,
    needs={"directory"},
    remediation="Let Azure AD Connect use mS-DS-ConsistencyGuid as the source anchor, so users keep "
    "their cloud identity when they move between forests.",
    references=(CONNECT_DOC,),
)
def source_anchor(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Users synchronized with mS-DS-ConsistencyGuid keep their cloud identity across forest
    migrations; the share shows whether Connect writes it."""
    d = ctx.need(ctx.ev.directory)
    ctx.examined = f"{d.users:,} users in scope on {d.server}"
    share = d.with_anchor / d.users if d.users else 0.0
    yield ctx.finding(
        "mS-DS-ConsistencyGuid",
        f"{d.with_anchor:,} of {d.users:,} users ({share:.0%}) have mS-DS-ConsistencyGuid set.",
        users=d.users,
        with_anchor=d.with_anchor,
        share=f"{share:.0%}",
    )
