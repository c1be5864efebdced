"""The Cloudusersync reader reads a batch's usual cycles whole as it reads their records one by one."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.sources.logfacts import KEEP_CYCLES, KEEP_EVENTS, UserSyncReader
from scanner.sources.parse.cmfast import Batch
from scanner.sources.parse.cmlog import ERROR, INFO, WARNING
from scanner.sources.parse.cmtime import clock_time

# The lines of a usual cycle, and what breaks its shape: other lines, blanks in a user or a reason,
# counts of 19 digits, phrases inside other phrases, newlines inside a message, other cases.
START = [
    "Starting user delta sync, raise failure status messages = True",
    "Starting user full sync",
    "starting user sync",
]
SENT = [
    "NotifyAccountAddition - SCCM user to add = eva.novak@contoso.com",
    "NotifyAccountAddition - SCCM user to add = EVA.NOVAK@contoso.com",
    "NotifyAccountAddition - SCCM user to add = chen.wu@contoso.com",
    "NotifyAccountAddition - SCCM user to add = two words",
    "NotifyAccountAddition - SCCM user to add = Starting user sync",
]
FAILED = [
    "Failed to add user eva.novak@contoso.com; reason UserNotFound",
    "Failed to add user chen.wu@contoso.com; reason UserNotFound.",
    "Failed to remove user chen.wu@contoso.com; reason Gone",
    "Failed to add user x; reason Starting user sync",
    "Failed to add user a;b; reason c",
    "Failed to add user eva.novak@contoso.com; reason ",
]
COUNTS = [
    "Total received users to add from SCCM = 2, Total Successfully added users to Cloud = 1",
    "Total received users to add from SCCM = 0, Total Successfully added users to Cloud = 0",
    f"Total received users to add from SCCM = {10**18 + 1}, Total Successfully added users to Cloud = 9",
    f"Total received users to add from SCCM = 5, Total Successfully added users to Cloud = {9:019}",
    "Total received users from SCCM to be removed from cloud = 0",
    "Total received users from SCCM to be removed from cloud = 3",
    "Successfully removed users from cloud 0",
    "Successfully removed users from cloud 7",
]
DONE = [
    "UserDeltaSync:- Users Added = 1, Users Removed = 0",
    "UserDeltaSync:-Users Added = 1, Users Removed = 0",
]
OTHER = [
    "Polling interval elapsed",
    "ERROR: Failed to sync users with exception",
    "Sync users\nwith two lines",
    "",
]


def usual(sent: list[str]) -> list[str]:
    return [START[0], *sent, COUNTS[0], COUNTS[4], COUNTS[6], DONE[0]]


lines = st.sampled_from(START + SENT + FAILED + COUNTS + DONE + OTHER)
cycle = st.lists(st.sampled_from(SENT + FAILED), max_size=4).map(usual)
piece = st.one_of(cycle, st.lists(lines, min_size=1, max_size=3), cycle.map(lambda c: c[:-1]))
# Mostly times a clock reads (a usual cycle's end then has a time, found without timing each one).
DATES = ["11-01-2026", "11-01-2026", "11-02-2026", "", "13-40-2026"]
TIMES = ["09:05:01.880+300", "09:05:02.913+300", "09:05:01.880+300", "23:59:59.5-60", "9:05:01", "garbage"]
record = st.tuples(
    st.sampled_from(DATES), st.sampled_from(TIMES), st.sampled_from([INFO, INFO, WARNING, ERROR])
)


def clock(date: str, time: str) -> datetime | None:
    return clock_time(date, time, 1, 0)


def batch(messages: list[str], fields: list[tuple[str, str, int]]) -> Batch:
    n = len(messages)
    dates, times, sevs = (list(c) for c in zip(*fields, strict=True))
    return Batch(
        messages, ["C"] * n, dates, times, sevs, ["1"] * n, [""] * n, list(range(1, n + 1)), [False] * n
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(piece, min_size=1, max_size=12), st.data())
def test_usual_cycles_read_whole_give_the_facts_of_reading_every_record(
    pieces: list[list[str]], data: st.DataObject
) -> None:
    messages = [m for p in pieces for m in p]
    fields = data.draw(st.lists(record, min_size=len(messages), max_size=len(messages)))
    cut = data.draw(st.integers(0, len(messages)))  # two batches, a cycle may run across them
    whole, each = UserSyncReader(clock), UserSyncReader(clock)
    for part in (slice(0, cut), slice(cut, None)):
        if messages[part]:
            b = batch(messages[part], fields[part])
            whole.read(b, "Cloudusersync.log")
            for k in range(len(b)):
                each._one(b, k, "Cloudusersync.log")
    assert whole.facts() == each.facts()


def test_a_usual_cycle_gives_its_counts_its_users_and_its_completion() -> None:
    messages = usual([SENT[0], SENT[2], FAILED[1]])
    b = batch(messages, [("11-01-2026", "09:05:01.880+300", INFO)] * len(messages))
    reader = UserSyncReader(clock)
    reader.read(b, "Cloudusersync.log")
    facts = reader.facts()
    (c,) = facts.cycles
    assert (c.received, c.added, c.to_remove, c.removed, c.line) == (2, 1, 0, 0, 1)
    assert c.completed == datetime.fromisoformat("2026-11-01T14:05:01.880+00:00")
    assert [a.user for a in facts.added] == ["eva.novak@contoso.com"]
    assert [(f.user, f.reason, f.line) for f in facts.failures] == [
        ("chen.wu@contoso.com", "UserNotFound", 4)
    ]


def test_the_latest_cycles_and_users_are_kept_across_batches_as_reading_each_record_keeps_them() -> None:
    both = "Total received users to add from SCCM = 2, Total Successfully added users to Cloud = 2"
    two = [START[0], SENT[0], SENT[2], both, *COUNTS[4::2], DONE[0]]  # both added
    failed = [START[0], SENT[0], FAILED[0], SENT[2], COUNTS[0], COUNTS[4], COUNTS[6], DONE[0]]  # one added
    cycles = [two, failed, two, usual([])] * 1050  # 5,250 users added, more than are kept
    messages = [m for c in cycles for m in c]
    messages[3000:3000] = [START[0], OTHER[1]]  # a cycle that never completes, among the usual ones
    fields = [
        ("11-01-2026", f"{k // 3600 % 24:02}:{k // 60 % 60:02}:{k % 60:02}.5+300", INFO)
        for k in range(len(messages))
    ]
    whole, each = UserSyncReader(clock), UserSyncReader(clock)
    for cut in range(0, len(messages), 2500):  # batches of 2,500 records
        b = batch(messages[cut : cut + 2500], fields[cut : cut + 2500])
        b.lines = list(range(cut + 1, cut + len(b) + 1))
        whole.read(b, "Cloudusersync.log")
        for k in range(len(b)):
            each._one(b, k, "Cloudusersync.log")
    facts = whole.facts()
    assert facts == each.facts()
    assert (len(facts.cycles), facts.cycles_seen) == (KEEP_CYCLES, len(cycles) + 1)
    assert facts.cycles[-1].line == len(messages) - 4  # the last cycle's start
    assert (len(facts.added), facts.added[-1].line) == (KEEP_EVENTS, len(messages) - 9)
