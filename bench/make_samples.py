#!/usr/bin/env python3
"""Generate the invented ConfigMgr sample logs in ``sample_logs/``.

Everything written here is fabricated test data: the domain (contoso.com /
corp.contoso.local), the server (CM01.corp.contoso.com), the site code (EC1),
the users, thumbprints and timestamps.  No real customer log was used.

The output is deterministic: running ``python bench/make_samples.py`` from the
repository root rewrites every file byte-for-byte identically.  Use ``--check``
to verify the files on disk instead of writing them (exit code 1 on a
difference).  Standard library only.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_logs"

BIAS = 300  # minutes; UTC = local + bias (US Eastern standard time)
SERVER = "CM01.corp.contoso.com"
SITE = "EC1"
INSTALL_DIR = r"C:\Program Files\Microsoft Configuration Manager"
SIZE_LIMIT = 1_200_000

SCP_COMPONENTS = (
    "SMS_DMP_UPLOADER",
    "SMS_DMP_DOWNLOADER",
    "SMS_CLOUD_USERSYNC",
    "SMS_SERVICE_CONNECTOR",
    "SMS_OUTGOING_CONTENT_MANAGER",
)
OTHER_COMPONENTS = (
    "SMS_AD_SYSTEM_DISCOVERY_AGENT",
    "SMS_AD_USER_DISCOVERY_AGENT",
    "SMS_COLLECTION_EVALUATOR",
    "SMS_DATABASE_NOTIFICATION_MONITOR",
    "SMS_DISTRIBUTION_MANAGER",
    "SMS_HIERARCHY_MANAGER",
    "SMS_INBOX_MANAGER",
    "SMS_MP_CONTROL_MANAGER",
    "SMS_NOTIFICATION_SERVER",
    "SMS_POLICY_PROVIDER",
    "SMS_STATE_SYSTEM",
    "SMS_STATUS_MANAGER",
    "SMS_WSUS_CONTROL_MANAGER",
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Planted per-user problems (broken Cloudusersync pair).
HOSTILE_UPN = "=cmd|' /C calc'!A0@contoso.com"
USER_ANN = "ann.lee@corp.contoso.local"
USER_BOB = "bob.marsh@contoso.com"
USER_CHEN = "chen.wu@contoso.com"
USER_DAVE = "dave.ortiz@contoso.com"
SYNC_ERROR = (
    "ERROR: Failed to sync users with exception: System.Net.WebException: "
    "The remote server returned an error: (401) Unauthorized."
)
INSTALL_ERROR = "Failed to install component SMS_CLOUD_USERSYNC: the service failed to start (0x8007041D)."


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------


class Rng:
    """Deterministic PRNG.  Only ``random.Random.random()`` is used, whose
    sequence for a given integer seed is guaranteed stable across Python
    versions (unlike randint/choice)."""

    def __init__(self, seed: int) -> None:
        self._r = random.Random(seed)

    def between(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi]."""
        return lo + min(int(self._r.random() * (hi - lo + 1)), hi - lo)

    def ms(self, lo: int, hi: int) -> timedelta:
        return timedelta(milliseconds=self.between(lo, hi))


class Clock:
    """A monotonically advancing local-time clock (millisecond resolution)."""

    def __init__(self, start: datetime, rng: Rng) -> None:
        self.t = start
        self.rng = rng

    def tick(self, lo: int = 1, hi: int = 40) -> datetime:
        self.t += self.rng.ms(lo, hi)
        return self.t

    def jump_to(self, t: datetime) -> datetime:
        if t <= self.t:
            raise ValueError(f"clock would go backwards: {t} <= {self.t}")
        self.t = t
        return t


def to_utc(local: datetime) -> datetime:
    return local + timedelta(minutes=BIAS)


def gmtdate(local: datetime) -> str:
    """STATMSG GMTDATE, e.g. ``Tue Nov 10 19:21:04.123 2026`` (UTC)."""
    u = to_utc(local)
    return (
        f"{WEEKDAYS[u.weekday()]} {MONTHS[u.month - 1]} {u.day:02d} "
        f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond // 1000:03d} {u.year}"
    )


def fmt_local(t: datetime, ms: bool = True) -> str:
    s = f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    return f"{s}.{t.microsecond // 1000:03d}" if ms else s


# --------------------------------------------------------------------------
# SMS ("simple") server format
# --------------------------------------------------------------------------

Rec = tuple[datetime, str]  # (local time, message)


def sms_line(msg: str, comp: str, t: datetime, thread: int) -> str:
    if "\r" in msg or "\n" in msg:
        raise ValueError("SMS-format messages are single-line")
    if t.microsecond % 1000:
        raise ValueError("SMS timestamps have millisecond resolution")
    ts = (
        f"{t.month:02d}-{t.day:02d}-{t.year:04d} {t.hour:02d}:{t.minute:02d}:"
        f"{t.second:02d}.{t.microsecond // 1000:03d}+{BIAS}"
    )
    return f"{msg}  $$<{comp}><{ts}><thread={thread} (0x{thread:X})>"


def sms_file(recs: Iterable[Rec], comp: str, thread: int) -> bytes:
    lines = [sms_line(m, comp, t, thread) for t, m in recs]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# --------------------------------------------------------------------------
# Cloudusersync.log
# --------------------------------------------------------------------------

CUS_COMP = "SMS_CLOUD_USERSYNC"


@dataclass
class SyncCycle:
    start: datetime
    adds: list[tuple[str, bool]] = field(default_factory=list)  # (upn, succeeded)
    removes: list[tuple[str, bool]] = field(default_factory=list)
    error: str | None = None  # cycle aborts with this message


def cycle_records(c: SyncCycle, rng: Rng) -> list[Rec]:
    clk = Clock(c.start, rng)
    out: list[Rec] = [(c.start, "Starting user delta sync, raise failure status messages = True")]
    if c.error is not None:
        out.append((clk.tick(180, 900), c.error))
        return out
    ok_add = 0
    for upn, ok in c.adds:
        out.append((clk.tick(40, 160), f"NotifyAccountAddition - SCCM user to add = {upn}"))
        if ok:
            ok_add += 1
        else:
            out.append((clk.tick(250, 900), f"Failed to add user {upn}; reason UserNotFound"))
    out.append(
        (
            clk.tick(200, 700) if c.adds else clk.tick(15, 60),
            f"Total received users to add from SCCM = {len(c.adds)}, "
            f"Total Successfully added users to Cloud = {ok_add}",
        )
    )
    out.append(
        (clk.tick(5, 30), f"Total received users from SCCM to be removed from cloud = {len(c.removes)}")
    )
    ok_rem = 0
    for upn, ok in c.removes:
        if ok:
            ok_rem += 1
        else:
            out.append((clk.tick(250, 900), f"Failed to remove user {upn}; reason UserNotFound"))
    out.append(
        (
            clk.tick(150, 600) if c.removes else clk.tick(3, 20),
            f"Successfully removed users from cloud {ok_rem}",
        )
    )
    out.append((clk.tick(2, 12), f"UserDeltaSync:- Users Added = {ok_add}, Users Removed = {ok_rem}"))
    return out


