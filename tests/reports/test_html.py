"""The HTML report a consultant hands over: self-contained, escaped, complete, and readable at scale."""

from __future__ import annotations

import re

from markupsafe import escape

from reports.html import CSP, SCRIPT, render_html
from scanner.model import ScanResult
from tests.reports.conftest import HOSTILE_SHOWN, errored, failed, finding, many, scan, skipped


def test_hostile_values_are_shown_as_text_never_run(hostile: ScanResult) -> None:
    page = render_html(hostile)
    assert page.lower().count("<script") == 1 and f"<script>{SCRIPT}</script>" in page  # only ours
    shown = str(escape(HOSTILE_SHOWN))  # the reader sees exactly the data, minus control characters
    assert f"<h1>{shown}</h1>" in page  # company
    assert f"<h3>{shown}</h3>" in page  # check title
    assert f'<td class="target">{shown}</td>' in page
    assert f"<td>{shown}</td>" in page  # message
    assert f'<span class="k">value:</span> {shown}</div>' in page
    assert "\x00" not in page and "\x07" not in page


def test_the_file_loads_nothing_from_anywhere(mixed: ScanResult) -> None:
    refs = ("https://learn.microsoft.com/intune", "http://insecure.example.com/doc")
    page = render_html(scan(*mixed.results, failed("dns.x", references=refs)))
    assert re.search(r"<link\b|<img\b|<iframe\b|\bsrc\s*=|@import|url\(", page, re.I) is None
    assert re.findall(r"<script\b[^>]*>", page, re.I) == ["<script>"] and SCRIPT in page
    # Even if escaping failed, the browser would load nothing and run no other script.
    assert f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">' in page
    assert CSP.startswith("default-src 'none';") and "unsafe-inline" not in CSP.split("script-src")[1]
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert all(h.startswith(("#", "https://")) for h in hrefs), hrefs
    assert 'href="https://learn.microsoft.com/intune"' in page
    assert "http://insecure.example.com/doc" in page and 'href="http://' not in page


def test_a_javascript_reference_stays_plain_text() -> None:
    page = render_html(scan(failed("dns.x", references=("javascript:alert(1)",))))
    assert "javascript:alert(1)" in page and 'href="javascript' not in page


def test_every_status_count_is_in_the_summary(mixed: ScanResult) -> None:
    page = render_html(mixed)
    tiles = dict((label, int(n)) for n, label in re.findall(r"<b>(\d+)</b> (\w+)</div>", page))
    assert tiles == {"Failed": 2, "Accepted": 1, "Errors": 1, "Skipped": 3, "Passed": 4}
    assert "1 critical finding needs attention" in page


def test_accepted_findings_stay_visible_and_marked(mixed: ScanResult) -> None:
    page = render_html(mixed)
    [row] = re.findall(r'<tr class="finding accepted">.*?</tr>', page, re.S)
    assert "corp.contoso.local" in row and "Accepted" in row
    assert (
        "Legacy OU, users migrate in Q1" in row and "it-identity@contoso.com" in row and "2027-03-31" in row
    )


def test_errors_and_skipped_checks_show_their_reasons(mixed: ScanResult) -> None:
    page = render_html(mixed)
    assert "LDAP bind to dc01.corp.contoso.com failed: invalid credentials" in page
    listed = "".join(re.findall(r'<ul class="list unresolved">.*?</ul>', page, re.S))
    assert listed.count("the [directory] section is not configured") == 2
    assert "no verified domains configured" in page


def test_a_check_with_500_findings_shows_100_and_points_to_the_rest() -> None:
    page = render_html(scan(many("upn.bad_suffix", 500), many("dns.x", 3)))
    assert page.count('<tr class="finding">') == 103
    assert "400 more findings in findings.csv / result.json" in page
    assert "user00099@corp.contoso.local" in page and "user00100@corp.contoso.local" not in page


def test_passes_show_what_they_examined(mixed: ScanResult) -> None:
    page = render_html(mixed)
    assert all(f"Sitecomp.log: {i} entries" in page for i in range(4))


def test_header_names_the_customer_site_tool_and_run() -> None:
    page = render_html(scan(errored("dns.x", "timeout"), skipped("adfs.x", "n/a")))
    for text in (
        "Contoso",
        "EC1",
        "mdm-preflight 1.2.3",
        "2026-11-25 18:00:00 UTC",
        "2026-11-25 18:00:42 UTC",
    ):
        assert text in page
    assert "42 s" in page and "mdm-preflight.toml" in page
    assert "@media print" in page


def test_bidi_overrides_are_shown_not_obeyed() -> None:
    from reports.text import printable

    assert printable("admin\u202egpj.exe") == "admin[U+202E]gpj.exe"
    assert printable("a\u2066b\u200fc") == "a[U+2066]b[U+200F]c"


def test_a_huge_environment_stays_under_5_mb_and_points_to_the_csv() -> None:
    # 20 checks x 2,000 findings, each naming 500 users: far beyond what a page can show.
    users = [f"CONTOSO\\user{i:05d} <user{i:05d}@corp.contoso.local>" for i in range(500)]
    big = [
        failed(
            f"upn.check{c:02d}",
            *(
                finding(f"upn.check{c:02d}", f"site{i:04d}.corp.local", evidence={"examples": users})
                for i in range(2000)
            ),
        )
        for c in range(20)
    ]
    page = render_html(scan(*big))
    assert len(page.encode("utf-8")) < 5_000_000
    assert page.count("1,900 more findings in findings.csv / result.json") == 20
    assert "… and 475 more in findings.csv" in page


def test_a_page_over_budget_shows_fewer_rows_per_check() -> None:
    result = scan(*(many(f"upn.check{c}", 300) for c in range(5)))
    full = render_html(result)
    assert full.count('<tr class="finding">') == 500
    small = render_html(result, budget=len(full.encode()) // 2)
    assert len(small.encode()) <= len(full.encode()) // 2
    assert 50 <= small.count('<tr class="finding">') < 300
