"""The layers of the code, enforced: every import of every product module, those inside functions too.

The layers and their allowed arrows are documented in scanner/__init__.py and the README's ARCHITECTURE
section; this test is their executable form. A new module belongs to the layer its path names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("scanner", "checks", "reports")

# layer -> the layers it may import (itself always)
ALLOWED: dict[str, set[str]] = {
    "evidence": {"model"},
    "facts": set(),
    "model": set(),
    "kernel": {"model", "evidence", "facts"},
    "sources": {"model", "kernel", "evidence", "facts"},
    "checks": {"model", "kernel", "evidence", "facts"},
    "reports": {"model", "kernel", "evidence", "facts"},
    "unattended": {"model", "kernel", "evidence", "facts", "reports"},
    "app": {"model", "kernel", "evidence", "facts", "reports", "sources", "checks", "unattended"},
    "cli": {"model", "kernel", "evidence", "facts", "reports", "sources", "checks", "unattended", "app"},
}
# third-party package -> the layers it may be imported in (its home)
HOMES: dict[str, set[str]] = {
    "pyodbc": {"sources"},
    "ldap3": {"sources"},
    "dns": {"sources"},
    "httpx": {"sources"},
    "cryptography": {"sources"},
    "defusedxml": {"sources"},
    "msal": {"sources"},
    "gssapi": {"sources"},
    "winkerberos": {"sources"},
    "jinja2": {"reports"},
    "typer": {"cli"},
    "rich": {"cli"},
    "click": {"cli"},
    "publicsuffixlist": {"facts"},
}


def layer_of(module: str) -> str | None:
    """The layer a project module belongs to; None for what is not ours (stdlib, third party)."""
    parts = module.split(".")
    if parts[0] == "checks":
        return "checks"
    if parts[0] == "reports":
        return "reports"
    if parts[0] != "scanner":
        return None
    if len(parts) == 1 or parts[1] in ("_moved", "__init__"):
        return "kernel"
    if parts[1] in ("evidence", "facts", "sources", "unattended", "app", "cli"):
        return parts[1]
    if parts[1] == "__main__":
        return "cli"
    return "model" if parts[1] == "model" else "kernel"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement, at any depth; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            found.append((node.lineno, base))
            # `from scanner import sources` imports the subpackage: judge it too
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names if _is_module(f"{base}.{a.name}")]
    return found


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def violations(path: Path) -> list[str]:
    mine = layer_of(module_name(path))
    assert mine is not None
    out = []
    for line, target in imports(path):
        theirs = layer_of(target)
        where = f"{path.relative_to(ROOT)}:{line}"
        if theirs is not None:
            if theirs != mine and theirs not in ALLOWED[mine]:
                out.append(f"{where}: {mine} imports {theirs} ({target})")
        else:
            top = target.split(".")[0]
            if top in HOMES and mine not in HOMES[top]:
                out.append(f"{where}: {top} imported in {mine} (its home: {', '.join(sorted(HOMES[top]))})")
    return out


def product_modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_every_import_follows_the_layers() -> None:
    problems = [v for p in product_modules() for v in violations(p)]
    assert not problems, "\n".join(problems)


def test_every_product_module_has_a_layer() -> None:
    assert all(layer_of(module_name(p)) for p in product_modules())


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("checks/bad.py", "from scanner.sources.sql import collect_sql\n", "checks imports sources"),
        ("checks/bad.py", "def f():\n    import scanner.sources.logs\n", "checks imports sources"),
        ("scanner/evidence/bad.py", "from scanner.sources.dns import lookup\n", "evidence imports sources"),
        ("scanner/store2.py", "from reports import render\n", "kernel imports reports"),
        ("scanner/runner2.py", "from scanner.cli import console\n", "kernel imports cli"),
        ("scanner/unattended/bad.py", "import rich\n", "rich imported in unattended"),
        ("reports/bad.py", "from scanner.app import pdf\n", "reports imports app"),
        ("reports/bad.py", "import httpx\n", "httpx imported in reports"),
        ("scanner/sources/bad.py", "from jinja2 import Environment\n", "jinja2 imported in sources"),
        ("scanner/app/bad.py", "import typer\n", "typer imported in app"),
        ("scanner/sources/bad.py", "from scanner.app.redact import redact\n", "sources imports app"),
        ("scanner/facts/bad.py", "from scanner.sources.net import web\n", "facts imports sources"),
    ],
)
def test_a_forbidden_arrow_is_caught(tmp_path: Path, module: str, source: str, expected: str) -> None:
    """The test fails on each arrow the layout forbids: a deliberately bad module in a copy of the tree."""
    global ROOT
    real = ROOT
    fake = tmp_path / "tree"
    for pkg in PACKAGES:  # only what _is_module needs: the package folders' __init__ files
        for init in (real / pkg).rglob("__init__.py"):
            dest = fake / init.relative_to(real)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text("")
    bad = fake / module
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text(source)
    ROOT = fake
    try:
        found = violations(bad)
    finally:
        ROOT = real
    assert any(expected in v for v in found), found


@pytest.mark.parametrize(
    ("module", "allowed_third_party"),
    [("checks.upn", {"publicsuffixlist"}), ("reports.csvfmt", {"jinja2"}), ("scanner.api", set())],
)
def test_importing_a_check_or_a_renderer_loads_no_source(module: str, allowed_third_party: set[str]) -> None:
    """What the layers promise at run time: a check or a renderer is usable without any client library."""
    import subprocess
    import sys

    watched = ["ldap3", "pyodbc", "httpx", "dns", "cryptography", "defusedxml", "jinja2", "typer", "rich"]
    watched.append("publicsuffixlist")
    code = (
        f"import sys, {module}\n"
        "print(*sorted(m for m in sys.modules if m.startswith('scanner.sources')), sep=',')\n"
        f"print(*sorted({{m.split('.')[0] for m in sys.modules}} & set({watched!r})), sep=',')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    sources, third = done.stdout.splitlines()
    assert sources == ""
    assert set(filter(None, third.split(","))) <= allowed_third_party


def test_the_sources_are_named_once() -> None:
    """An evidence section, a config section and a collector per source, under one name."""
    import dataclasses

    from scanner.config import Config
    from scanner.evidence import SECTIONS
    from scanner.sources import SOURCES

    assert set(SOURCES) == set(SECTIONS)
    assert set(SECTIONS) <= {f.name for f in dataclasses.fields(Config)}
    assert all(SOURCES[name].section == name for name in SECTIONS)
