"""Facts read out of Cloudusersync.log and Sitecomp.log: sync cycles, user failures, installs.

These extractors only record what the log says; the checks decide what is healthy.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress, repeat
from operator import sub
from typing import Any

from scanner.evidence.logs import ComponentEvent, SyncCycle, SyncFacts, UserAdded, UserFailure
from scanner.sources.cycles import Kept, kinds, outside, timed, users, usual
from scanner.sources.parse.cmfast import Batch, containing
from scanner.sources.parse.cmlog import ERROR, WARNING
from scanner.sources.parse.cmtime import time_range

KEEP_CYCLES = 2000  # about a week of five-minute cycles
KEEP_EVENTS = 5000
TimeOf = Callable[[str, str], datetime | None]  # (date, time) as written -> UTC
Fields = dict[str, Any]  # a fact's fields, its time the record's (date, time) until it is made


_START = re.compile(r"Starting user (?:delta |full )?sync", re.I)
# A count is at most 18 digits: int() of thousands (a damaged log) raises, and none is a real count.
_N = r"(\d{1,18})(?!\d)"
_RECEIVED = re.compile(
    rf"Total received users to add from SCCM = {_N}, Total Successfully added users to Cloud = {_N}", re.I
)
_TO_REMOVE = re.compile(rf"Total received users from SCCM to be removed from cloud = {_N}", re.I)
_REMOVED = re.compile(rf"Successfully removed users from cloud {_N}", re.I)
_DONE = re.compile(rf"UserDeltaSync:-\s*Users Added = {_N}, Users Removed = {_N}", re.I)
# "Failed to add user <user>; reason <reason>": the head, then the first "; reason " after it. One
# expression with a lazy user part rescanned the message from every "Failed to add user" (quadratic).
_FAILED_USER = re.compile(r"Failed to (add|remove) user ", re.I)
_REASON = re.compile(r"; reason ", re.I)
_TO_ADD = re.compile(r"NotifyAccountAddition - SCCM user to add = ", re.I)
_COUNT = re.compile(r"\d+")
# What is kept until facts() times it, each record's date and time as written (a usual cycle: its number):
Failure = tuple[str, str, str, str, str, str, int]  # file, user, action, reason, date, time, line
Added = tuple[str, str, str, str, int]  # file, user, date, time, line


@dataclass(slots=True)
class _Pending:
    """Facts of a batch's usual cycles, in order, waiting for those of the records read one by one."""

    keys: list[int] = field(default_factory=list)  # the record each comes from, ascending
    items: Sequence[Any] = field(default_factory=list)
    taken: int = 0

    def put(self, into: deque[Any], before: int) -> None:
        """Those from records before the record `before` into their deque."""
        end = bisect_left(self.keys, before, self.taken)
        if end > self.taken:
            into.extend(self.items[self.taken : end])
            self.taken = end


