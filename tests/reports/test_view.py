"""The report's content, whatever the format: what is counted, grouped, ordered, capped and flagged."""

from __future__ import annotations

from reports.view.report import build
from scanner.model import ExceptionUse, ScanResult, Severity, SourceStatus
from tests.reports.conftest import ACCEPT, errored, failed, finding, many, passed, scan, skipped


def test_sections_per_area_with_readable_titles_most_urgent_first() -> None:
    report = build(
        scan(
            passed("dns.mx"),
            failed("upn.suffix", finding("upn.suffix", "a", severity=Severity.MEDIUM)),
            skipped("custom_area.thing", "not configured"),
            failed("adfs.cert", finding("adfs.cert", "sts", severity=Severity.CRITICAL)),
            errored("sync.scp", "LDAP timeout"),
        )
    )
    titles = [s.title for s in report.sections]
    assert titles == ["AD FS", "UPN suffixes", "Directory synchronization", "Custom Area", "Public DNS"]


def test_failing_checks_come_first_within_an_area_worst_severity_leading() -> None:
    report = build(
        scan(
            passed("upn.ok"),
            failed("upn.low", finding("upn.low", "a", severity=Severity.LOW)),
            skipped("upn.skip", "n/a"),
            failed("upn.high", finding("upn.high", "b", severity=Severity.HIGH)),
            failed("upn.accepted", finding("upn.accepted", "c", severity=Severity.CRITICAL, accepted=ACCEPT)),
        )
    )
    [upn] = report.sections
    assert [c.id for c in upn.problems] == ["upn.high", "upn.low", "upn.accepted"]
    assert [c.state for c in upn.problems] == ["fail", "fail", "accepted"]
    assert [c.id for c in upn.unresolved] == ["upn.skip"] and [c.id for c in upn.passed] == ["upn.ok"]


def test_findings_open_first_then_most_severe_then_by_target() -> None:
    result = failed(
        "upn.x",
        finding("upn.x", "b", severity=Severity.LOW),
        finding("upn.x", "z", severity=Severity.CRITICAL, accepted=ACCEPT),
        finding("upn.x", "c", severity=Severity.HIGH),
        finding("upn.x", "a", severity=Severity.LOW),
    )
    [card] = build(scan(result)).sections[0].problems
    assert [(f.target, f.accepted) for f in card.findings] == [
        ("c", False),
        ("a", False),
        ("b", False),
        ("z", True),
    ]
    assert card.findings[-1].status_text == (
        "accepted: Legacy OU, users migrate in Q1 (it-identity@contoso.com, expires 2027-03-31)"
    )


def test_counts_by_status_and_open_findings_by_severity_leave_accepted_out(mixed: ScanResult) -> None:
    report = build(mixed)
    assert {c.key: c.count for c in report.statuses} == {
        "fail": 2,
        "accepted": 1,
        "error": 1,
        "skipped": 3,
        "pass": 4,
    }
    assert {c.key: c.count for c in report.severities} == {
        "critical": 1,
        "high": 1,
        "medium": 0,
        "low": 0,
        "info": 0,
    }
    assert report.open == 2 and report.accepted == 1


def test_verdict_names_the_worst_severity_and_never_calls_an_incomplete_scan_clean() -> None:
    three_high = failed("upn.x", *(finding("upn.x", t) for t in "abc"))
    assert build(scan(three_high)).verdict == "3 high findings need attention"
    mixed = failed("upn.x", finding("upn.x", "a"), finding("upn.x", "b", severity=Severity.LOW))
    assert build(scan(mixed)).verdict == "1 high finding needs attention, plus 1 lower-severity finding"
    assert (build(scan(passed("upn.ok"))).verdict, build(scan(passed("upn.ok"))).tone) == (
        "No problems found",
        "good",
    )
    incomplete = build(scan(passed("upn.ok"), errored("dns.x", "timeout"), skipped("adfs.x", "n/a")))
    assert incomplete.verdict == "No problems found in the checks that ran; 1 check could not run, 1 skipped"
    assert incomplete.tone == "warn"
    assert build(scan()).verdict == "No checks ran"


def test_findings_are_capped_per_check_and_the_rest_counted() -> None:
    report = build(scan(many("upn.x", 250), many("dns.y", 30)), cap=100)
    cards = {c.id: c for s in report.sections for c in s.problems}
    assert (len(cards["upn.x"].findings), cards["upn.x"].hidden) == (100, 150)
    assert (len(cards["dns.y"].findings), cards["dns.y"].hidden) == (30, 0)
    assert report.shortened
    assert not build(scan(many("upn.x", 250)), cap=None).shortened


def test_only_https_references_become_links() -> None:
    refs = ("https://learn.microsoft.com/a b(c)", "http://example.com", "javascript:alert(1)", "RFC 8555")
    report = build(scan(failed("dns.x", references=refs)))
    links = report.sections[0].problems[0].references
    assert [link.href for link in links] == ["https://learn.microsoft.com/a%20b%28c%29", "", "", ""]
    assert [link.text for link in links] == list(refs)


def test_exceptions_to_review_are_the_unused_and_the_expired() -> None:
    uses = (
        ExceptionUse(check="upn.x", target="a", reason="used", matched=3),
        ExceptionUse(check="upn.y", target="b", reason="unused", matched=0),
        ExceptionUse(check="upn.z", target="c", reason="old", expires="2025-01-31", matched=2, expired=True),
    )
    report = build(scan(passed("upn.ok"), exceptions=uses))
    assert [(e.check, e.problem) for e in report.exceptions] == [
        ("upn.y", "matched no finding"),
        ("upn.z", "expired on 2025-01-31"),
    ]


def test_run_warnings_and_sources_are_reported() -> None:
    sources = (
        SourceStatus(
            name="logs",
            status="ok",
            target=r"\\cm01\SMS_EC1\Logs",
            duration=1.25,
            warnings=("x.lo_ unreadable",),
        ),
        SourceStatus(name="directory", status="error", target="ldaps://dc01", reason="timed out after 10 s"),
    )
    report = build(scan(passed("logs.x"), sources=sources, warnings=("plugin acme failed to load",)))
    assert report.warnings == ("plugin acme failed to load", "source logs: x.lo_ unreadable")
    assert [(s.name, s.status, s.duration, s.reason) for s in report.sources] == [
        ("logs", "ok", "1.2 s", ""),
        ("directory", "error", "0.0 s", "timed out after 10 s"),
    ]
    assert "2 warnings about the run" in report.verdict
