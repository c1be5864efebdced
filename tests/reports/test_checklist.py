"""The verdict checklist: one table maps prerequisites to checks; never "ready" on what did not run."""

from __future__ import annotations

from dataclasses import replace

from reports.html import render_html
from reports.view.checklist import PREREQUISITES
from reports.view.report import build
from scanner.model import Severity, Status
from tests.reports.conftest import errored, failed, finding, passed, scan, skipped


def _states(*results):  # type: ignore[no-untyped-def]
    return {p.key: p for p in build(scan(*results)).checklist}


def test_every_walkthrough_prerequisite_is_listed_in_order() -> None:
    titles = [title for _, title, _ in PREREQUISITES]
    assert titles == [
        "Public verified UPNs",
        "Directory synchronization",
        "AD FS",
        "DNS for enrollment",
        "Service connection point",
        "User sync",
    ]


def test_a_failing_check_makes_its_prerequisite_not_ready_and_links_to_the_card() -> None:
    got = _states(failed("upn.non_routable_suffix"), passed("upn.suffix_inventory"))
    upn = got["upn"]
    assert upn.state == "not_ready" and upn.label == "Not ready"
    assert [(f.id, f.anchor, f.severity) for f in upn.failing] == [
        ("upn.non_routable_suffix", "check-upn-non-routable-suffix", "high")
    ]


def test_checks_added_later_slot_in_by_their_id() -> None:
    got = _states(
        failed("adfs.token_signing_expiry"),
        passed("scp.internet_endpoints"),
        passed("ios.apns_certificate"),
        passed("logs.sitecomp_connector"),
    )
    assert got["adfs"].state == "not_ready"
    assert got["scp"].state == "ready" and got["scp"].summary == "3 checks passed"


def test_all_skipped_is_not_checked_with_the_reasons() -> None:
    got = _states(skipped("adfs.reachable", "no [adfs] url"), skipped("adfs.metadata", "no [adfs] url"))
    adfs = got["adfs"]
    assert adfs.state == "not_checked" and adfs.summary == "all 2 of its checks were skipped"
    assert adfs.reasons == ("adfs.reachable: no [adfs] url", "adfs.metadata: no [adfs] url")
    assert got["usersync"].state == "not_checked" and got["usersync"].summary == "no check for it ran"


def test_ready_with_a_check_skipped_says_it_was_partly_checked() -> None:
    got = _states(
        passed("upn.non_routable_suffix"),
        skipped("upn.forest_suffixes", "needs [directory]"),
        passed("dns.domain_resolves"),
    )
    upn = got["upn"]
    assert upn.state == "ready" and upn.label == "Ready, partly checked"
    assert upn.summary == "1 check passed, 1 skipped"
    assert upn.reasons == ("upn.forest_suffixes: needs [directory]",)
    assert got["dns"].label == "Ready"
    html = render_html(
        scan(passed("upn.non_routable_suffix"), skipped("upn.forest_suffixes", "needs [directory]"))
    )
    assert "Ready, partly checked" in html and "needs [directory]" in html


def test_an_error_is_never_ready_even_beside_passes() -> None:
    got = _states(passed("dns.domain_resolves"), errored("dns.enrollment_cname", "resolver timed out"))
    assert got["dns"].state == "not_checked"
    assert got["dns"].summary == "1 check could not run; 1 other check passed"
    assert got["dns"].reasons == ("dns.enrollment_cname: resolver timed out",)


def test_low_severity_advice_does_not_block_but_is_mentioned() -> None:
    low = finding("adfs.not_configured", "adfs", severity=Severity.LOW)
    got = _states(failed("adfs.not_configured", low, severity=Severity.LOW), passed("adfs.probe"))
    assert got["adfs"].state == "ready"
    assert got["adfs"].summary == "1 check passed, 1 low-severity finding to read"


def test_advice_or_facts_alone_never_make_a_prerequisite_ready() -> None:
    low = finding("adfs.not_configured", "adfs", severity=Severity.LOW)
    got = _states(
        failed("adfs.not_configured", low, severity=Severity.LOW),
        skipped("adfs.reachable", "no [adfs] url"),
        replace(
            failed("upn.suffix_inventory", finding("upn.suffix_inventory", "s", severity=Severity.INFO)),
            status=Status.PASS,  # a check with only info findings passes: it reports facts
        ),
    )
    assert got["adfs"].state == "not_checked"
    assert got["adfs"].summary == "nothing verified: 1 low-severity finding to read, 1 skipped"
    assert (
        got["upn"].state == "not_checked" and got["upn"].summary == "nothing verified: 1 check reported facts"
    )


def test_failing_checks_are_listed_worst_first() -> None:
    med = finding("sync.b", "x", severity=Severity.MEDIUM)
    crit = finding("directory.a", "y", severity=Severity.CRITICAL)
    got = _states(failed("sync.b", med), failed("directory.a", crit))
    assert [f.id for f in got["sync"].failing] == ["directory.a", "sync.b"]


def test_the_score_counts_prerequisites_per_state() -> None:
    report = build(scan(failed("upn.x"), passed("dns.y"), skipped("adfs.z", "no [adfs] url")))
    assert [(c.key, c.count) for c in report.readiness] == [
        ("ready", 1),
        ("not_ready", 1),
        ("not_checked", 4),
    ]


def test_the_service_connection_point_rests_on_the_site_database_rules_too() -> None:
    endpoints_fine = passed("scp.internet_endpoints")
    got = _states(endpoints_fine, failed("site.scp_mode"), passed("site.scp_placement"))
    assert got["scp"].state == "not_ready" and [f.id for f in got["scp"].failing] == ["site.scp_mode"]
    unread = _states(
        endpoints_fine,
        errored("site.scp_mode", "not checked: the account cannot read SC_SysResUse"),
        passed("site.component_status"),
    )
    assert unread["scp"].state == "not_checked"  # the mode could not be read: never "ready"
    assert _states(failed("upn.enrollment_collection"))["upn"].state == "not_ready"


def test_the_tenants_word_decides_verified_upns_and_ad_fs() -> None:
    """A passing UPN check is not enough when the tenant says a domain is elsewhere, and AD FS is not ready
    when Entra ID holds another signing certificate; the Graph checks join their prerequisites too."""
    got = _states(
        passed("upn.unverified_suffix"),
        failed("tenant.other_tenant"),
        passed("adfs.metadata"),
        failed("tenant.federation_certificate"),
        failed("tenant.sync_recent"),
        failed("tenant.mdm_authority"),
    )
    assert got["upn"].state == "not_ready" and [f.id for f in got["upn"].failing] == ["tenant.other_tenant"]
    assert [f.id for f in got["adfs"].failing] == ["tenant.federation_certificate"]
    assert [f.id for f in got["sync"].failing] == ["tenant.sync_recent"]
    assert [f.id for f in got["scp"].failing] == ["tenant.mdm_authority"]
    tenant_only = _states(skipped("upn.unverified_suffix", "no [sql]"), passed("tenant.domain_verified"))
    assert tenant_only["upn"].state == "ready"
