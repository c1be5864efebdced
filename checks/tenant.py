"""The tenant's own answer about each domain: known to Entra ID, in which tenant, managed or federated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.dns import verification
from scanner.context import Context, Skip, Unverifiable
from scanner.evidence.tenant import Realm, TenantEvidence
from scanner.facts.domains import covered_by
from scanner.model import Finding, Severity
from scanner.registry import NoOptions, check

DOMAINS_DOC = "https://learn.microsoft.com/entra/fundamentals/add-custom-domain"
TAKEOVER_DOC = "https://learn.microsoft.com/entra/identity/users/domains-admin-takeover"
SCP_NAME = "the hybrid-join service connection point's azureADId"  # where devices register
FEDERATION_DOC = "https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-fed-management"


def tenant(ctx: Context[Any]) -> TenantEvidence:
    ev = ctx.need(ctx.ev.tenant)
    if not ev.realms:
        raise Skip("no domain to ask about: no UPN suffix was found and none is configured")
    return ev


def answered(ctx: Context[Any], ev: TenantEvidence, realms: list[Realm], findings: int) -> None:
    """Say what was asked; a domain whose lookup failed was not judged, and with nothing found that
    makes the check an error rather than a pass."""
    failed = [r for r in realms if r.error]
    ctx.examined = f"{_n(len(realms), 'domain')} asked at {ev.authority} (as {ev.placeholder}@<domain>)"
    if failed:
        what = "; ".join(f"{r.domain}: {r.error}" for r in failed[:3])
        ctx.examined += f"; {_n(len(failed), 'lookup')} failed ({what})"
        if not findings:
            raise Unverifiable(f"{_n(len(failed), 'realm lookup')} failed: {what}")


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"


def _users(r: Realm) -> str:
    return f"{_n(r.users, 'user')} sign in with it" if r.users else "no user found carries it yet"


@check(
    id="tenant.domain_verified",
    title="Domains users sign in with are unknown to Entra ID or not verified",
    severity=Severity.HIGH,
    cause="domain",
    needs={"tenant"},
    remediation="Add the domain in the Microsoft 365 admin center (Settings > Domains > Add domain) or the "
    "Entra admin center (Custom domain names), publish the TXT record MS=ms… at the domain's apex, and "
    "select Verify.",
    references=(DOMAINS_DOC,),
)
def domain_verified(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Intune enrolls a user only when the domain of their UPN is verified in the tenant. Realm discovery
    tells whether Entra ID knows the domain at all; with Graph, whether it is verified or only added."""
    ev = tenant(ctx)
    realms = [r for r in ev.realms if r.users or r.domain not in ev.verified_list]
    graph = {d.id: d for d in ctx.ev.graph.domains} if ctx.ev.graph else {}
    found = 0
    for r in realms:
        sev = None if r.users else Severity.MEDIUM
        # Graph first: a domain added but not verified is unknown to realm discovery too.
        if (g := graph.get(r.domain)) is not None and not g.is_verified:
            found += 1
            yield ctx.finding(
                r.domain,
                f"{r.domain} is added to the tenant but not verified: {_users(r)}.",
                severity=sev,
                users=r.users,
                why=r.why,
                **verification(ctx, r.domain),
            )
        elif r.unknown:
            how = "no tenant holds it, AADSTS90002" if r.no_tenant else "its realm is Unknown"
            found += 1
            yield ctx.finding(
                r.domain,
                f"{r.domain} is unknown to Entra ID ({how}): {_users(r)}.",
                severity=sev,
                users=r.users,
                why=r.why,
            )
    answered(ctx, ev, realms, found)


