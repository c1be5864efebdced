"""Public DNS evidence: every answer with its rcode and the server that gave it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

ENROLLMENT, REGISTRATION = "enterpriseenrollment", "enterpriseregistration"
ANSWERED = ("NOERROR", "NODATA", "NXDOMAIN")  # the server looked the name up (whatever it found)


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsAnswer:
    name: str
    rtype: str
    rcode: str  # NOERROR, NODATA, NXDOMAIN, SERVFAIL, REFUSED, TIMEOUT, ERROR
    records: tuple[str, ...] = ()  # text form; a TXT record's strings joined as DNS split them
    canonical: str = ""  # where CNAMEs led, when the answer came through any
    server: str = ""  # which nameserver answered
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsView:
    nameservers: tuple[str, ...]  # empty: the system resolver
    port: int
    answers: tuple[DnsAnswer, ...] = ()

    def get(self, name: str, rtype: str) -> DnsAnswer | None:
        name = name.lower().rstrip(".")
        return next((a for a in self.answers if a.name == name and a.rtype == rtype), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsEvidence:
    domains: dict[str, str]  # domain -> why it is checked (verified, configured, a UPN suffix)
    adfs_host: str = ""
    primary: DnsView
    compare: DnsView | None = None  # [dns] compare_nameservers, for split-horizon differences

    def unreadable(self) -> list[str]:
        """No query answered at all: the servers are unusable, which says nothing about the records."""
        answers = self.primary.answers
        if not answers or any(a.rcode in ANSWERED for a in answers):
            return []
        servers = ", ".join(self.primary.nameservers) or "the system resolver"
        codes = Counter(a.rcode for a in answers)
        tally = ", ".join(f"{n} {code}" for code, n in codes.most_common())
        detail = next((a.detail for a in answers if a.detail), "")
        return [
            f"no DNS server answered ({servers}): {tally} of {len(answers)} queries"
            + (f"; {detail}" if detail else "")
        ]

    def usable(self) -> bool:
        return not self.unreadable()
