"""Every discovered check is complete: id, title, severity, description, remediation, and a test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.registry import discover

TESTS = Path(__file__).resolve().parents[1]
CATALOG = discover(plugins=False)


@pytest.mark.parametrize("check_id", sorted(CATALOG.specs))
def test_check_is_complete_and_tested(check_id: str) -> None:
    info = CATALOG.specs[check_id].info
    assert re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z0-9_.]+", info.id)
    assert info.title and not info.title.lower().startswith("ensure") and not info.title.endswith(".")
    assert len(info.description) > 40, "the description says why it matters"
    assert info.remediation.endswith(".") and len(info.remediation) > 40
    assert info.needs
    module = CATALOG.specs[check_id].where.split(":")[0].split(".")[-1]
    test_file = TESTS / "checks" / f"test_{module}.py"
    assert test_file.exists() and f'"{check_id}"' in test_file.read_text(encoding="utf-8")


def test_ids_are_unique_and_the_catalog_is_not_empty() -> None:
    assert len(CATALOG.specs) >= 4 and not CATALOG.load_errors
