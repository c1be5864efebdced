"""The log checks on the bundled healthy and broken sample logs."""

from __future__ import annotations

from datetime import UTC, datetime

from scanner.evidence import Evidence
from scanner.model import Severity, Status
from tests.conftest import SAMPLES, logs_evidence, run_check


def test_stale_sync_found_in_the_broken_rollover_pair(broken: Evidence) -> None:
    r = run_check("logs.cloudusersync_stale", broken, relative_to="newest")
    assert r.status is Status.FAIL
    [f] = r.findings
    # Last completed cycle 2026-11-24 05:57:42 local (+300) = 10:57 UTC; newest entry 11-25 17:02 UTC.
    assert f.evidence["last_completed"] == "2026-11-24 10:57 UTC"
    assert "30.1 hours" in f.message
    assert "(401) Unauthorized" in f.evidence["latest_error"]
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


def test_connector_components_pending_and_failing(broken: Evidence) -> None:
    r = run_check("logs.sitecomp_connector", broken)
    by = {f.target: f for f in r.findings}
    assert set(by) == {"SMS_DMP_UPLOADER", "SMS_CLOUD_USERSYNC"}
    assert by["SMS_CLOUD_USERSYNC"].evidence["failed_attempts"] == 5
    assert "flagged for installation" in by["SMS_DMP_UPLOADER"].message
    assert by["SMS_CLOUD_USERSYNC"].severity is Severity.HIGH
    # The failed attempts' error code, in words: what to look at first.
    assert by["SMS_CLOUD_USERSYNC"].message.endswith(
        "0x8007041D: The service did not respond to the start or control request in a timely fashion "
        "(Windows error 1053)."
    )
    assert by["SMS_CLOUD_USERSYNC"].evidence["codes"] == [
        by["SMS_CLOUD_USERSYNC"].message.split(". ", 1)[1][:-1]
    ]
    assert "codes" not in by["SMS_DMP_UPLOADER"].evidence  # no code in its lines: no empty field


def test_connector_retry_threshold(tmp_path) -> None:
    def line(msg: str, minute: int) -> str:
        return f"{msg}  $$<SMS_SITE_COMPONENT_MANAGER><11-25-2026 10:{minute:02d}:00.000+300><thread=1 (0x1)>"

    rows = [
        line("Component SMS_DMP_UPLOADER flagged for installation.", 0),
        line('STATMSG: ID=1015 SEV=I LEV=M COMP="SMS_DMP_UPLOADER" ISTR0="CM01.corp.contoso.com"', 1),
    ]
    for i in range(2, 6):  # later reinstall attempts that fail (several lines each, one attempt)
        rows += [
            line("Installing component SMS_DMP_UPLOADER...", i * 10),
            line("Failed to install component SMS_DMP_UPLOADER: access denied.", i * 10 + 1),
            line("Installation failed and will be retried in the next polling cycle.", i * 10 + 1),
            line('STATMSG: ID=1016 SEV=E LEV=M COMP="SMS_DMP_UPLOADER" ISTR0="CM01.corp.contoso.com"', i * 10 + 1),
        ]
    (tmp_path / "Sitecomp.log").write_text("\r\n".join(rows), newline="")
    ev = logs_evidence(tmp_path)
    [f] = run_check("logs.sitecomp_connector", ev).findings
    assert f.evidence["failed_attempts"] == 4 and f.evidence["last_success"] == "2026-11-25 15:01 UTC"
    assert run_check("logs.sitecomp_connector", ev, max_failures=5).status is Status.PASS


def test_connector_passes_on_healthy_sitecomp(healthy: Evidence) -> None:
    r = run_check("logs.sitecomp_connector", healthy)
    assert r.status is Status.PASS
    assert "SMS_DMP_UPLOADER" in r.examined


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
