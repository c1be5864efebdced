"""report --pdf finds a browser where admins have one and writes the PDF whole or not at all."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from scanner.app import pdf

FAKE = """#!{python}
import sys
out = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--print-to-pdf="))
if "{mode}" == "ok":
    open(out, "wb").write(b"%PDF-1.4 fake " + " ".join(sys.argv[1:]).encode())
else:
    sys.stderr.write("[0101/000000:ERROR] cannot open display\\n")
    sys.exit(21)
"""


def _fake(tmp_path: Path, mode: str) -> Path:
    exe = tmp_path / f"chromium-{mode}"
    exe.write_text(FAKE.replace("{python}", sys.executable).replace("{mode}", mode), encoding="utf-8")
    exe.chmod(0o755)
    return exe


@pytest.fixture
def no_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv(pdf.ENV, raising=False)
    for var in ("ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.usefixtures("no_path")
def test_edge_is_found_where_windows_installs_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    edge = tmp_path / "pf" / "Microsoft" / "Edge" / "Application" / "msedge.exe"
    edge.parent.mkdir(parents=True)
    edge.write_bytes(b"")
    monkeypatch.setenv("ProgramFiles", str(tmp_path / "pf"))
    # The Windows relative path uses backslashes; on POSIX the test builds the same path by hand.
    if os.sep == "/":
        monkeypatch.setattr(pdf, "_WINDOWS", (("ProgramFiles", "Microsoft/Edge/Application/msedge.exe"),))
    assert pdf.find_browser() == edge


@pytest.mark.usefixtures("no_path")
def test_no_browser_means_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf, "_MAC", ())
    assert pdf.find_browser() is None
    with pytest.raises(pdf.PdfError, match="apt-get install chromium"):
        pdf.print_pdf(tmp_path / "report.html", tmp_path / "report.pdf")


@pytest.mark.skipif(os.name == "nt", reason="the fake browser is a POSIX script")
@pytest.mark.usefixtures("no_path")
def test_the_browser_prints_the_report_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(pdf.ENV, str(_fake(tmp_path, "ok")))
    (tmp_path / "report.html").write_text("<p>hi</p>", encoding="utf-8")
    made = pdf.print_pdf(tmp_path / "report.html", tmp_path / "out" / "report.pdf")
    data = made.read_bytes()
    assert data.startswith(b"%PDF-") and b"--headless" in data and b"--no-pdf-header-footer" in data
    assert (tmp_path / "report.html").resolve().as_uri().encode() in data
    assert sorted(p.name for p in made.parent.iterdir()) == ["report.pdf"]  # no temp files left


@pytest.mark.skipif(os.name == "nt", reason="the fake browser is a POSIX script")
@pytest.mark.usefixtures("no_path")
def test_a_failing_browser_leaves_no_pdf_and_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(pdf.ENV, str(_fake(tmp_path, "fail")))
    (tmp_path / "report.pdf").write_bytes(b"%PDF old")
    with pytest.raises(pdf.PdfError, match=r"printed no PDF \(exit 21\): .*cannot open display"):
        pdf.print_pdf(tmp_path / "report.html", tmp_path / "report.pdf")
    assert (tmp_path / "report.pdf").read_bytes() == b"%PDF old"