def cycle_starts(first: datetime, count: int, rng: Rng) -> list[datetime]:
    """Cycles every 5 minutes, each start jittered by up to 2.5 s."""
    out = [first]
    for i in range(1, count):
        out.append(first + timedelta(seconds=300 * i) + rng.ms(0, 2500))
    return out


def healthy_cloudusersync() -> tuple[list[Rec], list[SyncCycle]]:
    rng = Rng(1101)
    starts = cycle_starts(datetime(2026, 11, 24, 9, 5, 12, 347000), 288, rng)
    adds = {
        17: ["grace.hall@contoso.com"],
        58: ["ivan.petrov@contoso.com", "julia.santos@contoso.com"],
        103: ["kevin.obrien@contoso.com"],
        150: ["lena.fischer@contoso.com", "mateo.ruiz@contoso.com", "nora.ahmed@contoso.com"],
        201: ["oscar.lind@contoso.com"],
        262: ["priya.nair@contoso.com", "quinn.baker@contoso.com"],
    }
    removes = {188: ["sam.turner@contoso.com"]}
    cycles = []
    recs: list[Rec] = []
    for i, s in enumerate(starts):
        c = SyncCycle(s, [(u, True) for u in adds.get(i, [])], [(u, True) for u in removes.get(i, [])])
        cycles.append(c)
        recs.extend(cycle_records(c, rng))
    return recs, cycles


BROKEN_FIRST = datetime(2026, 11, 23, 4, 2, 41, 118000)
BREAK_AT = datetime(2026, 11, 24, 6, 0, 0)
BROKEN_END = datetime(2026, 11, 25, 12, 5, 0)
ROLLOVER_BYTES = 190_000  # .log is renamed to .lo_ once it would exceed this


