"""Is a domain public? Host-name syntax, the bundled Public Suffix List, names never delegated."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

# Reserved or never delegated (RFC 6761, RFC 6762, ICANN's name-collision decisions and private-use
# choice), plus names that only ever appear inside corporate networks. The Public Suffix List
# already lacks all of them; listing them lets the finding say *why* a suffix is not public.
SPECIAL_USE = {
    "local": "reserved for multicast DNS (RFC 6762)",
    "localhost": "reserved (RFC 6761)",
    "test": "reserved for testing (RFC 6761)",
    "example": "reserved for documentation (RFC 6761)",
    "invalid": "reserved as invalid (RFC 6761)",
    "internal": "reserved by ICANN for private use",
    "corp": "never to be delegated (ICANN name-collision decision)",
    "home": "never to be delegated (ICANN name-collision decision)",
    "mail": "never to be delegated (ICANN name-collision decision)",
    "lan": "not a public top-level domain",
    "localdomain": "not a public top-level domain",
    "intranet": "not a public top-level domain",
    "private": "not a public top-level domain",
    "priv": "not a public top-level domain",
}

# Letters, digits, hyphens and dots; internationalised names arrive here in their xn-- form.
_HOSTNAME = re.compile(r"[a-z0-9.\-]+")
MAX_LABEL = 63  # RFC 1035 2.3.4


@cache
def _psl() -> PublicSuffixList:
    # Imported on first use: listing or explaining the checks never reads the list.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True)  # the bundled copy: no network at run time


@cache
def _listed_tlds() -> dict[str, str]:
    """Each top-level domain the list's ICANN section names, with an example suffix under it.

    The list names some top-level domains only through their second-level suffixes (za: co.za,
    ac.za, ...), so "is .za on the list" cannot be asked of the library itself.
    """
    from importlib.resources import files  # here, like the list itself: --help reads neither

    text = (files("publicsuffixlist") / "public_suffix_list.dat").read_text(encoding="utf-8")
    icann = text.partition("===BEGIN ICANN DOMAINS===")[2].partition("===END ICANN DOMAINS===")[0]
    out: dict[str, str] = {}
    for line in icann.splitlines():
        rule = line.strip()
        if not rule or rule.startswith("//"):
            continue
        labels = [_ace(label) for label in rule.lstrip("!").split(".")]
        tld, name = labels[-1], ".".join(labels)
        example = len(labels) > 1 and rule[0] not in "!*"  # a plain rule below the top level
        if example and (out.get(tld, tld) == tld or labels == ["co", tld]):
            out[tld] = name  # co.<tld> when listed, else the first plain rule under it
        out.setdefault(tld, tld)
    return out


def _ace(label: str) -> str:
    return label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")


def hostname_fault(name: str) -> str:
    """What makes `name`, taken as written, no host name (RFC 1123 labels), or ""."""
    if not name:
        return "is empty"
    if not _HOSTNAME.fullmatch(name):
        return "has characters a domain name cannot contain"
    if name.startswith("."):
        return "starts with a dot"
    if name.endswith("."):
        return (
            "ends with a dot; directory synchronization takes a UPN's domain as written, and no "
            "tenant verifies a name ending in one"
        )
    if ".." in name:
        return "has an empty label (two dots in a row)"
    for label in name.split("."):
        if len(label) > MAX_LABEL:
            return f"has a label longer than {MAX_LABEL} characters"
        if label.startswith("xn--") and (why := _punycode_fault(label)):
            return why
        if label.startswith("-") or label.endswith("-"):
            return f"has a label that starts or ends with a hyphen ({label}); host names may not (RFC 1123)"
    return ""


def _punycode_fault(label: str) -> str:
    if label == "xn--":
        return "has an empty punycode label (xn--); host names may not (RFC 5890)"
    try:
        label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return f"has a punycode label that does not decode ({label})"
    return ""


def non_public_reason(name: str) -> str:
    """Why `name` cannot be a verified Internet domain, or "" when it can. Judged as written:
    surrounding spaces and letter case aside, a trailing dot is a fault, not something to drop."""
    name = name.strip().lower()
    if why := hostname_fault(name):
        return why
    labels = name.split(".")
    tld = labels[-1]
    if len(labels) == 1:
        return "is a single label, not a domain"
    if tld in SPECIAL_USE:
        return f"ends in .{tld}, {SPECIAL_USE[tld]}"
    if _psl().privatesuffix(name, accept_unknown=False) is None:
        if _psl().publicsuffix(name, accept_unknown=False) is not None:
            return "is itself a public suffix, which no tenant can verify"
        if (listed := _listed_tlds().get(tld)) is None:
            return f"ends in .{tld}, which is not a top-level domain on the Public Suffix List"
        return f"is not a registrable domain: the Public Suffix List takes names under .{tld} only " + (
            f"below the suffixes it lists there, such as {listed}" if listed != tld else "as it lists them"
        )
    return ""


def judge(
    name: str, verified: tuple[str, ...] | list[str], asked: frozenset[str] = frozenset()
) -> tuple[str, str]:
    """The one rule for a UPN suffix, wherever it was found: ("malformed_domain", why) for no host
    name at all, ("non_routable", why) for no public one, ("unverified", "") when a verified list is
    given (or the tenant answered) and does not cover it, or ("ok", ""). A verified root covers its
    subdomains, unless the tenant answered for the subdomain itself (`asked`: the names it answered
    for, lower case)."""
    name = name.strip().lower()
    if why := hostname_fault(name):
        return "malformed_domain", why
    if why := non_public_reason(name):
        return "non_routable", why
    if name in asked:
        return ("ok", "") if name in verified else ("unverified", "")
    if (verified or asked) and not covered_by(name, verified):
        return "unverified", ""
    return "ok", ""


def covered_by(name: str, verified: tuple[str, ...] | list[str]) -> str:
    """The verified domain that covers `name` (itself or a parent), or "". `name` is taken as
    written (a trailing dot makes it another name); the configured list may carry one."""
    name = name.strip().lower()
    for v in verified:
        v = v.strip().rstrip(".").lower()
        if name == v or name.endswith("." + v):
            return v
    return ""
