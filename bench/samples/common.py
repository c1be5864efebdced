"""The samples' shared ground: the invented site, a seeded random source, ConfigMgr's time formats
and the server-format (SMS) record writer."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from scanner.facts import connector

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "sample_logs"

BIAS = 300  # minutes; UTC = local + bias (US Eastern standard time)
SERVER = "CM01.corp.contoso.com"
SITE = "EC1"
INSTALL_DIR = r"C:\Program Files\Microsoft Configuration Manager"
SIZE_LIMIT = 1_200_000

SCP_COMPONENTS = connector.components()  # the service connection point's, from the one table
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
