"""The exit codes: the one list a scheduled task, a CI job and the README read.

0 clean · 1 findings at or above the threshold · 2 usage or configuration error · 3 scan incomplete (a
check errored, a configured source failed, or nothing was checked) · 4 the email was not sent · 5 another
run holds the history folder · 6 a bug in mdm-preflight · 130 interrupted (Ctrl+C) · 143 stopped (SIGTERM:
systemd, kill, a scheduler's stop; Ctrl+Break on Windows).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model is imported by for_result: the command line's start does not need it
    from scanner.model import ScanResult


class ExitCode(IntEnum):
    CLEAN = 0
    FINDINGS = 1
    USAGE = 2
    INCOMPLETE = 3
    EMAIL = 4  # the scan finished and its reports are on disk, but the email was not sent
    LOCKED = 5  # another run holds the history folder: this run did nothing
    BUG = 6  # an unexpected exception: never mistaken for findings (1)
    INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl+C
    STOPPED = 143  # 128 + SIGTERM: how service managers and schedulers end a process


def for_result(result: ScanResult, fail_on: str) -> ExitCode:
    """1 when an open finding reaches `fail_on`; else 3 when the scan did not see everything; else 0."""
    from scanner.model import Severity

    worst = result.worst_open()
    if fail_on != "never" and worst is not None and worst.rank >= Severity.parse(fail_on).rank:
        return ExitCode.FINDINGS
    return ExitCode.INCOMPLETE if result.incomplete else ExitCode.CLEAN
