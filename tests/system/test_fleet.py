"""`mdm-preflight fleet` end to end, from a share of real scans with different evidence."""

from __future__ import annotations

import csv
import email
import email.policy
import json
import shutil
from pathlib import Path

import pytest

from reports.view.report import build
from scanner import store
from scanner.model import Severity
from scanner.unattended import history
from tests.conftest import SAMPLES
from tests.lab.smtp import PASSWORD, MailLab
from tests.system.fleet_share import SITES, backdate, build_share, scan_site, site_config
from tests.system.test_cli import cli

ENV = {"MDMP_TEST_SMTP_PASSWORD": PASSWORD}


@pytest.fixture(scope="module")
def share(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_share(tmp_path_factory.mktemp("fleet"))


def own_results(share: Path) -> dict[str, dict]:
    """Each site's result.json as the scan wrote it, by site code."""
    out = {}
    for folder in SITES:
        data = json.loads((share / folder / "result.json").read_text(encoding="utf-8"))
        out[data["site_code"]] = data
    return out


def test_one_report_across_the_sites_agrees_with_each_sites_own_report(share: Path, tmp_path: Path) -> None:
    r = cli("fleet", share, "-o", tmp_path / "out")
    assert r.exit_code == 1, r.output  # high findings at some site
    assert "4 sites from" in r.stdout
    data = json.loads((tmp_path / "out" / "fleet.json").read_text(encoding="utf-8"))
    by_code = {s["site_code"]: s for s in data["sites"]}
    assert set(by_code) == {code for _, code, _ in SITES.values()}
    for code, own in own_results(share).items():
        report = build(store.load_result(Path(by_code[code]["result_file"])))
        assert by_code[code]["prerequisites"] == {p.key: p.state for p in report.checklist}
        opened = [f for x in own["results"] for f in x["findings"] if not f["accepted"]]
        assert by_code[code]["open_findings"]["high"] == sum(1 for f in opened if f["severity"] == "high")
        assert by_code[code]["result_file"].endswith(str(Path(code_folder(code)) / "result.json"))
    # Different evidence, different states: the sites are not copies of one another.
    assert by_code["TS1"]["prerequisites"]["upn"] == "not_checked"  # no [sql], no [directory]
    assert by_code["NY1"]["prerequisites"]["adfs"] == "not_checked"
    assert by_code["EC2"]["prerequisites"]["usersync"] == "ready"  # healthy logs
    assert by_code["EC1"]["prerequisites"]["usersync"] == "not_ready"


def code_folder(code: str) -> str:
    return next(folder for folder, (_, c, _) in SITES.items() if c == code)


def test_shared_findings_are_counted_across_sites(share: Path, tmp_path: Path) -> None:
    assert cli("fleet", share, "-o", tmp_path, "-f", "json").exit_code == 1
    shared = json.loads((tmp_path / "fleet.json").read_text(encoding="utf-8"))["shared_findings"]
    sites_of: dict[str, set[str]] = {}
    for code, own in own_results(share).items():
        for x in own["results"]:
            for f in x["findings"]:
                if not f["accepted"] and f["severity"] != "info":
                    sites_of.setdefault(f["fingerprint"], set()).add(code)
    expected = {fp: len(codes) for fp, codes in sites_of.items() if len(codes) > 1}
    assert len(shared) == len(expected) and expected
    got = {(f["check_id"], f["target"]): f["sites"] for f in shared}
    assert got[("upn.unverified_suffix", "fabrikam.com")] == len(
        {
            c
            for c, own in own_results(share).items()
            if any_target(own, "upn.unverified_suffix", "fabrikam.com")
        }
    )
    counts = [f["sites"] for f in shared]
    assert counts == sorted(counts, reverse=True)  # most widespread first


def any_target(result: dict, check: str, target: str) -> bool:
    return any(
        f["target"] == target for x in result["results"] if x["check"]["id"] == check for f in x["findings"]
    )


def test_html_lists_worst_first_and_links_each_sites_report(share: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli("fleet", share, "-o", out, "-f", "html").exit_code == 1
    html = (out / "fleet.html").read_text(encoding="utf-8")
    assert cli("fleet", share, "-o", tmp_path / "j", "-f", "json").exit_code == 1
    sites = json.loads((tmp_path / "j" / "fleet.json").read_text(encoding="utf-8"))["sites"]
    blocked = {s["site_code"]: list(s["prerequisites"].values()).count("not_ready") for s in sites}
    shown = sorted(blocked, key=lambda code: html.index(f"— {code}</a>"))
    # Worst first: more prerequisites not ready, higher up; the sites differ, so the order says something.
    assert [blocked[c] for c in shown] == sorted(blocked.values(), reverse=True)
    assert len(set(blocked.values())) > 2
    for folder in SITES:
        link = f'href="../../{share.parent.name}/share/{folder}/report.html"'
        assert (out / ".." / ".." / share.parent.name / "share" / folder / "report.html").resolve().is_file()
        assert html.count(link) == 1, folder


def test_hostile_names_are_escaped_in_every_format(share: Path, tmp_path: Path) -> None:
    data = json.loads((share / "contoso-ec2" / "result.json").read_text(encoding="utf-8"))
    data["company"] = "<img src=x onerror=alert(1)>|=cmd"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "result.json").write_text(json.dumps(data), encoding="utf-8")
    assert cli("fleet", tmp_path / "in", "-o", tmp_path / "o").exit_code == 1
    html = (tmp_path / "o" / "fleet.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    md = (tmp_path / "o" / "fleet.md").read_text(encoding="utf-8")
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt;\\|=cmd" in md
    with (tmp_path / "o" / "fleet.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert {r["company"] for r in csv.DictReader(fh)} == {"<img src=x onerror=alert(1)>|=cmd"}


def test_a_damaged_or_newer_file_is_named_and_skipped(share: Path, tmp_path: Path) -> None:
    r = cli("fleet", share, "-o", tmp_path, "-f", "md")
    warnings = [ln for ln in r.stderr.splitlines() if ln.startswith("mdm-preflight: warning:")]
    assert len(warnings) == 2 and all("damaged" in w and w.endswith("skipped") for w in warnings)
    assert any("newer mdm-preflight" in w for w in warnings)
    assert "Traceback" not in r.output and r.exit_code == 1
    md = (tmp_path / "fleet.md").read_text(encoding="utf-8")
    assert "## Result files not read" in md and md.count("damaged") == 2


def test_an_older_tool_version_is_read_with_a_note(share: Path, tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    data = json.loads((share / "contoso-ec2" / "result.json").read_text(encoding="utf-8"))
    data["tool_version"] = "0.0.9"
    (folder / "result.json").write_text(json.dumps(data), encoding="utf-8")
    r = cli("fleet", folder, share / "contoso-ec1", "-o", tmp_path / "o", "-f", "html")
    assert r.exit_code == 1
    [note] = [ln for ln in r.stderr.splitlines() if "0.0.9" in ln]
    assert note.startswith("mdm-preflight: warning: 1 result written by mdm-preflight 0.0.9")
    assert "more than one version" in (tmp_path / "o" / "fleet.html").read_text(encoding="utf-8")


def test_csv_has_a_row_per_site_and_check(share: Path, tmp_path: Path) -> None:
    assert cli("fleet", share, "-o", tmp_path, "-f", "csv").exit_code == 1
    with (tmp_path / "fleet.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    own = own_results(share)
    assert len(rows) == sum(len(r["results"]) for r in own.values())
    for code, result in own.items():
        mine = {r["check_id"]: r["status"] for r in rows if r["site_code"] == code}
        assert mine == {x["check"]["id"]: x["status"] for x in result["results"]}
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


def test_newest_result_per_site_and_the_older_ones_make_its_trend(share: Path, tmp_path: Path) -> None:
    r = cli("fleet", share / "contoso-ec1", share / "history" / "contoso-ec1", "-o", tmp_path, "-f", "json")
    assert r.exit_code == 1
    [site] = json.loads((tmp_path / "fleet.json").read_text(encoding="utf-8"))["sites"]
    assert site["result_file"].endswith("result.json")  # the newest, with its report beside it
    runs = site["trend"]["runs"]
    kept = history.runs(share / "history" / "contoso-ec1")
    assert len(runs) == len(kept) == 3
    assert [x["started"][:10] for x in runs] == sorted(x["started"][:10] for x in runs)
    # The sample's planted problems were there 20 days ago already.
    since = {s[:10] for s in site["trend"]["first_seen"].values()}
    assert since == {runs[0]["started"][:10]}


def test_history_folders_give_the_trend_without_being_sites(share: Path, tmp_path: Path) -> None:
    hist = share / "history"
    r = cli("fleet", share / "contoso-ec1", "--history", hist, "-o", tmp_path, "-f", "html,json")
    assert r.exit_code == 1 and "1 site from" in r.stdout
    html = (tmp_path / "fleet.html").read_text(encoding="utf-8")
    strip = html[html.index('<svg class="strip"') : html.index("</svg>")]
    assert strip.count("<rect") == 3 and "not ready" in strip


def test_the_site_report_shows_the_trend_and_how_long_findings_are_open(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    shutil.copytree(SAMPLES, samples)
    cfg = site_config(samples, "Contoso", "EC1", {})
    hist = tmp_path / "hist"
    assert scan_site(cfg, tmp_path / "a", hist) == 1
    backdate(history.runs(hist)[-1], 23)
    healthy = site_config(samples, "Contoso", "EC1", {"logs": "paths = ['healthy']"})
    assert scan_site(healthy, tmp_path / "b", hist) == 1
    html = (tmp_path / "b" / "report.html").read_text(encoding="utf-8")
    trend = html[
        html.index('<table class="trend">') : html.index("</table>", html.index('<table class="trend">'))
    ]
    assert trend.count('<svg class="strip"') == 6 and trend.count("<rect") == 12
    usersync = trend[trend.index("User sync") :]
    # Broken logs 23 days ago, healthy now: the user sync strip goes from not ready to ready.
    assert usersync.index('class="not_ready"') < usersync.index('class="ready"')
    assert "open for 23 days" in html  # the sample's UPN problems, open in both runs
    result = json.loads((tmp_path / "b" / "result.json").read_text(encoding="utf-8"))
    assert len(result["trend"]["runs"]) == 2
    upn = next(x for x in result["results"] if x["check"]["id"] == "upn.unverified_suffix")
    fp = upn["findings"][0]["fingerprint"]
    assert result["trend"]["first_seen"][fp] < result["started"]
    # A saved result re-renders with its trend, without the history.
    again = tmp_path / "again"
    assert cli("report", tmp_path / "b" / "result.json", "-f", "html,md", "-o", again).exit_code == 0
    assert "open for 23 days" in (again / "report.html").read_text(encoding="utf-8")
    md = (again / "report.md").read_text(encoding="utf-8")
    assert "| User sync | ✗✓ | ready in 1 of 2 runs; now ready |" in md
    assert "| open for 23 days (since " in md


def test_nothing_readable_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "result.json").write_text("{}", encoding="utf-8")
    r = cli("fleet", tmp_path, tmp_path / "missing", "-o", tmp_path / "out")
    assert r.exit_code == 2, r.output
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("mdm-preflight: error:")]
    assert len(errors) == 1 and "no readable result" in errors[0] and "Traceback" not in r.output
    assert not (tmp_path / "out").exists()


def test_fail_on_and_exit_codes(share: Path, tmp_path: Path) -> None:
    worst = max(
        Severity(f["severity"]).rank
        for own in own_results(share).values()
        for x in own["results"]
        for f in x["findings"]
        if not f["accepted"]
    )
    assert worst < Severity.CRITICAL.rank
    # Nothing critical: not exit 1; damaged files in the share: incomplete, exit 3.
    assert cli("fleet", share, "-o", tmp_path, "-f", "json", "--fail-on", "critical").exit_code == 3
    clean = cli("fleet", share / "contoso-ec2", "-o", tmp_path, "-f", "json", "--fail-on", "never")
    assert clean.exit_code == 0, clean.output


def test_fleet_email_with_the_scans_settings(share: Path, tmp_path: Path, mail_lab: MailLab) -> None:
    cfg = tmp_path / "fleet.toml"
    subject = "{company}: {status}, {failed} not ready, {high} high"
    cfg.write_text(
        "[scan]\ntimeout = 5\n" + mail_lab.config(attach=["html", "csv", "junit"], subject=subject)
    )
    eml = tmp_path / "fleet.eml"
    r = cli("fleet", share, "-c", cfg, "-o", tmp_path / "o", "--email", "--dry-run-email", eml, env=ENV)
    assert r.exit_code == 1, r.output
    assert "would send" in r.stderr
    got = mail_lab.inbox.messages[-1].message
    assert (
        got["Subject"]
        == "4 sites: FAILED, 4 not ready, "
        + str(
            sum(
                1
                for own in own_results(share).values()
                for x in own["results"]
                for f in x["findings"]
                if not f["accepted"] and f["severity"] == "high"
            )
        )
        + " high"
    )
    names = [p.get_filename() for p in got.iter_attachments()]
    assert names == ["fleet.html", "fleet.csv"]
    assert got.get_payload()[0].get_content().count("Contoso — EC1") == 1
    body = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default).get_body(("plain",))
    assert body is not None and "junit" in body.get_content() and "SITES NOT READY" in body.get_content()


def test_results_without_a_site_name_are_one_site_per_folder(share: Path, tmp_path: Path) -> None:
    data = json.loads((share / "contoso-ec2" / "result.json").read_text(encoding="utf-8"))
    data["company"] = data["site_code"] = ""
    for name in ("branch-a", "branch-b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "result.json").write_text(json.dumps(data), encoding="utf-8")
    r = cli("fleet", tmp_path / "branch-a", tmp_path / "branch-b", "-o", tmp_path / "o", "-f", "html")
    assert r.exit_code == 1 and "2 sites from 2 result files" in r.stdout
    html = (tmp_path / "o" / "fleet.html").read_text(encoding="utf-8")
    assert "(unnamed site in branch-a)" in html and "(unnamed site in branch-b)" in html
