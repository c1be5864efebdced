"""The HTML report in a real browser (headless Chromium through Selenium), the way a reader sees it.

Screenshots at 1280 and 390 px and the printed PDFs are saved in tests/artifacts/ to look at.
In CI a missing Chromium or driver fails these tests; on a developer's machine it skips them.
"""

from __future__ import annotations

import base64
import io
import itertools
import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reports.html import render_html
from reports.view.report import build
from scanner import store
from scanner.model import ScanResult, Severity
from tests.lab import unavailable
from tests.reports.conftest import ACCEPT, failed, finding, hostile_scan, mixed_scan, passed, scan
from tests.system.test_cli import cli

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="180" height="48" viewBox="0 0 180 48">'
    b'<rect width="48" height="48" rx="10" fill="#0b5394"/><text x="58" y="32" font-family="Arial" '
    b'font-size="22" fill="#0b5394">Fabrikam</text><script>window.__pwned = 1</script></svg>'
)
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")


def _driver(width: int = 1280, javascript: bool = True) -> Any:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        unavailable("selenium is not installed (pip install -e '.[test]')")
    binary = next((p for p in map(shutil.which, CHROMIUM) if p), None)
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )
    if binary is None or driver is None:
        unavailable("chromium and chromium-driver are needed (apt-get install chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(binary)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--window-size={width},900",
    ):
        opts.add_argument(arg)
    if not javascript:
        opts.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(driver)), options=opts)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    d = _driver()
    yield d
    d.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo environment's report as `mdm-preflight demo` writes it, and one full of hostile values."""
    out = tmp_path_factory.mktemp("browser")
    assert cli("demo", "-q", "-f", "html,json", "-o", out / "demo").exit_code == 1
    hostile = hostile_scan()
    hostile = scan(
        *hostile.results, *mixed_scan().results, company=hostile.company, exceptions=hostile.exceptions
    )
    (out / "hostile.html").write_text(render_html(hostile), encoding="utf-8")
    brand = {
        "author": "Fabrikam Consulting",
        "engagement": "Hybrid MDM readiness review",
        "accent": "#0b5394",
    }
    logo = "data:image/svg+xml;base64," + base64.b64encode(LOGO).decode()
    demo = store.load_result(out / "demo" / "result.json")
    branded = replace(demo, options={**demo.options, "report": {**brand, "logo": logo}})
    (out / "branded.html").write_text(render_html(branded), encoding="utf-8")
    return {
        "demo": out / "demo" / "report.html",
        "hostile": out / "hostile.html",
        "branded": out / "branded.html",
    }


def _open(browser: Any, path: Path) -> None:
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(path.as_uri())


def _problems(browser: Any) -> list[dict[str, Any]]:
    return [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


@pytest.mark.parametrize("name", ["demo", "hostile", "branded"])
def test_no_console_errors_and_the_script_ran(browser: Any, pages: dict[str, Path], name: str) -> None:
    _open(browser, pages[name])
    assert browser.execute_script("return document.querySelectorAll('th.sort').length") > 0
    assert _problems(browser) == []
    assert browser.execute_script(
        "return window.__pwned === undefined && !document.querySelector('body script[src]')"
    )


def test_every_section_is_present_and_visible(browser: Any, pages: dict[str, Path]) -> None:
    from scanner import store

    report = build(store.load_result(pages["demo"].parent / "result.json"))
    _open(browser, pages["demo"])
    ids = ["verdict", *(s.anchor for s in report.sections), "run"]
    for i in ids:
        assert browser.execute_script(f"return document.getElementById('{i}').checkVisibility()"), i
    rows = browser.execute_script(
        "return [...document.querySelectorAll('.checklist tbody tr')].map(r => r.innerText)"
    )
    assert len(rows) == 6 and all(re.search(r"Not ready|Ready|Not checked", r) for r in rows)
    for c in (c for s in report.sections for c in s.problems):  # each card, and the checklist links to it
        assert browser.execute_script(f"return !!document.getElementById('{c.anchor}')"), c.id


def test_details_expand_on_click(browser: Any, pages: dict[str, Path]) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, pages["demo"])
    for selector in ("details.passed", "td.evidence details"):
        details = browser.find_element(By.CSS_SELECTOR, selector)
        inner = details.find_element(By.CSS_SELECTOR, ":scope > :not(summary)")
        assert details.get_attribute("open") is None and not inner.is_displayed()
        browser.execute_script("arguments[0].scrollIntoView()", details)
        details.find_element(By.TAG_NAME, "summary").click()
        assert details.get_attribute("open") is not None and inner.is_displayed()


