"""Facts read out of Cloudusersync.log and Sitecomp.log: sync cycles, user failures, installs.

These extractors only record what the log says; the checks decide what is healthy.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate, chain, compress
from typing import Any

from scanner.evidence.logs import ComponentEvent, SyncCycle, SyncFacts, UserAdded, UserFailure
from scanner.sources.parse.cmfast import Batch, containing
from scanner.sources.parse.cmlog import ERROR, WARNING

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
# The literal tests of feed: a record with none of these that is no error or warning changes nothing.
_SYNC_WORDS = ("tarting user", "ailed to", "otifyAccount", "otal received", "from cloud", "DeltaSync")
_SITECOMP_WORDS = ("omponent", "STATMSG", "nstallation")
# A cycle of the usual shape, one record per line of the batch's text. Each line is read by _one as the
# cycle reads it: the same phrase first (a user or reason holds no blank, so no other phrase), and
# counts of at most 18 digits.
_NOTIFY = "NotifyAccountAddition - SCCM user to add = "
_FAILED_LINE = re.compile(r"Failed to (add|remove) user ([^\s;]+); reason (\S*)")
_CYCLE = re.compile(
    r"Starting user (?:delta |full )?sync[^\n]*\n"
    rf"((?:(?:{_NOTIFY}\S+|Failed to (?:add|remove) user [^\s;]+; reason \S*)\n)*)"
    r"Total received users to add from SCCM = (\d{1,18}), "
    r"Total Successfully added users to Cloud = (\d{1,18})\n"
    r"Total received users from SCCM to be removed from cloud = (\d{1,18})\n"
    r"Successfully removed users from cloud (\d{1,18})\n"
    r"UserDeltaSync:- Users Added = \d{1,18}, Users Removed = \d{1,18}(?![^\n])"
)
Span = tuple[int, int, "re.Match[str] | None"]  # first and last record, the match when they are one cycle


def _cycles(joined: str, messages: list[str]) -> list[Span]:
    """The usual cycles in the batch's text (its messages joined by newlines), as records: a match that
    does not begin and end with a record, or holds a newline of a message, gives its records alone."""
    starts = list(accumulate(map((1).__add__, map(len, messages)), initial=0))  # starts[k]: record k's
    spans: list[Span] = []
    for m in _CYCLE.finditer(joined):
        begin, end = m.span()
        first, last = bisect_right(starts, begin) - 1, bisect_right(starts, end) - 1
        whole = starts[first] == begin and starts[last + 1] == end + 1
        if spans and first <= spans[-1][1]:  # the record the one before ended in: one by one, both
            spans[-1] = (spans[-1][0], last, None)
        else:
            whole = whole and joined.count("\n", begin, end) == last - first
            spans.append((first, last, m if whole else None))
    return spans


@dataclass(slots=True)
class UserSyncReader:
    """Follows Cloudusersync.log cycle by cycle.

    A log holds tens of thousands of cycles and keeps the most recent: what is kept is held as the fields
    of its fact, with the record's date and time as written, and made a fact (timed) only in facts()."""

    clock: TimeOf  # a record's UTC time from its date and time as written (None: none, or unreadable)
    cycles: deque[Fields] = field(default_factory=lambda: deque(maxlen=KEEP_CYCLES))  # of SyncCycle
    failures: deque[Fields] = field(default_factory=lambda: deque(maxlen=KEEP_EVENTS))  # of UserFailure
    added: deque[Fields] = field(default_factory=lambda: deque(maxlen=KEEP_EVENTS))  # of UserAdded
    cycles_seen: int = 0
    last_completed: datetime | None = None
    _open: Fields | None = None  # the open cycle's, its start a (date, time)
    _to_add: dict[str, Fields] = field(default_factory=dict)  # sent to add in the open cycle, not failed

    def wanted(self, messages: list[str], severities: list[int]) -> list[int]:
        """The indexes of the records read may learn from, in order (the others it would ignore)."""
        found = containing(messages, _SYNC_WORDS)
        if severities and max(severities) >= WARNING:
            found.update(compress(range(len(severities)), map(WARNING.__le__, severities)))
        return sorted(found)

    def read(self, b: Batch, file: str) -> None:
        """Learn from a batch of records, in order: only those that may matter, from the columns.

        A cycle of the usual shape (its start, the users sent to add or failed, the four counts and the
        end, one record each, nothing between them) is read whole from one match over the batch's text;
        any other record that may matter, one by one."""
        msgs, sevs = b.messages, b.severities
        joined = "\n".join(msgs)
        spans = _cycles(joined, msgs) if "Starting user" in joined else []
        if not spans:
            for k in self.wanted(msgs, sevs):
                self._one(b, k, file)
            return
        gaps = zip(
            [-1, *(last for _, last, _ in spans)], [first for first, _, _ in spans] + [len(msgs)], strict=True
        )
        rest = list(chain.from_iterable(range(done + 1, first) for done, first in gaps))
        found = set(map(rest.__getitem__, containing(list(map(msgs.__getitem__, rest)), _SYNC_WORDS)))
        if max(sevs) >= WARNING:  # an error or warning inside a usual cycle says nothing more
            found.update(compress(range(len(sevs)), map(WARNING.__le__, sevs)))
        todo, done = iter(spans), -1
        span = next(todo, None)
        for k in sorted(found):
            while span is not None and span[0] <= k:
                self._cycle(b, span, file)
                done, span = span[1], next(todo, None)
            if k > done:
                self._one(b, k, file)
        while span is not None:
            self._cycle(b, span, file)
            span = next(todo, None)

    def _cycle(self, b: Batch, span: Span, file: str) -> None:
        """The records first to last, read as one usual cycle when the match says it is one."""
        first, last, m = span
        if m is None:  # the match does not cover whole records: each one (the others change nothing)
            for k in range(first, last + 1):
                self._one(b, k, file)
            return
        if self._open is not None:
            self._close()
        lines, dates, times, clock = b.lines, b.dates, b.times, self.clock
        started = (dates[first], times[first])
        received, added, to_remove, removed = map(int, m.group(2, 3, 4, 5))
        done = clock(dates[last], times[last]) or clock(*started)
        cycle = {"file": file, "line": lines[first], "started": started, "received": received, "added": added}
        cycle.update(to_remove=to_remove, removed=removed, completed=done)
        if not m[1]:  # no user sent or failed: closed at once (what _close does with none)
            self.cycles.append(cycle)
            self.cycles_seen += 1
            if done and (self.last_completed is None or done > self.last_completed):
                self.last_completed = done
            return
        self._open = cycle
        k = first
        for text in m[1].split("\n")[:-1]:  # the users sent to add or failed, one record each
            k += 1
            if text.startswith(_NOTIFY):
                self._sent(text[len(_NOTIFY) :], b, k, file)
            elif f := _FAILED_LINE.fullmatch(text):
                self._failed(f[2], f[1], f[3].rstrip("."), b, k, file)
        self._close()

    def _one(self, b: Batch, k: int, file: str) -> None:
        """What one record says, by the first of its phrases that reads (the order matters)."""
        msg, lines, dates, times = b.messages[k], b.lines, b.dates, b.times
        if "user" not in msg and "User" not in msg:  # every line this reader wants names users
            self._problem(b.severities[k], msg)
            return
        # Literal tests first: case-insensitive regexes cost microseconds, and this runs per record.
        if "tarting user" in msg and _START.search(msg):
            self._close()
            self._open = {"file": file, "line": lines[k], "started": (dates[k], times[k])}
            return
        if "ailed to" in msg and (m := _FAILED_USER.search(msg)) and (r := _REASON.search(msg, m.end() + 1)):
            user, reason = msg[m.end() : r.start()].strip(), msg[r.end() :].strip().rstrip(".")
            self._failed(user, m[1].lower(), reason, b, k, file)
            return
        cycle = self._open
        if cycle is None:
            return
        if "otifyAccount" in msg and (m := _TO_ADD.search(msg)):
            self._sent(msg[m.end() :].strip(), b, k, file)
        elif "otal received" in msg and (m := _RECEIVED.search(msg)):
            cycle.update(received=int(m[1]), added=int(m[2]))
        elif "otal received" in msg and (m := _TO_REMOVE.search(msg)):
            cycle["to_remove"] = int(m[1])
        elif "from cloud" in msg and (m := _REMOVED.search(msg)):
            cycle["removed"] = int(m[1])
        elif "DeltaSync" in msg and _DONE.search(msg):
            cycle["completed"] = self.clock(dates[k], times[k]) or self.clock(*cycle["started"])
            self._close()
        else:
            self._problem(b.severities[k], msg)

    def _sent(self, user: str, b: Batch, k: int, file: str) -> None:
        """A user sent to add in the open cycle."""
        self._to_add[user.lower()] = {
            "user": user,
            "time": (b.dates[k], b.times[k]),
            "file": file,
            "line": b.lines[k],
        }

    def _failed(self, user: str, action: str, reason: str, b: Batch, k: int, file: str) -> None:
        self._to_add.pop(user.lower(), None)
        self.failures.append(
            {
                "user": user,
                "action": action,
                "reason": reason,
                "time": (b.dates[k], b.times[k]),
                "file": file,
                "line": b.lines[k],
            }
        )

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

    def facts(self) -> SyncFacts:
        self._close()
        clock = self.clock
        return SyncFacts(
            cycles=tuple(SyncCycle(**{**c, "started": clock(*c["started"])}) for c in self.cycles),
            cycles_seen=self.cycles_seen,
            last_completed=self.last_completed,
            failures=tuple(UserFailure(**{**f, "time": clock(*f["time"])}) for f in self.failures),
            added=tuple(UserAdded(**{**a, "time": clock(*a["time"])}) for a in self.added),
        )

    def _close(self) -> None:
        cycle = self._open
        if cycle is not None:
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
