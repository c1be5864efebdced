"""The log checks on the bundled healthy and broken sample logs."""

from __future__ import annotations

from datetime import UTC, datetime

from scanner.evidence import Evidence
from scanner.model import Severity, Status
from tests.conftest import FIXTURES, SAMPLES, logs_evidence, run_check


def test_stale_sync_found_in_the_broken_rollover_pair(broken: Evidence) -> None:
    r = run_check("logs.cloudusersync_stale", broken, relative_to="newest")
    assert r.status is Status.FAIL
    [f] = r.findings
    # Last completed cycle 2026-11-24 05:57:42 local (+300) = 10:57 UTC; newest entry 11-25 17:02 UTC.
    assert f.evidence["last_completed"] == "2026-11-24 10:57 UTC"
    assert "30.1 hours" in f.message
    assert "(401) Unauthorized" in f.evidence["latest_error"]
    # What ended the cycles is in the finding itself, so the email and the action plan carry it.
    assert f.message.endswith(
        "The cycles since end with: ERROR: Failed to sync users with exception: System.Net.WebException: "
        "The remote server returned an error: (401) Unauthorized."
    )
    assert f.evidence["unfinished_cycles_since"] > 300
    assert "2 files" in r.examined


def test_stale_sync_passes_on_healthy_logs_measured_from_their_newest_entry(healthy: Evidence) -> None:
    r = run_check("logs.cloudusersync_stale", healthy, relative_to="newest")
    assert r.status is Status.PASS, r.findings
    assert "288 sync cycles" in r.examined


def test_stale_sync_measured_from_now_catches_a_silent_service(healthy: Evidence) -> None:
    later = Evidence(
        tool_version="t",
        collected_at=datetime(2026, 11, 28, tzinfo=UTC),
        sources=healthy.sources,
        logs=healthy.logs,
    )
    assert run_check("logs.cloudusersync_stale", later).status is Status.FAIL
    assert run_check("logs.cloudusersync_stale", later, max_age_hours=100).status is Status.PASS


def test_no_completed_cycle_at_all_is_a_finding(tmp_path) -> None:
    log = tmp_path / "Cloudusersync.log"
    log.write_text(
        "Starting user delta sync, raise failure status messages = True  $$<SMS_CLOUD_USERSYNC>"
        "<11-24-2026 09:05:12.347+300><thread=1 (0x1)>\r\n",
        newline="",
    )
    r = run_check("logs.cloudusersync_stale", logs_evidence(log))
    assert r.status is Status.FAIL and "no completed user sync cycle" in r.findings[0].message


def test_user_failures_one_finding_per_user_with_reason(broken: Evidence) -> None:
    r = run_check("logs.cloudusersync_failures", broken)
    users = {f.target: f for f in r.findings}
    assert {
        "ann.lee@corp.contoso.local",
        "bob.marsh@contoso.com",
        "chen.wu@contoso.com",
        "dave.ortiz@contoso.com",
        "=cmd|' /C calc'!A0@contoso.com",
    } <= set(users)
    assert users["ann.lee@corp.contoso.local"].evidence["occurrences"] == 2
    assert users["dave.ortiz@contoso.com"].evidence["action"] == "remove"
    assert all(f.evidence.get("reason", "UserNotFound") == "UserNotFound" for f in r.findings)
    [cycles] = [f for f in r.findings if f.target.endswith(": cycles")]
    assert "worst 1 of 3" in cycles.message


def test_user_failures_pass_on_healthy_logs(healthy: Evidence) -> None:
    assert run_check("logs.cloudusersync_failures", healthy).status is Status.PASS


def test_errors_grouped_per_log_and_component_within_the_window(broken: Evidence) -> None:
    r = run_check("logs.errors", broken)
    by = {f.target: f for f in r.findings}
    assert "Cloudusersync.log:SMS_CLOUD_USERSYNC" in by
    assert by["Cloudusersync.log:SMS_CLOUD_USERSYNC"].evidence["count"] > 300
    assert any(t.startswith("dmpdownloader.log:") for t in by)
    assert all(len(f.evidence["examples"]) <= 3 for f in r.findings)
    narrow = run_check("logs.errors", broken, since="1h")
    assert sum(f.evidence["count"] for f in narrow.findings) < sum(f.evidence["count"] for f in r.findings)


def test_checks_skip_with_a_reason_when_their_log_is_not_configured() -> None:
    ev = logs_evidence(SAMPLES / "healthy" / "Sitecomp.log")
    r = run_check("logs.cloudusersync_stale", ev)
    assert r.status is Status.SKIPPED and "no Cloudusersync.log" in r.reason
    assert run_check("logs.sitecomp_connector", ev).status is Status.PASS


def test_severity_override_from_config(broken: Evidence) -> None:
    r = run_check("logs.errors", broken, severity="low")
    assert r.check.severity is Severity.LOW and all(f.severity is Severity.LOW for f in r.findings)


def test_a_user_who_failed_then_was_added_across_the_rollover_is_not_failing() -> None:
    # The last cycle starts at the end of Cloudusersync.lo_ (ann and chen sent to add) and goes on at the
    # top of Cloudusersync.log: chen fails again, ann is added. chen.wu@contoso.com.au, added earlier, is
    # a near-namesake of chen and resolves nothing.
    r = run_check("logs.cloudusersync_failures", logs_evidence(FIXTURES / "rollover"))
    users = {f.target: f for f in r.findings if not f.target.endswith(": cycles")}
    assert set(users) == {"chen.wu@contoso.com"}
    assert users["chen.wu@contoso.com"].evidence["occurrences"] == 3
    assert users["chen.wu@contoso.com"].evidence["where"].endswith("Cloudusersync.log:1")
    # Its last failure is in the last cycle but one: the message says the last cycle did not see it.
    assert users["chen.wu@contoso.com"].message.endswith("; not seen again in 1 completed cycle since).")
    assert "resolved (failed, then added): ann.lee@contoso.com added 2026-11-24 09:32 UTC" in r.examined
    stale = run_check("logs.cloudusersync_stale", logs_evidence(FIXTURES / "rollover"), relative_to="newest")
    assert stale.status is Status.PASS and "8 sync cycles" in stale.examined


def test_same_named_logs_in_two_folders_keep_their_own_window() -> None:
    # site-a's errors are seven weeks older than site-b's: one window for both lost them.
    alone = {
        (f.evidence["log"], f.evidence["count"])
        for site in ("site-a", "site-b")
        for f in run_check("logs.errors", logs_evidence(FIXTURES / site)).findings
    }
    both = run_check("logs.errors", logs_evidence(FIXTURES / "site-a", FIXTURES / "site-b"))
    assert {(f.evidence["log"], f.evidence["count"]) for f in both.findings} == alone
    assert len(alone) == 2
    # Two logs of one name: the targets and messages say which folder.
    assert all("site-" in f.target and "site-" in f.message for f in both.findings)
    assert (
        "0x80190197: The server answered HTTP 407 Proxy Authentication Required." in both.findings[0].message
    )


def test_a_file_that_is_no_configmgr_log_is_said_once_and_not_judged() -> None:
    r = run_check("logs.errors", logs_evidence(FIXTURES / "not-configmgr"))
    assert r.status is Status.PASS
    assert "not ConfigMgr logs, not judged: dpkg.log" in r.examined
