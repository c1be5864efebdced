"""logs.sitecomp_connector: the service connection point's components, from Sitecomp.log.

Besides the bundled samples, server-format fixtures written the way Site Component Manager writes
(tests/fixtures/server_logs/README.md): no public real Sitecomp.log exists.
"""

from __future__ import annotations

from scanner.evidence import Evidence
from scanner.model import Severity, Status
from scanner.sources.parse.cmlog import parse_file
from tests.conftest import FIXTURES, logs_evidence, run_check


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
            line(
                'STATMSG: ID=1016 SEV=E LEV=M COMP="SMS_DMP_UPLOADER" ISTR0="CM01.corp.contoso.com"',
                i * 10 + 1,
            ),
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


def test_1015_is_credited_to_its_comp_not_to_the_server_in_istr0() -> None:
    r = run_check("logs.sitecomp_connector", logs_evidence(FIXTURES / "installed"))
    assert r.status is Status.PASS, [f.message for f in r.findings]
    for comp in ("SMS_DMP_UPLOADER", "SMS_DMP_DOWNLOADER", "SMS_CLOUD_USERSYNC", "SMS_SERVICE_CONNECTOR"):
        assert comp in r.examined
    assert "CM01" not in r.examined  # the server named in ISTR0 is no component


def test_a_component_that_failed_once_then_installed_has_recovered() -> None:
    r = run_check("logs.sitecomp_connector", logs_evidence(FIXTURES / "recovered"), max_failures=1)
    assert r.status is Status.PASS, [f.message for f in r.findings]
    assert "SMS_CLOUD_USERSYNC recovered: installed 2026-11-25 18:25 UTC after 1 failed attempt" in r.examined


def test_a_cp1252_sitecomp_with_continuation_records() -> None:
    ev = logs_evidence(FIXTURES / "cp1252")
    assert ev.logs is not None
    [log] = ev.logs.logs
    assert log.files[0].encoding == "cp1252" and log.files[0].format == "sms"
    messages = [e.message for e in parse_file(FIXTURES / "cp1252" / "Sitecomp.log")]
    assert [ln.strip() for ln in messages[0].splitlines()] == [  # "~" ends each line of a long record
        "SQL>>>>> select ItemName, ItemType, SiteCode, SiteServer",
        "from SC_SysResUse",
        "where SiteCode = 'EC1'",
        "order by ItemName",
    ]
    role = messages[1]
    assert "Standort Zürich, Geräteverwaltung" in role
    assert run_check("logs.sitecomp_connector", ev).status is Status.PASS


def test_an_install_status_message_cut_at_rollover_still_counts() -> None:
    r = run_check("logs.sitecomp_connector", logs_evidence(FIXTURES / "cut"))
    assert r.status is Status.PASS, [f.message for f in r.findings]
    assert "SMS_DMP_UPLOADER" in r.examined and "2 files" in r.examined


def test_a_sitecomp_without_install_events_is_skipped_saying_what_was_read() -> None:
    r = run_check("logs.sitecomp_connector", logs_evidence(FIXTURES / "polling-only"))
    assert r.status is Status.SKIPPED and "nothing to judge" in r.reason
    assert "12 entries" in r.examined and "no service connection point component" in r.examined


def test_two_site_servers_sitecomp_are_judged_apart() -> None:
    ev = logs_evidence(FIXTURES / "installed", FIXTURES / "polling-only", FIXTURES / "recovered")
    r = run_check("logs.sitecomp_connector", ev, max_failures=1)
    assert r.status is Status.PASS
    assert r.examined.count("Sitecomp.log") == 3
    assert all(f"server_logs/{name}/Sitecomp.log" in r.examined for name in ("installed", "recovered"))
