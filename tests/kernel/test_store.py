"""Saved evidence and results round-trip through JSON; foreign or newer files are refused clearly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner import config, runner, store
from scanner.evidence import SCHEMA_VERSION, Evidence
from scanner.registry import discover
from tests.conftest import SAMPLES


def test_evidence_round_trip_gives_identical_results(broken: Evidence, tmp_path: Path) -> None:
    path = tmp_path / "evidence.json"
    path.write_text(store.dump_evidence(broken), encoding="utf-8")
    again = store.load_evidence(path)
    assert again == broken
    catalog = discover(plugins=False)
    cfg = config.from_dict({})
    first, _ = runner.run(cfg, catalog, runner.prepare(catalog, cfg), evidence=broken)
    second, _ = runner.run(cfg, catalog, runner.prepare(catalog, cfg), evidence=again)
    assert [(r.status, r.findings) for r in first.results] == [(r.status, r.findings) for r in second.results]


def test_result_json_follows_the_contract_and_round_trips(broken: Evidence, tmp_path: Path) -> None:
    catalog = discover(plugins=False)
    cfg = config.from_dict({"exceptions": [{"check": "logs.errors", "target": "*", "reason": "noise"}]})
    result, _ = runner.run(cfg, catalog, runner.prepare(catalog, cfg), evidence=broken)
    text = store.dump_result(result)
    data = json.loads(text)
    assert data["schema_version"] == SCHEMA_VERSION
    assert {"tool_version", "started", "finished", "provenance", "results"} <= set(data)
    assert data["provenance"]["sources"][0]["name"] == "logs"
    r = next(r for r in data["results"] if r["check"]["id"] == "logs.cloudusersync_failures")
    assert {"id", "title", "severity", "area"} <= set(r["check"]) and r["status"] == "fail"
    f = r["findings"][0]
    assert {"check_id", "severity", "target", "message", "evidence", "fingerprint", "accepted"} <= set(f)
    accepted = next(r for r in data["results"] if r["check"]["id"] == "logs.errors")["findings"][0][
        "accepted"
    ]
    assert accepted["reason"] == "noise"
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8")
    assert store.load_result(path) == result


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"schema_version": 99, "collected_at": "2026-01-01T00:00:00+00:00"}',
            "written by a newer mdm-preflight",
        ),
        ("not json", "not a JSON evidence file"),
        ('{"hello": 1}', "no schema_version"),
        # a result.json handed over as evidence: no collection time, and nothing collected in it
        (
            '{"schema_version": 1, "results": [], "started": "2026-01-01T00:00:00+00:00"}',
            "not an evidence file",
        ),
        ('{"schema_version": 1, "collected_at": 5, "tool_version": "x"}', "damaged or foreign file"),
    ],
)
def test_bad_evidence_files_are_refused_with_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "e.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(store.StoreError, match=message):
        store.load_evidence(path)


def test_a_section_file_says_when_it_was_collected_or_is_dated_by_the_file(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from scanner.evidence.dns import DnsEvidence
    from scanner.model import FILE_TIME

    section = json.loads((SAMPLES.parent / "sample_logs" / "dns.json").read_text(encoding="utf-8"))
    recorded = store.saved(SAMPLES.parent / "sample_logs" / "dns.json", "dns", DnsEvidence)
    assert (recorded.collected, recorded.collected_from) == (datetime(2026, 11, 25, 17, 30, tzinfo=UTC), "")
    bare = tmp_path / "dns.json"
    bare.write_text(json.dumps({"dns": section["dns"]}), encoding="utf-8")
    os.utime(bare, (1_700_000_000, 1_700_000_000))
    dated = store.saved(bare, "dns", DnsEvidence)
    assert (dated.collected.timestamp(), dated.collected_from) == (1_700_000_000, FILE_TIME)
    bare.write_text(json.dumps({"collected_at": "last Tuesday", "dns": section["dns"]}), encoding="utf-8")
    with pytest.raises(
        store.StoreError, match=r"dns.json: collected_at: 'last Tuesday' is not an ISO 8601 time"
    ):
        store.saved(bare, "dns", DnsEvidence)