def broken_cloudusersync() -> tuple[list[Rec], list[SyncCycle]]:
    rng = Rng(2202)
    count = int((BROKEN_END - BROKEN_FIRST).total_seconds() // 300) + 1
    starts = cycle_starts(BROKEN_FIRST, count, rng)

    def at(day: int, hh: int, mm: int) -> int:
        """Index of the first cycle starting at or after 2026-11-<day> hh:mm."""
        t = datetime(2026, 11, day, hh, mm)
        return next(i for i, s in enumerate(starts) if s >= t)

    plan: dict[int, tuple[list[tuple[str, bool]], list[tuple[str, bool]]]] = {
        at(23, 7, 40): ([("rosa.mendez@contoso.com", True)], []),
        at(23, 10, 45): ([(USER_ANN, False)], []),
        at(23, 13, 20): ([("tom.rivera@contoso.com", True), ("uma.patel@contoso.com", True)], []),
        at(23, 16, 15): ([(HOSTILE_UPN, False), ("ruth.cole@contoso.com", True)], []),
        at(23, 19, 50): ([], [("victor.hale@contoso.com", True)]),
        at(24, 4, 30): ([(USER_BOB, False), ("erin.kim@contoso.com", True), (USER_CHEN, False)], []),
        at(24, 5, 5): ([], [(USER_DAVE, False)]),
        at(24, 5, 35): ([(USER_ANN, False)], []),
    }
    cycles = []
    recs: list[Rec] = []
    for i, s in enumerate(starts):
        if s >= BREAK_AT:
            c = SyncCycle(s, error=SYNC_ERROR)
        else:
            a, r = plan.get(i, ([], []))
            c = SyncCycle(s, list(a), list(r))
        cycles.append(c)
        recs.extend(cycle_records(c, rng))
    return recs, cycles


def split_rollover(recs: list[Rec], thread: int) -> tuple[list[Rec], list[Rec]]:
    """Split at the first record that would push the old file past ROLLOVER_BYTES."""
    size = 0
    for i, (t, m) in enumerate(recs):
        size += len(sms_line(m, CUS_COMP, t, thread).encode("utf-8")) + 2
        if size > ROLLOVER_BYTES:
            return recs[:i], recs[i:]
    raise ValueError("never rolled over")


# --------------------------------------------------------------------------
# Sitecomp.log
# --------------------------------------------------------------------------

SITECOMP_COMP = "SMS_SITE_COMPONENT_MANAGER"
SITECOMP_THREAD = 4888


def statmsg(msg_id: int, sev: str, t: datetime, comp_name: str) -> str:
    """A status message about a component: COMP is the component, ISTR0 the site system (as Microsoft's
    Exchange connector article reads 1015: "from the SMS_EXCHANGE_CONNECTOR component")."""
    istr = " ".join(f'ISTR{i}=""' for i in range(1, 10))
    return (
        f'STATMSG: ID={msg_id} SEV={sev} LEV=M SOURCE="SMS Server" '
        f'COMP="{comp_name}" SYS={SERVER} SITE={SITE} PID=2168 TID={SITECOMP_THREAD} '
        f'GMTDATE={gmtdate(t)} ISTR0="{SERVER}" {istr} NUMATTRS=0'
    )


class Sitecomp:
    def __init__(self, start: datetime, seed: int) -> None:
        self.clk = Clock(start, Rng(seed))
        self.recs: list[Rec] = []

    def log(self, msg: str, lo: int = 2, hi: int = 40) -> datetime:
        t = self.clk.tick(lo, hi)
        self.recs.append((t, msg))
        return t

    def read_site_control(self, changed: bool) -> None:
        self.log("Reading the site control file...", 5, 30)
        self.log(
            "SQL>>>>> select ItemName, ItemType, SiteCode, SiteServer from SC_SysResUse "
            f"where SiteCode = '{SITE}' order by ItemName~",
            10,
            60,
        )
        self.log("SQL>>>>> Done.", 20, 140)
        if changed:
            self.log("Site Control File has changed since last parsing; re-evaluating the component list.")
        else:
            self.log("No changes detected in the site control file.")

    def check_begin(self, roles: bool) -> None:
        self.log(f"Site Component Manager is checking the site system \\\\{SERVER}...", 5, 50)
        if roles:
            self.log(
                f"Site system {SERVER} hosts the following roles: SMS Site Server, "
                "SMS SQL Server, SMS Provider, SMS Management Point, "
                "SMS Distribution Point, SMS Service Connection Point."
            )
            self.log(
                f"SQL Server failover partner for database CM_{SITE} is not configured; "
                "site database connections use the primary instance only.",
                10,
                90,
            )

    def already_installed(self, comps: Iterable[str]) -> None:
        for c in comps:
            self.log(f"Component {c} is already installed on {SERVER}, no action needed.", 1, 9)

    def install(self, comp: str, ok: bool) -> None:
        self.log(f"Installing component {comp}...", 30, 400)
        self.log("Installing the component as a thread of SMS_EXECUTIVE...", 5, 40)
        self.log(
            f'Executing "{INSTALL_DIR}\\bin\\x64\\rolesetup.exe" /install /siteserver:{SERVER} {comp} 0',
            10,
            80,
        )
        self.log(f"Registering component {comp} with SMS_EXECUTIVE...", 2500, 9000)
        if ok:
            self.log(f"Starting the component {comp}...", 10, 60)
            self.log(f"Installation and configuration of component {comp} succeeded.", 800, 3000)
            t = self.clk.tick(2, 15)
            self.recs.append((t, statmsg(1015, "I", t, comp)))
        else:
            self.log(f"Starting the component {comp}...", 10, 60)
            self.log(INSTALL_ERROR, 30000, 31500)  # service start timeout
            self.log("Installation failed and will be retried in the next polling cycle.", 2, 20)
            t = self.clk.tick(2, 15)
            self.recs.append((t, statmsg(1016, "E", t, comp)))

    def check_end(self) -> None:
        self.log(f"Site Component Manager is finished checking the site system \\\\{SERVER}.", 20, 200)

    def wait(self) -> None:
        self.log(
            f'Waiting for changes to the "{INSTALL_DIR}\\inboxes\\sitecomp.box" directory, '
            "updates will be polled every 3600 seconds...",
            5,
            40,
        )

    def next_poll(self, after: datetime) -> None:
        self.clk.jump_to(after + self.clk.rng.ms(0, 1500))


def healthy_sitecomp() -> list[Rec]:
    s = Sitecomp(datetime(2026, 11, 10, 13, 47, 2, 118000), 3303)
    s.log("Site Control File change notification received.", 0, 1)
    s.read_site_control(changed=True)
    s.check_begin(roles=True)
    s.already_installed(OTHER_COMPONENTS[:-1])
    s.log(
        f"Warning: component SMS_WSUS_CONTROL_MANAGER on {SERVER} has not reported a "
        "heartbeat yet; its status will be checked again in the next polling cycle."
    )
    for c in SCP_COMPONENTS:
        s.log(f"Component {c} flagged for installation.", 2, 15)
    for c in SCP_COMPONENTS:
        s.install(c, ok=True)
    s.check_end()
    s.log(f"Updating the installation status of {len(SCP_COMPONENTS)} component(s) in the site control file.")
    s.wait()
    first = s.recs[0][0]
    for hour in range(1, 13):
        s.next_poll(first + timedelta(hours=hour))
        s.log("Polling interval elapsed; starting component maintenance.", 0, 1)
        s.read_site_control(changed=False)
        s.check_begin(roles=hour == 1)
        if hour == 1:
            s.log(
                f"Component SMS_WSUS_CONTROL_MANAGER on {SERVER} reported a heartbeat; status is now Running."
            )
        s.log(f"No changes detected for the components on {SERVER}.", 50, 400)
        s.check_end()
        s.wait()
    return s.recs


SITECOMP_BROKEN_START = datetime(2026, 11, 25, 12, 24, 37, 502000)


def broken_sitecomp() -> list[Rec]:
    s = Sitecomp(SITECOMP_BROKEN_START, 4404)
    s.log("Site Control File change notification received.", 0, 1)
    s.read_site_control(changed=True)
    s.check_begin(roles=True)
    s.already_installed(OTHER_COMPONENTS)
    for c in SCP_COMPONENTS:
        s.log(f"Component {c} flagged for installation.", 2, 15)
    postponed = (
        "Installation of component SMS_DMP_UPLOADER is postponed until the next "
        "polling cycle; a previous deinstallation of this component is still pending."
    )
    s.log(postponed)
    s.install("SMS_DMP_DOWNLOADER", ok=True)
    s.install("SMS_CLOUD_USERSYNC", ok=False)
    s.install("SMS_SERVICE_CONNECTOR", ok=True)
    s.install("SMS_OUTGOING_CONTENT_MANAGER", ok=True)
    s.log(
        f"Error: Failed to query the service status of component SMS_NOTIFICATION_SERVER "
        f"on {SERVER}; win32 error = 1060."
    )
    s.check_end()
    s.wait()
    first = s.recs[0][0]
    other_errors = {
        1: f"ERROR: Cannot read the registry key HKLM\\SOFTWARE\\Microsoft\\SMS\\Components"
        f"\\SMS_WSUS_CONTROL_MANAGER on {SERVER}; error = 5.",
        3: f"Error: Failed to query the service status of component SMS_NOTIFICATION_SERVER "
        f"on {SERVER}; win32 error = 1060.",
        4: "Warning: component SMS_STATE_SYSTEM did not respond to a stop request within "
        "60 seconds; it will be restarted by SMS_EXECUTIVE.",
    }
    for hour in range(1, 5):
        s.next_poll(first + timedelta(hours=hour, seconds=20 * hour))
        s.log("Polling interval elapsed; starting component maintenance.", 0, 1)
        s.read_site_control(changed=False)
        s.check_begin(roles=False)
        s.log("Component SMS_DMP_UPLOADER flagged for installation.", 5, 30)
        s.log("Component SMS_CLOUD_USERSYNC flagged for installation.", 2, 15)
        s.log(postponed)
        s.install("SMS_CLOUD_USERSYNC", ok=False)
        if hour in other_errors:
            s.log(other_errors[hour], 20, 300)
        s.check_end()
        s.wait()
    return s.recs


# --------------------------------------------------------------------------
# CMTrace ("CCM") format
# --------------------------------------------------------------------------


@dataclass
class CcmRec:
    t: datetime
    msg: str
    typ: int = 1
    thread: int = 0
    file: str = ""
    seven: bool = False  # 7-digit fraction, no bias (.NET writer)
    style: str = "normal"  # normal | reordered | upper
    sep: str = "\r\n"  # what follows the record ("" = next record on the same line)


def ccm_time(r: CcmRec, rng: Rng) -> str:
    base = f"{r.t.hour:02d}:{r.t.minute:02d}:{r.t.second:02d}"
    if r.seven:
        return f"{base}.{r.t.microsecond:06d}{rng.between(0, 9)}"
    return f"{base}.{r.t.microsecond // 1000:03d}+{BIAS}"


def ccm_date(t: datetime, short_days: bool) -> str:
    if short_days and t.day < 10:
        return f"{t.month}-{t.day}-{t.year}"
    return f"{t.month:02d}-{t.day:02d}-{t.year:04d}"


def ccm_attrs(r: CcmRec, comp: str, rng: Rng, short_days: bool) -> str:
    a = {
        "time": ccm_time(r, rng),
        "date": ccm_date(r.t, short_days),
        "component": comp,
        "context": "",
        "type": str(r.typ),
        "thread": str(r.thread),
        "file": r.file,
    }
    if r.style == "normal":
        keys = ["time", "date", "component", "context", "type", "thread", "file"]
    elif r.style == "reordered":
        keys = ["date", "time", "type", "component", "thread", "context", "file"]
    elif r.style == "upper":
        keys = ["time", "date", "component", "context", "type", "thread", "file"]
        return " ".join(f'{k.upper()}="{a[k]}"' for k in keys)
    else:
        raise ValueError(r.style)
    return " ".join(f'{k}="{a[k]}"' for k in keys)


def ccm_text(
    recs: list[CcmRec], comp: str, seed: int, short_days: bool = False, head_fragment: str | None = None
) -> str:
    rng = Rng(seed)
    parts = []
    for i, r in enumerate(recs):
        if "]LOG]!>" in r.msg:
            raise ValueError("message contains the record terminator")
        attrs = ccm_attrs(r, comp, rng, short_days)
        if i == 0 and head_fragment is not None:
            parts.append(f"{head_fragment}]LOG]!><{attrs}>{r.sep}")
        else:
            parts.append(f"<![LOG[{r.msg}]LOG]!><{attrs}>{r.sep}")
    return "".join(parts)


# --------------------------------------------------------------------------
# dmpdownloader.log (CCM, UTF-16 LE with BOM)
# --------------------------------------------------------------------------

DMP_COMP = "SMS_DMP_DOWNLOADER"
DMP_BREAK = datetime(2026, 11, 24, 6, 0, 0)
MANIFEST = f"{INSTALL_DIR}\\EasySetupPayload\\ConfigMgr.Update.Manifest.cab"

TLS_STACK = "\r\n".join(
    [
        "ERROR: Failed to download Admin UI content payload with exception: "
        "System.Net.WebException: The underlying connection was closed: Could not establish "
        "trust relationship for the SSL/TLS secure channel. ---> "
        "System.Security.Authentication.AuthenticationException: The remote certificate is "
        "invalid according to the validation procedure.",
        "   at System.Net.TlsStream.EndWrite(IAsyncResult asyncResult)",
        "   at System.Net.ConnectStream.WriteHeadersCallback(IAsyncResult ar)",
        "   --- End of inner exception stack trace ---",
        "   at System.Net.WebClient.DownloadFile(Uri address, String fileName)",
        "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Download"
        ".AdminUIContentDownloader.DownloadPayload(String url, String target)",
        "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Download.AdminUIContentDownloader.Run()",
    ]
)
CHAIN_STACK = "\r\n".join(
    [
        "Failed to check and load service signing certificate. System.ArgumentException: Fail to build chain",
        "   at Microsoft.ConfigurationManager.DmpConnector.Common.CertificateUtility"
        ".VerifyCertificateChain(X509Certificate2 certificate, X509ChainPolicy policy)",
        "   at Microsoft.ConfigurationManager.DmpConnector.Common.CertificateUtility"
        ".LoadServiceSigningCertificate(String storeName)",
        "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Download.DmpDownloader"
        ".CheckAndLoadSigningCertificate()",
    ]
)


def dmpdownloader() -> list[CcmRec]:
    rng = Rng(5505)
    thread = 6044
    recs: list[CcmRec] = []
    clk = Clock(datetime(2026, 11, 24, 0, 14, 7, 311000), rng)

    def add(msg: str, typ: int = 1, file: str = "", lo: int = 3, hi: int = 60, seven: bool = False) -> None:
        t = clk.tick(lo, hi)
        if seven:  # .NET writer: full microsecond precision
            t += timedelta(microseconds=rng.between(0, 999))
            clk.t = t
        recs.append(CcmRec(t, msg, typ, thread, file, seven))

    def cs(msg: str, typ: int = 1, file: str = "DmpDownloader.cs:118", lo: int = 3, hi: int = 60) -> None:
        add(msg, typ, file, lo, hi, seven=True)

    first = clk.t
    cs("SMS_DMP_DOWNLOADER thread started. Polling interval is 3600 seconds.", lo=0, hi=1)
    cs("Tenant display name: Contoso Gesellschaft für Beispiele (contoso.onmicrosoft.com)")
    cs("Payload list: EasySetupPayload|AdminUIContent|ConfigMgr.Update.Manifest", file="DmpDownloader.cs:131")
    chain_logged = 0
    hostile_logged = False
    for hour in range(0, 36):
        if hour:
            clk.jump_to(first + timedelta(hours=hour) + rng.ms(0, 900))
        healthy = clk.t < DMP_BREAK
        cs("Checking for easy setup payload updates...", file="DmpDownloader.cs:204", lo=0, hi=1)
        add("Download manifest.cab", file="EasySetupDownloader.cpp:88")
        if healthy:
            add(
                "Redirected to URL https://go.microsoft.com/fwlink/?LinkID=000001",
                file="EasySetupDownloader.cpp:141",
                lo=120,
                hi=600,
            )
            add(
                f"File '{MANIFEST}' is signed and trusted.",
                file="EasySetupDownloader.cpp:217",
                lo=400,
                hi=1800,
            )
            add("Finished calling verify manifest", file="EasySetupDownloader.cpp:230")
            add(
                "Manifest.cab was successfully moved to the connector outbox",
                file="EasySetupDownloader.cpp:262",
                lo=20,
                hi=200,
            )
        else:
            cs(
                "WARNING: Failed to download easy setup payload with exception: The underlying "
                "connection was closed: Could not establish trust relationship for the SSL/TLS "
                "secure channel.",
                typ=2,
                file="EasySetupDownloader.cs:302",
                lo=800,
                hi=2500,
            )
            if not hostile_logged:
                cs(
                    "Proxy response body (first 64 characters): "
                    "<html><body><script>alert(1)</script></body></html>",
                    typ=2,
                    file="EasySetupDownloader.cs:311",
                )
                hostile_logged = True
            cs("WARNING: Retry in the next polling cycle", typ=2, file="EasySetupDownloader.cs:318")
            if hour % 8 == 6:
                cs(TLS_STACK, typ=3, file="AdminUIContentDownloader.cs:97", lo=200, hi=900)
            if hour % 12 == 6:
                cs(CHAIN_STACK, typ=3, file="CertificateUtility.cs:64", lo=20, hi=200)
                chain_logged += 1
        cs("Sleep 3600 seconds...", file="DmpDownloader.cs:240")
    if chain_logged < 2:
        raise AssertionError("expected the chain error at least twice")
    return recs


# --------------------------------------------------------------------------
# SMS_CLOUDCONNECTION.log (CCM, UTF-8 with BOM)
# --------------------------------------------------------------------------

CC_COMP = "SMS_CLOUDCONNECTION"
CERT_EXPIRY = datetime(2026, 11, 24, 5, 58, 0)
THUMBPRINT = "5E0C3A9D1B7F42E68A0D9C3B71F04E2A6D8B19C5"  # invented


def cloudconnection() -> tuple[list[CcmRec], str]:
    rng = Rng(6606)
    thread = 3372
    recs: list[CcmRec] = []
    first = datetime(2026, 11, 7, 9, 41, 3, 207000)
    clk = Clock(first, rng)

    def add(
        msg: str,
        typ: int = 1,
        file: str = "CloudConnectionManager.cs:212",
        lo: int = 3,
        hi: int = 80,
        style: str = "normal",
        sep: str = "\r\n",
    ) -> None:
        recs.append(CcmRec(clk.tick(lo, hi), msg, typ, thread, file, False, style, sep))

    # First record: only its tail survived the rollover.
    head = "d cloud service endpoints for tenant contoso.onmicrosoft.com; 3 of 3 reachable"
    recs.append(CcmRec(first, "", 1, thread, "CloudConnectionManager.cs:288"))
    add("Cloud connection check completed.", file="CloudConnectionManager.cs:295")
    n = 0
    t = first
    while True:
        t = first + timedelta(hours=3 * (n + 1))
        if t > datetime(2026, 11, 25, 12, 0):
            break
        n += 1
        clk.jump_to(t + rng.ms(0, 2000))
        expired = clk.t >= CERT_EXPIRY
        if n == 5:  # two records on one physical line
            add("Cloud connection check started for service 'Microsoft Intune'.", lo=0, hi=1, sep="")
        else:
            add(
                "Cloud connection check started for service 'Microsoft Intune'.",
                lo=0,
                hi=1,
                style="reordered" if n in (9, 31) else "normal",
            )
        if clk.t.hour < 3 or n == 1:  # certificate details once a day
            add(
                f"Using service certificate {THUMBPRINT} (CN=Contoso Intune Tenant, für EC1), "
                f"valid until 11-24-2026 05:58:00 (bias +{BIAS}).",
                file="CertificateStore.cs:77",
            )
        days_left = (CERT_EXPIRY - clk.t).days
        if not expired and days_left < 7 and clk.t.hour < 3:
            add(
                f"WARNING: The Intune service certificate expires in {days_left} day(s). "
                "Renew the subscription certificate.",
                typ=2,
                file="CertificateStore.cs:91",
                style="upper" if days_left == 3 else "normal",
            )
        if n == 44:
            add("", file="CloudConnectionManager.cs:240")
        if expired:
            add(
                "Connection to https://manage.microsoft.com failed: The remote server "
                "returned an error: (401) Unauthorized.",
                typ=3,
                file="CloudConnectionManager.cs:266",
                lo=200,
                hi=900,
            )
            add(
                "Cloud connection check failed for service 'Microsoft Intune'; "
                "1 of 3 endpoints rejected the service certificate.",
                typ=3,
                file="CloudConnectionManager.cs:288",
            )
        else:
            add(
                "Connection to https://manage.microsoft.com succeeded (HTTP 200).",
                file="CloudConnectionManager.cs:259",
                lo=200,
                hi=900,
            )
            add(
                "Checked cloud service endpoints for tenant contoso.onmicrosoft.com; 3 of 3 reachable",
                file="CloudConnectionManager.cs:288",
            )
        add("Cloud connection check completed.", file="CloudConnectionManager.cs:295")
    return recs, head


# --------------------------------------------------------------------------
# verification
# --------------------------------------------------------------------------

SMS_RE = re.compile(
    r"^(.*)  \$\$<([^>]*)><(\d{1,2}-\d{1,2}-\d{4} \d{2}:\d{2}:\d{2}\.\d+[+-]?\d*)>"
    r"<thread=\d+ \(0x[0-9A-F]+\)>$"
)
SMS_TS_RE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d+)([+-]\d+)?$")
CCM_TIME_RE = re.compile(r'\btime="(\d{2}):(\d{2}):(\d{2})\.(\d+)([+-]\d+)?"', re.IGNORECASE)
CCM_DATE_RE = re.compile(r'\bdate="(\d{1,2})-(\d{1,2})-(\d{4})"', re.IGNORECASE)
IPV4_RE = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")


