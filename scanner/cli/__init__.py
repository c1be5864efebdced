"""The command line: typer and rich are imported here and nowhere else.

`scanner.cli:main` is the console script; `app` is the typer application (tests drive it with CliRunner)."""

from __future__ import annotations

from scanner.cli import fleet as _fleet  # noqa: F401  (registers the fleet command on app)
from scanner.cli.commands import *  # noqa: F403  (app, main and the EXIT_ names 0.1 exported)
from scanner.cli.commands import __all__ as __all__
