"""findings.csv as Excel opens it: one row per finding, no formulas, BOM and CRLF."""

from __future__ import annotations

import csv
import io
import json

from reports.csvfmt import COLUMNS, render_csv
from scanner.model import Acceptance, ScanResult, Severity
from tests.reports.conftest import ACCEPT, FORMULA, HOSTILE, HOSTILE_SHOWN, failed, finding, passed, scan


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_no_cell_can_start_a_formula() -> None:
    nasty = finding(
        "upn.x",
        FORMULA,
        message="+SUM(A1:A9)",
        evidence={"v": "@x"},
        accepted=Acceptance(reason="-1", owner="@evil", expires="\t=1"),
    )
    tab = finding("upn.x", "\t=HYPERLINK(1)", message="\r=2", severity=Severity.LOW)
    rows = _rows(render_csv(scan(failed("upn.x", nasty, tab, title="=1+1", remediation="@SUM(1)"))))
    cells = [v for r in rows for v in r.values()]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    first, second = sorted(rows, key=lambda r: r["severity"])  # high, low
    assert first["target"] == "'" + FORMULA and first["message"] == "'+SUM(A1:A9)"
    assert first["check_title"] == "'=1+1" and first["remediation"] == "'@SUM(1)"
    assert (first["accepted_reason"], first["accepted_owner"], first["accepted_expires"]) == (
        "'-1",
        "'@evil",
        "'\t=1",
    )
    assert (second["target"], second["message"]) == ("'\t=HYPERLINK(1)", "'\r=2")


def test_hostile_text_round_trips_apart_from_control_characters(hostile: ScanResult) -> None:
    rows = _rows(render_csv(hostile))
    bad = next(r for r in rows if r["target"].startswith("<script>"))
    assert bad["target"] == bad["message"] == bad["check_title"] == HOSTILE_SHOWN
    assert json.loads(bad["evidence"])["value"] == HOSTILE  # JSON escapes control characters itself


def test_one_row_per_finding_open_first_most_severe_first() -> None:
    result = scan(
        failed("upn.a", finding("upn.a", "low.example", severity=Severity.LOW)),
        failed("dns.b", finding("dns.b", "ok.example", accepted=ACCEPT, evidence={"records": ["a", "b"]})),
        failed("adfs.c", finding("adfs.c", "sts.example", severity=Severity.CRITICAL)),
        passed("logs.d"),
    )
    rows = _rows(render_csv(result))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["check_id"], r["status"], r["accepted"]) for r in rows] == [
        ("adfs.c", "open", "no"),
        ("upn.a", "open", "no"),
        ("dns.b", "accepted", "yes"),
    ]
    accepted = rows[2]
    assert (accepted["accepted_reason"], accepted["accepted_owner"], accepted["accepted_expires"]) == (
        ACCEPT.reason,
        ACCEPT.owner,
        ACCEPT.expires,
    )
    assert json.loads(accepted["evidence"]) == {"records": ["a", "b"]}
    assert accepted["fingerprint"] == result.results[1].findings[0].fingerprint


def test_excel_dialect_bom_and_crlf() -> None:
    text = render_csv(scan(failed("upn.x", finding("upn.x", "a", message="two\nlines"))))
    raw = text.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 2 and raw.endswith(b"\r\n")  # header and one record
    assert _rows(text)[0]["message"] == "two\nlines"
