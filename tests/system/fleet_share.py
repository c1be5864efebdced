"""A share of sites as scheduled scans leave it: real scans of the sample environment with different
evidence, each site's report folder and history folder, and the damaged files a share collects."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from scanner.unattended import history
from tests.conftest import SAMPLES
from tests.system.test_cli import cli

# site folder -> (company, code, what differs from the demo's configuration)
SITES = {
    "contoso-ec1": ("Contoso", "EC1", {}),
    "contoso-ec2": ("Contoso", "EC2", {"logs": "paths = ['healthy']"}),
    "fabrikam-ny1": ("Fabrikam", "NY1", {"adfs": None, "dns": None, "tenant": None, "graph": None}),
    "tailspin-ts1": (
        "Tailspin",
        "TS1",
        {"sql": None, "directory": None, "adfs": None, "dns": None, "tenant": None, "graph": None},
    ),
}


def site_config(samples: Path, company: str, code: str, changes: dict[str, str | None]) -> Path:
    """The demo's configuration with this site's name and sections replaced (a string) or left out (None)."""
    text = (samples / "demo.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^code = ".*"$', f'code = "{code}"', text)
    text = re.sub(r'(?m)^company = ".*"$', f'company = "{company}"', text)
    for section, body in changes.items():
        pattern = rf"(?ms)^\[{section}\]\n.*?(?=^\[|\Z)"
        text = re.sub(pattern, "" if body is None else f"[{section}]\n{body}\n\n", text)
    path = samples / f"{code}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def scan_site(cfg: Path, out: Path, hist: Path | None = None) -> int:
    extra = ["--history", hist] if hist else []
    return cli("scan", "-c", cfg, "-o", out, "-f", "html,json", "-q", *extra).exit_code


def backdate(path: Path, days: float) -> Path:
    """A kept result as if it ran `days` earlier: its times, and its name as history names it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("started", "finished"):
        data[key] = (datetime.fromisoformat(data[key]) - timedelta(days=days)).isoformat()
    stamp = datetime.fromisoformat(data["started"]).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"result-{stamp}.json")
    target.write_text(json.dumps(data), encoding="utf-8")
    if target != path:
        path.unlink()
    return target


def build_share(root: Path) -> Path:
    """share/<site>/ (scan -o), share/history/<site>/ (scan --history, three runs 20 and 10 days apart
    for EC1), and share/damaged/ with a corrupt result and one from a newer schema."""
    samples = root / "samples"
    shutil.copytree(SAMPLES, samples)
    share = root / "share"
    for folder, (company, code, changes) in SITES.items():
        cfg = site_config(samples, company, code, changes)
        hist = share / "history" / folder
        if folder == "contoso-ec1":
            for days in (20, 10):
                scan_site(cfg, root / "earlier", hist)
                backdate(history.runs(hist)[-1], days)
        scan_site(cfg, share / folder, hist)
    damaged = share / "damaged"
    damaged.mkdir()
    (damaged / "result.json").write_text('{"schema_version": 1, "started": ', encoding="utf-8")
    newer = json.loads((share / "contoso-ec1" / "result.json").read_text(encoding="utf-8"))
    newer["schema_version"] = 999
    (damaged / "result-20261201T000000Z.json").write_text(json.dumps(newer), encoding="utf-8")
    return share
