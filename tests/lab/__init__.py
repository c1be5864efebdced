"""A lab of real servers for integration tests: PostgreSQL posing as a ConfigMgr site database,
Samba as an Active Directory domain controller."""

import os

import pytest


def unavailable(message: str) -> None:
    """In CI a missing server fails the tests; on a developer's machine it skips them."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"lab: {message}", pytrace=False)
    pytest.skip(f"lab: {message}")
