"""The [email] and [history] settings, and how a scheduled run behaves without a terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reports import FORMATS
from scanner import config
from scanner.cli import app
from scanner.config import ATTACHABLE
from tests.conftest import SAMPLES

EMAIL = "[email]\nsmtp_host = '127.0.0.1'\nfrom = 'scanner@contoso.test'\nto = ['admin@contoso.test']\n"


def cli(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg.toml"
    path.write_text(f"[logs]\npaths = ['{SAMPLES / 'broken'}']\n" + text, encoding="utf-8")
    return path


def one_line_error(r: Result, *needles: str) -> None:
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("mdm-preflight: error: "), r.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def test_the_email_section_keeps_the_toml_key_from() -> None:
    cfg = config.from_dict({"email": {"smtp_host": "h", "from": "a@contoso.com", "to": "b@contoso.com"}})
    assert cfg.email is not None and cfg.email.from_ == "a@contoso.com" and cfg.email.to == ("b@contoso.com",)
    assert (cfg.email.security, cfg.email.send, cfg.email.port) == ("starttls", "on_failure", 0)


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        ("subject = '{company}: {failures} failing'\n", ["email.subject", "{failures}", "{failed}"]),
        ("subject = '{company'\n", ["email.subject"]),
        ("security = 'ssl'\n", ["email.security", "'ssl'", "starttls, tls, none"]),
        ("send = 'daily'\n", ["email.send", "always, on_failure, on_change"]),
        ("attach = ['docx']\n", ["email.attach", "'docx'", "pdf"]),
        ("security = 'none'\nuser = 'svc'\n", ["email.user", "TLS"]),
        ("from_ = 'x@contoso.test'\n", ["email.from_", "did you mean 'from'"]),
        ("cc = ['two@a.test, three@b.test']\n", ["email.cc", "not one email address"]),
    ],
)
def test_email_mistakes_are_one_line_at_load_time(tmp_path: Path, extra: str, needles: list[str]) -> None:
    one_line_error(cli("scan", "-c", write(tmp_path, EMAIL + extra), "-o", tmp_path / "o"), *needles)
    assert not (tmp_path / "o").exists()


def test_missing_required_email_keys_are_named(tmp_path: Path) -> None:
    text = "[email]\nsmtp_host = 'h'\nto = ['a@contoso.test']\n"
    one_line_error(cli("scan", "-c", write(tmp_path, text)), "[email] needs 'from'")


def test_email_options_need_the_section_and_keep_must_be_positive(tmp_path: Path) -> None:
    cfg = write(tmp_path, "")
    one_line_error(cli("scan", "-c", cfg, "--email"), "--email needs an [email] section")
    one_line_error(cli("scan", "-c", cfg, "--dry-run-email", tmp_path / "x.eml"), "--dry-run-email")
    one_line_error(cli("scan", "-c", cfg, "--history", tmp_path / "h", "--keep", "0"), "--keep 0")
    one_line_error(cli("scan", "-c", write(tmp_path, "[history]\nkeep = 0\n")), "history.keep")


def test_attachable_formats_are_the_report_formats() -> None:
    assert set(ATTACHABLE) == {*FORMATS, "pdf"}  # the PDF is printed from the HTML


def test_the_example_config_documents_email_and_history(tmp_path: Path) -> None:
    target = tmp_path / "example.toml"
    assert cli("init", "-o", target).exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert "# [email]" in text and "# [history]" in text
    # Uncommented as written, both sections load.
    sections = re.findall(r"^# (\[(?:email|history)\]\n(?:# \w+ = .*\n)+)", text, re.M)
    enabled = text + "\n" + "\n".join(re.sub(r"^# ", "", s, flags=re.M) for s in sections)
    target.write_text(enabled, encoding="utf-8")
    cfg = config.load(target)
    assert cfg.email is not None and cfg.email.from_ == "mdm-preflight@contoso.com"
    assert cfg.history is not None and cfg.history.keep == 30


def test_no_colour_or_progress_bar_without_a_terminal(tmp_path: Path) -> None:
    r = cli("scan", "-c", write(tmp_path, ""), "-o", tmp_path / "o", "-f", "json")
    assert r.exit_code == 1
    assert "\x1b[" not in r.stdout and "\x1b[" not in r.stderr and "collecting evidence" not in r.stderr


def test_the_log_file_records_every_run_and_its_errors(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "run.log"
    cfg = write(tmp_path, "")
    for _ in range(2):
        assert cli("scan", "-c", cfg, "-o", tmp_path / "o", "-f", "json", "--log-file", log).exit_code == 1
    lines = log.read_text(encoding="utf-8").splitlines()
    assert sum("scan finished" in ln and "exit code 1" in ln for ln in lines) == 2
    one_line_error(cli("scan", "-c", tmp_path / "nope.toml", "--log-file", log), "no such config file")
    assert "no such config file" in log.read_text(encoding="utf-8").splitlines()[-1]
    one_line_error(cli("scan", "-c", cfg, "--log-file", tmp_path / "cfg.toml" / "x.log"), "--log-file")


def test_the_log_file_records_the_command_line_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A user pasting a connection string into an argument: the log keeps the line, not the secret.
    log = tmp_path / "run.log"
    cfg = write(tmp_path, "")
    argv = ["scan", "-c", str(cfg), "--log-file", str(log), "--only", "Server=db;PWD={Canary-7f3a};x"]
    monkeypatch.setattr(sys, "argv", ["mdm-preflight", *argv])
    assert cli(*argv).exit_code == 2  # no such check id
    started = log.read_text(encoding="utf-8").splitlines()[0]  # the run's command line, as logged
    assert started.endswith("--only Server=db;PWD=***;x") and "Canary-7f3a" not in started


def test_a_bug_is_exit_6_with_its_traceback_never_exit_1_and_never_a_password(tmp_path: Path) -> None:
    # A scheduled task must not read a crash as "findings". The bug is planted in a child process
    # (the mail attachments raise, with the password in the message, after the reports are written).
    canary = "Canary-Bug-5c1e"
    cfg = write(
        tmp_path,
        "[email]\nsmtp_host = '127.0.0.1'\nport = 1\nuser = 'svc'\npassword_env = 'MDMP_BUG_PW'\n"
        "from = 'a@contoso.test'\nto = ['b@contoso.test']\nsend = 'always'\n",
    )
    log = tmp_path / "run.log"
    code = (
        "import os, sys\n"
        "from scanner import cli, mail\n"
        "def broken(*a, **k): raise RuntimeError('attach failed for ' + os.environ['MDMP_BUG_PW'])\n"
        "mail.attachments = broken\n"
        f"sys.argv = ['mdm-preflight', 'scan', '-c', {str(cfg)!r}, '-o', {str(tmp_path / 'out')!r},"
        f" '--email', '--log-file', {str(log)!r}]\n"
        "cli.main()\n"
    )
    env = {**os.environ, "MDMP_BUG_PW": canary, "PYTHONPATH": str(SAMPLES.parent)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 6, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("mdm-preflight: internal error (RuntimeError): this is a bug in mdm-preflight")
    assert "Traceback (most recent call last)" in r.stderr and "attach failed for ***" in r.stderr
    assert "internal error" in log.read_text(encoding="utf-8")
    for text in (r.stdout, r.stderr, log.read_text(encoding="utf-8")):
        assert canary not in text
    assert (tmp_path / "out" / "report.html").exists()  # written before the bug: complete


def test_the_readme_documents_the_exit_codes_the_code_uses() -> None:
    from scanner.cli import EXIT_BUG, EXIT_EMAIL, EXIT_LOCKED

    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    assert (EXIT_EMAIL, EXIT_LOCKED, EXIT_BUG) == (4, 5, 6)
    assert "| 6 | internal error" in readme and "**6** internal error" in readme
    assert "**4** the scan finished and its reports are written, but the" in readme
    assert "| 4 | the email could not be sent" in readme
    assert "| 5 | another run holds the history lock" in readme
    for unit in ("schtasks /Create", "OnCalendar=", "30 2 * * *"):
        assert unit in readme


def test_an_eml_that_cannot_be_written_is_exit_4_with_the_reports_kept(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    cfg = write(tmp_path, EMAIL)
    r = cli("scan", "-c", cfg, "-o", tmp_path / "o", "-f", "json", "--dry-run-email", blocker / "x.eml")
    assert r.exit_code == 4, r.output
    assert "email not sent: cannot write" in r.stderr and (tmp_path / "o" / "result.json").exists()