@dataclass(slots=True)
class UserSyncReader:
    """Follows Cloudusersync.log cycle by cycle.

    A log holds tens of thousands of cycles and keeps the most recent: what is kept is held as the fields
    of its fact, with the record's date and time as written, and made a fact (timed) only in facts()."""

    # A record's UTC time from its date and time as written (None: none, or unreadable); it times the
    # plain times of a date and bias in their textual order, and all between two it times (cycles.timed).
    clock: TimeOf
    cycles: deque[Fields | int] = field(default_factory=lambda: deque(maxlen=KEEP_CYCLES))
    failures: deque[Failure | int] = field(default_factory=lambda: deque(maxlen=KEEP_EVENTS))
    added: deque[Added | int] = field(default_factory=lambda: deque(maxlen=KEEP_EVENTS))
    cycles_seen: int = 0
    last_completed: datetime | None = None
    _open: Fields | None = None  # the open cycle's, its start a (date, time)
    _to_add: dict[str, Added] = field(default_factory=dict)  # sent to add in the open cycle, not failed
    _pending: tuple[_Pending, _Pending, _Pending] | None = None  # of cycles, failures, added
    # The facts of usual cycles, by number (cycles, failures and users added hold their numbers)
    _cycles: Kept = field(default_factory=lambda: Kept(KEEP_CYCLES))
    _failures: Kept = field(default_factory=lambda: Kept(KEEP_EVENTS))
    _added: Kept = field(default_factory=lambda: Kept(KEEP_EVENTS))

    def read(self, b: Batch, file: str) -> None:
        """Learn from a batch of records, in order, from its columns.

        The usual cycles (cycles.usual) are read whole, as columns; the other records with a phrase of
        the reader one by one, and the errors and warnings between them while a cycle is open; their
        facts are put in order with those of the usual cycles."""
        found = kinds(b.messages)
        firsts, ends = usual(found)
        if firsts:
            self._usual(b, found, file, firsts, ends)
        done = -1
        for k in outside(found, firsts, ends):
            if self._open is not None:
                self._while_open(b, firsts, done, k)
            self._one(b, k, file)
            done = k
        if self._open is not None:
            self._while_open(b, firsts, done, len(b))
        self._flush(len(b))
        self._pending = None

    def _while_open(self, b: Batch, firsts: list[int], done: int, k: int) -> None:
        """The records between done and k, the cycle open: none has a phrase of the reader, and those
        of a usual cycle say nothing more. Its errors and warnings until the next usual cycle, which
        closes it."""
        j = bisect_right(firsts, done)
        stop = min(k, firsts[j]) if j < len(firsts) else k
        sevs, msgs = b.severities, b.messages
        for i in compress(range(done + 1, stop), map(WARNING.__le__, sevs[done + 1 : stop])):
            self._problem(sevs[i], msgs[i])
        if stop < k:
            self._close(stop)

    def _flush(self, before: int) -> None:
        """The usual cycles' facts from records before the record `before` into their deques."""
        if self._pending is not None:
            cycles, failures, added = self._pending
            cycles.put(self.cycles, before)
            failures.put(self.failures, before)
            added.put(self.added, before)

    def _usual(self, b: Batch, found: str, file: str, firsts: list[int], ends: list[int]) -> None:
        """The batch's usual cycles: counted, their completions, the cycles, failures and users added."""
        msgs, dates, times, clock = b.messages, b.dates, b.times, self.clock
        lasts = list(map((-1).__add__, ends))
        end_dates, end_times = list(map(dates.__getitem__, lasts)), list(map(times.__getitem__, lasts))
        start_dates, start_times = list(map(dates.__getitem__, firsts)), list(map(times.__getitem__, firsts))
        dones: list[datetime | None] | None = None  # each one's completion, when one may be None
        if timed(end_dates, end_times, clock):
            newest = time_range(end_dates, end_times, clock)[1]
        else:  # the end's time, or the start's when the end has none
            dones = list(map(_or, map(clock, end_dates, end_times), map(clock, start_dates, start_times)))
            newest = max(filter(None, dones), default=None)
        self.cycles_seen += len(firsts)
        if newest is not None and (self.last_completed is None or newest > self.last_completed):
            self.last_completed = newest
        counts = (list(map(msgs.__getitem__, map(back.__add__, ends))) for back in (-4, -3, -2))
        lines = list(map(b.lines.__getitem__, firsts))
        numbers = self._cycles.add(file, (lines, start_dates, start_times, end_dates, end_times, *counts))
        wide = list(compress(range(len(firsts)), map((5).__lt__, map(sub, ends, firsts))))  # with users
        completed = repeat(True) if dones is None else map(bool, map(dones.__getitem__, wide))
        spans = zip(map(firsts.__getitem__, wide), map(ends.__getitem__, wide), completed, strict=False)
        (failed, failures), (closed, added) = users(b, found, file, spans, self._failures, self._added)
        self._pending = (_Pending(lasts, numbers), _Pending(failed, failures), _Pending(closed, added))

    def _one(self, b: Batch, k: int, file: str) -> None:
        """What one record says, by the first of its phrases that reads (the order matters)."""
        msg, lines, dates, times = b.messages[k], b.lines, b.dates, b.times
        if "user" not in msg and "User" not in msg:  # every line this reader wants names users
            self._problem(b.severities[k], msg)
            return
        # Literal tests first: case-insensitive regexes cost microseconds, and this runs per record.
        if "tarting user" in msg and _START.search(msg):
            self._close(k)
            self._open = {"file": file, "line": lines[k], "started": (dates[k], times[k])}
            return
        if "ailed to" in msg and (m := _FAILED_USER.search(msg)) and (r := _REASON.search(msg, m.end() + 1)):
            user, reason = msg[m.end() : r.start()].strip(), msg[r.end() :].strip().rstrip(".")
            self._to_add.pop(user.lower(), None)
            self._flush(k)
            self.failures.append((file, user, m[1].lower(), reason, dates[k], times[k], lines[k]))
            return
        cycle = self._open
        if cycle is None:
            return
        if "otifyAccount" in msg and (m := _TO_ADD.search(msg)):
            user = msg[m.end() :].strip()
            self._to_add[user.lower()] = (file, user, dates[k], times[k], lines[k])
        elif "otal received" in msg and (m := _RECEIVED.search(msg)):
            cycle.update(received=int(m[1]), added=int(m[2]))
        elif "otal received" in msg and (m := _TO_REMOVE.search(msg)):
            cycle["to_remove"] = int(m[1])
        elif "from cloud" in msg and (m := _REMOVED.search(msg)):
            cycle["removed"] = int(m[1])
        elif "DeltaSync" in msg and _DONE.search(msg):
            cycle["completed"] = self.clock(dates[k], times[k]) or self.clock(*cycle["started"])
            self._close(k)
        else:
            self._problem(b.severities[k], msg)

    def _problem(self, severity: int, message: str) -> None:
        """An error or warning inside a cycle: what ended a cycle that never completed."""
        cycle = self._open
        if severity < WARNING or cycle is None:
            return
        if severity == ERROR:
            cycle["errors"] = cycle.get("errors", 0) + 1
            cycle["last_error"] = message[:300]
        elif "last_error" not in cycle:  # a warning says what went wrong when no error does
            cycle["last_error"] = message[:300]

    def _close(self, at: int) -> None:
        """Close the open cycle at record `at` of the batch (after the usual cycles' facts before it)."""
        cycle = self._open
        if cycle is not None:
            self._flush(at)
            self.cycles.append(cycle)
            self.cycles_seen += 1
            done = cycle.get("completed")
            if done and (self.last_completed is None or done > self.last_completed):
                self.last_completed = done
            # Users sent to add with no failure in a completed cycle were added, when the counts agree.
            if done and cycle.get("added", len(self._to_add)) >= len(self._to_add):
                self.added.extend(self._to_add.values())
            self._to_add = {}
            self._open = None

    def facts(self) -> SyncFacts:
        self._close(0)
        clock = self.clock
        return SyncFacts(
            cycles=tuple(map(self._cycle, self._cycles.rows(self.cycles))),
            cycles_seen=self.cycles_seen,
            last_completed=self.last_completed,
            failures=tuple(
                UserFailure(user=u, action=a, reason=r, time=clock(d, t), file=f, line=n)
                for f, u, a, r, d, t, n in self._failures.rows(self.failures)
            ),
            added=tuple(
                UserAdded(user=u, time=clock(d, t), file=f, line=n)
                for f, u, d, t, n in self._added.rows(self.added)
            ),
        )

    def _cycle(self, kept: Fields | tuple[Any, ...]) -> SyncCycle:
        """A cycle read one by one (its fields), or a usual one (its row)."""
        clock = self.clock
        if isinstance(kept, dict):
            return SyncCycle(**{**kept, "started": clock(*kept["started"])})
        file, line, start_date, start_time, end_date, end_time, *counts = kept
        (sent, added), (remove,), (gone,) = map(_COUNT.findall, counts)  # of its three count lines
        started = clock(start_date, start_time)
        return SyncCycle(
            file=file,
            line=line,
            started=started,
            completed=clock(end_date, end_time) or started,
            received=int(sent),
            added=int(added),
            to_remove=int(remove),
            removed=int(gone),
        )


