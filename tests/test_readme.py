"""The README's catalog is the catalog the code has."""

from __future__ import annotations

from pathlib import Path

from scripts.catalog import BEGIN, END, table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_catalog_matches_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    current = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert current == table(), "run: python scripts/catalog.py and paste it into README.md"


def _apt_packages(text: str) -> set[str]:
    words = text.replace("\\\n", " ").split()
    start = next(i for i, w in enumerate(words) if w == "install") + 1
    return {w for w in words[start:] if w[0].isalnum()} - {"sudo", "bash", "scripts/test"}


def test_readme_test_command_installs_what_ci_installs() -> None:
    """A fresh machine set up from the README has every package CI's script installs."""
    readme = README.read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if line.endswith("sudo bash scripts/test"))
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    install = ci[ci.index("apt-get install") : ci.index(">/dev/null", ci.index("apt-get install"))]
    readme_packages = _apt_packages(command.split("&&", 1)[1].split("&&")[0])
    assert _apt_packages(install) - {"python3", "python3-pip"} <= readme_packages
    assert {"krb5-user", "libkrb5-dev", "gcc", "python3-dev"} <= readme_packages
