"""Facts about UPN strings: the documented query's suffix expression, and what directory sync rejects."""

from __future__ import annotations

import re
from collections.abc import Collection

from scanner.facts.domains import judge

MAX_TOTAL, MAX_LOCAL, MAX_DOMAIN = 113, 64, 48
# Directory synchronization accepts these in the part before "@" (Microsoft 365 "Prepare for
# directory synchronization"); everything else, diacritics included, is rejected or mangled.
_LOCAL_OK = re.compile(r"[A-Za-z0-9'.\-_!#^~]*")
_DOMAIN_OK = re.compile(r"[A-Za-z0-9.\-]*")
_SPACE = re.compile(r"\s")
# The common case in one C-speed match: one @, allowed characters, dots only between them before it
# (RFC 5322's dot-atom), at most MAX_LOCAL characters before the @ and MAX_DOMAIN after it (so at most
# MAX_TOTAL in all); the domain's own syntax is judged with the domain, once per domain. Group 1 is the
# domain.
_ATOM = r"[A-Za-z0-9'\-_!#^~]+"
CLEAN = re.compile(rf"(?=[^@]{{1,{MAX_LOCAL}}}@){_ATOM}(?:\.{_ATOM})*@([A-Za-z0-9.\-]{{1,{MAX_DOMAIN}}})")
# CLEAN over many UPNs at once, one per line: a line that is not clean matches ".*" with group 1 empty.
_CLEAN_LINES = re.compile(rf"(?m)^(?:{CLEAN.pattern}|.*)$")

# Problem classes, as the noun phrase after "N UPNs with …".
ISSUES = {
    "no_at": "no @ (the documented query reports the whole UPN as its suffix)",
    "multiple_at": "more than one @",
    "empty_domain": "nothing after the @",
    "spaces": "leading, trailing or inner spaces (each trailing space cuts a letter off the query's suffix)",
    "invalid_characters": "characters directory synchronization does not accept",
    "too_long": f"more than {MAX_TOTAL} characters, {MAX_LOCAL} before the @ or {MAX_DOMAIN} after it",
    "bad_local_part": "an empty user part, or one that starts or ends with '.'",
    "double_dot": "two dots in a row before the @ (IdFix rejects them under RFC 5322's dot-atom rule; "
    "Microsoft's UPN documentation is silent, so synchronization may accept them)",
}
# Classes the documentation does not forbid: reported at low severity, with the explanation above.
ADVISORY = frozenset({"double_dot"})

# The classes above (and a domain's verdicts) under IdFix's error types (RFC2822Rule's flags among them).
IDFIX_CLASS = {
    "missing": "blank",  # our own rule's name (IdFix reports no absent UPN): upn.directory_users' target
    "invalid_characters": "character",
    "spaces": "character",
    "no_at": "format",
    "multiple_at": "format",
    "empty_domain": "format",
    "bad_local_part": "format",
    "too_long": "length",
    "double_dot": "localpart",
    "malformed_domain": "domainpart",
    "non_routable": "topleveldomain",
}
IDFIX_CLASSES = frozenset(IDFIX_CLASS.values())


def doc_suffix(upn: str | None) -> str | None:
    """What RIGHT(u, LEN(u) - PATINDEX('%@%', u)) returns in T-SQL, quirks included.

    LEN ignores trailing spaces (U+0020 only) but RIGHT counts them, so each trailing space cuts
    one letter off the front of the suffix; no "@" gives the whole string; NULL stays NULL.
    """
    if upn is None:
        return None
    n = len(upn.rstrip(" ")) - (upn.find("@") + 1)
    return upn[-n:] if n > 0 else ""


def group_key(suffix: str | None) -> str | None:
    """The GROUP BY key under SQL_Latin1_General_CP1_CI_AS: case-insensitive, trailing spaces ignored."""
    return None if suffix is None else suffix.rstrip(" ").lower()


def domain(upn: str) -> str:
    """The domain a UPN asks the tenant to verify: after the last "@", trimmed, lower case; a
    trailing dot stays, because synchronization takes the domain as written."""
    return upn.rpartition("@")[2].strip().lower()


