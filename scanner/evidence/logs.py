"""ConfigMgr log evidence: the logical logs read, their error and warning records, and the facts the
log checks judge (sync cycles, user failures, component installs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_RECORD_CHARS = 1 << 20  # a message or plain line longer than this is cut to it, and counted
NOT_CONFIGMGR = "not a ConfigMgr log (no ConfigMgr record, no time in it): not judged"


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
class UserAdded:
    """A user ConfigMgr sent to add in a cycle that completed without a failure for that user."""

    user: str
    time: datetime | None
    file: str
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncFacts:
    """What one Cloudusersync.log (with its .lo_) says, read as one stream."""

    cycles: tuple[SyncCycle, ...] = ()  # the most recent KEEP_CYCLES
    cycles_seen: int = 0
    last_completed: datetime | None = None
    failures: tuple[UserFailure, ...] = ()
    added: tuple[UserAdded, ...] = ()


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
    skipped_fragments: int = 0  # stretches of text between records that are no record
    skipped_line: int = 0  # where the first of them starts

    def unread(self) -> list[str]:
        """What of this file was not read as records, in words."""
        notes = []
        if self.skipped_chars:
            n = self.skipped_fragments
            notes.append(
                f"{self.path}: {self.skipped_chars:,} characters in {n:,} stretch{'es' * (n != 1)} between "
                f"records not read (interleaved writes or a cut head), the first at line "
                f"{self.skipped_line:,}"
            )
        if self.truncated_tail:
            notes.append(f"{self.path}: ends inside a record (still being written, or cut): not read")
        return notes


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
    path: str = ""  # the folder and the name: same-named logs in different folders are different logs
    configmgr: bool = True  # False: no file holds a ConfigMgr record; not judged
    sync: SyncFacts | None = None  # what a Cloudusersync.log says
    components: tuple[ComponentEvent, ...] = ()  # the install events a Sitecomp.log records

    def unread(self) -> list[str]:
        return [note for f in self.files for note in f.unread()]


@dataclass(frozen=True, slots=True, kw_only=True)
class LogRecord:
    log: str
    file: str
    path: str = ""  # the logical log's (LogSet.path)
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

    def find(self, name: str) -> LogSet | None:
        """The first log of that name (several folders may hold one: `named` gives them all)."""
        return next(iter(self.named(name)), None)

    def named(self, name: str) -> list[LogSet]:
        return [log for log in self.logs if log.name.lower() == name.lower()]

    def label(self, log: LogSet) -> str:
        """The log's name, or its folder and name when another folder holds a log of that name."""
        return log.path if log.path and len(self.named(log.name)) > 1 else log.name

    def problems_of(self, log: LogSet) -> list[LogRecord]:
        return [r for r in self.problems if r.path == log.path and r.log == log.name]

    def unreadable(self) -> list[str]:
        """Configured inputs that could not be read: the scan did not see everything."""
        return [*self.missing, *(f.problem for s in self.logs for f in s.files if f.problem)]

    def truncated(self) -> list[str]:
        """What was read only in part or not at all: the report says so (memory stays bounded)."""
        cut = [
            f"{f.path}: {f.truncated_records:,} record{'s' * (f.truncated_records != 1)} longer than "
            f"{MAX_RECORD_CHARS:,} characters read cut to that length ({f.truncated_chars:,} characters "
            f"left out), the first at line {f.truncated_line:,}"
            for s in self.logs
            for f in s.files
            if f.truncated_records
        ]
        others = [f"{s.path or s.name}: {NOT_CONFIGMGR}" for s in self.logs if not s.configmgr]
        return [*cut, *(note for s in self.logs for note in s.unread()), *others]

    def usable(self) -> bool:
        return any(not f.problem for s in self.logs for f in s.files)
