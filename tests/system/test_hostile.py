"""Hostile values, end to end: planted in the real site database, the real DC and a log, then read in
every output — terminal, HTML, Markdown, CSV, JSON, JUnit and the email — where they must be inert
and still readable."""

from __future__ import annotations

import contextlib
import csv
import email
import email.policy
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import app
from tests.lab.postgres import PostgresLab
from tests.lab.samba import READER_UPN, LdapWriteError, SambaLab

ESC, BIDI = "\x1b", "\u202e"
PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(2)>',
    "link": "javascript:alert(3)",
    "pipe": "a|b",
    "formula": '=HYPERLINK("http://evil.example/","click")',
    "cmd": "+cmd|' /C calc'!A0",
    "sum": "@SUM(1+1)*cmd|' /C calc'!A0",
    "clear": f"{ESC}[2J{ESC}[31mred",
    "osc8": f"{ESC}]8;;https://evil.example{ESC}\\click{ESC}]8;;{ESC}\\",
    "rtl": f"user{BIDI}gpj.exe",
    "nul": "nul\x00byte\x07bell",
}
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def hostile_users() -> list[tuple[str | None, str | None, str | None]]:
    """Site database rows whose names and UPNs carry the payloads (a user can set their own names)."""
    rows: list[tuple[str | None, str | None, str | None]] = [
        (f"ok{i}", f"CORP\\ok{i}", f"ok{i}@contoso.com") for i in range(3)
    ]
    for key, text in PAYLOADS.items():
        text = text.replace("\x00", "")  # PostgreSQL text cannot hold NUL (the log carries it instead)
        rows.append((f"{key} {text}", f"CORP\\{key}", f"{text}@fabrikam.local"))
    return rows


def hostile_log(folder: Path) -> Path:
    """A Cloudusersync.log whose error messages carry the payloads (any failing component writes here)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for n, (key, text) in enumerate(PAYLOADS.items()):
        message = f"ERROR: sync of {key} failed: {text}\nsecond line | with a pipe"
        lines.append(
            f'<![LOG[{message}]LOG]!><time="10:{n:02d}:00.000+000" date="11-25-2026" '
            f'component="SMS_CLOUD_USERSYNC" context="" type="3" thread="1" file="">'
        )
    path = folder / "Cloudusersync.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def outputs(
    postgres_lab: PostgresLab, samba_lab: SambaLab, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Result, Path]]:
    tmp = tmp_path_factory.mktemp("hostile")
    postgres_lab.load_users(hostile_users())
    planted = []
    for key in ("script", "attribute", "rtl", "formula"):
        with contextlib.suppress(LdapWriteError):  # Samba refuses what AD would refuse too
            upn = f"{PAYLOADS[key]}@corp.contoso.test"
            planted.append(samba_lab.add_user(f"hostile-{key}", upn, display_name=PAYLOADS[key]))
    hostile_log(tmp / "logs")
    config = tmp / "scan.toml"
    config.write_text(
        f"""
[site]
code = "EC1"
company = "Contoso {PAYLOADS["script"]}"
verified_domains = ["contoso.com"]
[sql]
connection_string = "{postgres_lab.reader_connection_string()}"
user = "{postgres_lab.reader_user}"
password_env = "MDMP_HOSTILE_SQL"
sample_users = 0
[directory]
url = "{samba_lab.ldaps_url}"
user = "{READER_UPN}"
password_env = "MDMP_HOSTILE_LDAP"
ca_file = '{samba_lab.ca_file}'
sample_users = 0
[logs]
paths = ['{tmp / "logs"}']
[checks."logs.errors"]
since = "2026-11-01"
[checks."logs.cloudusersync_stale"]
relative_to = "newest"
[email]
smtp_host = "127.0.0.1"
from = "scanner@contoso.test"
to = ["admin@contoso.test"]
security = "none"
send = "always"
attach = ["html"]
""",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MDMP_HOSTILE_SQL", postgres_lab.reader_password)
        mp.setenv("MDMP_HOSTILE_LDAP", samba_lab.reader_password)
        r = CliRunner().invoke(
            app, ["scan", "-c", str(config), "-o", str(tmp / "out"), "--dry-run-email", str(tmp / "mail.eml")]
        )
    assert r.exit_code == 1, r.output
    assert planted, "the DC took at least one hostile user"
    yield r, tmp
    conn = samba_lab.admin_connection()  # the DC is shared by the session: leave it as it was
    for dn in planted:
        conn.delete(dn)
    conn.unbind()


def test_the_terminal_gets_no_escape_sequences_and_shows_bidi_as_a_code(outputs: tuple[Result, Path]) -> None:
    r, tmp = outputs
    logs = CliRunner().invoke(
        app, ["logs", str(tmp / "logs"), "--since", "2026-11-01", "--limit", "50"]
    )  # every message shown
    for out in (r.stdout, logs.stdout):
        assert ESC not in out and BIDI not in out and "\x00" not in out and "\x07" not in out
    assert "[U+202E]" in logs.stdout  # still readable: the reader sees that something was there
    assert "alert(1)" in logs.stdout and "nulbyte" in logs.stdout  # plain text, legible


def test_html_keeps_every_payload_as_text(outputs: tuple[Result, Path]) -> None:
    html = (outputs[1] / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.I)
    assert ESC not in html and BIDI not in html and "\x00" not in html
    assert "[U+202E]" in html


def test_markdown_tables_keep_their_shape(outputs: tuple[Result, Path]) -> None:
    md = (outputs[1] / "out" / "report.md").read_text(encoding="utf-8")
    assert ESC not in md and BIDI not in md and "<script>" not in md
    table: list[int] = []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            table.append(len(re.findall(r"(?<!\\)\|", line)))
        elif table:
            assert len(set(table)) == 1, f"a table row has a different number of cells: {table}"
            table = []
    assert r"a\|b" in md  # the pipe is escaped, not dropped


def test_csv_cells_cannot_start_a_formula_and_json_keeps_the_data(outputs: tuple[Result, Path]) -> None:
    out = outputs[1] / "out"
    with (out / "findings.csv").open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not [c for c in cells if c.startswith(CSV_TRIGGERS)]
    assert any("HYPERLINK" in c for c in cells) and any("cmd|" in c for c in cells)
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    text = json.dumps(data, ensure_ascii=False)
    assert PAYLOADS["formula"].replace('"', '\\"') in text  # JSON is data: lossless, escaped by JSON itself


def test_junit_is_well_formed_xml(outputs: tuple[Result, Path]) -> None:
    tree = ET.parse(outputs[1] / "out" / "junit.xml")
    text = ET.tostring(tree.getroot(), encoding="unicode")
    assert "alert(1)" in text and "\x00" not in text and ESC not in text


def test_the_email_is_inert_too(outputs: tuple[Result, Path]) -> None:
    msg = email.message_from_bytes((outputs[1] / "mail.eml").read_bytes(), policy=email.policy.default)
    assert "\n" not in str(msg["Subject"]) and ESC not in str(msg["Subject"])  # one line: no injected headers
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<script>alert" not in html and "<img src=x" not in html
    assert ESC not in html + plain and BIDI not in html + plain
