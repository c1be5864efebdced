"""Bounds (issue 10): input far larger than any real one is read with bounded memory, and the
report says what was cut. The 2 GB log and the million-suffix site database are in
bench/bounds_bench.py; these are their CI-sized versions. Peak memory is measured in a child process
(ru_maxrss after the imports, then after the work), so the test's own memory does not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.evidence.sql import MAX_GROUPS
from scanner.sources.parse import cmlog
from scanner.sources.sql import COUNT_GROUPS
from tests.lab.dnsmasq import DnsServer, Records, start_dnsmasq, txt_record_arg

resource = pytest.importorskip("resource")  # ru_maxrss: the POSIX peak resident size

ROOT = Path(__file__).resolve().parents[2]
MB = 1 << 20
# VmHWM where there is /proc: Linux carries a parent's ru_maxrss over fork + exec into the child.
CHILD = """
import json, resource, sys
sys.path.insert(0, {root!r})
from scanner.sources.logs import TimeRule, collect_logs
from scanner.sources.sql import from_csv
def peak():
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
base = peak()
what, path = sys.argv[1], sys.argv[2]
if what == "logs":
    ev = collect_logs([path], TimeRule())
    facts = {{"entries": ev.logs[0].entries, "cut": ev.logs[0].files[0].truncated_records,
             "cut_chars": ev.logs[0].files[0].truncated_chars, "notes": ev.truncated(),
             "longest": max((len(r.message) for r in ev.problems), default=0)}}
else:
    ev = from_csv(__import__("pathlib").Path(path), "CM_EC1", 25)
    facts = {{"users": ev.users, "inventory": len(ev.inventory), "domains": len(ev.domains),
             "left_out": ev.inventory_left_out, "left_out_users": ev.inventory_left_out_users,
             "counted": sum(r.count for r in ev.inventory) + ev.inventory_left_out_users,
             "notes": ev.truncated()}}
