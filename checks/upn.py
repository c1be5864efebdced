"""Checks over the users' UPN suffixes, from the site database's documented v_R_User query."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.causes import by_domain
from scanner.context import Context, Skip
from scanner.evidence.sql import SqlEvidence, UserGroup
from scanner.facts import upn
from scanner.facts.domains import covered_by, judge, non_public_reason
from scanner.model import Finding, Severity
from scanner.registry import NoOptions, check

HYBRID_DOC = "https://learn.microsoft.com/microsoft-365/enterprise/prepare-for-directory-synchronization"
DOMAINS_DOC = "https://learn.microsoft.com/microsoft-365/admin/setup/add-domain"
# What a suffix is, for the finding's evidence: a malformed one is no host name at all.
PROBLEM = {"malformed_domain": "malformed host name", "non_routable": "not routable"}
SHOW = 5  # users named in a finding's message; the evidence holds up to [sql] sample_users


def verified_domains(ctx: Context[Any]) -> tuple[tuple[str, ...], str, frozenset[str]]:
    """(domains taken as verified, where that came from, the domains the tenant answered for). Its own
    answer when it gave one: known, in the expected tenant, not unmanaged, and with Graph verified;
    a domain whose lookup failed keeps what [site] verified_domains says about it."""
    site = tuple(d.lower() for d in ctx.site.verified_domains)
    ten, status = ctx.ev.tenant, ctx.ev.status("tenant")
    if ten is None or not ten.realms or all(r.error for r in ten.realms):
        why = f"; the tenant was not asked: {status.reason}" if status and status.reason else ""
        return site, f"[site] verified_domains as configured{why}", frozenset()
    expected, _ = ten.expected()
    graph = {d.id: d.is_verified for d in ctx.ev.graph.domains} if ctx.ev.graph else {}
    ok = [
        r.domain
        for r in ten.realms
        if (r.error and covered_by(r.domain, site))
        or (r.known and not r.viral and r.tenant_id in ("", expected) and graph.get(r.domain, True))
    ]
    ok += [d for d in site if ten.get(d) is None]  # not asked (found too late): as configured
    asked = f"{ten.authority}{' and Graph' if graph else ''}, {ten.checked_at:%Y-%m-%d %H:%M} UTC"
    where = f"the tenant's answer ({asked})"
    return tuple(ok), where, frozenset(r.domain for r in ten.realms if not r.error)


def suffix_findings(
    ctx: Context[Any], names: list[str], verified: tuple[str, ...], asked: frozenset[str] = frozenset()
) -> Iterator[Finding]:
    """Findings for suffixes that are offered rather than used (the forest's list)."""
    for name in names:
        kind, why = judge(name, verified, asked)
        if kind in PROBLEM and why:
            yield ctx.finding(name, f"{name} {why}.", problem=PROBLEM[kind], reason=why)
        elif kind == "unverified":
            yield ctx.finding(name, f"{name} is not verified in the tenant.", problem="not verified")


def collision(ctx: Context[Any], key: str, written: list[tuple[str, str]], count: int, **ev: Any) -> Finding:
    """One finding for UPNs that become one after synchronization's normalisation: (who, UPN) pairs."""
    shown = ", ".join(f"{who} <{value}>" for who, value in written[:SHOW])
    more = count - min(SHOW, len(written))
    shown += f" and {more:,} more" if more > 0 else ""
    differ = upn.differences([v for _, v in written])
    return ctx.finding(
        key,
        f"{_plural(count, 'user')} have UPNs that differ only in {differ}, which directory "
        f"synchronization normalises: {shown}. Fixing one makes it a duplicate of another.",
        users=count,
        examples=[f"{who} <{value}>" for who, value in written],
        **ev,
    )


def upn_rule(f: Finding) -> str:
    """One kind of UPN error, the site database's classes and IdFix's under IdFix's names: one cause
    (the same users' UPNs, fixed the same way in Active Directory)."""
    cls = upn.IDFIX_CLASS.get(f.target, f.target)
    return f"upn-rule:{cls}" if cls in upn.IDFIX_CLASSES else ""


def suffix_cause(f: Finding) -> str:
    """A suffix judged as written (contoso, contoso.com.): its users' cause, whatever its shape."""
    return f"domain:{f.target.strip().lower()}"


def domain_or_upn_rule(f: Finding) -> str:
    """The Intune collection's findings: a domain's members under the domain, a class under its rule."""
    return by_domain(f) or upn_rule(f)


def collision_cause(f: Finding) -> str:
    """The same colliding UPNs, seen in the site database and in Active Directory: one decision."""
    return f"collision:{f.target.strip().lower()}"


def _names(group: UserGroup) -> str:
    shown = ", ".join(u.name or repr(u.upn) for u in group.users[:SHOW])
    more = group.count - min(SHOW, len(group.users))
    return shown + (f" and {more:,} more" if more > 0 else "")


def _users(group: UserGroup) -> list[str]:
    return [f"{u.name} <{u.upn}>" if u.name else repr(u.upn) for u in group.users]


def _not_judged(sql: SqlEvidence) -> str:
    n = sql.domains_left_out_users
    return (
        f"; {_plural(n, 'user')} in domains beyond the {len(sql.domains):,} kept were not judged" if n else ""
    )


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


def _shown(suffix: str | None) -> str:
    """NULL, an empty suffix and trailing spaces must stay visible in a table."""
    if suffix is None:
        return "NULL"
    return suffix if suffix and suffix == suffix.strip() else f"'{suffix}'"


@check(
    id="upn.suffix_inventory",
    title="UPN suffixes of discovered users",
    severity=Severity.INFO,
    needs={"sql"},
    remediation="Compare the table with the domains verified in the tenant; every suffix users "
    "sign in with must be routable and verified.",
    references=(HYBRID_DOC,),
)
def suffix_inventory(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """The walkthrough's own query: which UPN suffixes the site's discovered users carry, and how
    many. It is the starting point for every other UPN check and for the tenant's domain list."""
    sql = ctx.need(ctx.ev.sql)
    verified, where, asked = verified_domains(ctx)
    ctx.examined = f"{_plural(sql.users, 'user')} in {sql.origin}; {len(sql.inventory)} suffix groups"
    if sql.inventory_left_out:  # memory stays bounded: the rest are counted, not listed
        ctx.examined += (
            f" listed; {sql.inventory_left_out:,} more ({_plural(sql.inventory_left_out_users, 'user')}) "
            "counted but not listed"
        )
    for row in sorted(sql.inventory, key=lambda r: (-r.count, str(r.suffix))):
        shown = _shown(row.suffix)
        key = upn.group_key(row.suffix) or ""
        public = "" if row.suffix is None else non_public_reason(key)
        yield ctx.finding(
            f"suffix:{shown}",
            f"{shown} is the suffix of {_plural(row.count, 'user')}.",
            suffix=shown,
            users=row.count,
            routable="no" if row.suffix is None or public else "yes",
            verified="yes"
            if key and (verified or asked) and judge(key, verified, asked)[0] == "ok"
            else "no",
            verified_by=where,
        )


@check(
    id="upn.non_routable_suffix",
    title="Users have UPN suffixes that are not public domains",
    severity=Severity.HIGH,
    cause=suffix_cause,
    needs={"sql"},
    remediation="Add a routable UPN suffix (Active Directory Domains and Trusts > Properties > UPN "
    "Suffixes), verify it in the tenant, and change these users' UPNs to it, e.g. "
    "Set-ADUser -UserPrincipalName user@contoso.com. A suffix that is no host name at all (a "
    "trailing dot, a hyphen at the edge of a label) is a typing error: correct the UPN itself.",
    references=(HYBRID_DOC,),
)
def non_routable_suffix(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Intune can only verify public domains; a user whose UPN ends in .local or another private
    name is synchronized to the onmicrosoft.com domain and cannot enroll with the UPN they know. A
    domain that is no host name (contoso.com. with its trailing dot, sub-.contoso.com) is judged as
    written and fails too, whatever domains the tenant has verified."""
    sql = ctx.need(ctx.ev.sql)
    ctx.examined = f"{_plural(len(sql.domains), 'domain')} of {_plural(sql.users, 'user')} in {sql.origin}"
    ctx.examined += _not_judged(sql)
    for group in sql.domains:
        kind, why = judge(group.key, ())
        if kind in PROBLEM:
            yield ctx.finding(
                group.key,
                f"{group.key} {why}: {_plural(group.count, 'user')} ({_names(group)}).",
                users=group.count,
                problem=PROBLEM[kind],
                reason=why,
                examples=_users(group),
            )


@check(
    id="upn.unverified_suffix",
    title="Users have UPN suffixes not verified in the tenant",
    severity=Severity.HIGH,
    cause="domain",
    needs={"sql"},
    remediation="Verify the domain in the Microsoft 365 admin center (Settings > Domains > Add "
    "domain; publish the TXT record MS=ms… at the domain's apex), or move the users to a verified "
    "suffix; then "
    "list it in [site] verified_domains (the tenant itself is asked unless [tenant] lookup = false).",
    references=(DOMAINS_DOC,),
)
def unverified_suffix(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Users can only enroll once the domain of their UPN is verified in the tenant; a verified
    root domain also covers its subdomains."""
    sql = ctx.need(ctx.ev.sql)
    verified, where, asked = verified_domains(ctx)
    if not verified and not asked:
        raise Skip("no [site] verified_domains in the configuration and the tenant was not asked")
    shown = ", ".join(verified[:SHOW]) + (
        f" and {len(verified) - SHOW:,} more" if len(verified) > SHOW else ""
    )
    ctx.examined = f"{_plural(len(sql.domains), 'domain')} against verified {shown or 'none'}, from {where}"
    ctx.examined += _not_judged(sql)
    for group in sql.domains:
        if judge(group.key, verified, asked)[0] == "unverified":
            yield ctx.finding(
                group.key,
                f"{group.key} is not verified in the tenant: "
                f"{_plural(group.count, 'user')} ({_names(group)}).",
                users=group.count,
                verified_by=where,
                examples=_users(group),
            )


@check(
    id="upn.missing",
    title="Users have no UPN",
    severity=Severity.MEDIUM,
    cause=upn_rule,
    needs={"sql"},
    remediation="Give each user a UPN in a verified domain (Set-ADUser -UserPrincipalName), then let "
    "Active Directory User Discovery run again.",
    references=(HYBRID_DOC,),
)
def missing(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """A user without a UPN cannot be matched to a cloud identity and cannot enroll; the
    documented query lumps them into one NULL row that is easy to overlook."""
    sql = ctx.need(ctx.ev.sql)
    ctx.examined = f"{_plural(sql.users, 'user')} in {sql.origin}"
    group = next((g for g in sql.issues if g.key == "missing"), None)
    if group is not None:
        have = "has" if group.count == 1 else "have"
        yield ctx.finding(
            "missing",
            f"{_plural(group.count, 'user')} {have} no UPN: {_names(group)}.",
            users=group.count,
            examples=_users(group),
        )


@check(
    id="upn.malformed",
    title="Users have malformed UPNs",
    severity=Severity.MEDIUM,
    cause=upn_rule,
    needs={"sql"},
    remediation="Correct these UPNs in Active Directory (IdFix or Set-ADUser): one @, no spaces, only "
    "letters, digits and ' . - _ ! # ^ ~ before the @ (no two dots in a row), at most 113 characters.",
    references=(HYBRID_DOC,),
)
def malformed(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Directory synchronization rejects or rewrites these UPNs, and the documented query files
    them under wrong suffixes (no @ gives the whole UPN; trailing spaces cut letters off)."""
    sql = ctx.need(ctx.ev.sql)
    ctx.examined = f"{_plural(sql.users, 'user')} in {sql.origin}"
    for group in sql.issues:
        if group.key in upn.ISSUES:
            yield ctx.finding(
                group.key,
                f"{_plural(group.count, 'UPN')} with {upn.ISSUES[group.key]}: {_names(group)}.",
                severity=Severity.LOW if group.key in upn.ADVISORY else None,
                users=group.count,
                examples=_users(group),
            )


@check(
    id="upn.discovered_collision",
    title="Fixing a discovered user's UPN would make it another user's",
    severity=Severity.MEDIUM,
    cause=collision_cause,
    needs={"sql"},
    remediation="Decide which user keeps the name, give the other a different UPN "
    "(Set-ADUser -UserPrincipalName), and only then remove the trailing dot or spaces.",
    references=(HYBRID_DOC,),
)
def discovered_collision(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Synchronization ignores letter case, surrounding spaces and a trailing dot, so two users
    whose UPNs differ only in those become duplicates the moment the malformed one is corrected:
    one of them is then not synchronized and cannot enroll."""
    sql = ctx.need(ctx.ev.sql)
    partial = "" if sql.upns_complete else f" (the first {len(sql.upns):,} of {sql.users:,})"
    ctx.examined = f"{_plural(len(sql.upns), 'user')} in {sql.origin}{partial}"
    for group in sql.collisions:
        written = [(u.name, u.upn or "") for u in group.users]
        yield collision(ctx, group.key, written, group.count)


@check(
    id="upn.enrollment_collection",
    title="Users in the Intune collection have UPNs that cannot enroll, or the collection is wrong",
    severity=Severity.HIGH,
    cause=domain_or_upn_rule,
    needs={"sql"},
    remediation="Give these users a UPN in a routable domain verified in the tenant (Set-ADUser "
    "-UserPrincipalName user@contoso.com), then let User Discovery run; when the collection itself is "
    "wrong, choose the user collection of the users who enroll in the Intune subscription (Administration "
    "> Cloud Services > Microsoft Intune Subscriptions > Properties) and in [sql] intune_collection.",
    references=(HYBRID_DOC, DOMAINS_DOC),
)
def enrollment_collection(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """The Intune subscription synchronizes the members of one user collection to the cloud: they are
    the users who will enroll. A member whose UPN is missing, malformed, not routable or not verified
    is not synchronized or cannot sign in to enroll (user sync reports duplicate and empty UPNs as
    status messages 10005 and 10006). Users outside the collection are the other upn checks' business."""
    from checks.site import site_evidence  # the site tables' Skip and error rules, shared

    coll = site_evidence(ctx, "collection").collection
    if coll is None:
        raise Skip(
            "no [sql] intune_collection in the configuration: give the ID of the Intune subscription's "
            "user collection (see 'mdm-preflight init')"
        )
    verified = ctx.site.verified_domains
    label = f"{coll.id} ({coll.name})" if coll.name else coll.id
    ctx.examined = f"{_plural(coll.members, 'member')} of {label}; domains judged routable" + (
        f" and verified ({', '.join(verified)})" if verified else " only: no [site] verified_domains"
    )
    if coll.domains_left_out_users:
        ctx.examined += (
            f"; {_plural(coll.domains_left_out_users, 'member')} in domains beyond those kept not judged"
        )
    if not coll.found:
        yield ctx.finding(coll.id, f"{coll.id} does not exist: no collection in v_Collection has that ID.")
    elif coll.type != 1:
        kind = "a device collection" if coll.type == 2 else f"a collection of type {coll.type}"
        yield ctx.finding(coll.id, f"{label} is {kind}, not a user collection: the subscription syncs users.")
    elif not coll.members:
        yield ctx.finding(coll.id, f"{label} is empty: no user will be synchronized to Intune.")
    for group in coll.issues:
        what = "with no UPN" if group.key == "missing" else f"whose UPN has {upn.ISSUES[group.key]}"
        yield ctx.finding(
            group.key,
            f"{_plural(group.count, 'member')} of {label} {what}: {_names(group)}.",
            severity=Severity.LOW if group.key in upn.ADVISORY else None,
            users=group.count,
            examples=_users(group),
        )
    for group in coll.domains:
        verdict, why = judge(group.key, verified)
        if verdict != "ok":
            problem = why or "is not verified in the tenant"  # malformed and non-routable say why
            yield ctx.finding(
                group.key,
                f"{group.key} {problem}: {_plural(group.count, 'member')} of {label} ({_names(group)}).",
                users=group.count,
                problem=verdict.replace("_", " "),
                examples=_users(group),
            )
