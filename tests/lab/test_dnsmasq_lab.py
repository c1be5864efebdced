"""The DNS lab serves exactly the seeded scenario: these tests guard the fixtures in tests/lab/dnsmasq.py."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest

from tests.lab import dnsmasq as lab
from tests.lab import unavailable
from tests.lab.dnsmasq import DnsServer, Records

# The lab's fixtures (tests/conftest.py may import them instead, like postgres_lab and samba_lab).

SEEDED_CNAMES = [
    ("enterpriseenrollment.contoso.com", lab.ENROLLMENT_TARGET),
    ("enterpriseregistration.contoso.com", lab.REGISTRATION_TARGET),
    ("enterpriseenrollment.fabrikam.com", lab.LEGACY_ENROLLMENT_TARGET),
    ("adfs.fabrikam.com", "sts.contoso.com"),
    ("enterpriseenrollment.eu.contoso.com", lab.WRONG_ENROLLMENT_TARGET),
]


def text(name: object) -> str:
    return str(name).rstrip(".")


def test_txt_ms_and_multi_string_spf(dns_public: DnsServer) -> None:
    answer = dns_public.resolver().resolve("contoso.com", "TXT")
    records = sorted(tuple(s.decode() for s in r.strings) for r in answer)
    assert records == sorted([(lab.MS_TXT,), lab.SPF_PARTS])
    assert len(lab.SPF) > 255 and answer.response.flags & dns.flags.AA
    assert answer.rrset.ttl == lab.TTL


def test_mx_records(dns_public: DnsServer) -> None:
    r = dns_public.resolver()
    assert [(m.preference, text(m.exchange)) for m in r.resolve("contoso.com", "MX")] == [lab.CONTOSO_MX]
    assert [(m.preference, text(m.exchange)) for m in r.resolve("fabrikam.com", "MX")] == [lab.FABRIKAM_MX]


@pytest.mark.parametrize(("name", "target"), SEEDED_CNAMES)
def test_cname_records_with_their_targets(dns_public: DnsServer, name: str, target: str) -> None:
    answer = dns_public.resolver().resolve(name, "CNAME")
    assert [text(c.target) for c in answer] == [target]


def test_out_of_zone_cname_target_is_not_chased(dns_public: DnsServer) -> None:
    """An A query on a CNAME to outside the zones gives the bare CNAME (NODATA for A), no upstream."""
    r = dns_public.resolver()
    answer = r.resolve("enterpriseenrollment.contoso.com", "A", raise_on_no_answer=False)
    assert answer.rrset is None
    assert text(answer.canonical_name) == lab.ENROLLMENT_TARGET
    (cname,) = answer.response.answer
    assert text(cname[0].target) == lab.ENROLLMENT_TARGET
    assert answer.response.rcode() == dns.rcode.NOERROR


def test_in_zone_cname_is_followed(dns_public: DnsServer) -> None:
    answer = dns_public.resolver().resolve("adfs.fabrikam.com", "A")
    assert text(answer.canonical_name) == "sts.contoso.com"
    assert [a.address for a in answer] == [lab.STS_ADDRESS]


def test_a_and_aaaa(dns_public: DnsServer) -> None:
    r = dns_public.resolver()
    assert [a.address for a in r.resolve("sts.contoso.com", "A")] == [lab.STS_ADDRESS]
    assert [a.address for a in r.resolve("sts.contoso.com", "AAAA")] == [lab.STS_ADDRESS6]


def test_soa_and_ns_of_every_zone(dns_public: DnsServer) -> None:
    r = dns_public.resolver()
    for zone in lab.AUTH_ZONES:
        (soa,) = r.resolve(zone, "SOA")
        assert soa.serial == lab.SOA_SERIAL and text(soa.mname) == "ns1.contoso.com"
        assert sorted(text(ns.target) for ns in r.resolve(zone, "NS")) == [
            "ns1.contoso.com",
            "ns2.contoso.com",
        ]


@pytest.mark.parametrize(
    "name", [lab.MISSING_NAME, "enterpriseregistration.fabrikam.com", "nope.contoso.com"]
)
def test_nxdomain(dns_public: DnsServer, name: str) -> None:
    with pytest.raises(dns.resolver.NXDOMAIN):
        dns_public.resolver().resolve(name, "A")


@pytest.mark.parametrize(
    ("name", "rtype"),
    [("fabrikam.com", "TXT"), ("sts.contoso.com", "MX"), ("contoso.com", "A"), ("eu.contoso.com", "A")],
)
def test_nodata(dns_public: DnsServer, name: str, rtype: str) -> None:
    r = dns_public.resolver()
    with pytest.raises(dns.resolver.NoAnswer):
        r.resolve(name, rtype)
    answer = r.resolve(name, rtype, raise_on_no_answer=False)
    assert answer.response.rcode() == dns.rcode.NOERROR
    assert answer.response.authority[0].rdtype == dns.rdatatype.SOA


def test_outside_the_zones_is_refused(dns_public: DnsServer) -> None:
    q = dns.message.make_query("example.org", "A")
    assert dns.query.udp(q, dns_public.host, port=dns_public.port, timeout=2).rcode() == dns.rcode.REFUSED


def test_tcp_answers_too(dns_public: DnsServer) -> None:
    r = dns_public.resolver()
    answer = r.resolve("contoso.com", "TXT", tcp=True)
    assert len(answer) == 2


def test_split_horizon(dns_public: DnsServer, dns_internal: DnsServer) -> None:
    name = "enterpriseenrollment.contoso.com"
    outside = dns_public.resolver().resolve(name, "CNAME")[0].target
    inside = dns_internal.resolver().resolve(name, "CNAME")[0].target
    assert (text(outside), text(inside)) == (lab.ENROLLMENT_TARGET, lab.INTERNAL_ENROLLMENT_TARGET)
    same = "enterpriseregistration.contoso.com"
    assert text(dns_internal.resolver().resolve(same, "CNAME")[0].target) == lab.REGISTRATION_TARGET


@pytest.mark.parametrize("tcp", [False, True])
def test_refusing_server(dns_refusing: DnsServer, tcp: bool) -> None:
    with pytest.raises(dns.resolver.NoNameservers, match="REFUSED"):
        dns_refusing.resolver().resolve("contoso.com", "TXT", tcp=tcp)
    q = dns.message.make_query("contoso.com", "TXT")
    ask = dns.query.tcp if tcp else dns.query.udp
    assert ask(q, dns_refusing.host, port=dns_refusing.port, timeout=2).rcode() == dns.rcode.REFUSED


@pytest.mark.parametrize("tcp", [False, True])
def test_silent_server_times_out_within_the_lifetime(dns_silent: DnsServer, tcp: bool) -> None:
    began = time.monotonic()
    with pytest.raises(dns.resolver.LifetimeTimeout):
        dns_silent.resolver(lifetime=1.0).resolve("contoso.com", "TXT", tcp=tcp)
    assert 0.9 <= time.monotonic() - began < 1.5


def test_queries_are_logged(dns_public: DnsServer) -> None:
    dns_public.resolver().resolve("sts.contoso.com", "A")
    assert "auth[A] sts.contoso.com" in dns_public.log.read_text(encoding="utf-8")


def test_custom_records_and_stop() -> None:
    records = Records(
        records=(
            ("x.example.test", "TXT", ("a,b", 'c"d')),
            ("x.example.test", "MX", (10, "mx.example.test")),
        ),
        auth_zones=("example.test",),
    )
    with tempfile.TemporaryDirectory(prefix="mdm-lab-dns-") as tmp:
        try:
            server = lab.start_dnsmasq(Path(tmp), records)
        except lab.LabUnavailable as exc:
            unavailable(str(exc))
        try:
            (txt,) = server.resolver().resolve("x.example.test", "TXT")
            assert txt.strings == (b"a,b", b'c"d')
            assert server.started_in < 5
        finally:
            server.stop()
        q = dns.message.make_query("x.example.test", "TXT")
        with pytest.raises(dns.exception.Timeout):
            dns.query.udp(q, server.host, port=server.port, timeout=0.3)


def test_config_rejects_bad_records() -> None:
    with pytest.raises(ValueError, match="CNAME cannot sit beside"):
        lab.dnsmasq_config(
            Records((("a.b", "CNAME", "c.d"), ("a.b", "TXT", "x"))), port=1, root=Path("/nonexistent")
        )
    with pytest.raises(ValueError, match="unsupported"):
        lab.dnsmasq_config(Records((("a.b", "SRV", "x"),)), port=1, root=Path("/nonexistent"))
