"""junit.xml as a CI server reads it: counts that match the scan, accepted findings not failing."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from reports.junit import render_junit
from scanner.model import ScanResult
from tests.reports.conftest import HOSTILE_SHOWN, errored, failed, scan


def _cases(root: Element) -> dict[str, Element]:
    return {c.get("name", ""): c for c in root.iter("testcase")}


def test_counts_match_the_scan_and_accepted_only_checks_pass(mixed: ScanResult) -> None:
    root = fromstring(render_junit(mixed))
    assert root.tag == "testsuite" and root.get("name") == "mdm-preflight"
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "11",
        "failures": "2",
        "errors": "1",
        "skipped": "3",
    }
    assert root.get("time") == "42.000"
    cases = _cases(root)
    assert len(root.findall(".//failure")) == 2 and len(root.findall(".//error")) == 1
    accepted = cases["upn.legacy"]
    assert accepted.find("failure") is None
    assert "Legacy OU, users migrate in Q1" in (accepted.findtext("system-out") or "")
    assert cases["adfs.cert_expiry"].get("classname") == "adfs"


def test_failures_list_open_findings_and_errors_skips_carry_reasons(mixed: ScanResult) -> None:
    cases = _cases(fromstring(render_junit(mixed)))
    failure = cases["adfs.cert_expiry"].find("failure")
    assert failure is not None and failure.get("type") == "critical"
    assert "1 open finding (worst: critical)" in (failure.get("message") or "")
    assert "[critical] sts.contoso.com" in (failure.text or "")
    error = cases["directory.bind"].find("error")
    assert (
        error is not None
        and error.get("message") == "LDAP bind to dc01.corp.contoso.com failed: invalid credentials"
    )
    skip = cases["dns.mx"].find("skipped")
    assert skip is not None and skip.get("message") == "no verified domains configured"


def test_hostile_text_parses_and_round_trips(hostile: ScanResult) -> None:
    text = render_junit(hostile)
    assert "\x00" not in text and "\x07" not in text
    cases = _cases(fromstring(text))
    failure = cases["upn.bad_suffix"].find("failure")
    assert failure is not None
    assert f"[high] {HOSTILE_SHOWN}: {HOSTILE_SHOWN}" in (failure.text or "")
    assert (failure.get("message") or "").endswith(HOSTILE_SHOWN)  # the title, newline included
    error = cases["dns.txt_record"].find("error")
    assert error is not None and error.get("message") == f"resolver said {HOSTILE_SHOWN}"


def test_characters_xml_cannot_carry_are_dropped_everywhere() -> None:
    odd = "a\x01b\x1bc\ufffed\ud800e"
    result = scan(failed("upn.x", title=odd), errored("dns.y", odd), company=odd)
    root = fromstring(render_junit(result).encode("utf-8"))
    error = _cases(root)["dns.y"].find("error")
    assert error is not None and error.get("message") == "abcde"
    assert [p.get("value") for p in root.iter("property") if p.get("name") == "company"] == ["abcde"]
