"""Evidence is judged as of its collection: a certificate that expired after the evidence was collected is
reported as it stood then, the report says how old the evidence is, and the demo says the same on any day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.evidence import Evidence
from scanner.evidence.apns import ApnsEvidence
from scanner.model import ScanResult, SourceStatus
from scanner.store import dump_evidence, load_result, saved_section
from tests.conftest import SAMPLES

ROOT = SAMPLES.parent
NOW = datetime.now(UTC).replace(microsecond=0)
CHECK = "ios.apns_certificate"


def _evidence(collected: datetime, expires: datetime) -> Evidence:
    """The demo's Apple push certificate, read at `collected`, expiring at `expires`."""
    apns = saved_section(ROOT / "sample_logs" / "apns.json", "apns", ApnsEvidence)
    assert apns.certificate is not None
    cert = replace(apns.certificate, not_after=expires)
    status = SourceStatus(name="apns", status="ok", target=apns.file, started=collected, duration=0.1)
    return Evidence(
        tool_version="0.1.0",
        collected_at=collected,
        sources=(status,),
        configured=("apns",),
        apns=replace(apns, read_at=collected, certificate=cert),
    )


def _rescan(evidence: Path, out: Path) -> tuple[ScanResult, str]:
    cfg = evidence.with_name("handover.toml")
    cfg.write_text('[site]\ncompany = "Contoso"\n', encoding="utf-8")
    argv = [
        "scan",
        "-c",
        str(cfg),
        "--evidence",
        str(evidence),
        "--only",
        CHECK,
        "-f",
        "json,md",
        "-o",
        str(out),
    ]
    r = CliRunner().invoke(app, [*argv, "-q"])
    assert r.exit_code in (0, 1), r.output
    return load_result(out / "result.json"), (out / "report.md").read_text(encoding="utf-8")


def _scope(md: str) -> str:
    return " ".join(md.split("## Scope and limitations")[1].split("## About this run")[0].split())


def test_a_certificate_that_expired_since_collection_is_judged_as_of_collection(tmp_path: Path) -> None:
    collected = NOW - timedelta(days=40)
    saved = tmp_path / "evidence.json"
    saved.write_text(dump_evidence(_evidence(collected, collected + timedelta(days=10, hours=1))), "utf-8")
    result, md = _rescan(saved, tmp_path / "out")
    (cert,) = [f for r in result.results if r.check.id == "ios.apns_certificate" for f in r.findings]
    # Today it expired 30 days ago; the evidence shows it as it stood when collected.
    assert "expires in 10 days" in cert.message and "expired" not in cert.message
    assert cert.severity.value == "medium"
    scope = _scope(md)
    assert f"Saved evidence from {saved}, collected {collected:%Y-%m-%d %H:%M:%S} UTC" in scope
    assert "40 days later" in scope and "as of the collection, not of the evaluation" in scope


def test_evidence_without_a_collection_time_is_taken_as_of_its_file_and_says_so(tmp_path: Path) -> None:
    collected = NOW - timedelta(days=20)
    data = json.loads(dump_evidence(_evidence(collected, collected + timedelta(days=5, hours=1))))
    del data["collected_at"]  # as written before the collection time was recorded
    saved = tmp_path / "old-evidence.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    os.utime(saved, (collected.timestamp(), collected.timestamp()))
    result, md = _rescan(saved, tmp_path / "out")
    (cert,) = [f for r in result.results if r.check.id == "ios.apns_certificate" for f in r.findings]
    assert "expires in 5 days" in cert.message
    scope = _scope(md)
    assert "20 days later" in scope
    assert "The evidence of apns records no collection time: its file's modification time is taken" in scope


