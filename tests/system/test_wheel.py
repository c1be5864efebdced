"""The demo works from an installed wheel, outside the checkout: the sample data ships as package data."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env, check=False
    )


def test_demo_from_an_installed_wheel(tmp_path: Path) -> None:
    built = sh(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", REPO, cwd=tmp_path
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("mdm_preflight-*.whl")
    # A plain install stays wheel-only: the Kerberos packages come only with the kerberos extra, each on
    # its platform (python-gssapi builds from source on Linux; Windows gets winkerberos, never gssapi).
    with zipfile.ZipFile(wheel) as whl:
        meta = whl.read(next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    wanted = ("Requires-Dist: gssapi", "Requires-Dist: winkerberos")
    kerberos = sorted(line for line in meta.splitlines() if line.startswith(wanted))
    assert len(kerberos) == 2 and all('extra == "kerberos"' in line for line in kerberos), kerberos
    assert 'sys_platform != "win32"' in kerberos[0] and 'sys_platform == "win32"' in kerberos[1]
    site = tmp_path / "site"
    installed = sh(
        sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site, wheel, cwd=tmp_path
    )
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = sh(
        sys.executable,
        "-c",
        "import scanner, reports; print(scanner.__file__, reports.__file__)",
        cwd=tmp_path,
        env=env,
    )
    assert where.stdout.count(str(site)) == 2, where.stdout  # the wheel's code, not the checkout's
    demo = sh(sys.executable, "-m", "scanner", "demo", "-o", "out", cwd=tmp_path, env=env)
    assert demo.returncode == 1, demo.stdout + demo.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"report.html", "result.json", "junit.xml"}
    assert "scp.internet_endpoints" in demo.stdout and "ios.apns_certificate" in demo.stdout
    listed = "from scanner.sources.endpoints import default_endpoints as d; print(len(d()))"
    assert int(sh(sys.executable, "-c", listed, cwd=tmp_path, env=env).stdout) >= 5  # the list ships too
    init = sh(sys.executable, "-m", "scanner", "init", "-o", "c.toml", cwd=tmp_path, env=env)
    assert init.returncode == 0 and "[logs]" in (tmp_path / "c.toml").read_text(encoding="utf-8")
