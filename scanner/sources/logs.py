"""The logs source: reads ConfigMgr logs once and keeps the facts the checks judge."""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from scanner.cmlog import (
    ERROR,
    MAX_RECORD_CHARS,
    SEVERITY_NAMES,
    WARNING,
    Entry,
    FileStats,
    LogReadError,
    entry_time,
    parse_file,
)
from scanner.logfiles import LogicalLog, resolve
from scanner.sources.logfacts import (
    ComponentEvent,
    SiteCompReader,
    SyncCycle,
    UserFailure,
    UserSyncReader,
)
from scanner.sources.rotation import read_steady

KEEP_PROBLEMS = 5000  # most recent error/warning entries kept per log


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


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeRule:
    convention: str = "bias"  # bias: UTC = local + n (ConfigMgr); offset: UTC = local - n
    missing_bias: int = 0  # minutes, for times written without a zone part

    def utc(self, e: Entry) -> datetime | None:
        sign = 1 if self.convention == "bias" else -1
        return entry_time(e, bias_sign=sign, missing_bias=self.missing_bias)


def collect_logs(
    paths: tuple[str, ...] | list[str], rule: TimeRule, base: Path | None = None
) -> LogsEvidence:
    found = resolve(paths, base)
    readers: dict[str, UserSyncReader | SiteCompReader] = {
        "cloudusersync.log": UserSyncReader(),
        "sitecomp.log": SiteCompReader(),
    }
    sets, problems = [], []
    for log in found.logs:
        logset, kept = _read_steady(log, rule, readers)
        sets.append(logset)
        problems.extend(kept)
    sync, sitecomp = readers["cloudusersync.log"], readers["sitecomp.log"]
    assert isinstance(sync, UserSyncReader) and isinstance(sitecomp, SiteCompReader)
    sync.finish()
    return LogsEvidence(
        paths=tuple(paths),
        missing=tuple(found.missing),
        time_convention=rule.convention,
        logs=tuple(sets),
        problems=tuple(problems),
        sync_cycles=tuple(sync.cycles),
        sync_cycles_seen=sync.cycles_seen,
        sync_last_completed=sync.last_completed,
        sync_failures=tuple(sync.failures),
        components=tuple(sitecomp.events),
    )


def _read_steady(
    log: LogicalLog, rule: TimeRule, readers: dict[str, UserSyncReader | SiteCompReader]
) -> tuple[LogSet, list[LogRecord]]:
    """One logical log, read again while it rotates under the reader; each read starts its fact
    reader afresh, so a record read twice is counted once."""
    start = copy.deepcopy(readers.get(log.key))

    def attempt(now: LogicalLog) -> tuple[LogSet, list[LogRecord]]:
        reader = copy.deepcopy(start)
        if reader is not None:
            readers[log.key] = reader
        return _read_log(now, rule, reader)

    (logset, kept), moving = read_steady(log, attempt)
    if moving:  # never read in one piece: its files say so, and the checks do not judge it
        logset = replace(logset, files=tuple(replace(f, problem=f.problem or moving) for f in logset.files))
    return logset, kept


@dataclass(slots=True)
class _Tally:
    entries: int = 0
    errors: int = 0
    warnings: int = 0
    first: datetime | None = None
    last_entry: Entry | None = None
    kept: deque[LogRecord] = field(default_factory=lambda: deque(maxlen=KEEP_PROBLEMS))


def _read_log(
    log: LogicalLog, rule: TimeRule, reader: UserSyncReader | SiteCompReader | None
) -> tuple[LogSet, list[LogRecord]]:
    tally, files = _Tally(), []
    for path in log.files:
        stats = FileStats()
        try:
            for e in parse_file(path, stats):
                _count(tally, e, log.name, str(path), rule, reader)
        except LogReadError as exc:
            files.append(_file(path, stats, problem=str(exc)))
            continue
        except OSError as exc:  # a share that went away mid-read
            files.append(_file(path, stats, problem=f"{path}: read failed ({exc.strerror or exc})"))
            continue
        files.append(_file(path, stats))
    last = rule.utc(tally.last_entry) if tally.last_entry else None
    kept = list(tally.kept)
    dropped = tally.errors + tally.warnings - len(kept)
    logset = LogSet(
        name=log.name,
        files=tuple(files),
        entries=tally.entries,
        errors=tally.errors,
        warnings=tally.warnings,
        first=tally.first,
        last=last,
        dropped=dropped,
    )
    return logset, kept


def _count(
    t: _Tally, e: Entry, log: str, file: str, rule: TimeRule, reader: UserSyncReader | SiteCompReader | None
) -> None:
    t.entries += 1
    if e.date:
        if t.last_entry is None:
            t.first = rule.utc(e)
        t.last_entry = e
    when = None
    if e.severity >= WARNING:
        if e.severity == ERROR:
            t.errors += 1
        else:
            t.warnings += 1
        when = rule.utc(e)
        t.kept.append(
            LogRecord(
                log=log,
                file=file,
                line=e.line,
                time=when,
                raw_time=f"{e.date} {e.time}".strip(),
                component=e.component,
                severity=SEVERITY_NAMES[e.severity],
                message=e.message[:1000],
            )
        )
    if reader is not None:
        reader.feed(e, (lambda: when) if when else (lambda: rule.utc(e)), file)


def _file(path: Path, stats: FileStats, problem: str = "") -> LogFile:
    return LogFile(
        path=str(path),
        format=stats.format,
        encoding=stats.encoding,
        size=stats.size,
        entries=stats.entries,
        skipped_chars=stats.skipped_chars,
        truncated_tail=stats.truncated_tail,
        problem=problem,
        truncated_records=stats.truncated_records,
        truncated_chars=stats.truncated_chars,
        truncated_line=stats.truncated_line,
    )
