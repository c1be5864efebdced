"""ConfigMgr log evidence: the logical logs read, their error and warning records, and the facts the
log checks judge (sync cycles, user failures, component installs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_RECORD_CHARS = 1 << 20  # a message or plain line longer than this is cut to it, and counted


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncCycle:
    file: str
    line: int
    started: datetime | None
    completed: datetime | None = None  # None: the cycle never logged its summary line
    received: int | None = None  # users ConfigMgr asked to add
    added: int | None = None  # users the service added
    to_remove: int | None = None
    removed: int | None = None
    errors: int = 0
    last_error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserFailure:
    user: str
    action: str  # add | remove
    reason: str
    time: datetime | None
    file: str
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentEvent:
    component: str
    action: str  # flagged | installing | installed | failed
    time: datetime | None
    file: str
    line: int
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LogFile:
    path: str
    format: str  # ccm | sms | plain
    encoding: str
    size: int
    entries: int
    skipped_chars: int = 0
    truncated_tail: bool = False
    problem: str = ""  # why it could not be read; empty when it was
    truncated_records: int = 0  # records longer than cmlog.MAX_RECORD_CHARS, read cut to that length
    truncated_chars: int = 0  # characters cut from them
    truncated_line: int = 0  # where the first of them starts


@dataclass(frozen=True, slots=True, kw_only=True)
class LogSet:
    """One logical log: the live .log with its .lo_ and history copies, oldest first."""

    name: str
    files: tuple[LogFile, ...]
    entries: int
    errors: int
    warnings: int
    first: datetime | None
    last: datetime | None
    dropped: int = 0  # error/warning entries older than the kept ones


@dataclass(frozen=True, slots=True, kw_only=True)
class LogRecord:
    log: str
    file: str
    line: int
    time: datetime | None
    raw_time: str  # date and time exactly as written, zone part included
    component: str
    severity: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LogsEvidence:
    paths: tuple[str, ...]
    missing: tuple[str, ...] = ()
    time_convention: str = "bias"
    logs: tuple[LogSet, ...] = ()
    problems: tuple[LogRecord, ...] = ()  # error and warning entries, most recent per log
    sync_cycles: tuple[SyncCycle, ...] = ()
    sync_cycles_seen: int = 0
    sync_last_completed: datetime | None = None
    sync_failures: tuple[UserFailure, ...] = ()
    components: tuple[ComponentEvent, ...] = ()

    def find(self, name: str) -> LogSet | None:
        return next((log for log in self.logs if log.name.lower() == name.lower()), None)

    def unreadable(self) -> list[str]:
        """Configured inputs that could not be read: the scan did not see everything."""
        return [*self.missing, *(f.problem for s in self.logs for f in s.files if f.problem)]

    def truncated(self) -> list[str]:
        """What was read only in part: the report says so (memory stays bounded whatever a line's size)."""
        return [
            f"{f.path}: {f.truncated_records:,} record{'s' * (f.truncated_records != 1)} longer than "
            f"{MAX_RECORD_CHARS:,} characters read cut to that length ({f.truncated_chars:,} characters "
            f"left out), the first at line {f.truncated_line:,}"
            for s in self.logs
            for f in s.files
            if f.truncated_records
        ]

    def usable(self) -> bool:
        return any(not f.problem for s in self.logs for f in s.files)
