"""The fleet report and the site report's trend in headless Chromium, as a reader sees them.

Screenshots go to tests/artifacts/ to look at. In CI a missing Chromium fails; elsewhere it skips."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reports.view.checklist import PREREQUISITES
from scanner.unattended import history
from tests.reports.test_browser import ARTIFACTS, _driver, _open, _problems
from tests.system.fleet_share import SITES, backdate, build_share, scan_site, site_config
from tests.system.test_cli import cli


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    d = _driver()
    yield d
    d.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fleet-browser")
    share = build_share(root)
    assert cli("fleet", share, "-o", root / "fleet", "-f", "html").exit_code == 1
    hist = share / "history" / "contoso-ec1"
    samples = root / "samples"
    cfg = site_config(samples, "Contoso", "EC1", {"logs": "paths = ['healthy']"})
    backdate(history.runs(hist)[-1], 1)  # the last kept run a day before this one
    assert scan_site(cfg, root / "site", hist) == 1
    return {"fleet": root / "fleet" / "fleet.html", "site": root / "site" / "report.html"}


def test_fleet_page_runs_its_script_only_and_sorts(browser: Any, pages: dict[str, Path]) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, pages["fleet"])
    assert _problems(browser) == []
    matrix = browser.find_element(By.CSS_SELECTOR, "table.matrix")
    names = (
        "return [...arguments[0].querySelectorAll('tbody tr td:first-child .site')].map(t => t.textContent)"
    )
    first = browser.execute_script(names, matrix)
    assert len(first) == len(SITES) and first[0] == "Contoso — EC1"  # worst first
    matrix.find_elements(By.CSS_SELECTOR, "th.sort")[0].click()
    assert browser.execute_script(names, matrix) == sorted(first, key=str.lower)
    cells = browser.execute_script("return document.querySelectorAll('table.matrix td.st').length")
    assert cells == len(SITES) * len(PREREQUISITES)
    assert browser.find_element(By.CSS_SELECTOR, "#shared input.filter").is_displayed()  # over 8 rows


def test_fleet_links_open_each_sites_report(browser: Any, pages: dict[str, Path]) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, pages["fleet"])
    hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "table.matrix a")]
    assert len(hrefs) == len(SITES)
    browser.get(hrefs[0])
    assert "Hybrid MDM readiness report" in browser.title and _problems(browser) == []


def test_the_trend_strips_show_without_script(pages: dict[str, Path]) -> None:
    d = _driver(javascript=False)
    try:
        d.get(pages["site"].as_uri())
        strips = d.execute_script(
            "return [...document.querySelectorAll('table.trend svg.strip')]"
            ".map(s => [s.getBoundingClientRect().width, s.querySelectorAll('rect').length])"
        )
        assert len(strips) == len(PREREQUISITES)
        runs = len(history.runs(Path(pages["site"]).parents[1] / "share" / "history" / "contoso-ec1"))
        assert all(w > 0 and n == runs for w, n in strips)
        colours = d.execute_script(
            "const row = [...document.querySelectorAll('table.trend tr')]"
            ".find(r => r.innerText.includes('User sync'));"
            "return [...row.querySelectorAll('rect')].map(r => getComputedStyle(r).fill);"
        )
        # Broken logs before, healthy logs now: the last cell is green, the one before red.
        assert colours[-1] != colours[-2] and len(set(colours)) == 2
        assert "open for 20 days" in d.find_element("tag name", "body").text
    finally:
        d.quit()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", ["fleet", "site"])
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
        shot = ARTIFACTS / f"trend-{name}-{width}.png"
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {**metrics, "height": min(height, 16000)}
        )
        browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        assert scroll <= width, f"the page scrolls sideways at {width} px ({scroll} px wide)"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
