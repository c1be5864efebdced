"""The logs source: reads ConfigMgr logs once and keeps the facts the checks judge."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scanner.sources.logfacts import ComponentEvent, SiteCompReader, SyncFacts, UserSyncReader
from scanner.sources.logfiles import LogicalLog, resolve
from scanner.sources.parse.cmlog import (
    ERROR,
    MAX_RECORD_CHARS,
    SEVERITY_NAMES,
    WARNING,
    Entry,
    FileStats,
    entry_time,
    parse_log,
)

KEEP_PROBLEMS = 5000  # most recent error/warning entries kept per log
NOT_CONFIGMGR = "not a ConfigMgr log (no ConfigMgr record, no time in it): not judged"


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
    sets, problems = [], []
    for log in found.logs:
        logset, kept = _read_log(log, rule)
        sets.append(logset)
        problems.extend(kept)
    return LogsEvidence(
        paths=tuple(paths),
        missing=tuple(found.missing),
        time_convention=rule.convention,
        logs=tuple(sets),
        problems=tuple(problems),
    )


@dataclass(slots=True)
class _Tally:
    entries: int = 0
    errors: int = 0
    warnings: int = 0
    first: datetime | None = None
    last: datetime | None = None
    kept: deque[LogRecord] = field(default_factory=lambda: deque(maxlen=KEEP_PROBLEMS))


def _read_log(log: LogicalLog, rule: TimeRule) -> tuple[LogSet, list[LogRecord]]:
    """One logical log, its files read as one stream, with the reader its name calls for."""
    sync = UserSyncReader() if log.key == "cloudusersync.log" else None
    sitecomp = SiteCompReader() if log.key == "sitecomp.log" else None
    reader = sync or sitecomp
    tally, stats, where = _Tally(), [FileStats() for _ in log.files], str(log.path)
    for i, e in parse_log(log.files, stats):
        _count(tally, e, log.name, where, str(log.files[i]), rule, reader)
    configmgr = any(s.format != "plain" for s in stats)
    if not configmgr:  # "error" in a package name of dpkg.log is no ConfigMgr error
        tally.errors = tally.warnings = 0
        tally.kept.clear()
    kept = list(tally.kept)
    logset = LogSet(
        name=log.name,
        files=tuple(_file(path, s) for path, s in zip(log.files, stats, strict=True)),
        entries=tally.entries,
        errors=tally.errors,
        warnings=tally.warnings,
        first=tally.first,
        last=tally.last,
        dropped=tally.errors + tally.warnings - len(kept),
        path=where,
        configmgr=configmgr,
        sync=sync.facts() if sync else None,
        components=tuple(sitecomp.events) if sitecomp else (),
    )
    return logset, kept


def _count(
    t: _Tally,
    e: Entry,
    log: str,
    where: str,
    file: str,
    rule: TimeRule,
    reader: UserSyncReader | SiteCompReader | None,
) -> None:
    t.entries += 1
    when = rule.utc(e) if e.date else None
    if when is not None:  # the oldest and newest times, wherever they stand in the file
        if t.first is None or when < t.first:
            t.first = when
        if t.last is None or when > t.last:
            t.last = when
    if e.severity >= WARNING:
        if e.severity == ERROR:
            t.errors += 1
        else:
            t.warnings += 1
        t.kept.append(
            LogRecord(
                log=log,
                file=file,
                path=where,
                line=e.line,
                time=when,
                raw_time=f"{e.date} {e.time}".strip(),
                component=e.component,
                severity=SEVERITY_NAMES[e.severity],
                message=e.message[:1000],
            )
        )
    if reader is not None:
        reader.feed(e, lambda: when, file)


def _file(path: Path, stats: FileStats) -> LogFile:
    return LogFile(
        path=str(path),
        format=stats.format,
        encoding=stats.encoding,
        size=stats.size,
        entries=stats.entries,
        skipped_chars=stats.skipped_chars,
        truncated_tail=stats.truncated_tail,
        problem=stats.problem,
        truncated_records=stats.truncated_records,
        truncated_chars=stats.truncated_chars,
        truncated_line=stats.truncated_line,
        skipped_fragments=stats.skipped_fragments,
        skipped_line=stats.skipped_line,
    )