def missing(upn: str | None) -> bool:
    """No UPN, or only spaces: our own rule (IdFix reports no absent UPN, and files a blank one
    under its character rule)."""
    return upn is None or not upn.strip()


def clean(upn: str) -> bool:
    """True when issues(upn) is empty, decided by one match: a million users take a second, not five."""
    return CLEAN.fullmatch(upn) is not None


def clean_domains(values: list[str]) -> list[str]:
    """For each UPN, the domain as written if clean(upn), else '': one regular-expression pass over
    the batch joined by line breaks (no call and no match object per UPN). CLEAN admits no line
    break, and a value holding one would add a line: then the UPNs are matched one by one."""
    found: list[str] = _CLEAN_LINES.findall("\n".join(values))
    if len(found) != len(values):
        found = [m[1] if (m := CLEAN.fullmatch(v)) else "" for v in values]
    return found


def issues(upn: str) -> list[str]:
    """The malformation classes of a non-blank UPN, in ISSUES order (its domain is judged apart)."""
    found = []
    ats = upn.count("@")
    local, _, dom = upn.strip().rpartition("@")
    if ats == 0:
        found.append("no_at")
    elif ats > 1:
        found.append("multiple_at")
    if ats and not dom:
        found.append("empty_domain")
    if upn != upn.strip() or _SPACE.search(upn):
        found.append("spaces")
    user_part = local.replace("@", "") if ats else upn.strip()
    if not _LOCAL_OK.fullmatch(user_part) or not _DOMAIN_OK.fullmatch(dom if ats else ""):
        found.append("invalid_characters")
    if len(upn) > MAX_TOTAL or (ats and (len(local) > MAX_LOCAL or len(dom) > MAX_DOMAIN)):
        found.append("too_long")
    if ats and (not local or local.endswith(".") or local.startswith(".")):
        found.append("bad_local_part")
    if ats and ".." in local:
        found.append("double_dot")
    return found


def verdict(upn: str | None, verified: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The one rule, whole: "missing", else the ISSUES classes, then "non_routable" or "unverified"
    for the domain. [] means directory synchronization takes the UPN as it is. The sources apply the
    same parts (missing, clean or issues, domain) and the checks judge each domain once."""
    if upn is None or missing(upn):
        return ["missing"]
    found = [] if clean(upn) else issues(upn)
    if "@" in upn and (dom := domain(upn)) and (kind := judge(dom, verified)[0]) != "ok":
        found.append(kind)
    return found


def normalised(upn: str) -> str:
    """The UPN synchronization compares: letter case, surrounding spaces and a trailing dot dropped."""
    return upn.strip().rstrip(".").lower()


def collisions(upns: Collection[str]) -> dict[str, list[str]]:
    """UPNs that differ only in what synchronization normalises, beyond letter case (those are
    duplicates already): {normalised: [distinct lower-case UPNs]}. Fixing one collides with another.
    Blank UPNs and those without an @ are left out: no fix keeps them as they are."""
    # Only a UPN with something to strip normalises to other than its lower case (lower() maps every
    # character to at least one): those few are normalised, the others only lower-cased, in C.
    odd = [u for u in upns if u.strip().rstrip(".") != u]
    dirty = {n for u in odd if "@" in (n := normalised(u))}
    if not dirty:
        return {}
    groups: dict[str, set[str]] = {}
    for u in odd:
        if (n := normalised(u)) in dirty:
            groups.setdefault(n, set()).add(u.lower())
    for low in dirty.intersection(map(str.lower, upns)):
        groups.setdefault(low, set()).add(low)
    return {n: sorted(vs) for n, vs in sorted(groups.items()) if len(vs) > 1}


def differences(upns: Collection[str]) -> str:
    """What a collision's UPNs (as written) differ in, in words: "a trailing dot and letter case"."""
    kinds = []
    if any(u.strip().endswith(".") for u in upns):
        kinds.append("a trailing dot")
    if any(u != u.strip() for u in upns):
        kinds.append("surrounding spaces")
    if len({u.strip().rstrip(".") for u in upns}) > len({normalised(u) for u in upns}):
        kinds.append("letter case")
    return " and ".join(kinds)
