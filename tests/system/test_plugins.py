"""Third-party checks installed as a distribution are listed and run like built-in ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLES

REPO = Path(__file__).resolve().parents[2]

PLUGIN = '''
from scanner.model import Severity
from scanner.registry import check


@check(id="tiny.sitecomp_present", title="Sitecomp.log is missing", severity=Severity.LOW,
       needs={"logs"}, remediation="Add the site server's Logs folder to [logs] paths.")
def sitecomp_present(ctx):
    """A plugin check: proves third-party checks see the same evidence."""
    ctx.examined = f"{len(ctx.ev.logs.logs)} logs"
    if ctx.ev.logs.find("Sitecomp.log") is None:
        yield ctx.finding("Sitecomp.log", "Sitecomp.log is not among the configured logs.")
'''


def install(site: Path, name: str, module_text: str) -> None:
    """Lay the plugin out as pip installs a distribution: the module plus its .dist-info."""
    (site / name).mkdir(parents=True)
    (site / name / "__init__.py").write_text(module_text, encoding="utf-8")
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[mdm_preflight.checks]\n{name} = {name}\n", encoding="utf-8")


def run(site: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    return subprocess.run(
        [sys.executable, "-m", "scanner", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_an_installed_plugin_is_listed_and_run(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install(site, "tinyplugin", PLUGIN)
    listed = run(site, "checks", "--json")
    assert listed.returncode == 0, listed.stderr
    assert "tiny.sitecomp_present" in {c["id"] for c in json.loads(listed.stdout)}
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[logs]\npaths = ['{SAMPLES / 'healthy' / 'Cloudusersync.log'}']\n", encoding="utf-8")
    scanned = run(site, "scan", "-c", cfg, "--only", "tiny.*", "-f", "json", "-o", tmp_path / "out")
    assert scanned.returncode == 0, scanned.stderr  # a low finding stays under the default threshold
    [result] = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))["results"]
    assert result["status"] == "fail" and result["findings"][0]["target"] == "Sitecomp.log"


def test_a_broken_plugin_is_reported_and_makes_the_run_incomplete(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install(site, "brokenplugin", "raise ImportError('missing dependency foo')\n")
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f"[logs]\npaths = ['{SAMPLES / 'healthy'}']\n"
        "[checks.'logs.cloudusersync_stale']\nrelative_to = 'newest'\n",
        encoding="utf-8",
    )
    scanned = run(site, "scan", "-c", cfg, "-f", "json", "-o", tmp_path / "out")
    assert scanned.returncode == 3, scanned.stdout + scanned.stderr
    assert "plugin brokenplugin" in scanned.stderr and "missing dependency foo" in scanned.stderr


# A plugin written against 0.1's flat layout: evidence types from the source modules, helpers from
# scanner.domains and scanner.upn. It must keep working after the packages moved.
OLD_PATHS_PLUGIN = '''
from scanner.model import Severity
from scanner.registry import check
from scanner.sources.logs import LogsEvidence
from scanner.sources.sql import SqlEvidence
from scanner import upn, domains, cmlog, web


@check(id="old.logs_seen", title="No ConfigMgr log was read", severity=Severity.LOW,
       needs={"logs"}, remediation="Add the site server's Logs folder to [logs] paths.")
def logs_seen(ctx):
    """Written for 0.1."""
    assert isinstance(ctx.ev.logs, LogsEvidence) and SqlEvidence and upn and domains and cmlog and web
    ctx.examined = f"{len(ctx.ev.logs.logs)} logs"
    if not ctx.ev.logs.logs:
        yield ctx.finding("logs", "no log was read")
'''

API_PLUGIN = '''
from scanner.api import Context, LogsEvidence, Severity, check


@check(id="api.logs_seen", title="No ConfigMgr log was read", severity=Severity.LOW,
       needs={"logs"}, remediation="Add the site server's Logs folder to [logs] paths.")
def logs_seen(ctx: Context):
    """Written against the public API."""
    assert isinstance(ctx.ev.logs, LogsEvidence)
    ctx.examined = f"{len(ctx.ev.logs.logs)} logs"
    if not ctx.ev.logs.logs:
        yield ctx.finding("logs", "no log was read")
'''


def test_plugins_on_old_import_paths_and_on_the_public_api_both_run(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install(site, "oldplugin", OLD_PATHS_PLUGIN)
    install(site, "apiplugin", API_PLUGIN)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[logs]\npaths = ['{SAMPLES / 'healthy'}']\n", encoding="utf-8")
    scanned = run(
        site, "scan", "-c", cfg, "--only", "old.*", "--only", "api.*", "-f", "json", "-o", tmp_path / "o"
    )
    assert scanned.returncode == 0, scanned.stderr
    results = json.loads((tmp_path / "o" / "result.json").read_text(encoding="utf-8"))["results"]
    assert {r["check"]["id"]: r["status"] for r in results} == {
        "old.logs_seen": "pass",
        "api.logs_seen": "pass",
    }
