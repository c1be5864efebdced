"""The terminal an admin reads: the verdict first, the prompt before the progress bar, lines that fit."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import SAMPLES

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
ENV = {**os.environ, "PYTHONPATH": str(SAMPLES.parent)}
COMMANDS = ["", "scan", "demo", "collect", "report", "diff", "checks", "explain", "logs", "init"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args], capture_output=True, text=True, env=env or ENV, timeout=120
    )


def _on_a_terminal(args: list[str], columns: int, answer: bytes | None = None) -> str:
    """Run the CLI on a pseudo-terminal of `columns` columns; type `answer` at the first prompt."""
    import fcntl
    import pty
    import struct
    import termios

    main, sub = pty.openpty()
    fcntl.ioctl(sub, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**ENV, "COLUMNS": str(columns), "TERM": "xterm-256color"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", *args], stdin=sub, stdout=sub, stderr=sub, env=env, close_fds=True
    )
    os.close(sub)
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if answer is not None and b"password" in seen.lower():
                os.write(main, answer)
                answer = None
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(main)
    return ANSI.sub("", seen.decode("utf-8", "replace"))


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_the_password_prompt_comes_before_any_progress_output(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[scan]\ntimeout = 2\n[directory]\nurl = 'ldap://127.0.0.1:9'\nuser = 'svc@contoso.test'\n"
        "password_env = 'MDMP_TEST_NEVER_SET'\n",
        encoding="utf-8",
    )
    env_has = "MDMP_TEST_NEVER_SET" in os.environ
    assert not env_has
    screen = _on_a_terminal(["scan", "-c", str(cfg), "-o", str(tmp_path / "out")], 100, answer=b"s3cret!\n")
    prompt_at = screen.lower().find("password")
    assert prompt_at >= 0, screen
    before = screen[:prompt_at]
    assert "collecting evidence" not in before and "checking" not in before and "directory:" not in before
    assert "s3cret!" not in screen  # never echoed


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_at_80_columns_the_verdict_comes_first_and_check_ids_never_break(tmp_path: Path) -> None:
    screen = _on_a_terminal(["demo", "-o", str(tmp_path / "out")], 80)
    lines = re.split(r"[\r\n]+", screen)  # the progress bar redraws its line with a carriage return
    assert all(len(ln) <= 80 for ln in lines), max(lines, key=len)
    first = [ln for ln in lines if ln.strip() and "━" not in ln and "╸" not in ln][:8]  # after the bar
    assert first[0].startswith("Prerequisites") and "Not ready" in first[1], first
    assert screen.index("Fix first") < screen.index("status")  # the verdict, then what to fix, then all
    ids = set(re.findall(r"\b[a-z]+\.[a-z_]+\b", _run("checks", "--json").stdout))
    table = [ln.split()[1] for ln in lines if ln.split()[:1] in (["FAIL"], ["PASS"], ["SKIPPED"])]
    assert len(table) > 20 and all(t in ids for t in table), table


def test_piped_output_is_never_wrapped_whatever_columns_says(tmp_path: Path) -> None:
    for columns in ("300", "40"):
        done = _run("demo", "-o", str(tmp_path / "out"), env={**ENV, "COLUMNS": columns})
        lines = done.stdout.splitlines()
        # every finding message is whole on its line; no row of the table is padded or continued
        assert any(len(ln) > 120 for ln in lines)
        assert not any(ln.endswith(" ") for ln in lines)
        assert "no successor is published." in next(ln for ln in lines if "Token-signing certificate" in ln)


def test_the_summary_shows_findings_severity_plain_labels_and_each_reason_once(tmp_path: Path) -> None:
    done = _run("demo", "-o", str(tmp_path / "out"))
    row = next(ln.split() for ln in done.stdout.splitlines() if ln.startswith("FAIL") and "ios.apns" in ln)
    assert row[2] == "medium"  # its one finding is medium; the catalog says high
    passing = [ln for ln in done.stdout.splitlines() if ln.startswith("PASS") and "adfs.reachable" in ln]
    assert passing and "does not answer" not in passing[0] and "no problem found" in passing[0]
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f"[scan]\ntimeout = 2\n[logs]\npaths = ['{SAMPLES.as_posix()}']\n[directory]\nurl = 'ldap://127.0.0.1:9'\n",
        encoding="utf-8",
    )
    done = _run("scan", "-c", str(cfg), "-o", str(tmp_path / "o2"))
    said = [ln for ln in done.stdout.splitlines() if "directory source failed" in ln]
    assert len(said) == 2, done.stdout  # once for its 7 checks, once in the headline
    assert said[0].startswith("error ") and "sync.connector_account, sync.hybrid_join_scp" in said[0]


def test_progress_labels_are_plain_words() -> None:
    from scanner.cli.console import _SOURCE_WORDS

    statuses = {"ok", "not_configured", "partial", "error", "offline"}
    assert statuses <= set(_SOURCE_WORDS) and not any("_" in w for w in _SOURCE_WORDS.values())


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_internal_names_and_every_option_is_explained(command: str) -> None:
    done = _run(*([command] if command else []), "--help", env={**ENV, "COLUMNS": "80"})
    text = done.stdout
    assert done.returncode == 0
    assert "list[str]" not in text and "<str>" not in text and "<int>" not in text
    assert not re.search(r"\{[a-z_]+\}", text)  # a parameter's Python name
    options = [ln for ln in text.splitlines() if re.match(r"\s+(-\w, )?--[a-z-]+", ln)]
    assert options and all(len(ln.split("  ")) > 1 and ln.split("  ")[-1].strip() for ln in options), options
    if not command:
        listed = text.split("Commands:")[1]
        assert "..." not in listed  # no description cut short


def test_only_and_skip_take_comma_lists(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["demo", "-o", str(tmp_path / "d")])
    assert r.exit_code == 1
    evidence = tmp_path / "d" / "evidence.json"
    r = CliRunner().invoke(
        app, ["scan", "--evidence", str(evidence), "--only", "upn.missing,upn.malformed", "-o", str(tmp_path)]
    )
    ran = [ln.split()[1] for ln in r.stdout.splitlines() if ln.split()[:1] in (["FAIL"], ["PASS"])]
    assert sorted(ran) == ["upn.malformed", "upn.missing"], r.stdout


def test_explain_keeps_config_section_names() -> None:
    r = CliRunner().invoke(app, ["explain", "adfs.not_configured"])
    assert r.exit_code == 0
    assert "[adfs]" in r.stdout and "an  section" not in r.stdout


def test_a_windows_path_in_double_quotes_hints_at_single_quotes(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[logs]\npaths = ["C:\\Logs"]\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["scan", "-c", str(cfg)])
    assert r.exit_code == 2
    line = r.stderr.strip()
    assert "single quotes" in line and "forward slashes" in line and len(line.splitlines()) == 1


def test_saved_evidence_without_a_config_says_what_is_not_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = CliRunner().invoke(app, ["demo", "-q", "-o", str(tmp_path / "d")])
    evidence = tmp_path / "d" / "evidence.json"
    monkeypatch.chdir(tmp_path)  # no mdm-preflight.toml here
    r = CliRunner().invoke(app, ["scan", "--evidence", str(evidence), "-o", str(tmp_path / "e")])
    assert "company name, verified domains" in r.stderr and "-c FILE" in r.stderr
    md = (tmp_path / "e" / "report.md").read_text(encoding="utf-8")
    assert "exceptions are not applied" in md  # the report says it too, for whoever reads it later