def _dt(mo: str, d: str, y: str, h: str, mi: str, s: str, frac: str) -> datetime:
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), int((frac + "000000")[:6]))


def parse_sms(data: bytes) -> list[tuple[datetime, str, str]]:
    if data.startswith(b"\xef\xbb\xbf"):
        raise AssertionError("SMS files are written without a BOM")
    text = data.decode("utf-8")
    if not text.endswith("\r\n"):
        raise AssertionError("missing final CRLF")
    out = []
    for n, line in enumerate(text[:-2].split("\r\n"), 1):
        if "\r" in line or "\n" in line:
            raise AssertionError(f"line {n}: stray CR/LF")
        m = SMS_RE.match(line)
        if not m:
            raise AssertionError(f"line {n} does not match the SMS regex: {line!r}")
        ts = SMS_TS_RE.match(m.group(3))
        if not ts:
            raise AssertionError(f"line {n}: bad timestamp")
        out.append((_dt(*ts.groups()[:7]), m.group(2), m.group(1)))
    return out


def parse_ccm(text: str) -> list[tuple[datetime, str, str]]:
    """Returns (local time, attribute text, message) per record; a truncated head
    fragment is returned with the message prefixed by '<fragment>'."""
    chunks = text.split("<![LOG[")
    out = []
    for i, chunk in enumerate(chunks):
        if i == 0 and not chunk:
            continue
        msg, sep, rest = chunk.partition("]LOG]!><")
        if not sep:
            raise AssertionError(f"record {i}: no terminator")
        attrs, gt, tail = rest.partition(">")
        if not gt or tail not in ("", "\r\n"):
            raise AssertionError(f"record {i}: unexpected trailer {tail!r}")
        tm, dm = CCM_TIME_RE.search(attrs), CCM_DATE_RE.search(attrs)
        if not tm or not dm:
            raise AssertionError(f"record {i}: no time/date")
        t = _dt(*dm.groups(), *tm.groups()[:4])
        out.append((t, attrs, ("<fragment>" + msg) if i == 0 else msg))
    return out


