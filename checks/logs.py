"""Checks over ConfigMgr logs: user sync (Cloudusersync.log) and errors (Sitecomp.log: checks/sitecomp.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scanner.context import Context, Skip, Unverifiable
from scanner.evidence.logs import LogRecord, LogSet, LogsEvidence, SyncFacts, UserFailure
from scanner.facts import error_codes
from scanner.model import Finding, Severity
from scanner.registry import check
from scanner.timespec import fmt, window_start

USERSYNC, SITECOMP = "Cloudusersync.log", "Sitecomp.log"
VERIFY_DOC = "https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/log-files"


def logs_of(ctx: Context[Any]) -> LogsEvidence:
    return ctx.need(ctx.ev.logs)


def need(logs: LogsEvidence, name: str) -> list[LogSet]:
    """Every log of that name, one per folder that holds one."""
    found = logs.named(name)
    if not found:
        raise Skip(f"no {name} among the configured log paths ({', '.join(logs.paths)})")
    if unread := [f.problem for log in found for f in log.files if f.problem]:  # part of a log is no log
        raise Unverifiable(f"{name} was not read whole, so it is not judged: {unread[0]}")
    return found


def scope(logs: LogsEvidence, log: LogSet) -> str:
    """What was read of one log, and what of it was not."""
    files = len(log.files)
    text = (
        f"{logs.label(log)}: {files} file{'s' * (files != 1)}, {log.entries:,} entries "
        f"from {fmt(log.first)} to {fmt(log.last)}"
    )
    return text + (f" ({unread})" if (unread := unread_summary([log])) else "")


def unread_summary(logs: list[LogSet]) -> str:
    """'not read: 81,331 characters in 151 stretches between records; 1 file ending inside a record'."""
    chars = sum(f.skipped_chars for s in logs for f in s.files)
    stretches = sum(f.skipped_fragments for s in logs for f in s.files)
    tails = sum(f.truncated_tail for s in logs for f in s.files)
    parts = []
    if chars:
        many = "es" * (stretches != 1)
        parts.append(f"{chars:,} characters in {stretches:,} stretch{many} between records")
    if tails:
        parts.append(f"{tails} file{'s' * (tails != 1)} ending inside a record")
    return "not read: " + "; ".join(parts) if parts else ""


def target(logs: LogsEvidence, log: LogSet, what: str) -> str:
    """A finding's target: what, and which log when several folders hold one of that name."""
    label = logs.label(log)
    return what if label == log.name else f"{label}: {what}"


def _sync(log: LogSet) -> SyncFacts:
    if log.sync is None:
        raise Skip(
            f"{log.name}: saved by an older version without its sync facts; collect the evidence again"
        )
    return log.sync


@dataclass(frozen=True, slots=True, kw_only=True)
class StaleOptions:
    max_age_hours: float = 24.0
    relative_to: str = "now"  # now: the collection time; newest: the newest entry (offline copies)