def test_a_saved_section_file_is_judged_as_of_its_own_collection_time(tmp_path: Path) -> None:
    """`[apns] evidence = FILE`: the file's collected_at, not the day it is read, is the reference."""
    collected = NOW - timedelta(days=60)
    ev = _evidence(collected, collected + timedelta(days=20, hours=1))
    section = json.loads(dump_evidence(ev))
    (tmp_path / "apns.json").write_text(
        json.dumps({"collected_at": collected.isoformat(), "apns": section["apns"]}), encoding="utf-8"
    )
    cfg = tmp_path / "offline.toml"
    cfg.write_text('[site]\ncompany = "Contoso"\n[apns]\nevidence = "apns.json"\n', encoding="utf-8")
    r = CliRunner().invoke(
        app, ["scan", "-c", str(cfg), "--only", CHECK, "-f", "json,md", "-o", str(tmp_path)]
    )
    assert r.exit_code in (0, 1), r.output
    result = load_result(tmp_path / "result.json")
    (cert,) = [f for r in result.results if r.check.id == "ios.apns_certificate" for f in r.findings]
    assert "expires in 20 days" in cert.message
    (apns,) = [s for s in result.sources if s.name == "apns"]
    assert apns.collected == collected and apns.started is not None and apns.started > collected
    assert f"apns.json, collected {collected:%Y-%m-%d %H:%M:%S} UTC" in _scope(
        (tmp_path / "report.md").read_text(encoding="utf-8")
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the clock shim is an LD_PRELOAD library")
def test_the_demo_says_the_same_on_any_day(tmp_path: Path, clockjump: Path) -> None:
    """The demo run today and 400 days later (the process's clock moved by tests/lab/clockjump.c): every
    check's outcome and sentence is the same, because its evidence records when it was collected."""
    runs = {}
    for name, days in (("today", 0), ("next-year", 400)):
        offset = tmp_path / f"{name}.offset"
        offset.write_text(f"{days * 86400}\n", encoding="ascii")
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "LD_PRELOAD": str(clockjump),
            "MDMP_CLOCK_OFFSET_FILE": str(offset),
        }
        out = tmp_path / name
        cmd = [sys.executable, "-m", "scanner", "demo", "-q", "-f", "json,md", "-o", str(out)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 1, done.stderr
        runs[name] = (
            load_result(out / "result.json"),
            _scope((out / "report.md").read_text(encoding="utf-8")),
        )
    (today, scope_today), (later, scope_later) = runs["today"], runs["next-year"]
    assert (later.started - today.started).days >= 399  # the clock did move

    def said(result: ScanResult) -> list[tuple[str, ...]]:
        outcomes = [(r.check.id, r.status.value, r.reason) for r in result.results]
        return outcomes + [
            (f.check_id, f.severity.value, f.target, f.message) for r in result.results for f in r.findings
        ]

    assert said(today) == said(later)
    messages = [f.message for r in today.results for f in r.findings]
    # The Apple push certificate was read on 2026-11-26 and expires on 2026-12-08: 12 days, on any day.
    assert any("expires in 12 days, on 2026-12-08" in m for m in messages), messages
    span = "Saved evidence collected between 2026-11-25 17:30:00 UTC and 2026-11-26 08:00:00 UTC"
    assert span in scope_today and span in scope_later
    assert "as of the collection" in scope_later


def test_offline_sources_name_their_file_and_the_scope_says_as_of_when(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["demo", "-q", "-f", "json,md", "-o", str(tmp_path)])
    assert r.exit_code == 1, r.output
    result = load_result(tmp_path / "result.json")
    files = {s.name: Path(s.target).name for s in result.sources}
    assert files == {
        "adfs": "adfs.json",
        "apns": "apns.json",
        "directory": "directory.json",
        "dns": "dns.json",  # not "system resolver": nothing was asked
        "endpoints": "endpoints.json",
        "graph": "tenant.json",
        "logs": "broken",
        "sql": "sql.json",
        "tenant": "tenant.json",
    }
    scope = _scope((tmp_path / "report.md").read_text(encoding="utf-8"))
    assert "dns.json, collected 2026-11-25 17:30:00 UTC" in scope and "Read during this run: logs." in scope


def test_the_terminal_says_as_of_when_saved_evidence_holds_with_the_verdict(tmp_path: Path) -> None:
    """An admin re-reading a customer's evidence sees its age before the verdict, not only in the report."""
    collected = NOW - timedelta(days=40)
    saved = tmp_path / "evidence.json"
    saved.write_text(dump_evidence(_evidence(collected, collected + timedelta(days=10, hours=1))), "utf-8")
    cfg = tmp_path / "handover.toml"
    cfg.write_text('[site]\ncompany = "Contoso"\n', encoding="utf-8")
    argv = ["scan", "-c", str(cfg), "--evidence", str(saved), "--only", CHECK, "-o", str(tmp_path / "o")]
    r = CliRunner().invoke(app, argv, env={"COLUMNS": "300"})
    assert r.exit_code in (0, 1), r.output
    said = " ".join(r.output.split())
    age = said.index("40 days later")
    assert f"collected {collected:%Y-%m-%d %H:%M:%S} UTC" in said
    assert said.index("Prerequisites") < age < said.index("status check")  # with the verdict, first