def test_sorting_and_filtering_enhance_a_table(browser: Any, pages: dict[str, Path]) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, pages["demo"])
    card = browser.find_element(By.ID, "check-logs-cloudusersync-failures")
    targets = "return [...arguments[0].querySelectorAll('tbody td.target')].map(t => t.textContent)"
    card.find_elements(By.CSS_SELECTOR, "th.sort")[1].click()
    got = browser.execute_script(targets, card)
    assert got == sorted(got, key=str.lower) and len(got) > 2
    facts = browser.find_element(By.ID, "check-upn-suffix-inventory")  # 10 rows: a filter box
    shown = "return [...arguments[0].querySelectorAll('tbody tr')].filter(r => !r.hidden).length"
    total = browser.execute_script(shown, facts)
    box = facts.find_element(By.CSS_SELECTOR, "input.filter")
    browser.execute_script("arguments[0].scrollIntoView()", box)
    box.send_keys("fabrikam")
    assert 0 < browser.execute_script(shown, facts) < total


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", ["demo", "hostile", "branded"])
def test_screenshots_and_no_sideways_scrolling(
    browser: Any, pages: dict[str, Path], name: str, width: int
) -> None:
    _open(browser, pages[name])
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500}
    try:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        height = browser.execute_script("return document.documentElement.scrollHeight")
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"{name}-{width}.png"
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {**metrics, "height": min(height, 16000)}
        )
        browser.save_screenshot(str(shot))
        print(f"screenshot: {shot}")
        assert shot.stat().st_size > 10_000
        assert scroll <= width, f"the page scrolls sideways at {width} px ({scroll} px wide)"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_a_page_without_javascript_shows_everything(pages: dict[str, Path]) -> None:
    d = _driver(javascript=False)
    try:
        d.get(pages["demo"].as_uri())
        assert d.execute_script is not None
        text = d.find_element("tag name", "body").text
        assert (
            "VERDICT" in text.upper()
            and "About this run" in text
            and "Users failed to synchronize to Intune" in text
        )
        assert not d.find_elements("css selector", "th.sort")  # the script did not run
    finally:
        d.quit()


# --- accessibility ---------------------------------------------------------------------------------

_CONTRAST = """
const rgb = s => s.match(/[\\d.]+/g).map(Number);
const lum = ([r, g, b]) => [r, g, b]
  .map(c => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
  .reduce((a, c, i) => a + c * [0.2126, 0.7152, 0.0722][i], 0);
const background = el => {
  for (; el; el = el.parentElement) {
    const c = rgb(getComputedStyle(el).backgroundColor);
    if (c.length < 4 || c[3] > 0) return c;
  }
  return [255, 255, 255];
};
return [...document.querySelectorAll(arguments[0])].map(el => {
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
  return [el.className, el.textContent.trim(), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
});
"""


def test_document_language_heading_order_and_table_headers(browser: Any, pages: dict[str, Path]) -> None:
    _open(browser, pages["demo"])
    assert browser.execute_script("return document.documentElement.lang") == "en"
    levels = browser.execute_script(
        "return [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"
    )
    assert levels[0] == 1 and levels.count(1) == 1
    jumps = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert jumps == [], "a heading level is skipped"
    scopes = browser.execute_script(
        "return [...document.querySelectorAll('th')].map(t => t.getAttribute('scope'))"
    )
    assert scopes and set(scopes) <= {"col", "row"}
    assert browser.execute_script("return document.querySelector('.chart svg').getAttribute('role')") == "img"