@check(
    id="logs.cloudusersync_stale",
    title="Users have not been synchronized to Intune recently",
    severity=Severity.HIGH,
    needs={"logs"},
    options=StaleOptions,
    remediation="Open Cloudusersync.log on the service connection point and fix the error that ends "
    "each cycle; confirm the SMS_CLOUD_USERSYNC component runs (Configuration Manager "
    "Service Manager) and that the service connection point reaches the Internet.",
    references=(VERIFY_DOC,),
)
def cloudusersync_stale(ctx: Context[StaleOptions]) -> Iterator[Finding]:
    """New and changed users reach Intune only through completed sync cycles; without them users
    cannot enroll devices. The service normally completes a cycle every five minutes."""
    logs = logs_of(ctx)
    if ctx.opts.relative_to not in ("now", "newest"):
        raise ValueError(f"relative_to must be 'now' or 'newest', not {ctx.opts.relative_to!r}")
    examined = []
    for log in need(logs, USERSYNC):
        sync = _sync(log)
        last = sync.last_completed
        examined.append(f"{scope(logs, log)}; {sync.cycles_seen:,} sync cycles, last completed {fmt(last)}")
        ref = ctx.ev.as_of("logs") if ctx.opts.relative_to == "now" else log.last
        since = [c for c in sync.cycles if c.completed is None and (last is None or before(last, c.started))]
        causes = [c.last_error for c in since if c.last_error]
        cause = f" The cycles since end with: {causes[-1][:300]}" if causes else ""
        if last is None:
            yield ctx.finding(
                target(logs, log, log.name),
                f"{logs.label(log)} shows no completed user sync cycle in {log.entries:,} entries.{cause}",
                cycles_started=sync.cycles_seen,
                latest_error=causes[-1] if causes else "",
            )
            continue
        if ref is None:
            raise Skip(f"{logs.label(log)} has no readable time stamps")
        age = ref - last
        if age > timedelta(hours=ctx.opts.max_age_hours):
            hours = age.total_seconds() / 3600
            yield ctx.finding(
                target(logs, log, log.name),
                f"{logs.label(log)} has no completed user sync cycle for {hours:.1f} hours: "
                f"the last one finished {fmt(last)}.{cause}",
                last_completed=fmt(last),
                measured_from=f"{ctx.opts.relative_to} ({fmt(ref)})",
                unfinished_cycles_since=len(since),
                latest_error=causes[-1] if causes else "",
            )
    ctx.examined = " | ".join(examined)


@dataclass(frozen=True, slots=True, kw_only=True)
class FailureOptions:
    window_days: float = 7.0  # before the newest Cloudusersync.log entry


def _failure_cause(f: Finding) -> str:
    """Users failing for one reason (UserNotFound) are one thing to fix; a cycle's count is its own."""
    reason = f.evidence.get("reason")
    return f"sync-failure:{reason}" if reason else ""


@check(
    id="logs.cloudusersync_failures",
    title="Users failed to synchronize to Intune",
    severity=Severity.HIGH,
    cause=_failure_cause,
    needs={"logs"},
    options=FailureOptions,
    remediation="For each user, make sure the account exists in Azure AD with the same UPN as in "
    "Active Directory (reason UserNotFound means directory synchronization has not "
    "created it yet, or the UPN suffix is not routable or not verified), then wait "
    "for the next cycle or restart SMS_CLOUD_USERSYNC.",
    references=(VERIFY_DOC,),
)
def cloudusersync_failures(ctx: Context[FailureOptions]) -> Iterator[Finding]:
    """A user the service cannot add is not licensed for Intune and cannot enroll devices. A user who
    failed and was added in a later cycle (in the .lo_ or the .log) is not failing: the examined
    line says so, with when."""
    logs = logs_of(ctx)
    examined = []
    for log in need(logs, USERSYNC):
        sync = _sync(log)
        since = (log.last - timedelta(days=ctx.opts.window_days)) if log.last else None
        recent = [f for f in sync.failures if since is None or f.time is None or f.time >= since]
        added = {a.user.lower(): a for a in sync.added}  # the latest success of each user
        by_user: dict[tuple[str, str], list[UserFailure]] = defaultdict(list)
        for f in recent:
            by_user[(f.user.lower(), f.action)].append(f)
        resolved = []
        for (user, action), fails in sorted(by_user.items()):
            last = fails[-1]
            ok = added.get(user) if action == "add" else None
            if ok is not None and ok.time is not None and last.time is not None and ok.time > last.time:
                resolved.append(f"{last.user} added {fmt(ok.time)}")
                continue
            # A failure the service keeps meeting recurs every cycle; one later cycles did not see again
            # may be over (the user left the collection): said, so the reader can tell.
            later = sum(1 for c in sync.cycles if c.completed and before(last.time, c.started))
            quiet = (
                f"; not seen again in {later:,} completed cycle{'s' * (later != 1)} since" if later else ""
            )
            yield ctx.finding(
                target(logs, log, last.user),
                f"{last.user} could not be {'added to' if action == 'add' else 'removed from'} Intune: "
                f"reason {last.reason} ({len(fails)} time{'s' * (len(fails) != 1)}, last {fmt(last.time)}"
                f"{quiet}).",
                cycles_since=later,
                action=action,
                reason=last.reason,
                occurrences=len(fails),
                first=fmt(fails[0].time),
                last=fmt(last.time),
                where=f"{last.file}:{last.line}",
            )
        yield from _short_cycles(ctx, logs, log, sync, since)
        examined.append(
            f"{scope(logs, log)}; {len(recent)} failure lines and {sync.cycles_seen:,} cycles "
            f"since {fmt(since)}"
            + (f"; resolved (failed, then added): {', '.join(resolved[:5])}" if resolved else "")
            + (f" and {len(resolved) - 5} more" if len(resolved) > 5 else "")
        )
    ctx.examined = " | ".join(examined)


