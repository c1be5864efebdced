"""UPN checks over Active Directory: forest suffixes, IdFix-class rules, duplicates, ConfigMgr drift."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from checks.upn import HYBRID_DOC, collision_cause, suffix_findings, upn_rule, verified_domains
from checks.upn import collision as upn_collision
from scanner.context import Context
from scanner.evidence.directory import DirectoryEvidence, DirGroup
from scanner.facts.domains import judge
from scanner.facts.upn import IDFIX_CLASS
from scanner.model import Finding, Severity
from scanner.registry import NoOptions, check

IDFIX_DOC = (
    "https://learn.microsoft.com/microsoft-365/enterprise/prepare-directory-attributes-for-synch-with-idfix"
)
# What the users of a class have (singular, plural) and whose rule it is, where not "IdFix's <class> rule".
_HAVE = {
    "blank": (
        "has no UPN, or only spaces",
        "have no UPN, or only spaces",
        "our own rule: IdFix reports no absent UPN and files a blank one under its character rule",
    ),
    "localpart": (
        "has two dots in a row before the @",
        "have two dots in a row before the @",
        "IdFix's localpart rule, after RFC 5322's dot-atom; Microsoft's UPN documentation is silent, so "
        "synchronization may accept them",
    ),
}
SHOW = 5


def _names(group: DirGroup) -> str:
    shown = ", ".join(u.name for u in group.users[:SHOW])
    more = group.count - min(SHOW, len(group.users))
    return shown + (f" and {more:,} more" if more > 0 else "")


def _scope(d: DirectoryEvidence) -> str:
    return (
        f"{d.users:,} users under {d.base_dn} on {d.server} ({d.enabled:,} enabled; "
        f"{d.excluded:,} system and service objects left out, as directory synchronization does)"
    )


@check(
    id="upn.forest_suffixes",
    title="The forest offers UPN suffixes that are not public or not verified",
    severity=Severity.MEDIUM,
    cause="domain",
    needs={"directory"},
    remediation="Remove suffixes nobody should use (Active Directory Domains and Trusts > Properties), "
    "and verify the public ones in the tenant before users are given them.",
    references=(HYBRID_DOC,),
)
def forest_suffixes(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Every suffix the forest offers can end up on a user; a private or unverified one gives that
    user a sign-in name Intune cannot accept."""
    d = ctx.need(ctx.ev.directory)
    names = sorted({s.lower() for s in (*d.upn_suffixes, *d.domains)})
    listed = ", ".join(names[:SHOW]) + (f" and {len(names) - SHOW:,} more" if len(names) > SHOW else "")
    verified, where, asked = verified_domains(ctx)
    ctx.examined = f"{len(names):,} suffixes on {d.server}: {listed}"  # bounded: a forest may offer 100,000
    ctx.examined += f"; verified according to {where}"
    yield from suffix_findings(ctx, names, verified, asked)


