"""One base for every error that is meant for the user as one line.

A `PreflightError`'s message says what failed, where, and what to do, and never holds a secret; the
command line prints it as it is and exits with the code of the error's kind. Any other exception is a bug
(exit 6, with its traceback). Control flow between checks and the runner (`Skip`, `Unverifiable`) is not
an error and does not derive from this.
"""

from __future__ import annotations


class PreflightError(Exception):
    """A problem the user can fix, in one line."""

    def __str__(self) -> str:  # values from files and servers may hold newlines: keep it one line
        return " ".join(super().__str__().split())