def _short_cycles(
    ctx: Context[FailureOptions], logs: LogsEvidence, log: LogSet, sync: SyncFacts, since: datetime | None
) -> Iterator[Finding]:
    short = [
        c
        for c in sync.cycles
        if c.received is not None
        and c.added is not None
        and c.added < c.received
        and (since is None or c.started is None or c.started >= since)
    ]
    if short:
        worst = max(short, key=lambda c: c.received - c.added)  # type: ignore[operator]
        yield ctx.finding(
            f"{logs.label(log)}: cycles",
            f"{len(short)} sync cycle{'s' * (len(short) != 1)} added fewer users "
            f"than ConfigMgr sent: worst {worst.added} of {worst.received} at {fmt(worst.started)}.",
            cycles=len(short),
            last=fmt(short[-1].started),
            where=f"{worst.file}:{worst.line}",
        )


def before(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and a < b


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorOptions:
    since: str = "7d"  # a span before each log's newest entry, or an ISO date/time
    examples: int = 3


@check(
    id="logs.errors",
    title="ConfigMgr logs record errors",
    severity=Severity.MEDIUM,
    cause="component",
    needs={"logs"},
    options=ErrorOptions,
    remediation="Open the log in CMTrace or OneTrace at the lines given, starting with the component "
    "with the most errors; errors that recur every cycle usually point at a certificate, "
    "proxy or permission problem named in the message.",
    references=(VERIFY_DOC,),
)
def errors(ctx: Context[ErrorOptions]) -> Iterator[Finding]:
    """Errors that repeat in the service connection point's and site server's logs are the first
    sign of a broken connector, often days before users notice. Each log is its folder and name:
    two site servers' Sitecomp.log are two logs, each with its own window."""
    logs = logs_of(ctx)
    if not logs.logs:
        raise Skip("no readable logs among the configured paths")
    judged = [log for log in logs.logs if log.configmgr]
    groups: dict[tuple[str, str, str], list[LogRecord]] = defaultdict(list)
    for log in judged:
        start = window_start(ctx.opts.since, log.last) if log.last else None
        for rec in logs.problems_of(log):
            if rec.severity == "error" and (start is None or rec.time is None or rec.time >= start):
                groups[(logs.label(log), rec.component or "(no component)", log.path)].append(rec)
    others = [logs.label(log) for log in logs.logs if not log.configmgr]
    ctx.examined = (
        f"{len(judged)} logs, {sum(s.entries for s in judged):,} entries; errors "
        f"since {ctx.opts.since} before each log's newest entry"
        + (f"; {unread}" if (unread := unread_summary(judged)) else "")
        + (f"; not ConfigMgr logs, not judged: {', '.join(others)}" if others else "")
    )
    for (label, comp, path), recs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        codes = error_codes.explain([r.message for r in reversed(recs)])  # the newest first
        known: dict[str, Any] = {"codes": codes} if codes else {}
        yield ctx.finding(
            f"{label}:{comp}",
            f"{label} has {len(recs)} error{'s' * (len(recs) != 1)} from {comp} between "
            f"{fmt(recs[0].time)} and {fmt(recs[-1].time)}." + (f" {codes[0]}." if codes else ""),
            count=len(recs),
            first=fmt(recs[0].time),
            last=fmt(recs[-1].time),
            log=path,
            examples=[f"{r.file}:{r.line}: {r.message[:200]}" for r in recs[-ctx.opts.examples :]],
            **known,
        )