@check(
    id="upn.directory_users",
    title="Active Directory users have UPNs directory synchronization rejects",
    severity=Severity.HIGH,
    cause=upn_rule,
    needs={"directory"},
    remediation="Fix each listed user's UPN (IdFix or Set-ADUser -UserPrincipalName): a routable, "
    "verified suffix, one @, only letters, digits and ' . - _ ! # ^ ~ before it, at most 113 "
    "characters. Disabled users can wait; enabled ones cannot enroll until fixed.",
    references=(IDFIX_DOC, HYBRID_DOC),
)
def directory_users(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """The one UPN rule over every user directory synchronization would export, filed under IdFix's
    error types (character, format, length, localpart, domainpart, top-level domain) without its
    hand-kept TLD list, plus our own rule for users with no UPN. A domain is judged as written: a
    trailing dot or a label edged with a hyphen fails whatever the tenant has verified."""
    d = ctx.need(ctx.ev.directory)
    ctx.examined = _scope(d)
    merged: dict[str, list[DirGroup]] = {}
    for g in d.issues:
        merged.setdefault(IDFIX_CLASS.get(g.key, g.key), []).append(g)
    for g in d.upn_domains:
        if (kind := judge(g.key, ())[0]) != "ok":
            merged.setdefault(IDFIX_CLASS[kind], []).append(g)
    for cls, groups in sorted(merged.items()):
        users = {u.dn: u for g in groups for u in g.users}
        count, enabled = sum(g.count for g in groups), sum(g.enabled for g in groups)
        one, many, note = _HAVE.get(cls, (f"fails IdFix's {cls} rule", f"fail IdFix's {cls} rule", ""))
        if cls in ("domainpart", "topleveldomain"):  # name the domains: they are what to fix
            keys = sorted(g.key for g in groups)
            note = (
                "in "
                + ", ".join(keys[:SHOW])
                + (f" and {len(keys) - SHOW:,} more" if len(keys) > SHOW else "")
            )
        shown = ", ".join(u.name for u in list(users.values())[:SHOW])
        yield ctx.finding(
            cls,
            f"{count:,} user{' ' + one if count == 1 else 's ' + many} ({enabled:,} enabled"
            f"{'; ' + note if note else ''}): {shown}.",
            severity=Severity.LOW if cls == "localpart" else None,
            users=count,
            enabled=enabled,
            disabled=count - enabled,
            detail=sorted(g.key for g in groups),
            examples=[f"{u.name} <{u.upn}>{'' if u.enabled else ' (disabled)'}" for u in users.values()],
        )


@check(
    id="upn.duplicate",
    title="Several objects share one UPN",
    severity=Severity.HIGH,
    needs={"directory"},
    remediation="Give each object its own UPN; the second object with a UPN is not synchronized and "
    "its user cannot sign in or enroll.",
    references=(IDFIX_DOC,),
)
def duplicate(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Older domain controllers let the same UPN onto two objects; Azure AD accepts only one."""
    d = ctx.need(ctx.ev.directory)
    ctx.examined = _scope(d)
    for g in d.duplicates:
        yield ctx.finding(
            g.key,
            f"{g.key} is the UPN of {g.count} objects: {_names(g)}.",
            objects=g.count,
            examples=[u.dn for u in g.users],
        )


@check(
    id="upn.collision",
    title="Fixing a user's UPN would make it another user's",
    severity=Severity.MEDIUM,
    cause=collision_cause,
    needs={"directory"},
    remediation="Decide which user keeps the name, give the other a different UPN "
    "(Set-ADUser -UserPrincipalName), and only then remove the trailing dot or spaces.",
    references=(IDFIX_DOC,),
)
def collision(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """IdFix warns when its own fixes would collide; we propose none, but synchronization ignores
    letter case, surrounding spaces and a trailing dot, so correcting one of these UPNs makes it a
    duplicate of another user's: one of the two is then not synchronized and cannot enroll."""
    d = ctx.need(ctx.ev.directory)
    ctx.examined = _scope(d)
    for g in d.collisions:
        written = [(u.name, u.upn or "") for u in g.users]
        yield upn_collision(ctx, g.key, written, g.count, enabled=g.enabled)


@dataclass(frozen=True, slots=True, kw_only=True)
class MismatchOptions:
    show: int = 200  # mismatched users listed in the evidence


@check(
    id="upn.discovery_mismatch",
    title="ConfigMgr holds UPNs that differ from Active Directory",
    severity=Severity.MEDIUM,
    needs={"directory", "sql"},
    options=MismatchOptions,
    remediation="Run Active Directory User Discovery (full) so the site database picks up the current "
    "UPNs; check that discovery covers the containers these users are in.",
    references=(HYBRID_DOC,),
)
def discovery_mismatch(ctx: Context[MismatchOptions]) -> Iterator[Finding]:
    """Enrollment uses the UPN ConfigMgr discovered; when it is stale, users are licensed under a
    name they no longer sign in with."""
    d = ctx.need(ctx.ev.directory)
    sql = ctx.need(ctx.ev.sql)
    pairs = [
        (who, ad, sql.upns[who])
        for who, ad in sorted(d.upns.items())
        if who in sql.upns and (sql.upns[who] or "").strip().lower() != ad.strip().lower()
    ]
    compared = sum(1 for who in d.upns if who in sql.upns)
    partial = "" if sql.upns_complete else f" (the first {len(sql.upns):,} of {sql.users:,} discovered)"
    ctx.examined = f"{compared:,} users found in both {d.server} and {sql.origin}{partial}"
    if pairs:
        shown = ", ".join(f"{who}" for who, _, _ in pairs[:SHOW])
        yield ctx.finding(
            "v_R_User",
            f"{len(pairs):,} user{'s' * (len(pairs) != 1)} have another UPN in ConfigMgr than in "
            f"Active Directory: {shown}.",
            users=len(pairs),
            examples=[f"{who}: AD {ad!r}, ConfigMgr {cm!r}" for who, ad, cm in pairs[: ctx.opts.show]],
        )
