"""The README's catalog is the catalog the code has."""

from __future__ import annotations

from pathlib import Path

from scripts.catalog import BEGIN, END, table

README = Path(__file__).resolve().parents[2] / "README.md"


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


def test_readme_windows_task_without_secrets_has_a_config_that_names_none() -> None:
    """The gMSA scheduled task's configuration loads, signs in without a password and names no secret."""
    import tomllib

    from scanner import config
    from scanner.sources.net.bind import setup_problem as directory_problem
    from scanner.sources.sql import setup_problem as sql_problem

    text = README.read_text(encoding="utf-8")
    section = text[text.index("**Windows Task Scheduler with no secret stored anywhere**") :]
    assert "-LogonType Password -RunLevel Limited" in section.split("**Windows Task Scheduler** with")[0]
    block = section[section.index("```toml\n") + 8 :]
    block = block[: block.index("```")]
    assert "password_env" not in block and "user =" not in block and "PWD" not in block
    cfg = config.from_dict(tomllib.loads(block))
    assert cfg.sql is not None and cfg.directory is not None and cfg.directory.auth == "kerberos"
    assert sql_problem(cfg.sql) == "" and "Trusted_Connection=yes" in cfg.sql.connection_string
    assert directory_problem(cfg.directory) == ""  # the test environment has the kerberos extra
