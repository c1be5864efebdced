"""The command line as a user drives it: exit codes, files written, one-line errors."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner import config
from scanner.cli import app
from tests.conftest import SAMPLES

REPORT_FILES = {
    "report.html",
    "report.md",
    "result.json",
    "evidence.json",
    "findings.csv",
    "action-plan.csv",
    "users.csv",
    "junit.xml",
}


def cli(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def one_line_error(r: Result, *needles: str) -> None:
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("mdm-preflight: error: "), r.stderr
    assert "Traceback" not in r.output
    for n in needles:
        assert n in lines[0]


def make_config(tmp_path: Path, logs: str | Path, extra: str = "") -> Path:
    path = tmp_path / "mdm-preflight.toml"
    path.write_text(f"[site]\ncompany = 'Contoso'\n[logs]\npaths = ['{logs}']\n{extra}", encoding="utf-8")
    return path


def test_demo_writes_every_report_and_exits_1_on_planted_problems(tmp_path: Path) -> None:
    r = cli("demo", "-o", tmp_path / "out")
    assert r.exit_code == 1, r.output
    assert {p.name for p in (tmp_path / "out").iterdir()} == REPORT_FILES
    assert "logs.cloudusersync_stale" in r.stdout and "Problems found" in r.stdout
    assert "fix:" in r.stdout
    data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    statuses = {x["check"]["id"]: x["status"] for x in data["results"]}
    facts = [statuses.pop("upn.suffix_inventory"), statuses.pop("sync.source_anchor")]
    assert facts == ["pass", "pass"]
    assert statuses.pop("dns.split_horizon") == "skipped"  # no second DNS view in the demo
    assert statuses.pop("adfs.token_signing_expiry") == "fail"  # the demo's key expires in 19 days
    healthy = {"dns.domain_resolves", "dns.adfs_host", "adfs.not_configured", "adfs.reachable", "adfs.probe"}
    healthy |= {"adfs.tls_certificate", "adfs.metadata"}
    assert {k: statuses.pop(k) for k in healthy} == dict.fromkeys(healthy, "pass")
    assert statuses == dict.fromkeys(statuses, "fail")
    accepted = [f for x in data["results"] for f in x["findings"] if f["accepted"]]
    assert accepted and all(f["target"].startswith("SMS_CLOUDCONNECTION.log:") for f in accepted)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    upn = html[html.index('id="area-upn"') :]
    assert upn.index("UPN suffixes of discovered users") < upn.index("not public domains")
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| suffix | users | routable | verified |" in md and "| contoso.com | 30 | yes | yes |" in md
    # Hostile values planted in the samples arrive escaped or neutralised.
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    with (tmp_path / "out" / "findings.csv").open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert any("=cmd|" in c for c in cells) and not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_scan_healthy_logs_is_clean(tmp_path: Path) -> None:
    extra = "[checks.'logs.cloudusersync_stale']\nrelative_to = 'newest'\n"
    cfg = make_config(tmp_path, SAMPLES / "healthy", extra)
    r = cli("scan", "-c", cfg, "-o", tmp_path / "out", "-f", "json")
    assert r.exit_code == 0, r.output
    assert "No open findings" in r.stdout


def test_fail_on_threshold_and_never(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, SAMPLES / "broken")
    assert cli("scan", "-c", cfg, "-o", tmp_path / "o", "-f", "json", "--fail-on", "critical").exit_code == 0
    assert cli("scan", "-c", cfg, "-o", tmp_path / "o", "-f", "json", "--fail-on", "never").exit_code == 0
    assert cli("scan", "-c", cfg, "-o", tmp_path / "o", "-f", "json").exit_code == 1
    one_line_error(cli("scan", "-c", cfg, "--fail-on", "severe"), "--fail-on", "severe")


def test_incomplete_scan_exits_3(tmp_path: Path) -> None:
    extra = "[checks.'logs.cloudusersync_stale']\nrelative_to = 'newest'\n"
    cfg = make_config(tmp_path, SAMPLES / "healthy", extra)
    text = cfg.read_text(encoding="utf-8").replace("paths = [", f"paths = ['{tmp_path / 'gone'}', ")
    cfg.write_text(text, encoding="utf-8")
    r = cli("scan", "-c", cfg, "-o", tmp_path / "out", "-f", "json")
    assert r.exit_code == 3, r.output
    assert "no such file or folder" in r.stdout


def test_only_and_skip_select_checks(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, SAMPLES / "broken")
    r = cli(
        "scan", "-c", cfg, "-o", tmp_path / "out", "-f", "json", "--only", "logs.*", "--skip", "logs.errors"
    )
    ids = {x["check"]["id"] for x in json.loads((tmp_path / "out" / "result.json").read_text())["results"]}
    assert r.exit_code == 1 and "logs.errors" not in ids and len(ids) == 3
    one_line_error(cli("scan", "-c", cfg, "--only", "logs.eror"), "no check matches 'logs.eror'")


def test_saved_evidence_is_re_evaluated_without_touching_the_logs(tmp_path: Path) -> None:
    logs = tmp_path / "copy"
    shutil.copytree(SAMPLES / "broken", logs)
    cfg = make_config(tmp_path, logs)
    assert cli("collect", "-c", cfg, "-o", tmp_path / "evidence.json").exit_code == 0
    direct = cli("scan", "-c", cfg, "-o", tmp_path / "a", "-f", "json")
    shutil.rmtree(logs)  # the evidence must be enough
    again = cli(
        "scan", "--evidence", tmp_path / "evidence.json", "-c", cfg, "-o", tmp_path / "b", "-f", "json"
    )
    assert direct.exit_code == again.exit_code == 1

    def findings(folder: str) -> list[tuple[str, str]]:
        data = json.loads((tmp_path / folder / "result.json").read_text(encoding="utf-8"))
        return sorted((f["check_id"], f["fingerprint"]) for x in data["results"] for f in x["findings"])

    assert findings("a") == findings("b") and findings("a")


def test_report_re_renders_a_saved_result(tmp_path: Path) -> None:
    cli("demo", "-o", tmp_path / "scan", "-f", "json")
    r = cli("report", tmp_path / "scan" / "result.json", "-f", "md,html", "-o", tmp_path / "again")
    assert r.exit_code == 0, r.output
    assert "logs.sitecomp_connector" in (tmp_path / "again" / "report.md").read_text(encoding="utf-8")
    assert (tmp_path / "again" / "report.html").stat().st_size > 1000


def test_checks_explain_and_init(tmp_path: Path) -> None:
    r = cli("checks", "--json")
    assert r.exit_code == 0 and {c["id"] for c in json.loads(r.stdout)} >= {"logs.errors"}
    r = cli("explain", "logs.cloudusersync_stale")
    assert r.exit_code == 0 and "max_age_hours = 24.0" in r.stdout and "Remediation" in r.stdout
    one_line_error(cli("explain", "logs.nope"), "no check matches")
    target = tmp_path / "new.toml"
    assert cli("init", "-o", target).exit_code == 0
    assert config.load(target).logs is not None
    one_line_error(cli("init", "-o", target), "exists")


def test_init_and_explain_tell_how_to_sign_in_without_a_password(tmp_path: Path) -> None:
    target = tmp_path / "new.toml"
    assert cli("init", "-o", target).exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert '# auth = "simple"                         # simple | ntlm | kerberos' in text
    assert "Trusted_Connection=yes: the account running the scan signs in" in text
    # The commented [directory] keys are real ones: uncommented (auth = "kerberos"), the section loads.
    block = text[text.index("# [directory]") :].split("\n\n")[0].splitlines()
    lines = [ln[2:] for ln in block if not ln.startswith("#  ")]
    data = tomllib.loads("\n".join(lines).replace('auth = "simple"', 'auth = "kerberos"'))
    loaded = config.from_dict(data).directory
    assert (
        loaded is not None
        and loaded.auth == "kerberos"
        and {"keytab", "principal", "spn"} <= set(data["directory"])
    )
    directory = cli("explain", "upn.duplicate").stdout
    assert 'auth = "kerberos" binds as the account running the scan' in " ".join(directory.split())
    sql = " ".join(cli("explain", "upn.unverified_suffix").stdout.split())
    assert "Trusted_Connection=yes in connection_string signs in as the account running the scan" in sql


def test_logs_command_summary_and_json() -> None:
    r = cli("logs", SAMPLES / "broken", "--limit", "2")
    assert r.exit_code == 0, r.output
    assert "Cloudusersync.log" in r.stdout and "dmpdownloader.log" in r.stdout
    # The error codes of the errors shown are put into words, even when the lines are cut to --limit.
    assert "0x8007041D: The service did not respond to the start or control request" in r.stdout
    data = json.loads(cli("logs", SAMPLES / "broken" / "Sitecomp.log", "--json").stdout)
    assert data["logs"][0]["name"] == "Sitecomp.log" and data["logs"][0]["components"]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["logs", "/nonexistent/Sitecomp.log"], ["/nonexistent/Sitecomp.log", "no such file or folder"]),
        (["scan", "-c", "/nonexistent.toml"], ["no such config file", "mdm-preflight init"]),
        (["report", "/nonexistent.json"], ["no such result file"]),
        (["scan", "-c", "{cfg}", "-f", "pdf"], ["unknown report format 'pdf'"]),
        (["scan", "-c", "{cfg}", "--since", "lately"], ["--since", "not a time window"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], needles: list[str]) -> None:
    cfg = make_config(tmp_path, SAMPLES / "broken")
    one_line_error(cli(*[a.replace("{cfg}", str(cfg)) for a in args]), *needles)


def test_config_typo_and_binary_log_and_newer_evidence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[logs]\npath = ['x']\n", encoding="utf-8")
    one_line_error(cli("scan", "-c", bad), "bad.toml", "logs.path", "did you mean 'paths'")
    binary = tmp_path / "x.log"
    binary.write_bytes(bytes(range(256)) * 100)
    one_line_error(cli("logs", binary), "binary file")
    newer = tmp_path / "e.json"
    newer.write_text('{"schema_version": 99, "collected_at": "2026-01-01T00:00:00+00:00"}', encoding="utf-8")
    one_line_error(cli("scan", "--evidence", newer, "-o", tmp_path / "o"), "newer mdm-preflight")
    assert not (tmp_path / "o").exists()  # nothing half-written


def test_config_from_environment_variable(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, SAMPLES / "broken")
    r = cli("scan", "-o", tmp_path / "o", "-f", "json", env={"MDM_PREFLIGHT_CONFIG": str(cfg)})
    assert r.exit_code == 1, r.output


@pytest.mark.parametrize("encoding", ["ascii", "cp437"])
def test_output_in_a_narrow_code_page_is_replaced_never_a_crash(tmp_path: Path, encoding: str) -> None:
    # A scheduled task whose output is redirected in an old code page: the em dashes and names from
    # the directory that code page lacks become "?", the run ends normally.
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONPATH": str(SAMPLES.parent)}
    r = subprocess.run(
        [sys.executable, "-m", "scanner", "demo", "-o", str(tmp_path)],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 1, r.stderr.decode(encoding, "replace")
    out = r.stdout.decode(encoding)
    assert "Problems found" in out and "?" in out
    assert (tmp_path / "report.html").exists()


def test_an_output_folder_that_cannot_exist_is_one_line_before_scanning(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    r = cli("demo", "-o", blocker / "out")
    assert r.exit_code == 2, r.output
    [line] = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert line.startswith("mdm-preflight: error: cannot create the report folder") and "-o" in line
    assert "Problems found" not in r.stdout  # nothing was scanned


def test_a_report_file_that_cannot_be_replaced_is_named_and_the_others_are_written(tmp_path: Path) -> None:
    # On Windows, Excel holds findings.csv open and it cannot be replaced; a folder in its place
    # refuses the same way everywhere.
    (tmp_path / "findings.csv").mkdir()
    r = cli("demo", "-o", tmp_path)
    assert r.exit_code == 2, r.output  # a run without all its reports must not look ordinary
    errors = [ln for ln in r.stderr.splitlines() if "error" in ln]
    assert len(errors) == 1 and f"cannot write {tmp_path / 'findings.csv'}" in errors[0]
    assert "Excel" in errors[0]
    data = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert data["results"] and (tmp_path / "report.html").stat().st_size > 10_000
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    r = cli("report", tmp_path / "result.json", "-f", "csv,md", "-o", tmp_path)
    assert r.exit_code == 2 and "cannot write" in r.stderr and (tmp_path / "report.md").exists()


@pytest.mark.parametrize("command", ["collect", "init"])
def test_a_file_in_the_way_of_the_output_is_one_line_not_a_traceback(tmp_path: Path, command: str) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    args = ["-c", SAMPLES / "demo.toml"] if command == "collect" else []
    r = cli(command, *args, "-o", blocker / "sub" / "out.json")
    assert r.exit_code == 2, r.output
    [line] = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert line == (
        f"mdm-preflight: error: cannot write {blocker / 'sub' / 'out.json'}: {blocker} is a file, "
        "not a folder; choose another folder with -o"
    )


def test_ctrl_c_during_a_scan_is_exit_130_never_1(tmp_path: Path) -> None:
    # The scan waits on an AD FS server that accepts and never answers; Ctrl+C (SIGINT) ends it
    # with the shell's code for an interrupt, not the code for findings.
    import signal
    import socket
    import time

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        cfg = tmp_path / "c.toml"
        cfg.write_text(
            f"[scan]\ntimeout = 30\n[adfs]\nurl = 'https://sts.contoso.test:{port}'\n"
            "resolve = { 'sts.contoso.test' = '127.0.0.1' }\n",
            encoding="utf-8",
        )
        env = {**os.environ, "PYTHONPATH": str(SAMPLES.parent)}
        args = [sys.executable, "-m", "scanner", "scan", "-c", str(cfg), "-o", str(tmp_path / "out")]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        time.sleep(3)  # well inside the 30 s the scan would wait
        assert proc.poll() is None
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, errors = proc.communicate(timeout=20)
    assert proc.returncode == 130, errors
    assert time.monotonic() - t0 < 5
    assert errors.strip().splitlines()[-1] == "mdm-preflight: interrupted; files already written are complete"
    assert "Traceback" not in errors


def test_a_library_warning_goes_to_the_log_file_never_raw_to_stderr(tmp_path: Path) -> None:
    # A real Apple push certificate carries a 65-character name, over X.509's 64: cryptography warns.
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    long_name = "Apple Development IOS Push Services: " + "x" * 28  # 65 characters: cryptography refuses
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, long_name, _validate=False)])  # to build it
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder(name, name, key.public_key(), 1, now, now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    (tmp_path / "push.cer").write_bytes(cert)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[apns]\ncertificate = '{tmp_path / 'push.cer'}'\n", encoding="utf-8")
    log = tmp_path / "run.log"
    env = {**os.environ, "PYTHONPATH": str(SAMPLES.parent)}
    args = ["scan", "-c", str(cfg), "-o", str(tmp_path / "o"), "-f", "json", "--log-file", str(log)]
    r = subprocess.run(
        [sys.executable, "-m", "scanner", *args], capture_output=True, env=env, timeout=120, text=True
    )
    assert r.returncode in (0, 1), r.stderr
    assert "Warning" not in r.stderr and r.stderr.strip() == ""
    assert "py.warnings" in log.read_text(encoding="utf-8") and "but it was 65" in log.read_text(
        encoding="utf-8"
    )