top = peak()
mb = {{"growth_mb": (top - base) / 1024, "peak_mb": top / 1024, "base_mb": base / 1024}}
print(json.dumps({{**mb, **facts}}))
"""


def measure(what: str, path: Path) -> dict:
    code = CHILD.format(root=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code, what, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    ("fmt", "head", "tail"),
    [
        ("plain", b"", b""),
        (
            "ccm",
            b"<![LOG[",
            b']LOG]!><time="09:00:00.000+000" date="11-24-2026" component="c" context="" '
            b'type="3" thread="1" file="">',
        ),
        ("sms", b"", b" $$<SMS_X><11-24-2026 09:00:00.000+000><thread=1 (0x1)>"),
    ],
)
def test_a_50_mb_log_of_one_line_is_streamed_with_bounded_memory(
    tmp_path: Path, fmt: str, head: bytes, tail: bytes
) -> None:
    path = tmp_path / "one-line.log"
    with path.open("wb") as fh:
        fh.write(head)
        for _ in range(50):
            fh.write(b"error " * (MB // 6) + b"x" * (MB % 6))
        fh.write(tail)
    got = measure("logs", path)
    # One chunk of 1 Mi characters and at most one record of 1 Mi, as str and as bytes read: 8-10 MB
    # measured (the old parser held the whole line, 50 MB and more).
    assert got["growth_mb"] < 30, got["growth_mb"]
    assert got["entries"] == 1 and got["cut"] == 1
    assert got["cut_chars"] >= 49 * MB
    assert got["longest"] <= 1000  # the evidence keeps 1,000 characters of a message
    assert "1 record longer than 1,048,576 characters read cut" in got["notes"][0]


def test_the_report_says_what_was_cut(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "Sitecomp.log").write_bytes(b"x" * (cmlog.MAX_RECORD_CHARS + 5000) + b"\r\nnext line\r\n")
    (tmp_path / "mdm-preflight.toml").write_text(f"[logs]\npaths = [{str(logs)!r}]\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["scan", "-c", str(tmp_path / "mdm-preflight.toml"), "-f", "json,md", "-o", str(out), "-q"]
    )
    assert result.exit_code in (0, 1), result.output
    saved = json.loads((out / "result.json").read_text(encoding="utf-8"))
    [logs_source] = [s for s in saved["provenance"]["sources"] if s["name"] == "logs"]
    assert logs_source["status"] == "ok"
    assert any("5,000 characters left out" in w and "line 1" in w for w in logs_source["warnings"])
    assert "5,000 characters left out" in (out / "report.md").read_text(encoding="utf-8")


def test_a_site_with_200000_distinct_suffixes_keeps_bounded_groups(tmp_path: Path) -> None:
    n = 200_000
    path = tmp_path / "v_R_User.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("User_Name0,Unique_User_Name0,User_Principal_Name0\r\n")
        for i in range(n):
            fh.write(f"u{i},CORP\\u{i},u{i}@d{i}.example.com\r\n")
    got = measure("csv", path)
    assert got["users"] == n and got["counted"] == n  # every user counted, kept or not
    assert got["inventory"] == MAX_GROUPS and got["domains"] == MAX_GROUPS
    assert got["left_out_users"] == n - MAX_GROUPS
    assert got["left_out"] == min(n - MAX_GROUPS, COUNT_GROUPS)  # distinct ones counted up to a bound too
    assert got["notes"][0].endswith(
        "at least 110,000 UPN suffix groups; at least 100,000 of them (190,000 users) are counted but not "
        "listed (at most 10,000 are kept)"
    )
    assert "190,000 users have UPN domains beyond the 10,000 kept" in got["notes"][1]
    # 10,000 groups, plus the DOMAIN\\user -> UPN map of up to 300,000 users the directory checks use.
    assert got["growth_mb"] < 120, got["growth_mb"]


def test_a_64_kb_txt_record_arrives_whole_over_tcp(tmp_path: Path) -> None:
    import dns.flags
    import dns.message
    import dns.query

    from scanner import config
    from scanner.sources.dns import collect_dns

    strings = tuple(f"{i:03d}" + "v" * 252 for i in range(251))  # 251 strings of 255 bytes: 64,005 bytes
    try:
        # No authoritative zone: dnsmasq 2.90 with auth-sec-servers corrupts answers this large (its
        # NS records in the authority section point past the 16 KB a compression pointer reaches).
        server: DnsServer = start_dnsmasq(
            tmp_path, Records(), args=(txt_record_arg("big.contoso.com", strings),)
        )
    except RuntimeError as exc:
        pytest.skip(f"dnsmasq: {exc}")
    try:
        udp = dns.query.udp(
            dns.message.make_query("big.contoso.com", "TXT"), server.host, port=server.port, timeout=3
        )
        assert udp.flags & dns.flags.TC  # too large for UDP: the resolver must ask again over TCP
        cfg = config.from_dict(
            {
                "scan": {"timeout": 5},
                "dns": {"nameservers": [f"{server.host}:{server.port}"], "domains": ["big.contoso.com"]},
            }
        )
        ev = collect_dns(cfg, {})
        answer = ev.primary.get("big.contoso.com", "TXT")
        assert answer is not None and answer.rcode == "NOERROR", answer
        assert answer.records == ("".join(strings),)
        assert len(answer.records[0]) == 64_005
    finally:
        server.stop()


def test_the_upn_checks_say_what_they_did_not_judge(tmp_path: Path) -> None:
    from scanner.evidence import Evidence
    from scanner.model import SourceStatus
    from scanner.sources.sql import from_csv
    from tests.conftest import COLLECTED, run_check

    path = tmp_path / "v_R_User.csv"
    rows = [f"u{i},CORP\\u{i},u{i}@d{i}.example.com" for i in range(MAX_GROUPS + 500)]
    path.write_text("User_Name0,Unique_User_Name0,User_Principal_Name0\r\n" + "\r\n".join(rows) + "\r\n")
    section = from_csv(path, "CM_EC1", 1)
    ev = Evidence(
        tool_version="t",
        collected_at=COLLECTED,
        sources=(SourceStatus(name="sql", status="ok"),),
        sql=section,
    )
    inventory = run_check("upn.suffix_inventory", ev)
    assert len(inventory.findings) == MAX_GROUPS
    assert "500 more (500 users) counted but not listed" in inventory.examined
    routable = run_check("upn.non_routable_suffix", ev)
    assert "500 users in domains beyond the 10,000 kept were not judged" in routable.examined
