"""The Markdown report: hostile values stay inert in tables, and the file never passes 1 MB."""

from __future__ import annotations

import re
from html import unescape

from markdown_it import MarkdownIt

from reports.markdown import MAX_BYTES, render_markdown
from scanner.model import ScanResult, Severity
from tests.reports.conftest import HOSTILE_SHOWN, SCRIPT, failed, finding, many, passed, scan

# CommonMark passes raw HTML through, as GitHub and most converters do before sanitising: if our
# escaping failed, the injected tag would appear in this output.
_MD = MarkdownIt("commonmark").enable("table")


def _tables(text: str) -> list[list[list[str]]]:
    """Each table as rows of cells (HTML of each cell), as a Markdown viewer lays them out."""
    out = []
    for table in re.findall(r"<table>.*?</table>", _MD.render(text), re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
        out.append([re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows])
    return out


def _findings_table(text: str) -> list[list[str]]:
    return next(t for t in _tables(text) if t[0][:2] == ["Severity", "Target"])


def test_hostile_values_stay_one_inert_row_each(hostile: ScanResult) -> None:
    text = render_markdown(hostile)
    html = _MD.render(text)
    assert "<script" not in html.lower() and SCRIPT not in text
    rows = _findings_table(text)
    assert len(rows) == 3  # header + the two findings: no value broke out of its row
    assert all(len(r) == 5 for r in rows)
    # A reader sees exactly the data (a line break as "; "), minus control characters; the Markdown
    # itself holds no entity and no <br>, which Teams, Jira and Word would show as typed.
    target, message = rows[1][1], rows[1][2]
    assert target.startswith("&lt;script&gt;alert(1)&lt;/script&gt; a|b; second line =cmd|")
    assert unescape(target) == unescape(message) == HOSTILE_SHOWN.replace("\n", "; ")
    cells = [ln for ln in text.splitlines() if ln.startswith("| high")]
    assert cells and not any("&lt;" in c or "<br>" in c for c in cells)
    assert "\\&amp; bell" in cells[0]  # the one & that spells an entity is escaped, the rest as typed
    assert "\x00" not in text and "\x07" not in text


def test_markdown_syntax_in_values_does_nothing() -> None:
    nasty = "a\\|b [click](https://e.vil/) `code` <img src=x onerror=alert(1)> ![x](https://e.vil/x.png)"
    text = render_markdown(scan(failed("upn.x", finding("upn.x", nasty, message=nasty))))
    html = _MD.render(text)
    assert "e.vil" not in "".join(re.findall(r'(?:href|src)="[^"]*"', html))
    assert "<img" not in html and "<code>" not in html
    rows = _findings_table(text)
    assert len(rows) == 2 and len(rows[1]) == 5
    assert rows[1][1].startswith("a\\|b [click](https://e.vil/)")


def test_a_result_that_fits_is_complete() -> None:
    text = render_markdown(scan(many("upn.bad_suffix", 500), passed("dns.mx")))
    assert len(_findings_table(text)) == 501
    assert "more findings" not in text and "shortened" not in text


def test_50000_findings_stay_under_1_mb_and_say_where_the_rest_is() -> None:
    small = failed(
        "dns.x", *(finding("dns.x", f"host{i}.contoso.com", severity=Severity.LOW) for i in range(40))
    )
    result = scan(many("upn.bad_suffix", 30_000), many("directory.upn_format", 19_960), small)
    text = render_markdown(result)
    assert MAX_BYTES * 0.9 < len(text.encode("utf-8")) <= MAX_BYTES  # cut, but not needlessly
    assert "Every finding is in findings.csv and result.json" in text
    tables = [t for t in _tables(text) if t[0][:2] == ["Severity", "Target"]]
    rows = sorted(len(t) - 1 for t in tables)
    assert rows[0] == 40  # the short list keeps every row: the longest lists lose rows first
    assert rows[1] == rows[2] > 1000  # the two long lists are cut to the same length
    assert f"{30_000 - rows[2]} more findings in findings.csv / result.json" in text
    assert f"{19_960 - rows[1]} more findings in findings.csv / result.json" in text


def test_text_too_long_even_without_findings_is_cut_at_the_budget() -> None:
    huge = failed("upn.x", description="why " * 100_000)
    text = render_markdown(scan(huge), budget=50_000)
    assert len(text.encode("utf-8")) <= 50_000
    assert text.rstrip().endswith("The complete data is in result.json and findings.csv.")
