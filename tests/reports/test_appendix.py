"""The printed document (report.pdf's page): each check's first rows in the body, long lists in appendices
at its end, every shortened place pointing to its appendix, the contents listing them."""

from __future__ import annotations

import re

from reports.html import render_document, render_html
from reports.view.appendix import APPENDIX_ROWS, BODY_ROWS, letter
from tests.reports.conftest import failed, finding, many, scan


def _section(page: str, anchor: str) -> str:
    found = re.search(rf'<section class="area appendix" id="{anchor}">(.*?)</section>', page, re.S)
    assert found, f"no {anchor} in the document"
    return found.group(1)


def test_a_long_check_prints_its_first_rows_and_the_rest_in_an_appendix() -> None:
    page = render_document(scan(many("upn.bad_suffix", 40), many("dns.x", 2)))
    body = page.partition('<section class="area appendix"')[0]
    assert body.count('<tr class="finding">') == BODY_ROWS + 2  # dns.x is short: printed whole
    assert f'{40 - BODY_ROWS} more findings in <a href="#appendix-a">Appendix A</a>' in body
    appendix = _section(page, "appendix-a")
    assert appendix.count('<tr class="finding">') == 40 - BODY_ROWS
    assert "user00039@corp.contoso.local" in appendix and "user00000@corp.contoso.local" not in appendix
    assert "findings.csv" not in appendix  # nothing left out of the printed pages
    contents = re.search(r'<nav class="toc".*?</nav>', page, re.S)
    assert contents and 'href="#appendix-a">Appendix A: Problem found by upn.bad_suffix' in contents.group(0)
    assert "(40 findings)" in contents.group(0)
    assert "appendix-b" not in page


def test_twenty_thousand_findings_print_a_bounded_appendix_that_says_where_the_rest_are() -> None:
    page = render_document(scan(many("upn.bad_suffix", 20_000)))
    appendix = _section(page, "appendix-a")
    assert appendix.count('<tr class="finding">') == APPENDIX_ROWS
    rest = 20_000 - BODY_ROWS - APPENDIX_ROWS
    assert f"{rest:,} more findings in findings.csv / result.json" in appendix
    # The body does not claim the appendix holds all of them.
    assert f"{20_000 - BODY_ROWS:,} more findings in" in page and f"({APPENDIX_ROWS} printed there" in page


def test_a_long_evidence_list_prints_its_first_items_and_in_full_in_the_appendix() -> None:
    users = [f"CONTOSO\\u{i:03d}" for i in range(12)]
    long = finding("upn.bad_suffix", "corp.local", evidence={"users": 12, "examples": users})
    page = render_document(scan(failed("upn.bad_suffix", long)))
    body = page.partition('<section class="area appendix"')[0]
    assert "CONTOSO\\u002" in body and "CONTOSO\\u003" not in body
    assert '… and 9 more in <a href="#appendix-a">Appendix A</a>' in body
    appendix = _section(page, "appendix-a")
    assert all(u in appendix for u in users) and "evidence lists in full" in appendix


def test_a_list_one_or_two_rows_too_long_is_printed_whole() -> None:
    # "1 more in Appendix C" would cost a page turn for what one more line shows.
    page = render_document(scan(many("upn.bad_suffix", BODY_ROWS + 2)))
    assert 'id="appendix-' not in page and "Appendix A" not in page
    assert page.count('<tr class="finding">') == BODY_ROWS + 2


def test_the_screen_report_keeps_its_rows_in_place() -> None:
    page = render_html(scan(many("upn.bad_suffix", 40)))
    assert page.count('<tr class="finding">') == 40 and "Appendix" not in page


def test_appendix_letters_never_run_out() -> None:
    assert [letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]
