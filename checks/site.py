"""The walkthrough's site rules, from the site database: where the service connection point runs, its
mode, its components' health and their status messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.context import Context, Skip, Unverifiable
from scanner.evidence.sql import ComponentRow, MessageGroup, SiteEvidence, SiteRow
from scanner.facts import connector, error_codes
from scanner.model import Finding, Severity
from scanner.registry import NoOptions, check
from scanner.timespec import fmt

SCP_DOC = "https://learn.microsoft.com/mem/configmgr/core/servers/deploy/configure/about-the-service-connection-point"
MODE_DOC = "https://learn.microsoft.com/powershell/module/configurationmanager/set-cmserviceconnectionpoint"
STATUS_DOC = "https://learn.microsoft.com/mem/configmgr/core/servers/manage/use-status-system"
LOGS = "dmpuploader.log, dmpdownloader.log, CloudUserSync.log, outgoingcontentmanager.log"


def site_evidence(ctx: Context[Any], *parts: str) -> SiteEvidence:
    """The site tables, or why they are not there; a part that could not be read makes the check an error."""
    sql = ctx.ev.sql
    assert sql is not None  # the runner only calls a check when its source delivered
    if sql.site is None:
        raise Skip(
            f"{sql.origin} is an export of v_R_User: it holds no site tables; set [sql] connection_string, "
            "or [sql] evidence to an evidence.json from 'mdm-preflight collect'"
        )
    for part in parts:
        if why := sql.site.errors.get(part):
            raise Unverifiable(f"not checked: {why}")
    return sql.site


def _scp_sites(ctx: Context[Any], site: SiteEvidence) -> set[str]:
    if why := site.errors.get("scp"):
        raise Unverifiable(f"not checked: the service connection point's role could not be read: {why}")
    if not site.scp:
        raise Skip("no service connection point in v_SystemResourceList (site.scp_placement reports it)")
    return {r.site.upper() for r in site.scp}


def kind(s: SiteRow) -> str:
    """The site's type in words, with its parent."""
    if s.type == 2:
        return f"a child primary site under {s.parent}" if s.parent else "a stand-alone primary site"
    name = connector.SITE_TYPES.get(s.type, f"a site of type {s.type}")
    article = "" if name.startswith("a ") else ("an " if name[0] in "aeiou" else "a ")
    return article + name + (f" under {s.parent}" if s.parent else "")


