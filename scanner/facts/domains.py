"""Is a domain public? The bundled Public Suffix List, plus names that are never delegated."""

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


@cache
def _psl() -> PublicSuffixList:
    # Imported on first use: listing or explaining the checks never reads the list.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True)  # the bundled copy: no network at run time


def non_public_reason(name: str) -> str:
    """Why `name` cannot be a verified Internet domain, or "" when it can."""
    name = name.strip().rstrip(".").lower()
    if not name:
        return "is empty"
    if not _HOSTNAME.fullmatch(name):
        return "has characters a domain name cannot contain"
    labels = name.split(".")
    if len(labels) == 1:
        return "is a single label, not a domain"
    if any(not label for label in labels):
        return "has an empty label (two dots in a row)"
    if (why := SPECIAL_USE.get(labels[-1])) is not None:
        return f"ends in .{labels[-1]}, {why}"
    if _psl().privatesuffix(name, accept_unknown=False) is None:
        if _psl().publicsuffix(name, accept_unknown=False) is None:
            return f"ends in .{labels[-1]}, which is not a top-level domain on the Public Suffix List"
        return "is itself a public suffix, which no tenant can verify"
    return ""


def covered_by(name: str, verified: tuple[str, ...] | list[str]) -> str:
    """The verified domain that covers `name` (itself or a parent), or ""."""
    name = name.strip().rstrip(".").lower()
    for v in verified:
        v = v.strip().rstrip(".").lower()
        if name == v or name.endswith("." + v):
            return v
    return ""
