"""The site rules' reads (sources/sitedb.py) against a real site database: PostgreSQL through psqlODBC."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.lab import site_seed
from tests.lab.postgres import PostgresLab

PW_ENV = "MDMP_TEST_SITE_PW"
FIRST_ID = 2063597569  # dbo.user_disc's first ResourceID after load_users
USERS = [  # (name, DOMAIN\user, UPN); the first five are the Intune collection's members
    ("ann", "CORP\\ann", "ann.lee@contoso.com"),
    ("bob", "CORP\\bob", "bob@corp.contoso.local"),
    ("cy", "CORP\\cy", None),
    ("dee", "CORP\\dee", "dee@fabrikam.com"),
    ("eve", "CORP\\eve", "eve smith@contoso.com"),
    ("out1", "CORP\\out1", "out1@branch.contoso.local"),  # outside the collection: not this check's
    ("out2", "CORP\\out2", None),
    ("out3", "CORP\\out3", "out3@northwind.com"),
]
MEMBERS = {u[2] or f"NULL:{u[0]}": FIRST_ID + i for i, u in enumerate(USERS[:5])}
SITE_CHECKS = ("site.*", "upn.enrollment_collection")


@pytest.fixture
def lab(postgres_lab: PostgresLab) -> PostgresLab:
    postgres_lab.load_users(USERS)
    return postgres_lab


def scan(lab: PostgresLab, tmp: Path, *, user: str = "", extra: str = "", only: tuple[str, ...] = SITE_CHECKS,
         args: tuple[str, ...] = ()) -> tuple[int, dict[str, dict[str, Any]], dict[str, Any]]:  # fmt: skip
    """A scan through the CLI; (exit code, results by check id, the JSON result)."""
    tmp.mkdir(parents=True, exist_ok=True)
    cfg = tmp / "c.toml"
    cfg.write_text(
        "[site]\ncode = 'EC1'\nverified_domains = ['contoso.com']\n"
        f"[sql]\nconnection_string = '{lab.reader_connection_string()}'\nuser = '{user or lab.reader_user}'\n"
        f"password_env = '{PW_ENV}'\n{extra}",
        encoding="utf-8",
    )
    password = lab.report_password if user == lab.report_user else lab.reader_password
    argv = ["scan", "-c", str(cfg), "-o", str(tmp / "out"), "-q", *args]
    for pattern in only:
        argv += ["--only", pattern]
    r = CliRunner().invoke(app, argv, env={PW_ENV: password})
    data = json.loads((tmp / "out" / "result.json").read_text(encoding="utf-8"))
    return r.exit_code, {x["check"]["id"]: x for x in data["results"]}, data


def verdict(tmp: Path) -> str:
    """The report's checklist row for the service connection point."""
    md = (tmp / "out" / "report.md").read_text(encoding="utf-8")
    return next(line for line in md.splitlines() if line.startswith("| Service connection point |"))


def targets(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["target"]: f for f in result["findings"]}


