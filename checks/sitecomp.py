"""Service connection point components installed, from Sitecomp.log (one per site server's Logs folder)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from checks.logs import SITECOMP, VERIFY_DOC, before, logs_of, need, scope, target
from scanner.context import Context, Skip
from scanner.evidence.logs import ComponentEvent
from scanner.facts import connector, error_codes
from scanner.model import Finding, Severity
from scanner.registry import check
from scanner.timespec import fmt

SCP_COMPONENTS = connector.components(scp_only=False)  # the connector's, from the one table


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorOptions:
    components: tuple[str, ...] = SCP_COMPONENTS
    max_failures: int = 3  # failed install attempts since the last success


@check(
    id="logs.sitecomp_connector",
    title="Service connection point components are not installed",
    severity=Severity.HIGH,
    cause="component",
    needs={"logs"},
    options=ConnectorOptions,
    remediation="Read the failing component's install lines in Sitecomp.log, fix the cause (service "
    "account rights, disk space, a blocked service start), then restart SMS_SITE_COMPONENT_"
    "MANAGER to retry at once instead of waiting for the hourly retry.",
    references=(VERIFY_DOC,),
)
def sitecomp_connector(ctx: Context[ConnectorOptions]) -> Iterator[Finding]:
    """The service connection point links the site to Intune; while its components are not
    installed nothing is uploaded, downloaded or synchronized. Site Component Manager reports a
    successful install as status message 1015 whose COMP is the component (ISTR0 is the server); an
    install that failed and then succeeded on a later polling cycle has recovered, and is healthy."""
    logs = logs_of(ctx)
    wanted = {c.upper() for c in ctx.opts.components}
    examined, judged = [], False
    for log in need(logs, SITECOMP):
        events = [e for e in log.components if e.component in wanted]
        seen = sorted({e.component for e in events})
        judged = judged or bool(seen)
        notes = []
        for comp in seen:
            st = _install_state([e for e in events if e.component == comp])
            if n := st.recovered:
                notes.append(
                    f"{comp} recovered: installed {fmt(st.installed_at)} after {n} failed "
                    f"attempt{'s' * (n != 1)}"
                )
            if finding := _judge(ctx, st, target(logs, log, comp), comp):
                yield finding
        examined.append(
            f"{scope(logs, log)}; {len(events)} install events for "
            f"{', '.join(seen) if seen else 'no service connection point component'}"
            + "".join(f"; {n}" for n in notes)
        )
    ctx.examined = " | ".join(examined)
    if not judged:
        raise Skip(
            "nothing to judge: no service connection point component was flagged, installed or failed in "
            "the Sitecomp.log read (installed before its first entry, or never); the scp checks ask the "
            "site database"
        )


def _judge(ctx: Context[ConnectorOptions], st: _InstallState, where: str, comp: str) -> Finding | None:
    flagged, installed = st.flagged, st.installed
    pending = flagged is not None and (installed is None or before(installed.time, flagged.time))
    if st.failures < ctx.opts.max_failures and not pending:
        return None
    detail = (
        f"{st.failures} failed install attempt{'s' * (st.failures != 1)} since the last success"
        if st.failures
        else f"flagged for installation {fmt(flagged.time if flagged else None)} "
        "with no successful install after it"
    )
    codes = error_codes.explain([e.message for e in reversed(st.failed)])  # the newest first
    known: dict[str, Any] = {"codes": codes} if codes else {}
    return ctx.finding(
        where,
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
    recovered: int = 0  # failed attempts before the last success
    where: str = ""  # file:line of the latest relevant event
    _attempt_failed: bool = False

    @property
    def installed_at(self) -> datetime | None:
        return self.installed.time if self.installed else None


def _install_state(events: list[ComponentEvent]) -> _InstallState:
    """Several lines report one failed attempt (error, retry notice, status message): count once."""
    st = _InstallState()
    for e in events:
        if e.action == "flagged":
            st.flagged = e
        elif e.action == "installed":
            st.recovered = st.failures  # failed attempts this success ends
            st.installed, st.failures, st.failed = e, 0, []
        elif e.action == "installing":
            st._attempt_failed = False
        elif e.action == "failed":
            st.failed.append(e)
            if not st._attempt_failed:
                st.failures, st._attempt_failed = st.failures + 1, True
        st.where = f"{e.file}:{e.line}"
    return st
