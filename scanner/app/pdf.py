"""report --pdf: the HTML report printed by a locally installed Chromium, Chrome or Edge."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from scanner.errors import PreflightError
from scanner.files import write_atomic
from scanner.model import ScanResult

ENV = "MDM_PREFLIGHT_CHROMIUM"
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge")
# Where Windows installs them (Edge ships with Windows 10 and 11), then macOS.
_WINDOWS = (
    ("ProgramFiles", r"Microsoft\Edge\Application\msedge.exe"),
    ("ProgramFiles(x86)", r"Microsoft\Edge\Application\msedge.exe"),
    ("ProgramFiles", r"Google\Chrome\Application\chrome.exe"),
    ("ProgramFiles(x86)", r"Google\Chrome\Application\chrome.exe"),
    ("LOCALAPPDATA", r"Google\Chrome\Application\chrome.exe"),
    ("LOCALAPPDATA", r"Chromium\Application\chrome.exe"),
)
_MAC = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)
HOW_TO_GET = (
    "no Chromium, Chrome or Edge found for --pdf; install one (Debian/Ubuntu: apt-get install chromium; "
    f"Windows: Microsoft Edge), or set {ENV} to its path, or open report.html and Print > Save as PDF"
)


class PdfError(PreflightError):
    """No browser, or the browser failed: one line saying what to do."""


def find_browser() -> Path | None:
    if chosen := os.environ.get(ENV):
        return Path(chosen) if Path(chosen).is_file() else None
    for name in _NAMES:
        if found := shutil.which(name):
            return Path(found)
    candidates = [Path(os.environ[var], rel) for var, rel in _WINDOWS if os.environ.get(var)]
    candidates += [Path(p) for p in _MAC]
    return next((p for p in candidates if p.is_file()), None)


def print_report(result: ScanResult, pdf: Path, timeout: float = 300.0) -> Path:
    """report.pdf for `result`: the HTML report laid out as a document (long lists in appendices)."""
    from reports.html import render_document  # jinja2 and the templates only when a PDF is asked for

    with tempfile.TemporaryDirectory(prefix="mdmp-doc-", ignore_cleanup_errors=True) as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(render_document(result), encoding="utf-8")
        return print_pdf(page, pdf, timeout)


def print_pdf(html: Path, pdf: Path, timeout: float = 120.0) -> Path:
    """Headless print of `html` to `pdf`, written whole or not at all."""
    browser = find_browser()
    if browser is None:
        raise PdfError(HOW_TO_GET)
    # On Windows a browser helper process can still hold its profile open for a moment after the
    # PDF is written; the PDF is what matters, so a folder left behind is no failure.
    with tempfile.TemporaryDirectory(prefix="mdmp-pdf-", ignore_cleanup_errors=True) as tmp:
        part = Path(tmp) / "report.pdf"
        args = [
            str(browser),
            "--headless",
            "--disable-gpu",
            "--disable-extensions",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={part}",
            html.resolve().as_uri(),
        ]
        if _as_root():
            args.insert(1, "--no-sandbox")  # Chromium refuses to start sandboxed as root
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{browser}: no PDF after {timeout:g} s") from None
        except OSError as exc:
            raise PdfError(f"{browser}: cannot start ({exc.strerror or exc})") from None
        if not part.is_file() or part.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise PdfError(f"{browser} printed no PDF (exit {done.returncode}): {last}")
        try:
            return write_atomic(pdf, part.read_bytes())
        except OSError as exc:  # WriteError: one line naming the file
            raise PdfError(str(exc)) from None


def _as_root() -> bool:
    geteuid = getattr(os, "geteuid", None)  # absent on Windows
    return geteuid is not None and geteuid() == 0
