"""What the user asked for, checked before anything is scanned: config file, formats, overrides."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scanner import formats as output_formats
from scanner.errors import PreflightError

if TYPE_CHECKING:
    from scanner import config

# The config, the reports and the model are imported by the functions that use them: the command
# line imports this module for its defaults, and `mdm-preflight --help` should not pay for them.

DEFAULT_OUT = Path("mdm-preflight-report")
DEFAULT_CONFIG = Path("mdm-preflight.toml")
ALL_FORMATS = ",".join(output_formats.DEFAULT)


class UsageError(PreflightError):
    """Bad input from the user: exit 2 with one line."""


def load_config(path: Path | None) -> config.Config:
    """-c FILE, else $MDM_PREFLIGHT_CONFIG, else ./mdm-preflight.toml."""
    if path is None and (env := os.environ.get("MDM_PREFLIGHT_CONFIG")):
        path = Path(env)
    if path is None:
        if not DEFAULT_CONFIG.exists():
            raise UsageError(
                f"no {DEFAULT_CONFIG} here; pass --config FILE or create one with 'mdm-preflight init'"
            )
        path = DEFAULT_CONFIG
    from scanner import config

    return config.load(path)


def check_ids(values: list[str] | None) -> list[str]:
    """--only/--skip as given: repeated, comma-separated, or both."""
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]


def formats(text: str) -> list[str]:
    """-f html,md,… as format names, with the files they point to (the action plan)."""
    from reports import FORMATS, with_companions

    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(
            f"unknown report format {unknown[0] if unknown else text!r}; use some of {', '.join(FORMATS)}"
        )
    return with_companions(chosen)


def with_overrides(cfg: config.Config, fail_on: str | None, since: str | None) -> config.Config:
    """The command line wins over the file: --fail-on and --since."""
    from scanner.model import Severity
    from scanner.timespec import window_start

    if fail_on is not None:
        try:
            choice = "never" if fail_on.lower() == "never" else Severity.parse(fail_on).value
        except ValueError as exc:
            raise UsageError(f"--fail-on: {exc}") from None
        cfg = dataclasses.replace(cfg, scan=dataclasses.replace(cfg.scan, fail_on=choice))
    if since is not None:
        try:
            window_start(since, datetime.now(UTC))
        except ValueError as exc:
            raise UsageError(f"--since: {exc}") from None
        checks = {**cfg.checks, "logs.errors": {**cfg.checks.get("logs.errors", {}), "since": since}}
        cfg = dataclasses.replace(cfg, checks=checks)
    return cfg
