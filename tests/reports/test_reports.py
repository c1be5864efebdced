"""The format registry and write_reports: every file complete, named as documented, nothing left over."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports import FORMATS, render
from scanner.app.outputs import write_reports
from scanner.model import ScanResult


def test_formats_and_their_file_names() -> None:
    assert {name: f.filename for name, f in FORMATS.items() if name != "json"} == {
        "html": "report.html",
        "md": "report.md",
        "csv": "findings.csv",
        "junit": "junit.xml",
        "plan": "action-plan.csv",
        "users": "users.csv",
    }


def test_write_reports_writes_every_file_and_leaves_no_temp_files(mixed: ScanResult, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "nested"  # created on demand
    paths = write_reports(mixed, ["html", "md", "csv", "junit"], out)
    names = ["report.html", "report.md", "findings.csv", "junit.xml"]
    assert paths == [out / n for n in names]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    for path, fmt in zip(paths, ["html", "md", "csv", "junit"], strict=True):
        assert path.read_bytes() == render(mixed, fmt).encode("utf-8")


def test_rewriting_replaces_the_old_reports(mixed: ScanResult, hostile: ScanResult, tmp_path: Path) -> None:
    write_reports(hostile, ["md"], tmp_path)
    write_reports(mixed, ["md", "md"], tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]
    assert "Contoso" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_an_unknown_format_is_refused_before_anything_is_written(mixed: ScanResult, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        write_reports(mixed, ["html", "pdf"], tmp_path)
    assert list(tmp_path.iterdir()) == []
