"""Comparing two results: every kind of change, matched by fingerprint, on real ScanResult objects."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from reports.html import render_html
from reports.markdown import render_markdown
from scanner.cli import app
from scanner.diff import compare
from scanner.model import Acceptance, ScanResult, Severity
from scanner.store import dump_result, load_result
from tests.reports.conftest import HOSTILE, errored, failed, finding, passed, scan

EXPIRED = Acceptance(reason="Migration window", owner="it@contoso.com", expires="2026-11-01")
KEPT = Acceptance(reason="Legacy OU", owner="it@contoso.com", expires="2027-03-31")


def before() -> ScanResult:
    return scan(
        failed(
            "upn.suffix",
            finding("upn.suffix", "corp.contoso.local"),  # resolved next time
            finding("upn.suffix", "lab.contoso.lan"),  # still failing
            finding("upn.suffix", "old.contoso.local", accepted=EXPIRED),  # exception expires
            finding("upn.suffix", "branch.contoso.lan"),  # accepted next time
        ),
        failed("dir.bind", finding("dir.bind", "dc01.corp.contoso.com")),  # errors next time: unknown
        passed("logs.stale"),
        passed("upn.inventory"),
    )


def after() -> ScanResult:
    return scan(
        failed(
            "upn.suffix",
            finding("upn.suffix", "lab.contoso.lan"),
            finding("upn.suffix", "old.contoso.local"),
            finding("upn.suffix", "branch.contoso.lan", accepted=KEPT),
            finding("upn.suffix", HOSTILE, severity=Severity.CRITICAL),  # new
        ),
        errored("dir.bind", "LDAP bind failed"),
        failed("logs.stale", finding("logs.stale", "Cloudusersync.log")),  # new, pass -> fail
        passed("upn.inventory"),
    )


def targets(items: tuple) -> list[str]:
    return [i.target for i in items]


def test_every_kind_of_change() -> None:
    c = compare(before(), after(), "result-1.json")
    assert targets(c.new) == [HOSTILE, "Cloudusersync.log"]  # worst first
    assert targets(c.resolved) == ["corp.contoso.local"]
    assert targets(c.still_failing) == ["lab.contoso.lan"]
    assert targets(c.newly_accepted) == ["branch.contoso.lan"]
    assert c.newly_accepted[0].note == "accepted: Legacy OU"
    assert targets(c.exception_expired) == ["old.contoso.local"]
    assert "2026-11-01" in c.exception_expired[0].note
    # The check errored: its finding is not known to be gone, so it is not "resolved".
    assert targets(c.unverified) == ["dc01.corp.contoso.com"]
    moves = {(s.check_id, s.before, s.after) for s in c.status_changes}
    assert moves == {("dir.bind", "fail", "error"), ("logs.stale", "pass", "fail")}
    assert c.any and c.baseline == "result-1.json" and c.baseline_started == before().started


def test_the_same_result_twice_is_no_change() -> None:
    c = compare(after(), after())
    assert not c.any and not c.new and not c.resolved
    assert targets(c.still_failing) == [HOSTILE, "Cloudusersync.log", "lab.contoso.lan", "old.contoso.local"]


def test_info_findings_are_facts_not_changes() -> None:
    old = scan(passed("upn.inventory"))
    facts = failed("upn.inventory", finding("upn.inventory", "suffix:contoso.com", severity=Severity.INFO))
    c = compare(old, scan(facts))
    assert not c.new and not c.resolved


def test_a_problem_that_became_a_fact_or_the_reverse_is_told_as_such() -> None:
    # adfs.token_signing_expiry: informational while a rollover is published, high when it is not.
    def signing(severity: Severity) -> ScanResult:
        return scan(failed("adfs.sign", finding("adfs.sign", "sts.contoso.test", severity=severity)))

    worse = compare(signing(Severity.INFO), signing(Severity.HIGH))
    assert targets(worse.new) == ["sts.contoso.test"] and worse.new[0].note == "was informational"
    assert worse.any and not worse.resolved
    better = compare(signing(Severity.HIGH), signing(Severity.INFO))
    assert targets(better.resolved) == ["sts.contoso.test"] and not better.new and not better.unverified
    assert better.resolved[0].severity is Severity.HIGH  # what was fixed, as it was
    assert better.resolved[0].note.startswith("now informational")
    escalated = compare(signing(Severity.MEDIUM), signing(Severity.CRITICAL))
    assert targets(escalated.still_failing) == ["sts.contoso.test"] and not escalated.new
    assert escalated.still_failing[0].note == "severity medium before"


def test_changes_survive_the_json_round_trip_and_show_in_reports(tmp_path: Path) -> None:
    result = replace(after(), changes=compare(before(), after(), "result-1.json"))
    path = tmp_path / "result.json"
    path.write_text(dump_result(result), encoding="utf-8")
    assert load_result(path) == result
    html = render_html(result)
    assert html.index('id="changes"') < html.index('class="panel summary"')
    assert html.lower().count("<script") == 1  # only the report's own, hash-pinned script
    assert "&lt;script&gt;" in html[html.index('id="changes"') :]
    md = render_markdown(result)
    assert md.index("## What changed since the last run") < md.index("## Summary")
    assert "| critical | upn.suffix | &lt;script&gt;" in md
    assert "What changed" not in render_html(after()) and "What changed" not in render_markdown(after())


def test_diff_command_prints_and_renders(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(dump_result(before()), encoding="utf-8")
    new.write_text(dump_result(after()), encoding="utf-8")
    r = CliRunner().invoke(app, ["diff", str(old), str(new), "-o", str(tmp_path / "out"), "-f", "html,json"])
    assert r.exit_code == 0, r.output
    assert "2 new, 1 resolved" in r.stdout and "corp.contoso.local" in r.stdout
    assert "dir.bind: fail → error" in r.stdout
    data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    assert [f["target"] for f in data["changes"]["resolved"]] == ["corp.contoso.local"]
    assert 'id="changes"' in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    bad = CliRunner().invoke(app, ["diff", str(old), str(tmp_path / "nope.json")])
    assert bad.exit_code == 2 and "no such result file" in bad.stderr


def test_a_removed_exception_is_said_removed_not_expired() -> None:
    """An exception valid until 2099 that disappears from the config did not expire: it was removed."""
    far = Acceptance(reason="Until the migration", owner="it@contoso.com", expires="2099-12-31")
    old = scan(failed("upn.suffix", finding("upn.suffix", "old.contoso.local", accepted=far)))
    new = scan(failed("upn.suffix", finding("upn.suffix", "old.contoso.local")))
    [item] = compare(old, new).exception_expired
    assert "removed" in item.note and "expired" not in item.note and "2099" not in item.note
    lapsed = scan(failed("upn.suffix", finding("upn.suffix", "old.contoso.local", accepted=EXPIRED)))
    [item] = compare(lapsed, new).exception_expired
    assert item.note == "its exception expired on 2026-11-01"
