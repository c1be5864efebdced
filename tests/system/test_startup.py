"""A command that does not scan starts without the libraries only a scan needs.

`python -X importtime` lists every module an interpreter imports: the command line's help, its version,
the catalog and one check's explanation load no client library, no jinja2, no public suffix list, and
none of the sources, reports or use cases (they cost `--help` hundreds of milliseconds).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# The libraries a scan needs and a command that only explains never should.
HEAVY = {
    "pyodbc",
    "ldap3",
    "dns",
    "httpx",
    "cryptography",
    "defusedxml",
    "msal",
    "jinja2",
    "publicsuffixlist",
}
# The project's own layers that import them.
HEAVY_OWN = ("scanner.sources", "reports", "scanner.app.scan", "scanner.unattended", "checks")


def imported(*args: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scanner", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert lines, done.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in lines}


@pytest.mark.parametrize(
    "args",
    [("--help",), ("--version",), ("scan", "--help"), ("init", "--help"), ("logs", "--help")],
    ids=lambda a: " ".join(a),
)
def test_help_and_version_load_no_library_a_scan_needs(args: tuple[str, ...]) -> None:
    modules = imported(*args)
    assert "typer" in modules  # the list is real: the command line itself is in it
    assert {m.split(".")[0] for m in modules} & HEAVY == set()
    assert [m for m in modules if m.startswith(HEAVY_OWN)] == []


@pytest.mark.parametrize("args", [("checks",), ("explain", "upn.non_routable_suffix")], ids=" ".join)
def test_the_catalog_loads_the_checks_but_no_client_library(args: tuple[str, ...]) -> None:
    modules = imported(*args)
    assert "checks.upn" in modules
    assert {m.split(".")[0] for m in modules} & HEAVY == set()
    assert [m for m in modules if m.startswith("scanner.sources")] == []
