"""The logs source: reads ConfigMgr logs once and keeps the facts the checks judge."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scanner.evidence.logs import LogFile, LogRecord, LogSet, LogsEvidence
from scanner.sources.logfacts import (
    SiteCompReader,
    UserSyncReader,
)
from scanner.sources.logfiles import LogicalLog, resolve
from scanner.sources.parse.cmlog import (
    ERROR,
    SEVERITY_NAMES,
    WARNING,
    Entry,
    FileStats,
    LogReadError,
    entry_time,
    parse_file,
)

KEEP_PROBLEMS = 5000  # most recent error/warning entries kept per log


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
    sync, sitecomp = UserSyncReader(), SiteCompReader()
    sets, problems = [], []
    for log in found.logs:
        readers: dict[str, UserSyncReader | SiteCompReader] = {
            "cloudusersync.log": sync,
            "sitecomp.log": sitecomp,
        }
        reader = readers.get(log.key)
        logset, kept = _read_log(log, rule, reader)
        sets.append(logset)
        problems.extend(kept)
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
