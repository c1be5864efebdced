"""The dns source: the public records Intune and devices rely on, queried concurrently with dnspython."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlparse

from scanner.config import Config, DnsConfig
from scanner.evidence.dns import ANSWERED, ENROLLMENT, REGISTRATION, DnsAnswer, DnsEvidence, DnsView
from scanner.facts.domains import non_public_reason

# (name prefix, record type) asked for every domain; "" is the domain itself.
QUERIES = (("", "SOA"), ("", "TXT"), ("", "MX"), (ENROLLMENT, "CNAME"), (REGISTRATION, "CNAME"))
WORKERS = 128  # threads mostly wait on the network (bench/dns_bench.py: 1,000 queries at 50 ms in 1.5 s)


def domains_to_check(cfg: Config, sections: Mapping[str, Any]) -> dict[str, str]:
    """Verified and configured domains, plus every public UPN suffix the other sources found."""
    found: dict[str, str] = {}

    def add(name: str, why: str) -> None:
        name = name.strip().rstrip(".").lower()
        if name and not non_public_reason(name):
            found.setdefault(name, why)

    for d in cfg.site.verified_domains:
        add(d, "verified in the tenant")
    for d in cfg.dns.domains if cfg.dns else ():
        add(d, "listed in [dns] domains")
    if (sql := sections.get("sql")) is not None:
        for g in sql.domains:
            add(g.key, f"the UPN suffix of {g.count:,} users in the site database")
    if (ad := sections.get("directory")) is not None:
        for g in ad.upn_domains:
            add(g.key, f"the UPN suffix of {g.count:,} users in Active Directory")
    return dict(sorted(found.items()))


def collect_dns(cfg: Config, sections: Mapping[str, Any]) -> DnsEvidence:
    """Known names first, while the site database and AD are still read; their UPN suffixes after."""
    dns_cfg = cfg.dns or DnsConfig()
    adfs = (urlparse(cfg.adfs.url).hostname or "") if cfg.adfs and cfg.adfs.url else ""
    known = domains_to_check(cfg, {})
    first = _asks(known) + ([(adfs, "A"), (adfs, "CNAME")] if adfs else [])
    views = [_View(dns_cfg.nameservers, dns_cfg.port, cfg.scan.timeout)]
    if dns_cfg.compare_nameservers:
        views.append(_View(dns_cfg.compare_nameservers, dns_cfg.port, cfg.scan.timeout))
    with ThreadPoolExecutor(max_workers=len(views)) as pool:  # both views at once: one timeout, not two
        list(pool.map(lambda v: v.ask(first), views))
        domains = domains_to_check(cfg, sections)  # waits for the sources that report UPN suffixes
        later = _asks({d: w for d, w in domains.items() if d not in known})
        list(pool.map(lambda v: v.ask(later), views))
    primary, *rest = (v.result() for v in views)
    return DnsEvidence(
        domains=domains, adfs_host=adfs.lower(), primary=primary, compare=rest[0] if rest else None
    )


def _asks(domains: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(f"{p}.{d}" if p else d, t) for d in domains for p, t in QUERIES]


class _View:
    """One set of nameservers and what they answered; a set that answered nothing is not asked again."""

    def __init__(self, servers: tuple[str, ...], port: int, timeout: float) -> None:
        import dns.resolver

        self.port = port
        self.resolver = dns.resolver.Resolver(configure=not servers)
        self.resolver.port = port
        if servers:
            self.resolver.nameservers = [_nameserver(s, port) for s in servers]
        self.resolver.lifetime = timeout  # the whole query, retries across servers included
        self.resolver.timeout = max(0.5, timeout / 3)  # one try: leaves room for two more within the lifetime
        self.answers: list[DnsAnswer] = []

    def ask(self, asks: list[tuple[str, str]]) -> None:
        if self.answers and not any(a.rcode in ANSWERED for a in self.answers):
            first = self.answers[0]  # dead: waiting a second timeout would only make the scan slower
            why = f"not asked: the server gave no answer to earlier queries ({first.rcode})"
            self.answers += [DnsAnswer(name=n, rtype=t, rcode=first.rcode, detail=why) for n, t in asks]
            return
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:  # one domain's failure never blocks another
            self.answers += pool.map(lambda ask: _ask(self.resolver, *ask), asks)

    def result(self) -> DnsView:
        shown = tuple(_show(n) for n in self.resolver.nameservers)
        return DnsView(nameservers=shown, port=self.port, answers=tuple(self.answers))


def _show(server: Any) -> str:
    address, port = getattr(server, "address", None), getattr(server, "port", None)
    return f"{address}:{port}" if address and port else str(server)


def _nameserver(text: str, port: int) -> Any:
    """ "192.0.2.1", "192.0.2.1:5353", "::1" or "[::1]:5353": a port given here wins over [dns] port."""
    import dns.nameserver

    host, sep, tail = text.rpartition(":")
    if text.startswith("["):
        host, _, tail = text[1:].partition("]:")
        return dns.nameserver.Do53Nameserver(host, int(tail or port))
    if sep and "." in host and tail.isdigit():
        return dns.nameserver.Do53Nameserver(host, int(tail))
    return dns.nameserver.Do53Nameserver(text, port)


def _ask(resolver: Any, name: str, rtype: str) -> DnsAnswer:
    import dns.exception
    import dns.resolver

    key = name.lower().rstrip(".")
    try:
        answer = resolver.resolve(name, rtype, raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return DnsAnswer(name=key, rtype=rtype, rcode="NXDOMAIN")
    except dns.resolver.LifetimeTimeout:
        return DnsAnswer(
            name=key, rtype=rtype, rcode="TIMEOUT", detail=f"no answer within {resolver.lifetime:g} s"
        )
    except dns.resolver.NoNameservers as exc:
        text = str(exc)
        code = "REFUSED" if "REFUSED" in text else "SERVFAIL"
        return DnsAnswer(name=key, rtype=rtype, rcode=code, detail=" ".join(text.split())[:300])
    except dns.exception.DNSException as exc:
        return DnsAnswer(name=key, rtype=rtype, rcode="ERROR", detail=f"{type(exc).__name__}: {exc}"[:300])
    server = f"{answer.nameserver}:{answer.port}"
    if answer.rrset is None:
        return DnsAnswer(name=key, rtype=rtype, rcode="NODATA", server=server)
    canonical = str(answer.canonical_name).rstrip(".").lower()
    return DnsAnswer(
        name=key,
        rtype=rtype,
        rcode="NOERROR",
        records=tuple(_text(r) for r in answer.rrset),
        canonical="" if canonical == key else canonical,
        server=server,
    )


def _text(rdata: Any) -> str:
    if rdata.rdtype == 16:  # TXT: long values arrive split into 255-byte strings; a reader wants one
        return "".join(s.decode("utf-8", "replace") for s in rdata.strings)
    if rdata.rdtype == 15:  # MX
        return f"{rdata.preference} {str(rdata.exchange).rstrip('.').lower()}"
    if rdata.rdtype == 5:  # CNAME
        return str(rdata.target).rstrip(".").lower()
    return rdata.to_text()
