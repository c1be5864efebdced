"""Provenance: who ran it, where, how; a command line never shows a secret."""

from __future__ import annotations

from reports.html import render_html
from reports.view.provenance import run_facts, scrub
from tests.reports.conftest import passed, scan


def test_secret_options_and_connection_string_passwords_are_masked() -> None:
    argv = [
        "scan",
        "--password",
        "hunter2",
        "--client-secret=s3cret",
        "--sql",
        "Driver={ODBC};Server=cm01;UID=sa;PWD=hunter2;Encrypt=yes",
        "--url",
        "https://x/?token=abc&x=1",
        "Password = {se;cret}",
    ]
    shown = " ".join(scrub(argv))
    assert "hunter2" not in shown and "s3cret" not in shown and "abc" not in shown and "se;cret" not in shown
    assert "--password *** --client-secret=***" in shown
    assert "UID=sa;PWD=***;Encrypt=yes" in shown and "token=***&x=1" in shown


def test_ordinary_arguments_are_untouched() -> None:
    argv = ["scan", "-c", "mdm-preflight.toml", "--only", "upn.*", "-o", "out"]
    assert scrub(argv) == argv


def test_run_facts_name_the_user_and_host() -> None:
    facts = run_facts()
    assert set(facts) == {"user", "host", "platform", "python"} and facts["host"]


def test_the_report_ends_with_provenance_and_rescrubs_saved_commands() -> None:
    options = {
        "command": ["scan", "--password", "hunter2"],
        "user": "alice",
        "host": "JUMP01",
        "platform": "Windows 11",
        "python": "3.12.1",
        "config": "C:\\mdmp\\mdm-preflight.toml",
    }
    page = render_html(scan(passed("dns.x"), options=options))
    run = page[page.index('id="run"') :]
    for text in ("mdm-preflight scan --password ***", "alice", "JUMP01", "Windows 11 · 3.12.1", "0.4 s"):
        assert text in run, text
    assert "hunter2" not in page
