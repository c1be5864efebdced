"""The server-format logs: Cloudusersync.log (healthy, and broken across a rollover) and Sitecomp.log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from samples.common import (
    HOSTILE_UPN,
    INSTALL_DIR,
    INSTALL_ERROR,
    OTHER_COMPONENTS,
    SCP_COMPONENTS,
    SERVER,
    SITE,
    SYNC_ERROR,
    USER_ANN,
    USER_BOB,
    USER_CHEN,
    USER_DAVE,
    Clock,
    Rec,
    Rng,
    gmtdate,
    sms_line,
)

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