def assert_increasing(times: list[datetime], what: str) -> None:
    for a, b in itertools.pairwise(times):
        if b <= a:
            raise AssertionError(f"{what}: timestamps not increasing ({a} -> {b})")


def check_no_crlf_violations(text: str, what: str) -> None:
    if re.search(r"(?<!\r)\n", text) or re.search(r"\r(?!\n)", text):
        raise AssertionError(f"{what}: line endings are not pure CRLF")


@dataclass
class CycleStats:
    starts: int = 0
    done: int = 0
    errors: int = 0
    last_done: datetime | None = None  # time of the last "UserDeltaSync:-" line
    last_done_start: datetime | None = None  # start of that cycle
    first_error: datetime | None = None


def cycle_stats(lines: list[tuple[datetime, str, str]]) -> CycleStats:
    st = CycleStats()
    started: datetime | None = None
    for t, comp, msg in lines:
        if comp != CUS_COMP:
            raise AssertionError("unexpected component")
        if msg.startswith("Starting user delta sync"):
            st.starts += 1
            started = t
        elif msg.startswith("UserDeltaSync:-"):
            st.done += 1
            st.last_done, st.last_done_start = t, started
        elif msg.startswith("ERROR:"):
            st.errors += 1
            st.first_error = st.first_error or t
    return st


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