@pytest.mark.parametrize("name", ["demo", "hostile"])
def test_severity_colours_meet_wcag_aa_and_carry_a_text_label(
    browser: Any, pages: dict[str, Path], name: str
) -> None:
    _open(browser, pages[name])
    labelled = browser.execute_script(_CONTRAST, ".badge, .pill, .tag")
    assert {cls.split()[-1] for cls, _, _ in labelled} >= {"sev-high", "sev-medium", "not_ready"}
    for cls, text, ratio in labelled:
        assert text, f"{cls}: colour alone, no text"
        assert ratio >= 4.5, f"{cls} '{text}': contrast {ratio:.2f} < 4.5"
    for cls, text, ratio in browser.execute_script(
        _CONTRAST, ".kicker, .examined, .counts, th, .checkid, td, .reason"
    ):
        assert ratio >= 4.5, f"{cls} '{text[:40]}': contrast {ratio:.2f} < 4.5"


# --- print -----------------------------------------------------------------------------------------


def _tall_rows_scan(n: int = 60) -> ScanResult:
    """Rows several lines tall, each marked at its first and its last cell, across many pages."""
    rows = [
        finding(
            "upn.non_routable_suffix",
            f"ROWSTART{i:03d}",
            severity=Severity.HIGH if i % 3 else Severity.MEDIUM,
            message=f"corp{i}.contoso.local is not a public domain: {i} users.",
            evidence={
                "examples": [f"CONTOSO\\user{i}{j}" for j in range(3)],
                "note": f"line\n\nline\nROWEND{i:03d}",
            },
        )
        for i in range(n)
    ]
    accepted = finding("dns.x", "legacy.contoso.com", accepted=ACCEPT)
    return scan(
        failed("upn.non_routable_suffix", *rows),
        failed("dns.x", accepted, finding("dns.x", "enroll.contoso.com")),
        passed("logs.sitecomp_connector", examined="PASSEDDETAIL Sitecomp.log: 12 entries"),
    )


def _pdf_pages(browser: Any, path: Path, name: str) -> list[str]:
    from pypdf import PdfReader
    from selenium.webdriver.common.print_page_options import PrintOptions

    _open(browser, path)
    opts = PrintOptions()
    opts.page_width, opts.page_height = 21.0, 29.7  # A4, cm
    pdf = base64.b64decode(browser.print_page(opts))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    print(f"pdf: {ARTIFACTS / f'{name}.pdf'}")
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_print_keeps_every_row_on_one_page_and_repeats_headers(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "tall.html"
    path.write_text(render_html(_tall_rows_scan(), cap=1000), encoding="utf-8")
    texts = _pdf_pages(browser, path, "print-rows")
    where_start = {m: i for i, t in enumerate(texts) for m in re.findall(r"ROWSTART\d{3}", t)}
    where_end = {
        m.replace("END", "START"): i for i, t in enumerate(texts) for m in re.findall(r"ROWEND\d{3}", t)
    }
    assert len(where_start) == 60 and where_start == where_end, "a table row was cut across pages"
    pages_with_rows = sorted(set(where_start.values()))
    assert len(pages_with_rows) > 3
    for i in pages_with_rows:  # the table's header row is repeated on every page the table spans
        assert "SEVERITY" in texts[i] and "EVIDENCE" in texts[i], f"page {i + 1} has rows but no header"


def test_print_starts_each_area_on_a_page_and_expands_details(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "areas.html"
    result = _tall_rows_scan(8)
    path.write_text(render_html(result), encoding="utf-8")
    texts = [unicodedata.normalize("NFKC", t) for t in _pdf_pages(browser, path, "print-areas")]
    for s in build(result).sections:
        first_lines = [t.strip().splitlines()[0] for t in texts if t.strip()]
        assert any(line.startswith(s.title) for line in first_lines), f"{s.title} does not start a page"
    assert any("PASSEDDETAIL" in t for t in texts), "a closed <details> was not printed"
    assert any("CONTOSO\\user01" in t for t in texts), "a collapsed evidence list was not printed"
