"""The email summary, received by a real SMTP server (aiosmtpd, STARTTLS from a test CA, AUTH) after
real scans run through the command line."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
import trustme
from typer.testing import CliRunner, Result

from scanner.app.pdf import ENV as PDF_ENV
from scanner.cli import app
from scanner.config import ATTACHABLE
from scanner.unattended.run import mail
from tests.conftest import SAMPLES
from tests.lab.smtp import PASSWORD, MailLab

ENV = {"MDMP_TEST_SMTP_PASSWORD": PASSWORD}
HOSTILE_SUFFIX = "<script>alert(2)</script>.lan"
SUBJECT = "{company}: {status} {failed} failing, {new} new, {resolved} resolved, {high} high, {open} open"


def cli(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env=ENV if env is None else env)


def users(tmp_path: Path, name: str, *, drop: str = "", add: tuple[str, ...] = ()) -> Path:
    """A v_R_User export: the sample's users, less those whose UPN contains `drop`, plus `add` UPNs."""
    lines = (SAMPLES / "v_R_User.csv").read_text(encoding="utf-8-sig").splitlines()
    kept = [ln for ln in lines if not drop or drop not in ln]
    kept += [f"extra{i},CONTOSO\\extra{i},{upn}" for i, upn in enumerate(add)]
    path = tmp_path / name
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def clean_users(tmp_path: Path) -> Path:
    path = tmp_path / "clean.csv"
    rows = [f"u{i},CONTOSO\\u{i},u{i}@contoso.com" for i in range(5)]
    path.write_text("User_Name0,Unique_User_Name0,User_Principal_Name0\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def write_config(tmp_path: Path, csv: Path, lab: MailLab, name: str = "cfg.toml", **email: object) -> Path:
    text = (
        "[site]\ncompany = 'Contoso <b>&</b>'\nverified_domains = ['contoso.com']\n"
        f"[scan]\ntimeout = 2\n[sql]\ncsv = '{csv}'\n[history]\ndir = 'history'\n" + lab.config(**email)
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def scan(cfg: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> Result:
    log = cfg.parent / "logs" / "mdm-preflight.log"
    return cli("scan", "-c", cfg, "-o", out, "--only", "upn.*", "--email", "--log-file", log, *extra, env=env)


def parts(msg: EmailMessage) -> tuple[str, str]:
    html = msg.get_body(("html",))
    text = msg.get_body(("plain",))
    assert html is not None and text is not None
    return str(html.get_content()), str(text.get_content())


def nothing_leaks(tmp_path: Path, *results: Result) -> None:
    """The canary password is in no output and in no file the scanner wrote (logs, reports, history, eml)."""
    for r in results:
        assert PASSWORD not in r.stdout and PASSWORD not in r.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_summary_of_what_changed_between_two_real_scans(tmp_path: Path, mail_lab: MailLab) -> None:
    before = users(tmp_path, "before.csv")
    after = users(
        tmp_path,
        "after.csv",
        drop="corp.contoso.local",
        add=("new.hire@branch.contoso.lan", f"h@{HOSTILE_SUFFIX}"),
    )
    first = scan(write_config(tmp_path, before, mail_lab, subject=SUBJECT), tmp_path / "out1")
    assert first.exit_code == 1, first.output
    cfg = write_config(tmp_path, after, mail_lab, subject=SUBJECT)
    t0 = time.monotonic()
    second = scan(cfg, tmp_path / "out2")
    took = time.monotonic() - t0
    assert second.exit_code == 1, second.output
    assert len(mail_lab.inbox.messages) == 2
    got = mail_lab.inbox.messages[1]
    assert got.tls and got.login == b"scanner"
    assert sorted(got.rcpt_tos) == ["admin@contoso.test", "audit@contoso.test"]

    # The subject's counts are the saved result's counts.
    result = json.loads((tmp_path / "out2" / "result.json").read_text(encoding="utf-8"))
    changes = result["changes"]
    new = {f["target"] for f in changes["new"]}
    resolved = {f["target"] for f in changes["resolved"]}
    assert {"branch.contoso.lan", HOSTILE_SUFFIX} <= new and "corp.contoso.local" in resolved
    open_ = [
        f for x in result["results"] for f in x["findings"] if not f["accepted"] and f["severity"] != "info"
    ]
    failing = sum(
        1
        for x in result["results"]
        if x["status"] == "fail" and any(not f["accepted"] for f in x["findings"])
    )
    high = sum(1 for f in open_ if f["severity"] == "high")
    assert got.message["Subject"] == (
        f"Contoso <b>&</b>: FAILED {failing} failing, {len(new)} new, {len(resolved)} resolved, "
        f"{high} high, {len(open_)} open"
    )
    assert len(new) >= 2 and len(resolved) >= 1 and failing >= 2

    html, text = parts(got.message)
    # What changed comes first, before the failing checks, naming the right findings.
    assert html.index("What changed since the last run") < html.index("Failing checks")
    changed = html[html.index("What changed") : html.index("Failing checks")]
    assert "branch.contoso.lan" in changed and "corp.contoso.local" in changed
    assert changed.index("New findings") < changed.index("branch.contoso.lan") < changed.index("Resolved")
    assert changed.index("Resolved") < changed.index("corp.contoso.local")
    assert text.index("WHAT CHANGED") < text.index("FAILING CHECKS")
    assert "corp.contoso.local" in text[text.index("Resolved") : text.index("FAILING CHECKS")]
    assert "Fix:" in html and "Fix:" in text  # remediation with the failing checks
    # Hostile values are inert in the HTML part.
    assert "<script" not in html.lower() and "<b>&</b>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;.lan" in html and "Contoso &lt;b&gt;&amp;&lt;/b&gt;" in html

    # The attachments are the report files, byte for byte.
    attached = {a.get_filename(): a.get_payload(decode=True) for a in got.message.iter_attachments()}
    assert set(attached) == {"report.html", "result.json"}
    assert attached["result.json"] == (tmp_path / "out2" / "result.json").read_bytes()
    assert attached["report.html"] == (tmp_path / "out2" / "report.html").read_bytes()
    # The report itself shows the comparison at the top, escaped.
    report = (tmp_path / "out2" / "report.html").read_text(encoding="utf-8")
    assert report.index('id="changes"') < report.index('class="panel summary"')
    assert "&lt;script&gt;alert(2)&lt;/script&gt;.lan" in report

    log = (tmp_path / "logs" / "mdm-preflight.log").read_text(encoding="utf-8")
    assert "email sent to admin@contoso.test, audit@contoso.test" in log
    assert took < 10
    nothing_leaks(tmp_path, first, second)


@pytest.mark.parametrize(
    ("policy", "runs", "sent"),
    [
        ("always", ["clean"], [True]),
        ("on_failure", ["clean", "broken"], [False, True]),
        ("on_change", ["broken", "broken", "clean", "clean"], [True, False, True, False]),
    ],
)
def test_send_policies(
    tmp_path: Path, mail_lab: MailLab, policy: str, runs: list[str], sent: list[bool]
) -> None:
    inputs = {"clean": clean_users(tmp_path), "broken": users(tmp_path, "broken.csv")}
    for i, (kind, expected) in enumerate(zip(runs, sent, strict=True)):
        before = len(mail_lab.inbox.messages)
        r = scan(write_config(tmp_path, inputs[kind], mail_lab, send=policy), tmp_path / f"out{i}")
        assert r.exit_code == (0 if kind == "clean" else 1), r.output
        assert len(mail_lab.inbox.messages) - before == int(expected), (policy, i, kind)
        log = (tmp_path / "logs" / "mdm-preflight.log").read_text(encoding="utf-8")
        assert ("email sent" if expected else "email not sent") in log.splitlines()[-1]


def failure_config(tmp_path: Path, lab: MailLab, case: str, closed: int, silent: int) -> Path:
    csv = users(tmp_path, "u.csv")
    if case == "wrong password":
        return write_config(tmp_path, csv, lab)
    if case == "refused":
        return write_config(tmp_path, csv, lab, port=closed)
    if case == "untrusted certificate":  # a CA file, but not the one that signed the server's certificate
        other = tmp_path / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(other))
        return write_config(tmp_path, csv, lab, ca_file=str(other))
    return write_config(tmp_path, csv, lab, port=silent)


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("wrong password", "login refused for scanner (535"),
        ("refused", "connection refused"),
        ("untrusted certificate", "TLS certificate not trusted"),
        ("no answer", "no answer within 2 s"),
    ],
)
def test_a_failed_send_is_one_line_exit_4_and_the_reports_stay(
    tmp_path: Path, mail_lab: MailLab, closed_port: int, silent_server: int, case: str, needle: str
) -> None:
    cfg = failure_config(tmp_path, mail_lab, case, closed_port, silent_server)
    env = {"MDMP_TEST_SMTP_PASSWORD": "Wrong-" + PASSWORD[::-1]} if case == "wrong password" else ENV
    t0 = time.monotonic()
    r = scan(cfg, tmp_path / "out", env=env)
    took = time.monotonic() - t0
    assert r.exit_code == 4, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("mdm-preflight: email not sent: 127.0.0.1:") and needle in lines[0], lines[0]
    assert "scan exit code 1" in lines[0] and "Traceback" not in r.output
    assert mail_lab.inbox.messages == []
    for name in ("report.html", "result.json", "findings.csv"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    log = (tmp_path / "logs" / "mdm-preflight.log").read_text(encoding="utf-8")
    assert "ERROR" in log and needle in log
    assert took < 8  # the silent server: one 2 s timeout, not a hang
    nothing_leaks(tmp_path, r)
    if case == "wrong password":
        assert PASSWORD[::-1] not in r.stderr and PASSWORD[::-1] not in log


def test_a_missing_password_without_a_terminal_names_the_variable(tmp_path: Path, mail_lab: MailLab) -> None:
    r = scan(write_config(tmp_path, users(tmp_path, "u.csv"), mail_lab), tmp_path / "out", env={})
    assert r.exit_code == 2, r.output
    assert "MDMP_TEST_SMTP_PASSWORD" in r.stderr and "not set" in r.stderr
    assert not (tmp_path / "out").exists()  # found before scanning


def test_dry_run_writes_the_message_and_sends_nothing(tmp_path: Path, mail_lab: MailLab) -> None:
    cfg = write_config(tmp_path, users(tmp_path, "u.csv"), mail_lab, attach=["md", "csv"])
    eml = tmp_path / "summary.eml"
    r = cli("scan", "-c", cfg, "-o", tmp_path / "out", "-f", "md,csv,json", "--dry-run-email", eml, env={})
    assert r.exit_code == 1, r.output  # no password needed: nothing is sent
    assert mail_lab.inbox.messages == [] and "would send" in r.stderr
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    attached = {a.get_filename(): a.get_payload(decode=True) for a in msg.iter_attachments()}
    assert attached["report.md"] == (tmp_path / "out" / "report.md").read_bytes()
    assert attached["findings.csv"] == (tmp_path / "out" / "findings.csv").read_bytes()
    assert all(a.get_content_charset() == "utf-8" for a in msg.iter_attachments())
    html, _ = parts(msg)
    assert "No earlier run to compare with" in html


def test_attachments_over_the_cap_are_left_out_with_a_note(
    tmp_path: Path, mail_lab: MailLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write_config(tmp_path, users(tmp_path, "u.csv"), mail_lab, attach=["json", "html"])
    r = scan(cfg, tmp_path / "out", "--dry-run-email", tmp_path / "x.eml")  # sends and writes the .eml
    assert r.exit_code == 1
    sizes = {p.name: p.stat().st_size for p in (tmp_path / "out").iterdir()}
    cap = sizes["result.json"] + sizes["report.html"] // 2
    monkeypatch.setattr(mail, "MAX_ATTACH", cap)
    r = scan(cfg, tmp_path / "out")
    assert r.exit_code == 1, r.output
    got = mail_lab.inbox.messages[-1].message
    assert [a.get_filename() for a in got.iter_attachments()] == ["result.json"]
    html, text = parts(got)
    for body in (html, text):
        assert "report.html" in body and "is not attached" in body and str(tmp_path / "out") in body


needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="needs chromium (tests/reports/test_browser.py requires it)"
)


@needs_chromium
def test_every_attachable_format_arrives_byte_for_byte(tmp_path: Path, mail_lab: MailLab) -> None:
    # attach = every format, the PDF included: asking for it prints one, without --pdf.
    cfg = write_config(tmp_path, users(tmp_path, "u.csv"), mail_lab, attach=list(ATTACHABLE))
    r = scan(cfg, tmp_path / "out")
    assert r.exit_code == 1, r.output
    got = mail_lab.inbox.messages[-1].message
    attached = {
        a.get_filename(): (a.get_content_type(), a.get_payload(decode=True)) for a in got.iter_attachments()
    }
    assert len(attached) == len(ATTACHABLE)
    for name, (_, data) in attached.items():
        assert data == (tmp_path / "out" / name).read_bytes(), name  # written, then attached as written
    assert attached["report.pdf"][0] == "application/pdf" and attached["report.pdf"][1].startswith(b"%PDF-")
    assert attached["action-plan.csv"][0] == "text/csv"


def test_a_pdf_that_cannot_be_printed_is_a_warning_and_a_note_in_the_mail(
    tmp_path: Path, mail_lab: MailLab
) -> None:
    cfg = write_config(tmp_path, users(tmp_path, "u.csv"), mail_lab, attach=["pdf", "json"])
    r = scan(cfg, tmp_path / "out", env={**ENV, PDF_ENV: str(tmp_path / "no-browser")})
    assert r.exit_code == 1, r.output  # the findings decide; the scan and the email stand
    assert "warning: report.pdf not printed: no Chromium, Chrome or Edge found" in r.stderr
    got = mail_lab.inbox.messages[-1].message
    assert [a.get_filename() for a in got.iter_attachments()] == ["result.json"]
    html, text = parts(got)
    for body in (html, text):
        assert "report.pdf is not attached: no Chromium, Chrome or Edge found" in body
    assert not (tmp_path / "out" / "report.pdf").exists() and (tmp_path / "out" / "report.html").exists()


def test_implicit_tls_is_refused_by_a_starttls_server(tmp_path: Path, mail_lab: MailLab) -> None:
    """security = tls against a plain-text greeting fails cleanly; it never falls back to clear text."""
    r = scan(write_config(tmp_path, users(tmp_path, "u.csv"), mail_lab, security="tls"), tmp_path / "out")
    assert r.exit_code == 4 and "TLS failed" in r.stderr, r.output
    assert mail_lab.inbox.messages == []


def test_the_system_store_does_not_trust_a_private_ca(tmp_path: Path, mail_lab: MailLab) -> None:
    cfg = write_config(tmp_path, users(tmp_path, "u.csv"), mail_lab, ca_file="")
    r = scan(cfg, tmp_path / "out")
    assert r.exit_code == 4 and "TLS certificate not trusted" in r.stderr and "ca_file" in r.stderr
    assert mail_lab.inbox.messages == []


def test_a_missing_ca_file_is_a_config_error_before_scanning(tmp_path: Path, mail_lab: MailLab) -> None:
    cfg = write_config(tmp_path, users(tmp_path, "u.csv"), mail_lab, ca_file="certs/corp-ca.pem")
    r = scan(cfg, tmp_path / "out")
    # named as resolved: the file beside the config, whatever folder the task started in
    missing = tmp_path.resolve() / "certs" / "corp-ca.pem"
    assert r.exit_code == 2 and f"email.ca_file '{missing}': no such file" in r.stderr
    assert not (tmp_path / "out").exists()


def test_implicit_tls_sends(tmp_path: Path, smtps_lab: MailLab) -> None:
    r = scan(write_config(tmp_path, users(tmp_path, "u.csv"), smtps_lab, security="tls"), tmp_path / "out")
    assert r.exit_code == 1, r.output
    [got] = smtps_lab.inbox.messages
    assert got.tls and got.login == b"scanner"
    nothing_leaks(tmp_path, r)


def test_a_plain_relay_without_login(tmp_path: Path, relay_lab: MailLab) -> None:
    cfg = write_config(
        tmp_path, users(tmp_path, "u.csv"), relay_lab, security="none", user="", password_env="", ca_file=""
    )
    r = scan(cfg, tmp_path / "out", env={})
    assert r.exit_code == 1, r.output
    [got] = relay_lab.inbox.messages
    assert not got.tls and got.login is None and got.message["To"] == "admin@contoso.test"


def test_starttls_is_never_skipped_when_not_offered(tmp_path: Path, relay_lab: MailLab) -> None:
    cfg = write_config(tmp_path, users(tmp_path, "u.csv"), relay_lab, ca_file="")
    r = scan(cfg, tmp_path / "out")
    assert r.exit_code == 4 and "does not offer STARTTLS; nothing was sent" in r.stderr, r.output
    assert relay_lab.inbox.messages == []
    nothing_leaks(tmp_path, r)


def test_the_default_subject_counts_findings_as_the_body_does() -> None:
    """One vocabulary: the subject's numbers are findings, like the body's "still failing" and "new"."""
    from scanner.config import EmailConfig

    subject = EmailConfig(smtp_host="h", from_="a@b.c", to=("d@e.f",)).subject
    assert "{open} open findings" in subject and "{failed}" not in subject


def test_the_cause_of_a_stale_user_sync_reaches_the_email_and_the_action_plan(
    tmp_path: Path, mail_lab: MailLab
) -> None:
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(
        f"[site]\ncompany = 'Contoso'\n[logs]\npaths = ['{SAMPLES / 'broken'}']\n"
        "[checks.'logs.cloudusersync_stale']\nrelative_to = 'newest'\n" + mail_lab.config(),
        encoding="utf-8",
    )
    eml, out = tmp_path / "summary.eml", tmp_path / "out"
    r = cli(
        "scan", "-c", cfg, "-o", out, "--only", "logs.cloudusersync_stale", "--dry-run-email", eml, env={}
    )
    assert r.exit_code == 1, r.output
    cause = "The remote server returned an error: (401) Unauthorized."
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    html, text = parts(msg)
    assert cause in text and cause in html
    plan = (out / "action-plan.csv").read_text(encoding="utf-8-sig")
    assert "logs.cloudusersync_stale" in plan and cause in plan