@dataclass
class Output:
    rel: str
    data: bytes
    records: int
    note: str = ""


def build() -> list[Output]:
    outs: list[Output] = []
    h = healthy_cloudusersync()[0]
    outs.append(Output("healthy/Cloudusersync.log", sms_file(h, CUS_COMP, 4512), len(h)))
    hs = healthy_sitecomp()
    outs.append(Output("healthy/Sitecomp.log", sms_file(hs, SITECOMP_COMP, SITECOMP_THREAD), len(hs)))
    old, new = split_rollover(broken_cloudusersync()[0], 5236)
    outs.append(Output("broken/Cloudusersync.lo_", sms_file(old, CUS_COMP, 5236), len(old)))
    outs.append(Output("broken/Cloudusersync.log", sms_file(new, CUS_COMP, 5236), len(new)))
    bs = broken_sitecomp()
    outs.append(Output("broken/Sitecomp.log", sms_file(bs, SITECOMP_COMP, SITECOMP_THREAD), len(bs)))
    d = dmpdownloader()
    dtext = ccm_text(d, DMP_COMP, 7707)
    outs.append(Output("broken/dmpdownloader.log", b"\xff\xfe" + dtext.encode("utf-16-le"), len(d)))
    c, head = cloudconnection()
    ctext = ccm_text(c, CC_COMP, 8808, short_days=True, head_fragment=head)
    outs.append(
        Output(
            "broken/SMS_CLOUDCONNECTION.log",
            b"\xef\xbb\xbf" + ctext.encode("utf-8"),
            len(c) - 1,
            "+ 1 truncated head fragment",
        )
    )
    return outs


Parsed = list[tuple[datetime, str, str]]


@dataclass
class Facts:
    """What verify() found; used to write README.md."""

    healthy_cus: Parsed
    healthy_stats: CycleStats
    lo_: Parsed
    log: Parsed
    broken_stats: CycleStats
    user_failures: list[tuple[datetime, str]]
    three_one: list[datetime]
    sitecomp_1016: list[datetime]
    uploader_flags: int
    dmp: Parsed
    cc: Parsed


def _comp_of(msg: str) -> str:
    """The component a status message is about (its COMP field)."""
    m = re.search(r'\bCOMP="([^"]*)"', msg)
    return m.group(1) if m else ""


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(what)


