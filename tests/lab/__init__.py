"""A lab of real servers for integration tests: PostgreSQL posing as a ConfigMgr site database,
Samba as an Active Directory domain controller."""

import os
from collections.abc import Callable

import pytest


def unavailable(message: str) -> None:
    """In CI a missing server fails the tests; on a developer's machine it skips them."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"lab: {message}", pytrace=False)
    pytest.skip(f"lab: {message}")


def require(check: Callable[[], object]) -> None:
    """Run a lab's requirement check; what is missing ends the session's lab tests in one line."""
    try:
        check()
    except RuntimeError as exc:  # each lab's LabUnavailable
        missing = str(exc)
    else:
        return
    unavailable(missing)  # outside the except block: a one-line message, no chained traceback
