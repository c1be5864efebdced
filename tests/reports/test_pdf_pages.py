"""The printed report as a reader holds it: pages rendered to images by pdftoppm (poppler-utils), each
with enough on it, numbered "Page x of y" under a running header, severity colours kept in print."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app

pytestmark = pytest.mark.lab  # a real Chromium prints, poppler renders


def _pages(pdf: Path, out: Path) -> list[tuple[int, int, bytes]]:
    """Each page as (width, height, RGB bytes) at 30 dpi."""
    tool = shutil.which("pdftoppm")
    assert tool, "pdftoppm is missing: apt-get install poppler-utils"
    subprocess.run([tool, "-r", "30", str(pdf), str(out / "page")], check=True, timeout=120)
    pages = []
    for ppm in sorted(out.glob("page-*.ppm")):
        data = ppm.read_bytes()
        magic, width, height, depth, pixels = data.split(maxsplit=4)
        assert magic == b"P6" and depth == b"255"
        pages.append((int(width), int(height), pixels))
    return pages


def _ink(width: int, height: int, rgb: bytes) -> float:
    """Share of non-white pixels between the running header and footer."""
    body = rgb[width * 3 * (height * 8 // 100) : width * 3 * (height * 92 // 100)]
    dark = sum(1 for i in range(0, len(body), 3) if min(body[i], body[i + 1], body[i + 2]) < 200)
    return dark / (len(body) // 3)


def _red(rgb: bytes) -> int:
    return sum(1 for i in range(0, len(rgb), 3) if rgb[i] > 150 and rgb[i + 1] < 90 and rgb[i + 2] < 90)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf")
    r = CliRunner().invoke(app, ["demo", "-q", "--pdf", "-o", str(out)])
    assert r.exit_code == 1 and (out / "report.pdf").is_file(), r.output
    return out


def test_no_page_is_near_empty(printed: Path) -> None:
    pages = _pages(printed / "report.pdf", printed)
    assert len(pages) > 5
    ink = [_ink(*p) for p in pages]
    # The demo once printed a page holding one line and another holding only its footer. Only the last
    # page may be short, and it still holds more than a footer.
    assert min(ink[:-1]) > 0.02, [f"page {i + 1}: {v:.3f}" for i, v in enumerate(ink)]
    assert ink[-1] > 0.004, f"the last page holds nothing but its footer ({ink[-1]:.4f})"


def _texts(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [unicodedata.normalize("NFKC", p.extract_text()) for p in PdfReader(pdf).pages]


def test_every_page_is_numbered_and_carries_the_running_header(printed: Path) -> None:
    texts = _texts(printed / "report.pdf")
    n = len(texts)
    for i, text in enumerate(texts, 1):
        assert f"Page {i} of {n}" in text, f"page {i} has no page number"
        if i > 1:  # the cover has the title instead
            assert "Contoso (sample environment) · 20" in text and "Confidential" in text, f"page {i}"
    assert "Verdict" in texts[0].replace("VERDICT", "Verdict") and "not ready" in texts[0].lower()
    assert not any("result.json; findings.csv" in t for t in texts)  # no pointer to files a reader lacks


def test_severity_colours_survive_printing(printed: Path) -> None:
    pages = _pages(printed / "report.pdf", printed)
    assert _red(pages[0][2]) > 50  # the cover's high-severity badges and "Not ready" pills are red


def test_install_paths_are_shortened_in_printed_examples(printed: Path) -> None:
    html = (printed / "report.html").read_text(encoding="utf-8")
    assert "Cloudusersync.log:" in html
    assert "/sample_logs/broken/Cloudusersync.log:9" not in html  # examples name the file, not the folder


def test_long_lists_go_to_appendices_the_body_and_contents_point_to(printed: Path) -> None:
    texts = [" ".join(t.split()) for t in _texts(printed / "report.pdf")]
    whole = "\n".join(texts)
    # The demo's Cloudusersync.log names 6 users who failed to sync: the body prints 3, Appendix A the rest.
    contents = next(t for t in texts if "Contents" in t or "CONTENTS" in t)
    assert "Appendix A: Users failed to synchronize to Intune (6 findings)" in contents
    body = next(i for i, t in enumerate(texts) if "3 more findings in Appendix A" in t)
    start = next(i for i, t in enumerate(texts) if "Appendix A: Users failed to synchronize to Intune 6" in t)
    run = next(i for i, t in enumerate(texts) if "About this run" in t and "Provenance" in t.title())
    assert body < run <= start, (body, run, start)  # appendices come last, after the run's provenance
    start_a = whole.index("Appendix A: Users failed to synchronize to Intune 6")
    appendix = whole[start_a : whole.index("Appendix B:", start_a)]
    more = whole.index("3 more findings in Appendix A")
    card = whole[whole.rindex("logs.cloudusersync_failures", 0, more) : more]  # the body's card
    result = json.loads((printed / "result.json").read_text(encoding="utf-8"))
    (check,) = [c for c in result["results"] if c["check"]["id"] == "logs.cloudusersync_failures"]
    users = ["".join(f["target"].split()) for f in check["findings"]]
    card, appendix = "".join(card.split()), "".join(appendix.split())  # a long target wraps in its cell
    in_card, in_appendix = {u for u in users if u in card}, {u for u in users if u in appendix}
    assert len(users) == 6 and len(in_card) == len(in_appendix) == 3 and not in_card & in_appendix
    assert "8 more rows in Appendix B" in whole  # the suffix table: 3 rows in the body, 8 in Appendix B