def verify(outs: list[Output]) -> Facts:
    by = {o.rel: o.data for o in outs}
    _need(sum(len(o.data) for o in outs) <= SIZE_LIMIT, "sample logs too large")
    for o in outs:
        enc = "utf-16-le" if o.data.startswith(b"\xff\xfe") else "utf-8-sig"
        raw = o.data.decode(enc).lstrip("\ufeff")
        _need(not IPV4_RE.search(raw), f"{o.rel}: looks like it contains an IPv4 address")
        check_no_crlf_violations(raw, o.rel)

    # SMS files: the regex matches every line, timestamps strictly increase
    sms: dict[str, Parsed] = {}
    for rel in (
        "healthy/Cloudusersync.log",
        "healthy/Sitecomp.log",
        "broken/Cloudusersync.lo_",
        "broken/Cloudusersync.log",
        "broken/Sitecomp.log",
    ):
        sms[rel] = parse_sms(by[rel])
        assert_increasing([t for t, _, _ in sms[rel]], rel)

    # healthy Cloudusersync: every cycle completes, added == received, no failures
    h = sms["healthy/Cloudusersync.log"]
    hst = cycle_stats(h)
    _need(hst.starts == hst.done and hst.errors == 0, "healthy Cloudusersync: incomplete cycle")
    _need(h[-1][0] - h[0][0] >= timedelta(hours=12), "healthy Cloudusersync: under 12 hours")
    _need(len(by["healthy/Cloudusersync.log"]) <= 250_000, "healthy Cloudusersync: too big")
    for _, _, msg in h:
        _need("Failed to" not in msg, "healthy Cloudusersync contains a failure")
        tot = re.match(
            r"Total received users to add from SCCM = (\d+), "
            r"Total Successfully added users to Cloud = (\d+)$",
            msg,
        )
        _need(not tot or tot.group(1) == tot.group(2), "healthy Cloudusersync: added != received")
    # healthy files carry no error text (the failover/Warning lines are deliberate)
    for rel in ("healthy/Cloudusersync.log", "healthy/Sitecomp.log"):
        for _, _, msg in sms[rel]:
            benign = msg.replace("raise failure status messages", "")
            _need(not re.search(r"(?i)error|fail(?!over)", benign), f"{rel}: error text {msg}")
    hs = sms["healthy/Sitecomp.log"]
    _need(
        sorted(_comp_of(m) for _, _, m in hs if "ID=1015 " in m) == sorted(SCP_COMPONENTS),
        "healthy Sitecomp must install all five SCP components",
    )

    # broken pair: .lo_ older, .log continues right after it
    old, new = sms["broken/Cloudusersync.lo_"], sms["broken/Cloudusersync.log"]
    both = old + new
    assert_increasing([t for t, _, _ in both], "broken Cloudusersync pair")
    _need(new[0][0] - old[-1][0] <= timedelta(minutes=5), "rollover gap too large")
    _need(120_000 <= len(by["broken/Cloudusersync.lo_"]) <= 200_000, ".lo_ size")
    bst = cycle_stats(both)
    _need(bst.first_error is not None and bst.last_done is not None, "break missing")
    assert bst.first_error is not None and bst.last_done is not None
    _need(abs(bst.first_error - BREAK_AT) <= timedelta(minutes=6), "break not near 06:00")
    _need(both[-1][0] - bst.first_error >= timedelta(hours=29), "broken period < ~30 h")
    _need(bst.last_done < bst.first_error, "a cycle completed after the break")
    _need(all(m != SYNC_ERROR for _, _, m in old), "the break must be in the .log")
    fails = [(t, m) for t, _, m in both if m.startswith("Failed to ")]
    added = {
        m[len("Failed to add user ") : m.index("; reason")]
        for _, m in fails
        if m.startswith("Failed to add user ")
    }
    _need({USER_ANN, USER_BOB, USER_CHEN, HOSTILE_UPN} <= added, "planted add failures")
    _need(
        f"Failed to remove user {USER_DAVE}; reason UserNotFound" in {m for _, m in fails},
        "planted remove failure",
    )
    _need(all(t < bst.first_error for t, _ in fails), "per-user failures must precede the break")
    three_one = [
        t
        for t, _, m in both
        if m == "Total received users to add from SCCM = 3, Total Successfully added users to Cloud = 1"
    ]
    _need(bool(three_one), "3/1 cycle missing")

    # broken Sitecomp
    bs = sms["broken/Sitecomp.log"]
    ok = {_comp_of(m) for _, _, m in bs if "ID=1015 " in m}
    _need(
        ok == {"SMS_DMP_DOWNLOADER", "SMS_SERVICE_CONNECTOR", "SMS_OUTGOING_CONTENT_MANAGER"},
        f"unexpected 1015 set {ok}",
    )
    f1016 = [t for t, _, m in bs if "ID=1016 SEV=E" in m and _comp_of(m) == "SMS_CLOUD_USERSYNC"]
    _need(len(f1016) >= 4, "need >= 4 SMS_CLOUD_USERSYNC failures")
    _need(
        all(timedelta(minutes=55) <= b - a <= timedelta(minutes=65) for a, b in itertools.pairwise(f1016)),
        "retries not ~60 min apart",
    )
    _need(sum(m == INSTALL_ERROR for _, _, m in bs) == len(f1016), "install error count")
    flags = sum(m == "Component SMS_DMP_UPLOADER flagged for installation." for _, _, m in bs)
    _need(bs[0][0] > both[-1][0], "Sitecomp reinstall should follow the last usersync record")
    for t, _, m in hs + bs:  # GMTDATE is the record time in UTC
        _need(not m.startswith("STATMSG:") or f"GMTDATE={gmtdate(t)} " in m, "GMTDATE")

    # dmpdownloader: UTF-16 LE BOM, CRLF, records parse, increasing, features present
    d = by["broken/dmpdownloader.log"]
    _need(d.startswith(b"\xff\xfe"), "dmpdownloader.log must start with FF FE")
    dtext = d[2:].decode("utf-16-le")
    drecs = parse_ccm(dtext)
    assert_increasing([t for t, _, _ in drecs], "dmpdownloader.log")
    types = set(re.findall(r'\btype="(\d)"', dtext))
    needles = (
        "WARNING: Failed to download easy setup payload with exception: The underlying "
        "connection was closed: Could not establish trust relationship for the SSL/TLS "
        "secure channel.]LOG]!>",
        "WARNING: Retry in the next polling cycle]LOG]!>",
        "Failed to check and load service signing certificate. System.ArgumentException: Fail to build chain",
        "<script>alert(1)</script>",
        "|",
    )
    _need(types == {"1", "2", "3"}, "dmpdownloader.log: types 1/2/3")
    _need(sum("\r\n" in m for _, _, m in drecs) >= 2, "dmpdownloader.log: multi-line records")
    _need(all(n in dtext for n in needles), "dmpdownloader.log: planted text")
    _need(bool(re.search(r'time="\d\d:\d\d:\d\d\.\d{7}"', dtext)), "7-digit time, no bias")
    _need(bool(re.search(r'time="\d\d:\d\d:\d\d\.\d{3}\+300"', dtext)), "3-digit time + bias")

    # SMS_CLOUDCONNECTION: UTF-8 BOM, starts mid-record, format oddities
    c = by["broken/SMS_CLOUDCONNECTION.log"]
    _need(c.startswith(b"\xef\xbb\xbf"), "SMS_CLOUDCONNECTION.log must start with a UTF-8 BOM")
    ctext = c[3:].decode("utf-8")
    _need(
        not ctext.startswith("<![LOG[") and "]LOG]!>" in ctext.split("\r\n", 1)[0],
        "SMS_CLOUDCONNECTION.log must start mid-record",
    )
    crecs = parse_ccm(ctext)
    assert_increasing([t for t, _, _ in crecs], "SMS_CLOUDCONNECTION.log")
    _need('date="11-7-2026"' in ctext and not re.search(r'date="11-0\d-', ctext), "M-D dates")
    _need('date="11-10-2026"' in ctext, "two-digit days from the 10th")
    _need(sum(a.startswith("date=") for _, a, _ in crecs) == 2, "two reordered records")
    _need(sum(a.startswith("TIME=") for _, a, _ in crecs) == 1, "one upper-case record")
    _need(ctext.count("<![LOG[]LOG]!>") == 1, "one empty message")
    _need(ctext.count('"><![LOG[') == 1, "two records on one line")

    return Facts(h, hst, old, new, bst, fails, three_one, f1016, flags, drecs, crecs)


def both_tz(t: datetime | None, ms: bool = False) -> str:
    assert t is not None
    return f"{fmt_local(t, ms)} [{fmt_local(to_utc(t), ms)} UTC]"


