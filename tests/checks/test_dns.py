"""The DNS checks on DNS evidence (the demo's answers, and variations of them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scanner.evidence import Evidence
from scanner.evidence.dns import DnsAnswer, DnsEvidence, DnsView
from scanner.model import Finding, Severity, SourceStatus, Status
from scanner.store import saved_section
from tests.conftest import SAMPLES, run_check

VERIFIED = {"verified_domains": ["contoso.com"]}


@pytest.fixture(scope="module")
def demo() -> Evidence:
    return Evidence(
        tool_version="t",
        collected_at=datetime(2026, 11, 26, tzinfo=UTC),
        sources=(SourceStatus(name="dns", status="ok"),),
        dns=saved_section(SAMPLES / "dns.json", "dns", DnsEvidence),
    )


def with_answers(
    ev: Evidence, *answers: DnsAnswer, compare: tuple[DnsAnswer, ...] | None = None, adfs: str = ""
) -> Evidence:
    assert ev.dns is not None
    primary = replace(ev.dns.primary, answers=(*answers, *ev.dns.primary.answers))
    view = None if compare is None else DnsView(nameservers=("127.0.0.2",), port=53, answers=compare)
    return replace(ev, dns=replace(ev.dns, primary=primary, compare=view, adfs_host=adfs))


def by(check_id: str, ev: Evidence, **site: object) -> dict[str, Finding]:
    return {f.target: f for f in run_check(check_id, ev, site=site or None).findings}


def test_enrollment_cname_wrong_legacy_and_missing(demo: Evidence) -> None:
    found = by("dns.enrollment_cname", demo)
    assert set(found) == {"enterpriseenrollment.eu.contoso.com", "enterpriseenrollment.fabrikam.com"}
    assert found["enterpriseenrollment.fabrikam.com"].severity is Severity.LOW  # legacy target still works
    assert found["enterpriseenrollment.eu.contoso.com"].evidence["found"] == "enroll.example.net"
    missing = with_answers(
        demo, DnsAnswer(name="enterpriseenrollment.contoso.com", rtype="CNAME", rcode="NXDOMAIN")
    )
    assert (
        "has no CNAME record (NXDOMAIN)"
        in by("dns.enrollment_cname", missing)["enterpriseenrollment.contoso.com"].message
    )


def test_registration_cname(demo: Evidence) -> None:
    assert set(by("dns.registration_cname", demo)) == {"enterpriseregistration.fabrikam.com"}


def test_verification_record_is_info_once_verified(demo: Evidence) -> None:
    found = by("dns.verification_record", demo, **VERIFIED)
    assert found["fabrikam.com"].severity is Severity.MEDIUM
    assert found["eu.contoso.com"].severity is Severity.INFO  # covered by the verified contoso.com
    assert "contoso.com" not in found  # MS=ms12345678 is published
    mx_only = with_answers(
        demo,
        DnsAnswer(
            name="fabrikam.com", rtype="MX", rcode="NOERROR", records=("32767 ms87654321.msv1.invalid",)
        ),
    )
    assert "fabrikam.com" not in by("dns.verification_record", mx_only, **VERIFIED)


def test_domain_resolves_and_unanswered_queries_are_not_missing_records(demo: Evidence) -> None:
    assert run_check("dns.domain_resolves", demo).status is Status.PASS
    gone = with_answers(demo, DnsAnswer(name="fabrikam.com", rtype="SOA", rcode="NXDOMAIN"))
    assert "does not exist in public DNS" in by("dns.domain_resolves", gone)["fabrikam.com"].message
    slow = with_answers(
        demo, DnsAnswer(name="fabrikam.com", rtype="SOA", rcode="TIMEOUT", detail="no answer")
    )
    [f] = run_check("dns.domain_resolves", slow).findings
    assert f.target == "fabrikam.com SOA" and "could not be checked: TIMEOUT" in f.message


def test_adfs_host_needs_an_a_record(demo: Evidence) -> None:
    assert (
        run_check("dns.adfs_host", demo).status is Status.PASS
    )  # the demo's sts.contoso.com has an A record
    assert run_check("dns.adfs_host", with_answers(demo, adfs="")).status is Status.SKIPPED
    cname = with_answers(
        demo,
        DnsAnswer(
            name="sts.contoso.com",
            rtype="A",
            rcode="NOERROR",
            records=("127.0.0.10",),
            canonical="adfs.contoso.net",
        ),
        adfs="sts.contoso.com",
    )
    [f] = run_check("dns.adfs_host", cname).findings
    assert "through a CNAME" in f.message and f.severity is Severity.MEDIUM
    good = with_answers(
        demo,
        DnsAnswer(name="sts.contoso.com", rtype="A", rcode="NOERROR", records=("127.0.0.10",)),
        adfs="sts.contoso.com",
    )
    assert run_check("dns.adfs_host", good).status is Status.PASS


def test_split_horizon(demo: Evidence) -> None:
    assert run_check("dns.split_horizon", demo).status is Status.SKIPPED
    assert demo.dns is not None
    inside = tuple(
        replace(a, records=("enrollment.corp.contoso.local",))
        if a.name == "enterpriseenrollment.contoso.com"
        else a
        for a in demo.dns.primary.answers
    )
    [f] = run_check("dns.split_horizon", with_answers(demo, compare=inside)).findings
    assert (
        f.target == "enterpriseenrollment.contoso.com CNAME" and "enrollment.corp.contoso.local" in f.message
    )


def test_a_missing_verification_record_carries_the_value_graph_gives(demo: Evidence) -> None:
    """With [graph], the tenant's own TXT and MX for the unverified domain: what the plan tells to publish."""
    from scanner.evidence.tenant import GraphDomain, GraphEvidence

    pending = GraphDomain(
        id="fabrikam.com", verification_txt="MS=ms21173179", verification_mx="ms21173179.msv1.invalid"
    )
    graph = GraphEvidence(
        endpoint="g", tenant_id="t", client_id="c", checked_at=demo.collected_at, domains=(pending,)
    )
    f = by("dns.verification_record", replace(demo, graph=graph), **VERIFIED)["fabrikam.com"]
    assert (f.evidence["verification_txt"], f.evidence["verification_mx"]) == (
        "MS=ms21173179",
        "ms21173179.msv1.invalid",
    )
    assert f.cause == "domain:fabrikam.com"
    assert "verification_txt" not in by("dns.verification_record", demo, **VERIFIED)["fabrikam.com"].evidence