def test_each_rule_finds_its_planted_problem_and_leaves_its_trap_alone(
    lab: PostgresLab, tmp_path: Path
) -> None:
    lab.load_site(site_seed.broken(MEMBERS))
    code, res, _ = scan(lab, tmp_path, extra="intune_collection = 'EC100012'\n")
    assert code == 1
    assert {k: v["status"] for k, v in res.items()} == dict.fromkeys(res, "fail") and len(res) == 5

    [placement] = res["site.scp_placement"]["findings"]  # on a child primary, named with its parent
    assert placement["target"] == site_seed.SCP_SERVER and placement["severity"] == "high"
    assert "site EC1 (Contoso East), a child primary site under CAS" in placement["message"]

    [mode] = res["site.scp_mode"]["findings"]  # the MP's OfflineMode row (role type 6) is not read
    assert "offline mode" in mode["message"] and "1" in res["site.scp_mode"]["examined"]

    comps = targets(res["site.component_status"])  # only the SCP's site, only since midnight
    assert list(comps) == [f"{site_seed.SCP_SERVER}:SMS_DMP_DOWNLOADER"]
    downloader = comps[f"{site_seed.SCP_SERVER}:SMS_DMP_DOWNLOADER"]
    assert downloader["severity"] == "high" and "is critical: 14 error(s)" in downloader["message"]
    assert "last heartbeat" in downloader["message"] and "unknown time" not in downloader["message"]

    msgs = targets(res["site.status_messages"])
    assert set(msgs) == {
        "SMS_CLOUD_USERSYNC:10005", "SMS_CLOUD_USERSYNC:10002", "SMS_DMP_UPLOADER:9605",
        "SMS_DMP_UPLOADER:9999", "SMS_SITE_COMPONENT_MANAGER:1016",
    }  # fmt: skip
    dup = msgs["SMS_CLOUD_USERSYNC:10005"]
    assert dup["severity"] == "medium" and dup["evidence"]["count"] == 3
    assert "duplicate principal names" in dup["message"] and "ann.lee@contoso.com (3)" in dup["message"]
    assert "<script>alert(1)</script> second line" in dup["message"]  # one line, as text
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; second line" in html and "<script>alert(1)" not in html
    assert msgs["SMS_CLOUD_USERSYNC:10002"]["severity"] == "high"  # user sync failing
    assert "Access is denied" in msgs["SMS_DMP_UPLOADER:9605"]["message"]  # Win32Error 5 in words
    assert "no words for" in msgs["SMS_DMP_UPLOADER:9999"]["message"]
    assert "not in the table: 9999" in res["site.status_messages"]["examined"]
    assert "SMS_OUTGOING_CONTENT_MANAGER" in msgs["SMS_SITE_COMPONENT_MANAGER:1016"]["message"]

    coll = targets(res["upn.enrollment_collection"])
    assert set(coll) == {"corp.contoso.local", "missing", "fabrikam.com", "spaces", "invalid_characters"}
    assert "cy" in coll["missing"]["message"] and "EC100012 (Intune Users)" in coll["missing"]["message"]
    assert coll["fabrikam.com"]["evidence"]["problem"] == "unverified"
    assert "5 members" in res["upn.enrollment_collection"]["examined"]
    assert "NOT READY" in verdict(tmp_path) and "The service connection point is in offline mode" in verdict(
        tmp_path
    )


def test_a_healthy_hierarchy_passes_every_rule(lab: PostgresLab, tmp_path: Path) -> None:
    lab.load_site(site_seed.healthy([FIRST_ID]))
    code, res, data = scan(lab, tmp_path, extra="intune_collection = 'ec100012'\n")
    assert code == 0, res
    assert {k: v["status"] for k, v in res.items()} == dict.fromkeys(res, "pass") and len(res) == 5
    assert {s["name"]: s["status"] for s in data["provenance"]["sources"]} == {"sql": "ok"}
    assert "| **READY** |" in verdict(tmp_path)


@pytest.mark.parametrize(
    ("site", "parent", "fails"),
    [("SA1", None, False), ("SA2", "", False), ("SE1", "EC1", True), ("EC2", "CAS", True)],
)
def test_placement_judges_the_site_type_and_its_parent(
    lab: PostgresLab, tmp_path: Path, site: str, parent: str | None, fails: bool
) -> None:
    rows = site_seed.healthy()
    kind = 1 if site.startswith("SE") else 2
    rows["v_site"].append((site, "Site " + site, kind, parent, "CM09.corp.contoso.com", 1, "5.0", 9128))
    rows["v_systemresourcelist"] = [("CM09.corp.contoso.com", site, "SMS Dmp Connector", "")]
    lab.load_site(rows)
    _, res, _ = scan(lab, tmp_path, only=("site.scp_placement",))
    assert res["site.scp_placement"]["status"] == ("fail" if fails else "pass")
    if kind == 1:
        assert "a secondary site under EC1" in res["site.scp_placement"]["findings"][0]["message"]


def test_no_service_connection_point_fails_placement_and_skips_what_depends_on_it(
    lab: PostgresLab, tmp_path: Path
) -> None:
    rows = site_seed.healthy()
    rows["v_systemresourcelist"] = []
    lab.load_site(rows)
    _, res, _ = scan(lab, tmp_path)
    assert "no service connection point" in res["site.scp_placement"]["findings"][0]["message"]
    for cid in ("site.scp_mode", "site.component_status"):
        assert res[cid]["status"] == "skipped" and "site.scp_placement reports it" in res[cid]["reason"]
    assert res["upn.enrollment_collection"]["status"] == "skipped"
    assert "intune_collection" in res["upn.enrollment_collection"]["reason"]