def render_readme(f: Facts) -> bytes:
    bst = f.broken_stats
    lo_end = f.lo_[-1][0]
    dmp_warn = next(t for t, a, _ in f.dmp if 'type="2"' in a)
    cc_401 = next(t for t, _, m in f.cc if "(401) Unauthorized" in m)
    n_healthy_users = sum(m.startswith("NotifyAccountAddition") for _, _, m in f.healthy_cus)
    failures = "\n".join(
        f"  - {both_tz(t)} in `{'.lo_' if t <= lo_end else '.log'}`: `{m}`" for t, m in f.user_failures
    )
    L = [
        "# Sample ConfigMgr logs (invented)",
        "",
        "Everything in this folder is **fabricated test data** written by",
        "`bench/make_samples.py` (`python bench/make_samples.py` from the repository root",
        "regenerates it byte-for-byte; `--check` only verifies). No real customer log was",
        "copied. All names are fictional: contoso.com / corp.contoso.local, server",
        f"{SERVER}, site code {SITE}. No IP addresses appear.",
        "",
        f"Timestamps are US Eastern standard time with bias `+{BIAS}` (UTC = local + bias).",
        "Times below are local, with UTC in brackets.",
        "",
        "## healthy/",
        "",
        "- `Cloudusersync.log` (SMS `$$<...>` format, UTF-8 without BOM, CRLF):",
        f"  {f.healthy_stats.starts} user delta-sync cycles every 5 minutes,",
        f"  {both_tz(f.healthy_cus[0][0])} to {both_tz(f.healthy_cus[-1][0])}. Every cycle",
        "  completes (`UserDeltaSync:-`), added == received, no `Failed to` lines;",
        f"  {n_healthy_users} users added in 6 cycles, one user removed in one cycle.",
        "- `Sitecomp.log` (SMS, UTF-8 without BOM, CRLF): 2026-11-10, the five service",
        f"  connection point components ({', '.join(SCP_COMPONENTS)}) are",
        "  `flagged for installation`, installed, and each gets `STATMSG: ID=1015`; then 12",
        '  hourly polling cycles with "No changes detected". Deliberate neutral noise: a',
        '  `SQL>>>>> ...~` continuation line, a line containing "failover" (not an error),',
        "  and a `Warning:` line about SMS_WSUS_CONTROL_MANAGER (not an SCP component).",
        "",
        "## broken/",
        "",
        "### `Cloudusersync.lo_` + `Cloudusersync.log` (SMS, UTF-8 without BOM, CRLF)",
        "",
        f"- Rollover pair. `.lo_` = older part, {both_tz(f.lo_[0][0])} to {both_tz(lo_end)}",
        f"  (rolled over at ~{ROLLOVER_BYTES:,} bytes); `.log` = newer part,",
        f"  {both_tz(f.log[0][0])} to {both_tz(f.log[-1][0])}. The rollover splits one",
        f"  sync cycle: the `.lo_` ends with `{f.lo_[-1][2]}`, the `.log` starts with",
        f"  `{f.log[0][2]}`.",
        "- Healthy cycles until the break. **Last completed cycle** (`UserDeltaSync:-` line):",
        f"  {both_tz(bst.last_done, ms=True)}, in the `.log`.",
        f"- From {both_tz(bst.first_error, ms=True)} every cycle logs",
        "  `Starting user delta sync, ...` then",
        f"  `{SYNC_ERROR}`",
        f"  and never a `UserDeltaSync:-` line ({bst.errors} failed cycles, ~30 hours).",
        "- Per-user failures before the break (reason `UserNotFound` throughout):",
        "",
        failures,
        "",
        "- Cycle with `Total received users to add from SCCM = 3, Total Successfully added",
        f"  users to Cloud = 1`: {', '.join(both_tz(t) for t in f.three_one)}; another",
        "  partial cycle (2 received, 1 added) contains the hostile UPN.",
        f"- `{HOSTILE_UPN}` is a hostile UPN (spreadsheet formula injection) for",
        "  escaping tests.",
        "",
        "### `Sitecomp.log` (SMS, UTF-8 without BOM, CRLF)",
        "",
        "- 2026-11-25, starting after the last Cloudusersync record (the SCP components are",
        "  being reinstalled).",
        f"- SMS_DMP_UPLOADER is `flagged for installation` {f.uploader_flags} times but never",
        '  gets `ID=1015` (its install is "postponed"; no error text at all).',
        f"- SMS_CLOUD_USERSYNC fails {len(f.sitecomp_1016)} times, about 60 minutes apart:",
        f"  `Installing component SMS_CLOUD_USERSYNC...`, `{INSTALL_ERROR}`,",
        "  `Installation failed and will be retried in the next polling cycle.` and",
        '  `STATMSG: ID=1016 SEV=E ... COMP="SMS_CLOUD_USERSYNC" ... ISTR0="CM01.corp.contoso.com"` at',
        "  " + ", ".join(fmt_local(t)[11:] for t in f.sitecomp_1016) + ".",
        "- SMS_DMP_DOWNLOADER, SMS_SERVICE_CONNECTOR and SMS_OUTGOING_CONTENT_MANAGER install",
        "  fine (`ID=1015`).",
        "- Generic error lines about non-SCP components (`Error: Failed to query the service",
        "  status of component SMS_NOTIFICATION_SERVER ... win32 error = 1060.`, `ERROR: Cannot",
        "  read the registry key ...SMS_WSUS_CONTROL_MANAGER ...; error = 5.`) and a `Warning:`",
        "  about SMS_STATE_SYSTEM. All lines carry the SMS_SITE_COMPONENT_MANAGER tag.",
        "",
        "### `dmpdownloader.log` (CMTrace/CCM format, UTF-16 LE with BOM, CRLF)",
        "",
        f"- {both_tz(f.dmp[0][0])} to {both_tz(f.dmp[-1][0])}, one cycle per hour.",
        f"- Healthy manifest downloads until 06:00; from {both_tz(dmp_warn)} every cycle",
        "  logs `WARNING: Failed to download easy setup payload with exception: The",
        "  underlying connection was closed: Could not establish trust relationship for the",
        "  SSL/TLS secure channel.` and `WARNING: Retry in the next polling cycle` (type 2).",
        "- Multi-line type 3 records (message includes a .NET stack trace):",
        "  `ERROR: Failed to download Admin UI content payload with exception: ...` and",
        "  `Failed to check and load service signing certificate.",
        "  System.ArgumentException: Fail to build chain`.",
        '- .NET-written records use 7-digit fractions and no bias (`time="HH:MM:SS.fffffff"`),',
        "  native ones `HH:MM:SS.fff+300`.",
        "- Hostile text: `<script>alert(1)</script>` (a proxy response body) and `|` in a",
        '  payload list. Non-ASCII text: "für".',
        "",
        "### `SMS_CLOUDCONNECTION.log` (CMTrace/CCM format, UTF-8 with BOM, CRLF)",
        "",
        f"- {both_tz(f.cc[0][0])} to {both_tz(f.cc[-1][0])}.",
        "- Starts mid-record: the first line is the tail of a record",
        "  (`...3 of 3 reachable]LOG]!><time=...>`).",
        '- `date="11-7-2026"`-style (no zero padding) for 7-9 November, `11-10-2026` after.',
        "- Two records with attributes in a different order (`date=` first), one record with",
        "  upper-case attribute names (`TIME=`, `TYPE=`, ...), one empty message",
        "  (`<![LOG[]LOG]!>`), and two records on one physical line.",
        "- Story: the invented Intune service certificate expires 2026-11-24 05:58; daily",
        "  type 2 expiry warnings in the week before; from",
        f"  {both_tz(cc_401)} the connection checks fail with `(401) Unauthorized` (type 3).",
        "",
        "## Note for checker authors",
        "",
        "Every healthy cycle starts with `Starting user delta sync, raise failure status",
        'messages = True`, which contains "fail"; a naive error/fail text heuristic must not',
        'flag it. Apart from that, the healthy logs contain no "error"/"fail" text except',
        'the word "failover" in `healthy/Sitecomp.log`.',
        "",
    ]
    return "\n".join(L).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate the invented sample ConfigMgr logs.")
    ap.add_argument("--check", action="store_true", help="verify the files on disk instead of writing them")
    args = ap.parse_args(argv)

    outs = build()
    facts = verify(outs)
    outs.append(Output("README.md", render_readme(facts), 0, "(documentation)"))

    bad = 0
    for o in outs:
        path = OUT / o.rel
        if args.check:
            same = path.is_file() and path.read_bytes() == o.data
            bad += not same
            status = "ok" if same else "DIFFERS"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(o.data)
            status = "written"
        recs = f"{o.records:5d} records" if o.records else " " * 13
        print(f"{o.rel:32s} {recs} {len(o.data):9,d} bytes  {status} {o.note}".rstrip())
    print(f"{'total':32s} {'':13s} {sum(len(o.data) for o in outs):9,d} bytes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
