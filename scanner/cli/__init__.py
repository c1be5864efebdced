"""The command line: typer and rich are imported here and nowhere else.

`scanner.cli:main` is the console script; `app` is the typer application (tests drive it with CliRunner)."""

from __future__ import annotations

from scanner.cli.commands import (
    EXIT_BUG,
    EXIT_CLEAN,
    EXIT_EMAIL,
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_USAGE,
    app,
    main,
)

__all__ = [
    "EXIT_BUG",
    "EXIT_CLEAN",
    "EXIT_EMAIL",
    "EXIT_FINDINGS",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_USAGE",
    "app",
    "main",
]
