"""A scheduled run never reports "healthy" when it checked nothing, and never scans without its secrets.

The task has no terminal (CliRunner's stdin is not one), often runs with -q, and is read through its
exit code and its log file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.system.test_cli import cli, one_line_error

PASTED = "Sommer2026!Pw#x"  # a password pasted where the variable's name belongs


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mdm-preflight.toml"
    path.write_text(text, encoding="utf-8")
    return path


SECTIONS = {
    "directory": '[directory]\nurl = "ldaps://127.0.0.1:1"\nuser = "svc@corp.test"\npassword_env = "{env}"\n',
    "sql": '[site]\ncode = "EC1"\n[sql]\nconnection_string = "Driver=x;Server=127.0.0.1,1"\nuser = "u"\n'
    'password_env = "{env}"\n',
    "endpoints": '[endpoints]\nendpoints = ["127.0.0.1:1"]\nproxy = "http://127.0.0.1:1"\nuser = "p"\n'
    'password_env = "{env}"\n',
    "graph": '[graph]\nclient_id = "c"\ntenant_id = "contoso.com"\ncertificate = "app.pfx"\n'
    'certificate_password_env = "{env}"\n',
}
KEYS = {"graph": "certificate_password_env"}  # the key naming the variable, where not password_env


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_a_missing_secret_stops_before_scanning_with_exit_2_naming_the_variable(
    tmp_path: Path, section: str
) -> None:
    env = f"MDMP_TEST_UNSET_{section.upper()}"
    cfg = write(tmp_path, SECTIONS[section].format(env=env))
    log = tmp_path / "run.log"
    r = cli("scan", "-c", cfg, "-q", "-o", tmp_path / "out", "--log-file", log, env={env: None})  # type: ignore[dict-item]
    one_line_error(r, env, f"[{section}] {KEYS.get(section, 'password_env')}", "nothing was scanned")
    assert not (tmp_path / "out" / "result.json").exists()  # nothing scanned, nothing written
    assert env in log.read_text(encoding="utf-8")


def test_every_missing_secret_is_named_in_the_one_line(tmp_path: Path) -> None:
    cfg = write(
        tmp_path,
        SECTIONS["directory"].format(env="MDMP_TEST_UNSET_A")
        + SECTIONS["sql"].format(env="MDMP_TEST_UNSET_B"),
    )
    r = cli("scan", "-c", cfg, "-q", "-o", tmp_path / "out")
    one_line_error(r, "MDMP_TEST_UNSET_A", "MDMP_TEST_UNSET_B")


def test_a_password_pasted_into_password_env_is_refused_and_never_repeated(tmp_path: Path) -> None:
    cfg = write(tmp_path, SECTIONS["directory"].format(env=PASTED))
    log = tmp_path / "run.log"
    r = cli("scan", "-c", cfg, "-o", tmp_path / "out", "--log-file", log)
    one_line_error(r, "directory.password_env", "not the name of an environment variable")
    assert PASTED not in r.output and PASTED not in log.read_text(encoding="utf-8")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("config_text", "args"),
    [
        ("", []),  # an empty config: no source configured
        ("[logs]\npaths = ['{samples}']\n", ["--skip", "*"]),  # a selection of nothing
        ("[logs]\npaths = ['{samples}']\n", ["--only", "upn.*"]),  # checks whose source is absent
    ],
)
def test_nothing_checked_is_exit_3_with_a_line_never_a_green_headline(
    tmp_path: Path, config_text: str, args: list[str]
) -> None:
    from tests.conftest import SAMPLES

    cfg = write(tmp_path, config_text.format(samples=SAMPLES / "healthy"))
    r = cli("scan", "-c", cfg, "-o", tmp_path / "out", "-f", "json", *args)
    assert r.exit_code == 3, r.output
    assert "nothing was checked" in r.stderr
    assert "No open findings" not in r.stdout and "Nothing was checked" in r.stdout
    quiet = cli("scan", "-c", cfg, "-q", "-o", tmp_path / "q", "-f", "json", *args)
    assert quiet.exit_code == 3 and "nothing was checked" in quiet.stderr and quiet.stdout == ""


def test_errored_checks_never_get_the_green_headline(tmp_path: Path) -> None:
    cfg = write(tmp_path, "[logs]\npaths = ['missing-folder']\n")
    r = cli("scan", "-c", cfg, "-o", tmp_path / "out", "-f", "json")
    result = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    assert any(c["status"] == "error" for c in result["results"]) or r.exit_code == 3
    assert r.exit_code == 3, r.output
    assert "No open findings." not in r.stdout