def test_a_reporting_account_gets_an_error_for_the_mode_never_a_guess(
    lab: PostgresLab, tmp_path: Path
) -> None:
    lab.load_site(site_seed.broken(MEMBERS))
    code, res, data = scan(lab, tmp_path, user=lab.report_user)
    assert res["site.scp_mode"]["status"] == "error"
    assert res["site.scp_mode"]["reason"].startswith("not checked: the account cannot read SC_SysResUse")
    # Status messages still read, without insertion strings, and the report says what was not looked at.
    msgs = targets(res["site.status_messages"])
    assert "SMS_CLOUD_USERSYNC:10005" in msgs and "ann.lee" not in msgs["SMS_CLOUD_USERSYNC:10005"]["message"]
    assert "install failures (1016) were not read" in res["site.status_messages"]["examined"]
    assert res["site.scp_placement"]["status"] == "fail"
    [sql] = data["provenance"]["sources"]
    assert sql["status"] == "partial" and any("SC_SysResUse" in w for w in sql["warnings"])
    assert code == 1  # high findings; the run also says it is incomplete


@pytest.mark.parametrize(
    ("collection", "expected"),
    [
        ("EC1000FF", "EC1000FF does not exist"),
        ("SMS00001", "SMS00001 (All Systems) is a device collection"),
        ("EC100013", "EC100013 (Nobody) is empty"),
    ],
)
def test_a_wrong_collection_is_itself_the_finding(
    lab: PostgresLab, tmp_path: Path, collection: str, expected: str
) -> None:
    lab.load_site(site_seed.broken(MEMBERS))
    _, res, _ = scan(lab, tmp_path, extra=f"intune_collection = '{collection}'\n", only=("upn.enroll*",))
    [finding] = res["upn.enrollment_collection"]["findings"]
    assert finding["message"].startswith(expected) and finding["target"] == collection


def test_a_collection_name_instead_of_its_id_is_one_clear_line_before_any_query(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[sql]\nconnection_string = 'Server=x'\nintune_collection = 'Intune Users'\n", encoding="utf-8"
    )
    r = CliRunner().invoke(app, ["scan", "-c", str(cfg), "-o", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 2
    [line] = r.stderr.strip().splitlines()
    assert "sql.intune_collection: 'Intune Users' is not a collection ID like EC100012" in line


def test_collected_evidence_re_evaluates_offline_to_the_same_verdicts(
    lab: PostgresLab, tmp_path: Path
) -> None:
    lab.load_site(site_seed.broken(MEMBERS))
    _, live, _ = scan(lab, tmp_path / "live", extra="intune_collection = 'EC100012'\n")
    evidence = tmp_path / "live" / "out" / "evidence.json"
    cfg = tmp_path / "offline.toml"
    cfg.write_text(
        f"[site]\nverified_domains = ['contoso.com']\n[sql]\nevidence = '{evidence}'\n", encoding="utf-8"
    )
    only = ["--only", "site.*", "--only", "upn.enrollment_collection"]
    r = CliRunner().invoke(app, ["scan", "-c", str(cfg), "-o", str(tmp_path / "off"), "-q", *only])
    assert r.exit_code == 1, r.output
    data = json.loads((tmp_path / "off" / "result.json").read_text(encoding="utf-8"))
    offline = {x["check"]["id"]: x for x in data["results"]}
    for cid, result in live.items():
        assert [f["fingerprint"] for f in offline[cid]["findings"]] == [
            f["fingerprint"] for f in result["findings"]
        ]
        assert offline[cid]["status"] == result["status"]


def test_evidence_and_csv_together_or_an_unreadable_evidence_file_are_one_clear_line(tmp_path: Path) -> None:
    from scanner.config import ConfigError
    from scanner.configfile import from_dict

    with pytest.raises(ConfigError, match=r"sql\.csv and sql\.evidence are both set"):
        from_dict({"sql": {"csv": "users.csv", "evidence": "evidence.json"}})
    (tmp_path / "other.json").write_text('{"dns": {}}', encoding="utf-8")
    for name, why in (("gone.json", "gone.json: "), ("other.json", "cannot use as sql evidence")):
        cfg = tmp_path / "c.toml"
        cfg.write_text(f"[sql]\nevidence = '{name}'\n", encoding="utf-8")  # relative to the config file
        r = CliRunner().invoke(
            app, ["scan", "-c", str(cfg), "-o", str(tmp_path / "out"), "-q", "--only", "site.*"]
        )
        assert r.exit_code == 3, r.output
        data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
        assert {x["status"] for x in data["results"]} == {"error"}
        assert all(why in x["reason"] and str(tmp_path) in x["reason"] for x in data["results"])
