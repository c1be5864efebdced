"""Checks over ConfigMgr logs: user sync (Cloudusersync.log), connector installs (Sitecomp.log), errors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scanner.context import Context, Skip
from scanner.evidence.logs import ComponentEvent, LogRecord, LogSet, LogsEvidence
from scanner.facts import error_codes
from scanner.model import Finding, Severity
from scanner.registry import check
from scanner.timespec import fmt, window_start

USERSYNC, SITECOMP = "Cloudusersync.log", "Sitecomp.log"
VERIFY_DOC = "https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/log-files"
SCP_COMPONENTS = (
    "SMS_DMP_UPLOADER",
    "SMS_DMP_DOWNLOADER",
    "SMS_CLOUD_USERSYNC",
    "SMS_SERVICE_CONNECTOR",
    "SMS_OUTGOING_CONTENT_MANAGER",
    "SMS_CLOUD_PROXYCONNECTOR",
)


def _logs(ctx: Context[Any]) -> LogsEvidence:
    assert ctx.ev.logs is not None  # the runner only calls a check when its source delivered
    return ctx.ev.logs


def _need(logs: LogsEvidence, name: str) -> LogSet:
    found = logs.find(name)
    if found is None:
        raise Skip(f"no {name} among the configured log paths ({', '.join(logs.paths)})")
    return found


def _scope(log: LogSet) -> str:
    files = len(log.files)
    return (
        f"{log.name}: {files} file{'s' * (files != 1)}, {log.entries:,} entries "
        f"from {fmt(log.first)} to {fmt(log.last)}"
    )


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
    logs = _logs(ctx)
    log = _need(logs, USERSYNC)
    if ctx.opts.relative_to not in ("now", "newest"):
        raise ValueError(f"relative_to must be 'now' or 'newest', not {ctx.opts.relative_to!r}")
    ref = ctx.ev.collected_at if ctx.opts.relative_to == "now" else log.last
    last = logs.sync_last_completed
    ctx.examined = f"{_scope(log)}; {logs.sync_cycles_seen:,} sync cycles, last completed {fmt(last)}"
    if last is None:
        yield ctx.finding(
            log.name,
            f"{log.name} shows no completed user sync cycle in {log.entries:,} entries.",
            cycles_started=logs.sync_cycles_seen,
        )
        return
    if ref is None:
        raise Skip(f"{log.name} has no readable time stamps")
    age = ref - last
    if age > timedelta(hours=ctx.opts.max_age_hours):
        hours = age.total_seconds() / 3600
        unfinished = [c for c in logs.sync_cycles if c.completed is None and c.started and c.started > last]
        errors = [c.last_error for c in unfinished if c.last_error]
        yield ctx.finding(
            log.name,
            f"{log.name} has no completed user sync cycle for {hours:.1f} hours: "
            f"the last one finished {fmt(last)}.",
            last_completed=fmt(last),
            measured_from=f"{ctx.opts.relative_to} ({fmt(ref)})",
            unfinished_cycles_since=len(unfinished),
            latest_error=errors[-1] if errors else "",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FailureOptions:
    window_days: float = 7.0  # before the newest Cloudusersync.log entry


@check(
    id="logs.cloudusersync_failures",
    title="Users failed to synchronize to Intune",
    severity=Severity.HIGH,
    needs={"logs"},
    options=FailureOptions,
    remediation="For each user, make sure the account exists in Azure AD with the same UPN as in "
    "Active Directory (reason UserNotFound means directory synchronization has not "
    "created it yet, or the UPN suffix is not routable or not verified), then wait "
    "for the next cycle or restart SMS_CLOUD_USERSYNC.",
    references=(VERIFY_DOC,),
)
def cloudusersync_failures(ctx: Context[FailureOptions]) -> Iterator[Finding]:
    """A user the service cannot add is not licensed for Intune and cannot enroll devices."""
    logs = _logs(ctx)
    log = _need(logs, USERSYNC)
    since = (log.last - timedelta(days=ctx.opts.window_days)) if log.last else None
    recent = [f for f in logs.sync_failures if since is None or f.time is None or f.time >= since]
    by_user: dict[tuple[str, str], list] = defaultdict(list)
    for f in recent:
        by_user[(f.user.lower(), f.action)].append(f)
    for (_, action), fails in sorted(by_user.items()):
        last = fails[-1]
        yield ctx.finding(
            last.user,
            f"{last.user} could not be {'added to' if action == 'add' else 'removed from'} Intune: "
            f"reason {last.reason} ({len(fails)} time{'s' * (len(fails) != 1)}, last {fmt(last.time)}).",
            action=action,
            reason=last.reason,
            occurrences=len(fails),
            first=fmt(fails[0].time),
            last=fmt(last.time),
            where=f"{last.file}:{last.line}",
        )
    short = [
        c
        for c in logs.sync_cycles
        if c.received is not None
        and c.added is not None
        and c.added < c.received
        and (since is None or c.started is None or c.started >= since)
    ]
    if short:
        worst = max(short, key=lambda c: c.received - c.added)  # type: ignore[operator]
        yield ctx.finding(
            f"{log.name}: cycles",
            f"{len(short)} sync cycle{'s' * (len(short) != 1)} added fewer users "
            f"than ConfigMgr sent: worst {worst.added} of {worst.received} at {fmt(worst.started)}.",
            cycles=len(short),
            last=fmt(short[-1].started),
            where=f"{worst.file}:{worst.line}",
        )
    ctx.examined = (
        f"{_scope(log)}; {len(recent)} failure lines and {logs.sync_cycles_seen:,} cycles since {fmt(since)}"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorOptions:
    components: tuple[str, ...] = SCP_COMPONENTS
    max_failures: int = 3  # failed install attempts since the last success


@check(
    id="logs.sitecomp_connector",
    title="Service connection point components are not installed",
    severity=Severity.HIGH,
    needs={"logs"},
    options=ConnectorOptions,
    remediation="Read the failing component's install lines in Sitecomp.log, fix the cause (service "
    "account rights, disk space, a blocked service start), then restart SMS_SITE_COMPONENT_"
    "MANAGER to retry at once instead of waiting for the hourly retry.",
    references=(VERIFY_DOC,),
)
def sitecomp_connector(ctx: Context[ConnectorOptions]) -> Iterator[Finding]:
    """The service connection point links the site to Intune; while its components are not
    installed nothing is uploaded, downloaded or synchronized."""
    logs = _logs(ctx)
    log = _need(logs, SITECOMP)
    wanted = {c.upper() for c in ctx.opts.components}
    events = [e for e in logs.components if e.component in wanted]
    seen = sorted({e.component for e in events})
    ctx.examined = (
        f"{_scope(log)}; {len(events)} install events for "
        f"{', '.join(seen) if seen else 'no service connection point component'}"
    )
    for comp in seen:
        st = _install_state([e for e in events if e.component == comp])
        flagged, installed = st.flagged, st.installed
        pending = flagged is not None and (installed is None or _before(installed.time, flagged.time))
        if st.failures >= ctx.opts.max_failures or pending:
            detail = (
                f"{st.failures} failed install attempts since the last success"
                if st.failures
                else f"flagged for installation {fmt(flagged.time if flagged else None)} "
                "with no successful install after it"
            )
            codes = error_codes.explain([e.message for e in reversed(st.failed)])  # the newest first
            known: dict[str, Any] = {"codes": codes} if codes else {}
            yield ctx.finding(
                comp,
                f"{comp} is not installed: {detail}." + (f" {codes[0]}." if codes else ""),
                failed_attempts=st.failures,
                last_success=fmt(installed.time) if installed else "never in this log",
                flagged=fmt(flagged.time) if flagged else "",
                where=st.where,
                **known,
            )


@dataclass(slots=True)
class _InstallState:
    flagged: ComponentEvent | None = None
    installed: ComponentEvent | None = None
    failures: int = 0  # failed attempts since the last success
    failed: list[ComponentEvent] = field(default_factory=list)  # their lines, newest last
    where: str = ""  # file:line of the latest relevant event
    _attempt_failed: bool = False


def _install_state(events: list[ComponentEvent]) -> _InstallState:
    """Several lines report one failed attempt (error, retry notice, status message): count once."""
    st = _InstallState()
    for e in events:
        if e.action == "flagged":
            st.flagged = e
        elif e.action == "installed":
            st.installed, st.failures, st.failed = e, 0, []
        elif e.action == "installing":
            st._attempt_failed = False
        elif e.action == "failed":
            st.failed.append(e)
            if not st._attempt_failed:
                st.failures, st._attempt_failed = st.failures + 1, True
        st.where = f"{e.file}:{e.line}"
    return st


def _before(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and a < b


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorOptions:
    since: str = "7d"  # a span before each log's newest entry, or an ISO date/time
    examples: int = 3


@check(
    id="logs.errors",
    title="ConfigMgr logs record errors",
    severity=Severity.MEDIUM,
    needs={"logs"},
    options=ErrorOptions,
    remediation="Open the log in CMTrace or OneTrace at the lines given, starting with the component "
    "with the most errors; errors that recur every cycle usually point at a certificate, "
    "proxy or permission problem named in the message.",
    references=(VERIFY_DOC,),
)
def errors(ctx: Context[ErrorOptions]) -> Iterator[Finding]:
    """Errors that repeat in the service connection point's and site server's logs are the first
    sign of a broken connector, often days before users notice."""
    logs = _logs(ctx)
    if not logs.logs:
        raise Skip("no readable logs among the configured paths")
    groups: dict[tuple[str, str], list[LogRecord]] = defaultdict(list)
    starts = {}
    for logset in logs.logs:
        starts[logset.name] = window_start(ctx.opts.since, logset.last) if logset.last else None
    for rec in logs.problems:
        start = starts.get(rec.log)
        if rec.severity == "error" and (start is None or rec.time is None or rec.time >= start):
            groups[(rec.log, rec.component or "(no component)")].append(rec)
    ctx.examined = (
        f"{len(logs.logs)} logs, {sum(s.entries for s in logs.logs):,} entries; errors "
        f"since {ctx.opts.since} before each log's newest entry"
    )
    for (log, comp), recs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        codes = error_codes.explain([r.message for r in reversed(recs)])  # the newest first
        known: dict[str, Any] = {"codes": codes} if codes else {}
        yield ctx.finding(
            f"{log}:{comp}",
            f"{log} has {len(recs)} error{'s' * (len(recs) != 1)} from {comp} between "
            f"{fmt(recs[0].time)} and {fmt(recs[-1].time)}." + (f" {codes[0]}." if codes else ""),
            count=len(recs),
            first=fmt(recs[0].time),
            last=fmt(recs[-1].time),
            examples=[f"{r.file}:{r.line}: {r.message[:200]}" for r in recs[-ctx.opts.examples :]],
            **known,
        )