@check(
    id="tenant.other_tenant",
    title="Domains belong to another tenant than the expected one",
    severity=Severity.HIGH,
    cause="domain",
    needs={"tenant"},
    remediation="Remove the domain from the other tenant (or have its owner do so), then add and verify it "
    "in yours; if the expected tenant is wrong, set [tenant] tenant_id.",
    references=(DOMAINS_DOC,),
)
def other_tenant(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """A domain verified in a different tenant looks fine from every other angle, but its users sign in
    there: they cannot enroll into this tenant's Intune, and hybrid join targets the wrong directory."""
    ev = tenant(ctx)
    expected, source = ev.expected()
    if not expected:
        raise Unverifiable("no domain's tenant could be read, and no [tenant] tenant_id is configured")
    ours = [r.domain for r in ev.realms if r.tenant_id == expected]
    found = 0
    for r in ev.realms:
        if r.tenant_id and r.tenant_id != expected and not r.viral:  # unmanaged: tenant.unmanaged
            found += 1
            theirs = [x.domain for x in ev.realms if x.tenant_id == r.tenant_id]
            yield ctx.finding(
                r.domain,
                f"{r.domain} belongs to tenant {r.tenant_id} ({', '.join(theirs)}), not to the expected "
                f"tenant {expected} from {source} ({', '.join(ours) or 'no domain asked'}).",
                tenant=r.tenant_id,
                expected=expected,
                expected_from=source,
                users=r.users,
            )
    # The other places a tenant ID is written down must name the same tenant.
    graph = ctx.ev.graph.organization_id if ctx.ev.graph else ""
    for where, tid in ((SCP_NAME, ev.scp_tenant), ("the [graph] app registration's tenant", graph)):
        if tid and tid != expected:
            found += 1
            yield ctx.finding(
                f"tenant-id:{where}",
                f"{where[0].upper()}{where[1:]} is {tid}, not the expected tenant {expected} from {source}.",
                tenant=tid,
                expected=expected,
                expected_from=source,
            )
    answered(ctx, ev, list(ev.realms), found)
    ctx.examined += f"; expected tenant {expected} ({source})"


@check(
    id="tenant.unmanaged",
    title="Domains are in an unmanaged (self-service) tenant",
    severity=Severity.HIGH,
    cause="domain",
    needs={"tenant"},
    remediation="Take the domain over as an administrator (admin takeover: add it in your tenant and verify "
    "it with the DNS TXT record), so the self-service sign-ups move into a tenant you manage.",
    references=(TAKEOVER_DOC,),
)
def unmanaged(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """When users signed up for a Microsoft service on their own, Entra ID creates an unmanaged ("viral")
    tenant for their domain. It answers like a managed one, but no administrator verified it, and
    Intune cannot be set up there."""
    ev = tenant(ctx)
    found = 0
    for r in ev.realms:
        if r.viral:
            found += 1
            yield ctx.finding(
                r.domain,
                f"{r.domain} is in an unmanaged (self-service) tenant no administrator verified: "
                f"{_users(r)}.",
                users=r.users,
                tenant=r.tenant_id,
            )
    answered(ctx, ev, list(ev.realms), found)


@check(
    id="tenant.federation_target",
    title="Federated domains sign in somewhere else than the configured AD FS",
    severity=Severity.HIGH,
    cause="domain",
    needs={"tenant"},
    remediation="Point the domain's federation at this AD FS (Update-MgDomainFederationConfiguration, or "
    "Entra Connect > Manage federation), or correct [adfs] url to the service the domain really uses.",
    references=(FEDERATION_DOC,),
)
def federation_target(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Entra ID sends a federated domain's users to the sign-in service recorded in the tenant. When that
    is another host than the AD FS this scan examined, the AD FS checks measured the wrong service; a
    managed domain does not use AD FS at all."""
    ev = tenant(ctx)
    found = 0
    for r in ev.realms:
        host = r.sts_host
        if r.namespace == "Federated" and not ev.adfs_host:
            found += 1
            yield ctx.finding(
                r.domain,
                f"{r.domain} is federated to {host or 'an unnamed service'}; no [adfs] url is "
                "configured, so that service was not examined.",
                severity=Severity.INFO,
                sts=host,
            )
        elif r.namespace == "Federated" and host != ev.adfs_host:
            found += 1
            yield ctx.finding(
                r.domain,
                f"{r.domain} signs in at {host or repr(r.auth_url)}, not at the configured AD FS "
                f"{ev.adfs_host}: {_users(r)}.",
                sts=host,
                adfs=ev.adfs_host,
                users=r.users,
            )
        elif r.namespace == "Managed" and ev.adfs_host and r.users:
            found += 1
            yield ctx.finding(
                r.domain,
                f"{r.domain} is managed: its {_n(r.users, 'user')} sign in at Entra ID, so AD FS "
                f"{ev.adfs_host} is not in their path.",
                severity=Severity.MEDIUM,
                adfs=ev.adfs_host,
            )
    answered(ctx, ev, list(ev.realms), found)


@check(
    id="tenant.verified_list",
    title="[site] verified_domains disagrees with the tenant",
    severity=Severity.MEDIUM,
    cause="domain",
    needs={"tenant"},
    remediation="Make [site] verified_domains list exactly the domains the tenant holds and users sign in "
    "with; a scan that cannot ask the tenant (offline) relies on it.",
    references=(DOMAINS_DOC,),
)
def verified_list(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """The list in the configuration is what a person typed. When it names a domain the tenant does not
    hold, or misses one it does, every report read offline says the wrong thing about users' UPNs."""
    ev = tenant(ctx)
    if not ev.verified_list:
        raise Skip("no [site] verified_domains to compare; the UPN checks use the tenant's answer")
    expected, _ = ev.expected()
    found = 0
    for r in ev.realms:
        listed = r.domain in ev.verified_list
        elsewhere = bool(expected and r.tenant_id and r.tenant_id != expected)
        if listed and (r.unknown or elsewhere or r.viral):
            why = (
                "unknown to Entra ID" if r.unknown else "unmanaged" if r.viral else f"in tenant {r.tenant_id}"
            )
            found += 1
            yield ctx.finding(r.domain, f"{r.domain} is listed as verified but is {why}.", listed=True)
        elif (
            r.known
            and r.users
            and not (listed or elsewhere or r.viral or covered_by(r.domain, ev.verified_list))
        ):
            found += 1
            yield ctx.finding(
                r.domain,
                f"{r.domain} is held by the tenant but missing from [site] verified_domains: {_users(r)}.",
                listed=False,
                users=r.users,
            )
    answered(ctx, ev, list(ev.realms), found)
