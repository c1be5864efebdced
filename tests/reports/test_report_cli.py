"""The report options as a consultant drives them: branding, --redact, --pdf, the action plan."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import pytest

from scanner.app.pdf import ENV
from tests.reports.test_brand import PNG
from tests.system.test_cli import cli, one_line_error


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert cli("demo", "-q", "-o", out).exit_code == 1
    return out


def test_the_html_report_comes_with_its_action_plan_and_user_list(demo: Path, tmp_path: Path) -> None:
    r = cli("report", demo / "result.json", "-f", "html", "-o", tmp_path)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["action-plan.csv", "report.html", "users.csv"]
    assert cli("report", demo / "result.json", "-f", "md", "-o", tmp_path / "md").exit_code == 0
    assert [p.name for p in (tmp_path / "md").iterdir()] == ["report.md"]


def test_the_scan_records_who_ran_it_and_where(demo: Path) -> None:
    options = json.loads((demo / "result.json").read_text(encoding="utf-8"))["provenance"]["options"]
    assert options["command"] == ["demo"] and options["host"] and "user" in options and options["python"]


def test_branding_from_a_config_replaces_the_saved_one(demo: Path, tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "brand.toml").write_text(
        '[report]\nlogo = "logo.png"\naccent = "#0b5394"\nauthor = "Fabrikam Consulting"\n'
        'engagement = "Readiness review"\n',
        encoding="utf-8",
    )
    r = cli("report", demo / "result.json", "-c", tmp_path / "brand.toml", "-o", tmp_path / "out")
    assert r.exit_code == 0, r.output
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in page
    assert "Readiness review · prepared by Fabrikam Consulting" in page and "--accent: #0b5394;" in page


def test_an_unreadable_logo_is_one_line(demo: Path, tmp_path: Path) -> None:
    (tmp_path / "brand.toml").write_text('[report]\nlogo = "nope.png"\n', encoding="utf-8")
    r = cli("report", demo / "result.json", "-c", tmp_path / "brand.toml", "-o", tmp_path / "out")
    one_line_error(r, "report.logo", "nope.png", "cannot read the logo")


def test_redact_pseudonymises_every_file_and_writes_no_raw_evidence(tmp_path: Path) -> None:
    (tmp_path / "evidence.json").write_text("{}", encoding="utf-8")  # left by an earlier, plain run
    r = cli("demo", "-q", "--redact", "-o", tmp_path, env={"MDM_PREFLIGHT_REDACT_KEY": "k"})
    assert r.exit_code == 1, r.output
    assert not (tmp_path / "evidence.json").exists()
    for path in tmp_path.iterdir():
        text = path.read_text(encoding="utf-8-sig")
        # Users of the sample environment, by UPN and by account name.
        for name in ("ann.lee@", "abe.cole@", "CONTOSO\\faye", "CONTOSO\\\\faye", "CORP\\abecole"):
            assert name not in text, (path.name, name)
        # A UPN without @ (reported as a suffix) and a hostile one no UPN pattern matches.
        assert not re.search(r"\bjsmith\b", text) and "alert(1)" not in text, path.name
        assert "corp.contoso.local" in text or path.name == "junit.xml", path.name
    ran = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))["provenance"]["options"]
    assert ran["user"].startswith("user-") and ran["host"].startswith("host-")
    again = tmp_path / "again"
    cli("demo", "-q", "--redact", "-o", again, env={"MDM_PREFLIGHT_REDACT_KEY": "k"})
    first = (tmp_path / "action-plan.csv").read_text(encoding="utf-8")
    assert (again / "action-plan.csv").read_text(encoding="utf-8") == first  # same key, same pseudonyms


def test_pdf_without_a_browser_says_how_to_get_one(demo: Path, tmp_path: Path) -> None:
    r = cli("report", demo / "result.json", "--pdf", "-o", tmp_path, env={ENV: str(tmp_path / "none")})
    one_line_error(r, "no Chromium, Chrome or Edge found", "apt-get install chromium", "Edge")
    assert (tmp_path / "report.html").exists() and not (tmp_path / "report.pdf").exists()


@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="needs chromium (tests/reports/test_browser.py requires it)"
)
@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="needs chromium (tests/reports/test_browser.py requires it)"
)
def test_scan_pdf_prints_beside_the_reports(tmp_path: Path) -> None:
    r = cli("demo", "--pdf", "-f", "md", "-o", tmp_path)
    assert r.exit_code == 1, r.output
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "report.html").exists() and "report.pdf" in r.stdout


def test_scan_pdf_without_a_browser_warns_and_keeps_the_scan(tmp_path: Path) -> None:
    r = cli("demo", "--pdf", "-o", tmp_path, env={ENV: str(tmp_path / "none")})
    assert r.exit_code == 1, r.output  # the findings' exit code, not a usage error
    assert "warning: report.pdf not printed: no Chromium, Chrome or Edge found" in r.stderr
    assert (tmp_path / "report.html").exists() and (tmp_path / "result.json").exists()


@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="needs chromium (tests/reports/test_browser.py requires it)"
)
def test_pdf_with_chromium(demo: Path, tmp_path: Path) -> None:
    r = cli("report", demo / "result.json", "--pdf", "-f", "md", "-o", tmp_path)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "report.html").exists() and (tmp_path / "report.md").exists()