def _or(first: datetime | None, second: datetime | None) -> datetime | None:
    return first or second


_SITECOMP_WORDS = ("omponent", "STATMSG", "nstallation")
_FLAGGED = re.compile(r"Component (\S+?) flagged for installation", re.I)
_INSTALLING = re.compile(r"Installing component (\S+?)(?:\.\.\.|\.|\s|$)", re.I)
_STATMSG = re.compile(rf"STATMSG: ID={_N} SEV=(\w)")
_COMP = re.compile(r'\bCOMP="([^"]*)"')  # the component the status message is about; ISTR0 names the server
_FAILED_INSTALL = re.compile(r"Failed to install component (\S+?)[:.,\s]", re.I)
_RETRY = re.compile(r"Installation failed and will be retried", re.I)
_INSTALLED_OK = 1015  # "Site Component Manager successfully installed this component"


@dataclass(slots=True)
class SiteCompReader:
    """Follows component installation in Sitecomp.log."""

    clock: TimeOf  # a record's UTC time from its date and time as written (None: none, or unreadable)
    events: deque[ComponentEvent] = field(default_factory=lambda: deque(maxlen=KEEP_EVENTS))
    _current: str = ""  # component of the latest "Installing component" line

    def wanted(self, messages: list[str], severities: list[int]) -> list[int]:
        """The indexes of the records read may learn from, in order (the others it would ignore)."""
        return sorted(containing(messages, _SITECOMP_WORDS))

    def read(self, b: Batch, file: str) -> None:
        """Learn from a batch of records, in order: only those wanted, read from the columns."""
        msgs = b.messages
        for k in self.wanted(msgs, b.severities):
            msg = msgs[k]
            if "omponent" not in msg and "STATMSG" not in msg and "nstallation" not in msg:
                continue  # every line this reader wants says one of these
            action, comp = self._classify(msg)
            if action:
                comp = comp or self._current
                if action == "installing":
                    self._current = comp
                if comp:
                    self.events.append(
                        ComponentEvent(
                            component=comp.upper(),
                            action=action,
                            time=self.clock(b.dates[k], b.times[k]),
                            file=file,
                            line=b.lines[k],
                            message=msg[:300],
                        )
                    )

    def _classify(self, msg: str) -> tuple[str, str]:
        if m := _FLAGGED.search(msg):
            return "flagged", m[1]
        if m := _INSTALLING.search(msg):
            return "installing", m[1]
        if m := _FAILED_INSTALL.search(msg + " "):
            return "failed", m[1]
        if _RETRY.search(msg):
            return "failed", ""
        if "STATMSG" in msg and (m := _STATMSG.search(msg)):
            found = _COMP.search(msg)
            comp = found[1].strip() if found else ""
            if int(m[1]) == _INSTALLED_OK:
                return "installed", comp
            if m[2].upper() == "E" and comp:
                return "failed", comp
        return "", ""
