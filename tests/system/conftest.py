"""Fixtures the system tests share."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def clockjump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/lab/clockjump.c built once: a preload that steps one process's wall clock (gcc, libc6-dev)."""
    if not shutil.which("cc"):
        from tests.lab import unavailable

        unavailable("no C compiler: install the Debian packages gcc and libc6-dev")
    out = tmp_path_factory.mktemp("clock") / "clockjump.so"
    source = Path(__file__).resolve().parents[1] / "lab" / "clockjump.c"
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(out), str(source), "-ldl"], check=True)
    return out