@check(
    id="site.scp_placement",
    title="The service connection point is missing, or not on a central administration or stand-alone "
    "primary site",
    severity=Severity.HIGH,
    needs={"sql"},
    remediation="Add the service connection point role (Administration > Site Configuration > Servers and "
    "Site System Roles > the server > Add Site System Roles) to a server of the central administration "
    "site, or of a stand-alone primary site, and remove it from the child primary or secondary site.",
    references=(SCP_DOC,),
)
def scp_placement(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Hybrid MDM connects ConfigMgr to Intune through one service connection point, at the top of
    the hierarchy: on the central administration site, or on a stand-alone primary site. Anywhere
    else the Intune subscription cannot be added, and devices cannot be managed."""
    site = site_evidence(ctx, "scp", "sites")
    sites = {s.code.upper(): s for s in site.sites}
    ctx.examined = (
        f"{len(site.scp)} service connection point role(s) in v_SystemResourceList; "
        f"{len(sites)} site(s) in v_Site"
    )
    if not site.scp:
        yield ctx.finding(
            "service connection point",
            f"The hierarchy has no service connection point: no server holds the role {connector.role()}.",
        )
        return
    for role in sorted(site.scp, key=lambda r: r.server.lower()):
        s = sites.get(role.site.upper())
        if s is None:
            raise Unverifiable(f"not checked: {role.server}'s site {role.site} is not in v_Site")
        if s.type == 4 or (s.type == 2 and not s.parent):
            continue
        yield ctx.finding(
            role.server,
            f"{role.server} holds the service connection point on site {s.code} ({s.name}), "
            f"{kind(s)}: only a central administration site or a stand-alone primary site may.",
            server=role.server,
            site=s.code,
            site_type=s.type,
            parent=s.parent,
        )


@check(
    id="site.scp_mode",
    title="The service connection point is in offline mode",
    severity=Severity.HIGH,
    needs={"sql"},
    remediation="Set the service connection point to online (Administration > Site Configuration > Servers "
    "and Site System Roles > the server > Service connection point > Properties > Mode: Online), then "
    "restart the SMS_DMP_DOWNLOADER component (Configuration Manager Service Manager); or, in the site's "
    "PowerShell drive: Set-CMServiceConnectionPoint -SiteSystemServerName <server> -SiteCode <code> "
    "-Mode Online.",
    references=(SCP_DOC, MODE_DOC),
)
def scp_mode(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """An Intune subscription needs the service connection point online: offline mode does not
    support it, so nothing reaches Intune. The mode is read from the role's OfflineMode property
    in the base tables SC_SysResUse and SC_SysResUse_Property; no stored value means online."""
    site = site_evidence(ctx)
    _scp_sites(ctx, site)  # no role, nothing to judge: placement reports it
    site_evidence(ctx, "mode")
    stored = ", ".join(map(str, site.offline_mode)) or "none stored (online)"
    ctx.examined = f"OfflineMode of role type {connector.role_type_id()} in SC_SysResUse_Property: {stored}"
    if any(v != 0 for v in site.offline_mode):
        for role in site.scp:
            yield ctx.finding(
                role.server,
                f"{role.server} runs the service connection point in offline mode: Intune needs it online.",
                server=role.server,
                site=role.site,
            )


@check(
    id="site.component_status",
    title="Service connection point components are critical, warning, stopped or paused",
    severity=Severity.HIGH,
    cause="component",
    needs={"sql"},
    remediation="Read the component's log on the service connection point (" + LOGS + ") and its status "
    "messages (Monitoring > System Status > Component Status > the component > Show Messages > All); "
    "start a stopped or paused component in Configuration Manager Service Manager.",
    references=(STATUS_DOC,),
)
def component_status(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """The service connection point works through five components; one that is critical, stopped or
    paused stops uploads, downloads or user sync to Intune. This is the console's Component Status
    (since midnight) for them on the service connection point's site; times are the site database's,
    taken as UTC."""
    site = site_evidence(ctx, "components")
    codes = _scp_sites(ctx, site)
    rows = sorted((c for c in site.components if c.site.upper() in codes), key=lambda c: c.component)
    ctx.examined = (
        f"{len(rows)} row(s) of v_ComponentSummarizer since midnight on site {', '.join(sorted(codes))}"
    )
    for c in rows:
        if finding := _component(ctx, c):
            yield finding
    for name in sorted(set(connector.components()) - {c.component for c in rows}):
        yield ctx.finding(
            name,
            f"{name} has no component status on site {', '.join(sorted(codes))}: it is not installed, "
            f"or has not reported since midnight ({connector.does(name)}).",
            severity=Severity.MEDIUM,
            component=name,
        )


def _component(ctx: Context[Any], c: ComponentRow) -> Finding | None:
    problems = [connector.STATUSES[c.status]] if c.status in (1, 2) else []
    problems += [connector.STATES[c.state]] if c.state in (0, 2) else []
    if not problems:
        return None
    severity = Severity.MEDIUM if problems == ["warning"] else Severity.HIGH
    return ctx.finding(
        f"{c.machine}:{c.component}",
        f"{c.component} on {c.machine} is {' and '.join(problems)}: {c.errors:,} error(s) and "
        f"{c.warnings:,} warning(s) since midnight; last started {fmt(c.last_started)}, last heartbeat "
        f"{fmt(c.last_heartbeat)} ({connector.does(c.component)}).",
        severity=severity,
        component=c.component,
        machine=c.machine,
        status=connector.STATUSES.get(c.status, str(c.status)),
        state=connector.STATES.get(c.state, str(c.state)),
        errors=c.errors,
        warnings=c.warnings,
    )


@check(
    id="site.status_messages",
    title="Service connection point components reported errors or warnings",
    severity=Severity.MEDIUM,
    cause="component",  # with the component's status, its install lines and its log errors
    needs={"sql"},
    remediation="Read the messages in the console (Monitoring > System Status > Status Message Queries, "
    "or the component's Show Messages) and the component's log on the service connection point ("
    + LOGS
    + "); fix the cause the message names, e.g. duplicate or empty UPNs in the Intune collection.",
    references=(STATUS_DOC,),
)
def status_messages(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """The connector's components report each failure as a status message: failed uploads, failed
    user sync, users skipped for duplicate or empty UPNs, cloud endpoints out of reach. Errors and
    warnings within [sql] status_days are grouped by message ID; errors of user sync are high,
    because then no user can enroll. Times are taken as UTC, as community scripts label
    v_StatusMessage.Time (Microsoft's documentation does not say); the message IDs' words come from
    scanner/facts/connector.toml, and IDs it does not know are listed by number."""
    site = site_evidence(ctx, "messages")
    groups = site.messages
    unknown = sorted({g.message_id for g in groups if not connector.words(g.message_id)})
    ctx.examined = (
        f"{sum(g.count for g in groups):,} error and warning status message(s) of the connector's "
        f"components since {fmt(site.messages_since)}, {len(groups)} message ID(s)"
    )
    if unknown:
        ctx.examined += f"; {len(unknown)} not in the table: {', '.join(map(str, unknown))}"
    if why := site.errors.get("inserts"):
        ctx.examined += f"; {why}"
    for g in groups:
        yield _message(ctx, g)


def _message(ctx: Context[Any], g: MessageGroup) -> Finding:
    word = connector.SEVERITIES.get(g.severity, f"severity {g.severity}")
    high = g.component == "SMS_CLOUD_USERSYNC" and g.severity == connector.ERROR
    times = f"{g.count:,} times from {fmt(g.first)} to {fmt(g.last)}" if g.count > 1 else f"at {fmt(g.last)}"
    meaning = connector.words(g.message_id) or "an ID this tool has no words for"
    detail = f"; latest on {g.machine}" if g.machine else ""
    detail += f" ({' | '.join(g.inserts)})" if g.inserts else ""
    detail += _win32(g.win32_error)
    return ctx.finding(
        f"{g.component}:{g.message_id}",
        f"{g.component} reported {word} {g.message_id} {times}: {meaning}{detail}.",
        severity=Severity.HIGH if high else None,
        component=g.component,
        message_id=g.message_id,
        count=g.count,
        first=fmt(g.first),
        last=fmt(g.last),
        machine=g.machine,
        inserts=list(g.inserts),
        win32_error=g.win32_error,
    )


def _win32(number: int) -> str:
    """Win32Error in words: a Windows error number, or an HRESULT stored as a signed integer."""
    code = number & 0xFFFFFFFF
    if not code:
        return ""
    if code < 0x10000:  # describe() knows Windows errors inside the HRESULT that wraps them
        return f"; {error_codes.describe(0x80070000 | code) or f'Windows error {code}'}"
    return f"; 0x{code:08X}" + (f": {words}" if (words := error_codes.describe(code)) else "")
